// The serving threads of the HTTP server's media fast path (MediaServingThread): GatedTcpServer
// gives each accepted connection to one of them, round robin, and takes back on its own thread
// those a serving thread hands back (handedBack) to pass them through ConnectionGate to HttpApi.
// What the threads did is collected on the pool's thread every collectIntervalMs, and at once
// when someone needs the counts (collect()), and emitted as reported().
//
// Why not QHttpServer for these requests: Qt 6.4's QAbstractHttpServer handles every request on
// the one thread of its QTcpServer and QHttpServerResponder copies each body into the socket's
// write buffer per connection, so one core (shared with /status, Socket.IO and the relays)
// reads files and copies megabytes per second of segments. The API routes keep QHttpServer.
#pragma once

#include "MediaServingThread.h"

#include <QObject>
#include <QTimer>
#include <memory>
#include <vector>

namespace afk::server
{

class MediaServingPool : public QObject
{
    Q_OBJECT
public:
    // threadCount 0: one per core, at least two.
    MediaServingPool(MediaServingContext context, int threadCount, QObject *parent = nullptr);
    ~MediaServingPool() override;

    static constexpr int collectIntervalMs = 250;

    static int defaultThreadCount();
    int threadCount() const { return int(m_threads.size()); }
    // Serves the connected socket from now on (false: no serving thread runs; keep it).
    bool adopt(int descriptor);
    // Emits reported() with what the threads did since the last time (nothing when idle).
    void collect();

signals:
    // A connection this pool does not serve further: still open, nothing of it read.
    void handedBack(int descriptor);
    void reported(const afk::server::MediaServingReport &report);

private:
    std::vector<std::unique_ptr<MediaServingThread>> m_threads;
    size_t m_nextThread = 0;
    QTimer m_collectTimer;
};

} // namespace afk::server
