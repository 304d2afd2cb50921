// The studio without a GUI: the stream registry, the embedded server and the command line's
// source, with status lines on stderr and shutdown on SIGINT/SIGTERM.
#pragma once

#include "CommandLine.h"

#include <QObject>
#include <QTimer>
#include <memory>

namespace afk::session {
class Stream;
class StreamRegistry;
}
namespace afk::server {
class HttpApi;
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
    void printPlaybackUrls(const session::Stream &stream) const;
    void printStats();
    void removeExpiredStreams() const;
    QString baseUrl() const;

    StudioOptions m_options;
    std::unique_ptr<session::StreamRegistry> m_registry;
    std::unique_ptr<server::HttpApi> m_server;
    session::Stream *m_mainStream = nullptr;
    QTimer m_statsTimer;
    QTimer m_retentionTimer;
    QTimer m_shutdownWatchdog;
    int m_exitCode = 0;
    bool m_isShuttingDown = false;
};

} // namespace afk::app
