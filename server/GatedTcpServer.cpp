#include "GatedTcpServer.h"

#include <QDebug>
#include <QFile>
#include <QMetaMethod>
#include <QTcpSocket>

#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

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

// An integer from a /proc/sys file, or fallback.
qint64 readProcInteger(const char *path, qint64 fallback)
{
    QFile file(QString::fromLatin1(path));
    if (!file.open(QIODevice::ReadOnly))
        return fallback;
    bool isNumber = false;
    const qint64 value = file.readAll().trimmed().toLongLong(&isNumber);
    return isNumber && value > 0 ? value : fallback;
}

// Each connection is a descriptor, and Debian's default soft limit (1024) runs out long before
// thousands of viewers; the soft limit may be raised to the hard one without privileges.
void raiseDescriptorLimit(int maxConnections)
{
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return;
    rlim_t hard = limit.rlim_max;
    if (hard == RLIM_INFINITY) // setrlimit refuses more than fs.nr_open
        hard = rlim_t(readProcInteger("/proc/sys/fs/nr_open", 1048576));
    if (limit.rlim_cur < hard) {
        limit.rlim_cur = hard;
        if (setrlimit(RLIMIT_NOFILE, &limit) != 0)
            getrlimit(RLIMIT_NOFILE, &limit);
    }
    if (limit.rlim_cur < rlim_t(maxConnections) + descriptorReserve)
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
    m_acceptRetryTimer.setSingleShot(true);
    m_acceptRetryTimer.setInterval(acceptRetryMs);
    connect(&m_acceptRetryTimer, &QTimer::timeout, this, [this] {
        if (m_acceptNotifier)
            m_acceptNotifier->setEnabled(true);
    });
    setListenBacklog(0);
    raiseDescriptorLimit(maxConnections);
    countConnections(0);
}

int GatedTcpServer::systemListenBacklogLimit()
{
    return int(std::min<qint64>(readProcInteger("/proc/sys/net/core/somaxconn", 4096), INT_MAX));
}

qint64 GatedTcpServer::descriptorLimit()
{
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return -1;
    return limit.rlim_cur == RLIM_INFINITY ? -1 : qint64(limit.rlim_cur);
}

void GatedTcpServer::setListenBacklog(int requested)
{
    // Qt listens with 50: a burst of viewers overflows that, and the kernel drops the SYNs of the
    // rest, whose clients retry only after 1, 3, 7 s.
    const int systemLimit = systemListenBacklogLimit();
    if (requested > systemLimit)
        qWarning("[http] --listen-backlog %d is above net.core.somaxconn (%d): the kernel uses %d",
                 requested, systemLimit, systemLimit);
    setListenBacklogSize(requested > 0 ? requested : systemLimit);
}

bool GatedTcpServer::listen(const QHostAddress &address, quint16 port)
{
    if (!QTcpServer::listen(address, port))
        return false;
    ConnectionGate::reserveSpareDescriptor();
    // Qt's accept loop runs until the queue is empty and, on any error but EAGAIN, stops accepting
    // for good. Ours takes a batch per wake-up and rests after EMFILE; Qt's notifier stays off.
    QTcpServer::pauseAccepting();
    m_acceptNotifier = new QSocketNotifier(socketDescriptor(), QSocketNotifier::Read, this);
    connect(m_acceptNotifier, &QSocketNotifier::activated, this, &GatedTcpServer::acceptPending);
    return true;
}

void GatedTcpServer::acceptPending()
{
    // A batch, not the whole queue: with thousands of connections arriving at once, the ones
    // accepted must get their requests read and WebSocket handshakes done before more come in.
    // Qt's HTTP and WebSocket servers find a signal's sender by walking every connection into
    // them (QObject::sender()), so thousands half-way through their handshake at once would
    // cost O(n²). The notifier is level-triggered: the rest of the queue is taken on the next
    // turn of the event loop.
    const int listening = int(socketDescriptor());
    for (int i = 0; i < acceptBatch; ++i) {
        const int descriptor = ::accept4(listening, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (descriptor < 0) {
            const int error = errno;
            if (error == EAGAIN || error == EWOULDBLOCK)
                return;
            if (error == EINTR || error == ECONNABORTED || error == EPROTO)
                continue; // that connection only
            pauseAcceptingAfter(error);
            return;
        }
        if (m_isAcceptFailing) {
            m_isAcceptFailing = false;
            if (m_isAcceptEpisodeLogged)
                qWarning("[http] accepting connections again after %.1f s (%d retries)",
                         double(m_acceptFailingSince.elapsed()) / 1000.0, m_acceptRetries);
        }
        incomingConnection(descriptor);
        emit newConnection();
    }
}

void GatedTcpServer::pauseAcceptingAfter(int error)
{
    // Out of descriptors (or kernel memory) the listening socket stays readable until some
    // connections close: as nginx does, rest a while between tries instead of spinning on it,
    // keep serving the open connections, and say so once (at the limit, connections closing and
    // new ones taking their place would start an episode every second: one line a minute at
    // most); new clients wait in the kernel's queue.
    m_acceptNotifier->setEnabled(false);
    m_acceptRetryTimer.start();
    if (m_isAcceptFailing) {
        ++m_acceptRetries;
        return;
    }
    m_isAcceptFailing = true;
    m_acceptFailingSince.start();
    m_acceptRetries = 0;
    m_isAcceptEpisodeLogged =
        !m_acceptFailureLogged.isValid() || m_acceptFailureLogged.elapsed() >= acceptLogIntervalMs;
    if (!m_isAcceptEpisodeLogged)
        return;
    m_acceptFailureLogged.start();
    qWarning("[http] cannot accept connections: %s (limit %lld descriptors); open connections "
             "are served, new ones wait in the kernel's queue; retrying every %d ms",
             strerror(error), descriptorLimit(), acceptRetryMs);
}

void GatedTcpServer::setMediaServing(MediaServingPool *pool)
{
    m_mediaServing = pool;
    connect(pool, &MediaServingPool::handedBack, this,
            [this](int descriptor) { gateConnection(descriptor, true); });
    connect(pool, &MediaServingPool::reported, this, &GatedTcpServer::onMediaServingReport);
}

void GatedTcpServer::onMediaServingReport(const MediaServingReport &report)
{
    if (report.closedConnections > 0)
        countConnections(-report.closedConnections);
    if (m_metrics) {
        for (int i = 0; i < report.idleCloses; ++i)
            m_metrics->recordIdleClose();
    }
}

void GatedTcpServer::incomingConnection(qintptr socketDescriptor)
{
    // Media requests first: the serving threads hand back whatever they do not answer.
    if (m_mediaServing && m_openConnections < m_maxConnections) {
        countConnections(1);
        if (m_mediaServing->adopt(int(socketDescriptor)))
            return;
        countConnections(-1);
    }
    gateConnection(socketDescriptor, false);
}

void GatedTcpServer::gateConnection(qintptr socketDescriptor, bool isCounted)
{
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(socketDescriptor)) {
        delete socket;
        ::close(int(socketDescriptor));
        if (isCounted)
            countConnections(-1);
        return;
    }
    auto *gate = new ConnectionGate(socket, m_settings);
    connect(gate, &ConnectionGate::refused, this,
            [this, gate](HttpRefusal reason, const QString &message) {
                noteRefusal(reason, gate->peerAddress(), message);
            });
    if (!isCounted && m_openConnections >= m_maxConnections) {
        // Never handed to the HTTP server: the gate answers, drains briefly and closes.
        gate->refuseNow(503, HttpRefusal::TooManyConnections,
                        QStringLiteral("too many connections: the studio accepts at most %1 at "
                                       "once (--max-connections %1)")
                            .arg(m_maxConnections));
        return;
    }
    gate->setWebSocketTaker(&m_webSocketTaker);
    connect(gate, &ConnectionGate::webSocketTaken, this, [this] {
        countConnections(1); // the taker's now, until releaseWebSocket()
        if (m_metrics)
            m_metrics->recordResponse(HttpRoute::SocketIo, 101, 0);
    });
    connect(gate, &ConnectionGate::closedIdle, this, [this] {
        if (m_metrics)
            m_metrics->recordIdleClose();
    });
    // The gate lives as long as the socket, which a WebSocket keeps until it closes.
    if (!isCounted)
        countConnections(1);
    connect(gate, &QObject::destroyed, this, [this] { countConnections(-1); });

    // QAbstractHttpServer takes the socket (and connects its readyRead handler) inside this call:
    // it listens to pendingConnectionAvailable.
    handOver(socket);
    if (hasPendingConnections() && !m_warnedAboutHandover) {
        m_warnedAboutHandover = true;
        qWarning("[http] the HTTP server did not take a connection at once; request limits "
                 "cannot be checked before it reads");
    }
    gate->watchServerReads();
}

void GatedTcpServer::handOver(QTcpSocket *socket)
{
    // Not QTcpServer::addPendingConnection: the HTTP server's nextPendingConnection() would then
    // switch Qt's own accept notifier back on. The signal is the one addPendingConnection emits.
    static const QMetaMethod pendingConnectionAvailable =
        QMetaMethod::fromSignal(&QTcpServer::pendingConnectionAvailable);
    m_handover.append(socket);
    pendingConnectionAvailable.invoke(this, Qt::DirectConnection);
}

QTcpSocket *GatedTcpServer::nextPendingConnection()
{
    return m_handover.isEmpty() ? nullptr : m_handover.takeFirst();
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
