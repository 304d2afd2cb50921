#include "GatedTcpServer.h"

#include <QDebug>
#include <QTcpSocket>

#include <unistd.h>

#include <algorithm>

namespace afk::server
{
namespace
{

QString describePeer(const QHostAddress &peer)
{
    bool isIpv4 = false;
    const quint32 ipv4 = peer.toIPv4Address(&isIpv4);
    return isIpv4 ? QHostAddress(ipv4).toString() : peer.toString();
}

} // namespace

GatedTcpServer::GatedTcpServer(GateSettings settings, int maxConnections, HttpMetrics *metrics,
                               QObject *parent)
    : QTcpServer(parent), m_settings(std::move(settings)), m_maxConnections(maxConnections),
      m_metrics(metrics)
{
    m_suppressedLogTimer.setSingleShot(true);
    connect(&m_suppressedLogTimer, &QTimer::timeout, this, &GatedTcpServer::flushSuppressedLog);
    countConnections(0);
}

void GatedTcpServer::incomingConnection(qintptr socketDescriptor)
{
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(socketDescriptor)) {
        delete socket;
        ::close(int(socketDescriptor));
        return;
    }
    auto *gate = new ConnectionGate(socket, m_settings);
    connect(gate, &ConnectionGate::refused, this,
            [this, gate](HttpRefusal reason, const QString &message) {
                noteRefusal(reason, gate->peerAddress(), message);
            });
    if (m_openConnections >= m_maxConnections) {
        // Never handed to the HTTP server: the gate answers, drains briefly and closes.
        gate->refuseNow(503, HttpRefusal::TooManyConnections,
                        QStringLiteral("too many connections: the studio accepts at most %1 at "
                                       "once (--max-connections %1)")
                            .arg(m_maxConnections));
        return;
    }
    connect(gate, &ConnectionGate::closedIdle, this, [this] {
        if (m_metrics)
            m_metrics->recordIdleClose();
    });
    // The gate lives as long as the socket, which a WebSocket keeps until it closes.
    countConnections(1);
    connect(gate, &QObject::destroyed, this, [this] { countConnections(-1); });

    // QAbstractHttpServer takes the socket (and connects its readyRead handler) inside this call:
    // it listens to pendingConnectionAvailable, which addPendingConnection emits.
    addPendingConnection(socket);
    if (hasPendingConnections() && !m_warnedAboutHandover) {
        m_warnedAboutHandover = true;
        qWarning("[http] the HTTP server did not take a connection at once; request limits "
                 "cannot be checked before it reads");
    }
    gate->watchServerReads();
}

void GatedTcpServer::countConnections(int delta)
{
    m_openConnections += delta;
    if (m_metrics)
        m_metrics->setConnections(m_openConnections, m_maxConnections);
}

void GatedTcpServer::noteRefusal(HttpRefusal reason, const QHostAddress &peer,
                                 const QString &message)
{
    if (m_metrics)
        m_metrics->recordRefusal(reason);
    if (!m_logWindow.isValid() || m_logWindow.elapsed() >= refusalLogWindowMs) {
        flushSuppressedLog();
        m_logWindow.start();
        m_loggedInWindow = 0;
    }
    if (m_loggedInWindow < refusalLogBurst) {
        ++m_loggedInWindow;
        // The gate's own words only: no header, target or query string of the client's.
        qWarning().noquote() << "[http] refused" << describePeer(peer)
                             << QStringLiteral("(%1):").arg(QLatin1String(refusalLabel(reason)))
                             << message;
        return;
    }
    ++m_suppressedInWindow;
    if (!m_suppressedLogTimer.isActive())
        m_suppressedLogTimer.start(
            std::max<qint64>(0, refusalLogWindowMs - m_logWindow.elapsed()));
}

void GatedTcpServer::flushSuppressedLog()
{
    if (m_suppressedInWindow == 0)
        return;
    qWarning().noquote() << "[http]" << m_suppressedInWindow
                         << "more refusals in the last" << refusalLogWindowMs / 1000
                         << "s not logged (all are counted in afk_http_refused_total)";
    m_suppressedInWindow = 0;
}

} // namespace afk::server
