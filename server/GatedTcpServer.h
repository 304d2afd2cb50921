// The listening socket of HttpApi: a QTcpServer that puts a ConnectionGate on every connection
// before QAbstractHttpServer gets it, caps the connections open at once (WebSocket ones included;
// over the cap: 503 and close), and counts and logs every refusal (one line each, with the reason
// and the peer address only, at most refusalLogBurst lines per refusalLogWindowMs). It raises the
// process's descriptor limit to fit the cap and keeps accepting after running out of descriptors.
#pragma once

#include "ConnectionGate.h"
#include "HttpMetrics.h"

#include <QElapsedTimer>
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

    // metrics (may be null) must outlive this server.
    GatedTcpServer(GateSettings settings, int maxConnections, HttpMetrics *metrics,
                   QObject *parent = nullptr);

    int openConnections() const { return m_openConnections; }
    // At most `burst` refusal lines per `windowMs`, then one line with how many were not logged.
    void setRefusalLogLimit(int burst, int windowMs)
    {
        m_logBurst = burst;
        m_logWindowMs = windowMs;
    }

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    void onAcceptError();
    void countConnections(int delta);
    void noteRefusal(HttpRefusal reason, const QHostAddress &peer, const QString &message);
    void flushSuppressedLog();

    GateSettings m_settings;
    int m_maxConnections;
    HttpMetrics *m_metrics;
    int m_openConnections = 0;
    bool m_warnedAboutHandover = false;
    bool m_isAcceptFailing = false;

    int m_logBurst = refusalLogBurst;
    int m_logWindowMs = refusalLogWindowMs;
    QElapsedTimer m_logWindow;
    int m_loggedInWindow = 0;
    int m_suppressedInWindow = 0;
    QTimer m_suppressedLogTimer;
};

} // namespace afk::server
