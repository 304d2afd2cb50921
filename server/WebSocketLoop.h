// The WebSocket connections of the Socket.IO server (WebSocketConnection), all on one epoll set
// watched by a single QSocketNotifier on the Qt thread.
//
// Why: Qt 6.4's event dispatcher hands poll() every socket notifier at each wake-up and finds a
// notifier to remove by a linear search, so 10,000 QTcpSockets made every wake-up and every
// write notifier cost O(connections). epoll reports only the descriptors that are ready.
#pragma once

#include "WebSocketConnection.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

class QSocketNotifier;

namespace afk::server {

class ForkJoinPool;

struct WebSocketLoopOptions {
    // A data message larger than this closes the connection with 1009.
    qint64 maxMessageBytes = 16 * 1024 * 1024;
    // A client that leaves this much unread is dropped (a viewer that stopped reading must not
    // make the studio hold every room event for it).
    qint64 maxBacklogBytes = 1024 * 1024;
    // After our close frame, how long the client has to answer before the descriptor is closed.
    int closeTimeoutMs = 5000;
};

class WebSocketLoop : public QObject
{
    Q_OBJECT
public:
    // onRetired runs once for every adopted connection when its descriptor is closed.
    WebSocketLoop(WebSocketLoopOptions options, std::function<void()> onRetired,
                  QObject *parent = nullptr);
    ~WebSocketLoop() override; // closes every connection (their handlers are not told)

    const WebSocketLoopOptions &options() const { return m_options; }
    bool isValid() const { return m_epoll >= 0; }
    int connectionCount() const { return int(m_connections.size()); }

    // Takes the connected descriptor, sends handshakeAnswer and reads `early` as the first bytes
    // from the client. nullptr when it cannot be watched (the descriptor is closed then, and
    // onRetired is not called).
    WebSocketConnection *adopt(int descriptor, const QByteArray &handshakeAnswer,
                               const QByteArray &early);

    // One frame to many connections (a room event; each connection once), as sendFrame() on
    // each. From parallelSendThreshold connections on, the send() calls are spread over the
    // cores (ForkJoinPool, why there); what the kernel did not take is queued on this thread
    // after.
    void sendToMany(const QByteArray &frame, const std::vector<WebSocketConnection *> &connections);
    static constexpr size_t parallelSendThreshold = 256;

private:
    friend class WebSocketConnection;

    void onReady();
    void watch(WebSocketConnection &connection, bool isWatchingWrites);
    void noteClosing(WebSocketConnection &connection);
    void scheduleFailure(WebSocketConnection &connection);
    void reportFailures();
    void retire(WebSocketConnection &connection);
    void sweepClosing();
    qint64 nowMs() const { return m_clock.elapsed(); }
    char *readBuffer() { return m_readBuffer.data(); }
    qsizetype readBufferSize() const { return qsizetype(m_readBuffer.size()); }

    WebSocketLoopOptions m_options;
    std::function<void()> m_onRetired;
    int m_epoll = -1;
    QSocketNotifier *m_notifier = nullptr;
    std::unordered_map<int, std::unique_ptr<WebSocketConnection>> m_connections; // by descriptor
    std::vector<int> m_closing;  // descriptors whose close handshake runs
    std::vector<int> m_failures; // descriptors whose handler is still to be told
    std::vector<std::unique_ptr<WebSocketConnection>> m_retired; // deleted after the dispatch
    std::vector<char> m_readBuffer;
    std::unique_ptr<ForkJoinPool> m_sendPool; // created at the first large fan-out
    QTimer m_closeSweep;
    QElapsedTimer m_clock;
    bool m_isFailureReportQueued = false;
};

} // namespace afk::server
