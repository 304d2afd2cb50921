// afk-studio: the AFK Host Studio executable: the desktop studio (built with AFK_BUILD_UI), the
// headless runner (--headless), and the keys / chat commands.
#include "CameraSource.h"
#include "ChatCommand.h"
#include "CommandLine.h"
#include "HeadlessStudio.h"
#include "KeysCommand.h"
#include "SignalWatcher.h"

#ifdef AFK_HAS_GUI
#include "GuiStudio.h"
#include <QApplication>
#endif

#include <QAudioDevice>
#include <QCoreApplication>
#include <QMediaDevices>
#include <cstdio>
#include <memory>

extern "C" {
#include <libavutil/log.h>
}

namespace {

QStringList argumentsOf(int argc, char **argv)
{
    QStringList arguments;
    for (int index = 0; index < argc; ++index)
        arguments << QString::fromLocal8Bit(argv[index]);
    return arguments;
}

#ifdef AFK_HAS_GUI
// The GUI needs a display before QApplication exists (without one Qt aborts the process).
bool hasDisplay()
{
    return qEnvironmentVariableIsSet("DISPLAY") || qEnvironmentVariableIsSet("WAYLAND_DISPLAY")
           || qEnvironmentVariableIsSet("QT_QPA_PLATFORM");
}
#endif

} // namespace

int main(int argc, char **argv)
{
    // Qt's GLib event dispatcher finds a socket notifier to remove by walking all of them, and
    // every socket write adds and removes one: with 10,000 viewers a room broadcast cost O(n²).
    // Qt's own Unix dispatcher keeps them in a hash. (An operator's QT_NO_GLIB=0 still wins.)
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    // libav's own chatter (x264 statistics, muxer notes) is not for operators; errors stay.
    av_log_set_level(AV_LOG_ERROR);
    const QStringList arguments = argumentsOf(argc, argv);
    const afk::app::ParseResult parsed = afk::app::isKeysCommand(arguments) || afk::app::isChatCommand(arguments)
                                             ? afk::app::ParseResult{}
                                             : afk::app::loadSettings(arguments, QProcessEnvironment::systemEnvironment());
    const bool isGui = parsed.action == afk::app::ParseResult::Action::Run
                       && !parsed.options.isHeadless && !parsed.options.isListDevices;

#ifdef AFK_HAS_GUI
    if (isGui) {
        if (!hasDisplay()) {
            std::fprintf(stderr, "afk-studio: no display (DISPLAY and WAYLAND_DISPLAY are unset): "
                                 "run the studio on a desktop, or use --headless\n");
            return 2;
        }
        QApplication application(argc, argv);
        QApplication::setApplicationName(QStringLiteral("afk-studio"));
        QApplication::setApplicationDisplayName(QStringLiteral("AFK Host Studio"));
        QApplication::setApplicationVersion(QStringLiteral(AFK_VERSION));
        QApplication::setDesktopFileName(QStringLiteral("afk-host-studio"));
        return afk::app::runGuiStudio(application, parsed.options);
    }
#endif

    QCoreApplication application(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("afk-studio"));
    QCoreApplication::setApplicationVersion(QStringLiteral(AFK_VERSION));
    if (afk::app::isKeysCommand(arguments))
        return afk::app::runKeysCommand(arguments.mid(2));
    if (afk::app::isChatCommand(arguments))
        return afk::app::runChatCommand(arguments.mid(2));

    if (parsed.action == afk::app::ParseResult::Action::Run && parsed.options.isListDevices) {
        const QStringList cameras = afk::media::CameraSource::listCameras();
        std::printf("cameras (--source camera:ID, --camera ID):\n");
        if (cameras.isEmpty())
            std::printf("  none found\n");
        for (const QString &camera : cameras)
            std::printf("  %s\n", qPrintable(camera));
        std::printf("microphones:\n");
        const QList<QAudioDevice> microphones = QMediaDevices::audioInputs();
        if (microphones.isEmpty())
            std::printf("  none found\n");
        for (const QAudioDevice &microphone : microphones)
            std::printf("  %s  %s%s\n", microphone.id().constData(),
                        qPrintable(microphone.description()),
                        microphone == QMediaDevices::defaultAudioInput() ? " [default]" : "");
        return 0;
    }

    switch (parsed.action) {
    case afk::app::ParseResult::Action::ShowHelp:
        // Parsed again now that the application exists: the usage line names the program.
        std::fputs(qPrintable(afk::app::parseCommandLine(arguments).helpText), stdout);
        return 0;
    case afk::app::ParseResult::Action::ShowVersion:
        std::printf("afk-studio %s\n", AFK_VERSION);
        return 0;
    case afk::app::ParseResult::Action::Fail:
        std::fprintf(stderr, "afk-studio: %s\n", qPrintable(parsed.error));
        return 2;
    case afk::app::ParseResult::Action::Run:
        break;
    }
    if (isGui) {
        std::fprintf(stderr, "afk-studio: this build has no GUI; run with --headless (see --help)\n");
        return 2;
    }

    afk::app::SignalWatcher signalWatcher;
    afk::app::HeadlessStudio studio(parsed.options);
    QObject::connect(&studio, &afk::app::HeadlessStudio::exitRequested, &application,
                     &QCoreApplication::exit, Qt::QueuedConnection);
    QObject::connect(&signalWatcher, &afk::app::SignalWatcher::terminationRequested, &studio,
                     [&studio](int) { studio.shutDown(); });
    QString error;
    if (!studio.start(&error)) {
        std::fprintf(stderr, "afk-studio: %s\n", qPrintable(error));
        return 2;
    }
    return application.exec();
}
