#include "GuiStudio.h"

#include "KeyPassword.h"
#include "MainWindow.h"
#include "Studio.h"
#include "StudioPaths.h"

#include <QApplication>
#include <QInputDialog>
#include <QMessageBox>

namespace afk::app {

namespace {

// Nostr that cannot start (no key yet, a cancelled password) must not lock the streamer out of
// the window where it is fixed (Settings → Keys, Relays): offer to go on without it.
bool isStartedWithoutNostr(studio::StudioOptions *options, const QString &error)
{
    if (options->nostr.relayUrls.isEmpty())
        return false;
    const auto answer = QMessageBox::question(
        nullptr, QStringLiteral("AFK Host Studio"),
        QStringLiteral("Nostr cannot start: %1\n\nStart without Nostr (no announcement, no chat)? "
                       "Keys and relays are in the Settings menu.")
            .arg(error),
        QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Yes);
    if (answer != QMessageBox::Yes)
        return false;
    options->nostr.relayUrls.clear();
    return true;
}

} // namespace

int runGuiStudio(QApplication &application, const StudioOptions &options)
{
    StudioOptions effective = options;
    auto studioCore = std::make_unique<studio::Studio>(effective);
    const auto providePassword = [&options](QString *error) {
        if (!options.nostr.keyPasswordFile.isEmpty() || qEnvironmentVariableIsSet("AFK_KEY_PASSWORD"))
            return readKeyPassword(options.nostr.keyPasswordFile, false, error);
        bool isOk = false;
        const QString password = QInputDialog::getText(
            nullptr, QStringLiteral("AFK Host Studio"),
            QStringLiteral("Password of your Nostr key (announces the stream on the relays):"),
            QLineEdit::Password, {}, &isOk);
        if (!isOk || password.isEmpty())
            *error = QStringLiteral("no key password given: the stream will not be announced");
        return isOk ? password : QString();
    };
    // The Nostr key is unlocked with a password dialog (the environment or a file still work).
    studioCore->setKeyPasswordProvider(providePassword);
    QString error;
    bool isStarted = studioCore->start(&error);
    if (!isStarted && isStartedWithoutNostr(&effective, error)) {
        studioCore.reset(); // its server holds the port until it goes
        studioCore = std::make_unique<studio::Studio>(effective);
        isStarted = studioCore->start(&error);
    }
    if (!isStarted) {
        QMessageBox::critical(nullptr, QStringLiteral("AFK Host Studio"),
                              QStringLiteral("The studio cannot start: %1").arg(error));
        return 2;
    }
    studio::Studio &studio = *studioCore;
    ui::MainWindow window(studio, options.settingsFile.isEmpty()
                                      ? studio::configDir() + QStringLiteral("/studio.conf")
                                      : options.settingsFile);
    window.resize(1120, 720);
    window.show();
    if (options.isGoLiveAtLaunch)
        window.goLive();
    int exitCode = application.exec();
    // Closing the window ends the stream cleanly (segment finished, playlists ended).
    QEventLoop shutdown;
    QObject::connect(&studio, &studio::Studio::stopped, &shutdown, [&](int code) {
        exitCode = exitCode != 0 ? exitCode : code;
        shutdown.quit();
    });
    studio.shutDown();
    if (!studio.isStopped())
        shutdown.exec();
    return exitCode;
}

} // namespace afk::app
