// The studio without a GUI: the stream registry, the embedded server and the command line's
// source, with status lines on stderr and shutdown on SIGINT/SIGTERM.
#pragma once

#include "CommandLine.h"
#include "NostrPresence.h"

#include <QObject>
#include <QPointer>
#include <QElapsedTimer>
#include <QTimer>
#include <memory>

namespace afk::session {
class Stream;
class StreamRegistry;
}
namespace afk::server {
class HttpApi;
class SocketIoServer;
}
namespace afk::nostr {
class Secp256k1Context;
}

namespace afk::app {

class HeadlessStudio : public QObject
{
    Q_OBJECT
public:
    explicit HeadlessStudio(StudioOptions options, QObject *parent = nullptr);
    ~HeadlessStudio() override;

    // Sets everything up; false with a one-line *error (exit code 2) when it cannot.
    bool start(QString *error);
    // Ends every stream cleanly; exitRequested() follows.
    void shutDown();

signals:
    void exitRequested(int exitCode);

private:
    bool startNostr(QString *error);
    void exitWhenRelaysHaveEverything();
    void printPlaybackUrls(const session::Stream &stream) const;
    void printStats();
    void removeExpiredStreams() const;
    QString baseUrl() const;

    StudioOptions m_options;
    std::unique_ptr<session::StreamRegistry> m_registry;
    std::unique_ptr<server::HttpApi> m_server;
    std::unique_ptr<nostr::Secp256k1Context> m_secp256k1; // NIP-98 checks of publishers
    std::unique_ptr<server::SocketIoServer> m_socketIo;
    QPointer<session::Stream> m_mainStream; // the --source stream; its key may be run again

    std::unique_ptr<NostrPresence> m_nostr;
    QTimer m_viewerCountTimer;
    QElapsedTimer m_shutdownClock;
    QTimer m_statsTimer;
    QTimer m_retentionTimer;
    QTimer m_shutdownWatchdog;
    int m_exitCode = 0;
    bool m_isShuttingDown = false;
};

} // namespace afk::app
