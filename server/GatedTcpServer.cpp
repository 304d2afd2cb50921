#include "GatedTcpServer.h"

#include <QDebug>
#include <QTcpSocket>

#include <sys/resource.h>
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

// Descriptors besides connections: data files, relays, encoders' files, Qt's own.
constexpr rlim_t descriptorReserve = 256;

// Each connection is a descriptor, and Debian's default soft limit (1024) would run out long
// before the default cap; the hard limit may be raised to without privileges.
void raiseDescriptorLimit(int maxConnections)
{
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return;
    const rlim_t wanted = rlim_t(maxConnections) + descriptorReserve;
    if (limit.rlim_cur >= wanted)
        return;
    limit.rlim_cur = std::min(wanted, limit.rlim_max);
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur < wanted)
        qWarning("[http] only %llu file descriptors are allowed; --max-connections %d may not be "
                 "reachable (raise the hard limit, e.g. LimitNOFILE= in a systemd unit)",
                 static_cast<unsigned long long>(limit.rlim_cur), maxConnections);
}

} // namespace

GatedTcpServer::GatedTcpServer(GateSettings settings, int maxConnections, HttpMetrics *metrics,
                               QObject *parent)
    : QTcpServer(parent), m_settings(std::move(settings)), m_maxConnections(maxConnections),
      m_metrics(metrics)
{
    m_suppressedLogTimer.setSingleShot(true);
    connect(&m_suppressedLogTimer, &QTimer::timeout, this, &GatedTcpServer::flushSuppressedLog);
    connect(this, &QTcpServer::acceptError, this, &GatedTcpServer::onAcceptError);
    raiseDescriptorLimit(maxConnections);
    countConnections(0);
}

void GatedTcpServer::onAcceptError()
{
    // QTcpServer stops accepting for good on any accept() error but EAGAIN, running out of
    // descriptors (EMFILE) included: try again every second until connections close.
    if (!m_isAcceptFailing)
        qWarning().noquote() << "[http] cannot accept connections:" << errorString()
                             << "(retrying every second)";
    m_isAcceptFailing = true;
    QTimer::singleShot(1000, this, [this] {
        if (isListening())
            resumeAccepting();
    });
}

void GatedTcpServer::incomingConnection(qintptr socketDescriptor)
{
    if (m_isAcceptFailing) {
        m_isAcceptFailing = false;
        qWarning("[http] accepting connections again");
    }
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
    if (!m_logWindow.isValid() || m_logWindow.elapsed() >= m_logWindowMs) {
        flushSuppressedLog();
        m_logWindow.start();
        m_loggedInWindow = 0;
    }
    if (m_loggedInWindow < m_logBurst) {
        ++m_loggedInWindow;
        // The gate's own words only: no header, target or query string of the client's.
        qWarning().noquote() << "[http] refused" << describePeer(peer)
                             << QStringLiteral("(%1):").arg(QLatin1String(refusalLabel(reason)))
                             << message;
        return;
    }
    ++m_suppressedInWindow;
    if (!m_suppressedLogTimer.isActive())
        m_suppressedLogTimer.start(std::max<qint64>(0, m_logWindowMs - m_logWindow.elapsed()));
}

void GatedTcpServer::flushSuppressedLog()
{
    if (m_suppressedInWindow == 0)
        return;
    qWarning().noquote() << "[http]" << m_suppressedInWindow << "more refusals in the last"
                         << m_logWindowMs / 1000.0
                         << "s not logged (all are counted in afk_http_refused_total)";
    m_suppressedInWindow = 0;
}

} // namespace afk::server
