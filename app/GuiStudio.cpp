#include "GuiStudio.h"

#include "KeyPassword.h"
#include "MainWindow.h"
#include "Studio.h"
#include "StudioPaths.h"

#include <QApplication>
#include <QInputDialog>
#include <QMessageBox>

namespace afk::app {

int runGuiStudio(QApplication &application, const StudioOptions &options)
{
    studio::Studio studio(options);
    // The Nostr key is unlocked with a password dialog (the environment or a file still work).
    studio.setKeyPasswordProvider([&options](QString *error) {
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
    });
    QString error;
    if (!studio.start(&error)) {
        QMessageBox::critical(nullptr, QStringLiteral("AFK Host Studio"),
                              QStringLiteral("The studio cannot start: %1").arg(error));
        return 2;
    }
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
