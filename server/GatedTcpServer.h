// The listening socket of HttpApi: a QTcpServer that puts a ConnectionGate on every connection
// before QAbstractHttpServer gets it, caps the connections open at once (WebSocket ones included;
// over the cap: 503 and close), and counts and logs every refusal (one line each, with the reason
// and the peer address only, at most refusalLogBurst lines per refusalLogWindowMs). It raises the
// process's descriptor limit to fit the cap and keeps accepting after running out of descriptors.
#pragma once

#include "ConnectionGate.h"
#include "HttpMetrics.h"
#include "MediaServingPool.h"

#include <QElapsedTimer>
#include <QSocketNotifier>
#include <QTcpServer>
#include <QTimer>

namespace afk::server
{

class GatedTcpServer : public QTcpServer
{
    Q_OBJECT
public:
    static constexpr int defaultMaxConnections = 4096;
    static constexpr int refusalLogBurst = 20;
    static constexpr int refusalLogWindowMs = 10'000;
    // After EMFILE/ENFILE/ENOMEM: how long accepting rests before the next try.
    static constexpr int acceptRetryMs = 1000;
    static constexpr int acceptLogIntervalMs = 60'000;
    // Connections accepted per wake-up of the event loop before the ones already accepted get
    // their turn (see acceptPending).
    static constexpr int acceptBatch = 64;

    // metrics (may be null) must outlive this server.
    GatedTcpServer(GateSettings settings, int maxConnections, HttpMetrics *metrics,
                   QObject *parent = nullptr);

    // The kernel's cap on any listen backlog (net.core.somaxconn); 4096 when it cannot be read.
    static int systemListenBacklogLimit();
    // The soft RLIMIT_NOFILE of this process now.
    static qint64 descriptorLimit();

    // The accept queue of the next listen(): requested, or the system's limit for 0. The kernel
    // silently caps it at net.core.somaxconn, so a larger request is logged.
    void setListenBacklog(int requested);
    // QTcpServer::listen, then accepting is this class's own (acceptPending) instead of Qt's.
    // Hides the non-virtual base function on purpose: call it through a GatedTcpServer.
    bool listen(const QHostAddress &address, quint16 port);

    int openConnections() const { return m_openConnections; }
    // Paused by running out of descriptors, retrying every acceptRetryMs.
    bool isAcceptPaused() const { return m_isAcceptFailing; }
    // At most `burst` refusal lines per `windowMs`, then one line with how many were not logged.
    void setRefusalLogLimit(int burst, int windowMs)
    {
        m_logBurst = burst;
        m_logWindowMs = windowMs;
    }

    // From now on every accepted connection goes to pool's serving threads first; those it hands
    // back come through the gate to the HTTP server. pool must outlive this server.
    void setMediaServing(MediaServingPool *pool);

    // From now on every WebSocket upgrade request is offered to taker first (ConnectionGate);
    // a taken connection stays counted until releaseWebSocket().
    void setWebSocketTaker(WebSocketTaker taker) { m_webSocketTaker = std::move(taker); }
    void releaseWebSocket() { countConnections(-1); }

    // The HTTP server takes connections from here (see incomingConnection).
    bool hasPendingConnections() const override { return !m_handover.isEmpty(); }
    QTcpSocket *nextPendingConnection() override;

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    void acceptPending();
    void gateConnection(qintptr socketDescriptor, bool isCounted);
    void onMediaServingReport(const MediaServingReport &report);
    void handOver(QTcpSocket *socket);
    void pauseAcceptingAfter(int error);
    void countConnections(int delta);
    void noteRefusal(HttpRefusal reason, const QHostAddress &peer, const QString &message);
    void flushSuppressedLog();

    GateSettings m_settings;
    int m_maxConnections;
    HttpMetrics *m_metrics;
    MediaServingPool *m_mediaServing = nullptr;
    WebSocketTaker m_webSocketTaker;
    int m_openConnections = 0;
    bool m_warnedAboutHandover = false;
    QSocketNotifier *m_acceptNotifier = nullptr;
    QList<QTcpSocket *> m_handover; // accepted, not yet taken by the HTTP server
    QTimer m_acceptRetryTimer;
    bool m_isAcceptFailing = false;
    QElapsedTimer m_acceptFailingSince;
    int m_acceptRetries = 0;
    bool m_isAcceptEpisodeLogged = false;
    QElapsedTimer m_acceptFailureLogged;

    int m_logBurst = refusalLogBurst;
    int m_logWindowMs = refusalLogWindowMs;
    QElapsedTimer m_logWindow;
    int m_loggedInWindow = 0;
    int m_suppressedInWindow = 0;
    QTimer m_suppressedLogTimer;
};

} // namespace afk::server
