// afk-studio: the AFK Host Studio executable (headless now; the GUI comes with AFK_BUILD_UI).
#include "ChatCommand.h"
#include "CommandLine.h"
#include "HeadlessStudio.h"
#include "KeysCommand.h"
#include "SignalWatcher.h"

#include <QCoreApplication>
#include <cstdio>

extern "C" {
#include <libavutil/log.h>
}

int main(int argc, char **argv)
{
    // Qt's GLib event dispatcher finds a socket notifier to remove by walking all of them, and
    // every socket write adds and removes one: with 10,000 viewers a room broadcast cost O(n²).
    // Qt's own Unix dispatcher keeps them in a hash. (An operator's QT_NO_GLIB=0 still wins.)
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    QCoreApplication application(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("afk-studio"));
    QCoreApplication::setApplicationVersion(QStringLiteral(AFK_VERSION));
    // libav's own chatter (x264 statistics, muxer notes) is not for operators; errors stay.
    av_log_set_level(AV_LOG_ERROR);

    if (afk::app::isKeysCommand(application.arguments()))
        return afk::app::runKeysCommand(application.arguments().mid(2));
    if (afk::app::isChatCommand(application.arguments()))
        return afk::app::runChatCommand(application.arguments().mid(2));

    const afk::app::ParseResult parsed = afk::app::parseCommandLine(application.arguments());
    switch (parsed.action) {
    case afk::app::ParseResult::Action::ShowHelp:
        std::fputs(qPrintable(parsed.helpText), stdout);
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
    if (!parsed.options.isHeadless) {
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
