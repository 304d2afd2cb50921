#include "ConnectionGate.h"

#include "HttpReply.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace afk::server
{
namespace
{

// A descriptor held open for the moment a WebSocket changes hands: the taker's copy of the
// connection exists before Qt's socket closes the original, so at the descriptor limit (a burst
// fills it with connections still sending their upgrade request) the copy takes this one's place,
// and this one takes the original's (the Qt thread only).
int &spareDescriptor()
{
    static int spare = -1;
    return spare;
}

int copyDescriptor(int descriptor)
{
    int copy = ::fcntl(descriptor, F_DUPFD_CLOEXEC, 0);
    if (copy < 0 && (errno == EMFILE || errno == ENFILE) && spareDescriptor() >= 0) {
        ::close(spareDescriptor());
        spareDescriptor() = -1;
        copy = ::fcntl(descriptor, F_DUPFD_CLOEXEC, 0);
    }
    return copy;
}

// After the original closed: the spare is put back.
void restoreSpareDescriptor()
{
    if (spareDescriptor() < 0)
        spareDescriptor() = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

// How much the gate peeks at a time: bounds the copy when a burst of body bytes arrives.
constexpr qint64 inspectWindowBytes = 64 * 1024;

QByteArray reasonPhrase(int statusCode)
{
    switch (statusCode) {
    case 400:
        return QByteArrayLiteral("Bad Request");
    case 408:
        return QByteArrayLiteral("Request Timeout");
    case 413:
        return QByteArrayLiteral("Content Too Large");
    case 414:
        return QByteArrayLiteral("URI Too Long");
    case 431:
        return QByteArrayLiteral("Request Header Fields Too Large");
    case 503:
        return QByteArrayLiteral("Service Unavailable");
    default:
        break;
    }
    return QByteArrayLiteral("Error");
}

} // namespace

void ConnectionGate::reserveSpareDescriptor()
{
    restoreSpareDescriptor();
}

ConnectionGate::ConnectionGate(QTcpSocket *socket, const GateSettings &settings)
    : QObject(socket), m_socket(socket), m_settings(settings), m_peer(socket->peerAddress()),
      m_framer(settings.request)
{
    connect(m_socket, &QIODevice::readyRead, this, &ConnectionGate::beforeServerReads);
    connect(m_socket, &QIODevice::bytesWritten, this, [this] { m_wroteSinceIdleArmed = true; });
    m_requestTimer.setSingleShot(true);
    m_idleTimer.setSingleShot(true);
    m_lingerTimer.setSingleShot(true);
    connect(&m_requestTimer, &QTimer::timeout, this, &ConnectionGate::onRequestTimeout);
    connect(&m_idleTimer, &QTimer::timeout, this, &ConnectionGate::onIdleTimeout);
    connect(&m_lingerTimer, &QTimer::timeout, m_socket, &QAbstractSocket::abort);
    // A new connection gets the request timeout to begin its first request.
    m_idleTimer.start(m_settings.requestTimeoutMs);
}

void ConnectionGate::watchServerReads()
{
    connect(m_socket, &QIODevice::readyRead, this, &ConnectionGate::afterServerReads);
}

void ConnectionGate::beforeServerReads()
{
    if (m_mode != Mode::Inspecting)
        return;
    noteArrivals();
    inspect();
}

void ConnectionGate::noteArrivals()
{
    // Between the gate's two slots only Qt reads; between emissions nobody does. So growth of
    // the unread bytes since the gate last looked is exactly what arrived.
    const qint64 available = m_socket->bytesAvailable();
    if (available > m_unreadSeen)
        m_received += available - m_unreadSeen;
    m_unreadSeen = available;
}

void ConnectionGate::inspect()
{
    while (m_mode == Mode::Inspecting && m_pendingEnd < 0 && m_inspected < m_received) {
        const qint64 consumedByServer = m_received - m_socket->bytesAvailable();
        // Bytes inspected but not read by Qt: at most the current request, bounded by limits.
        const qint64 offset = m_inspected - consumedByServer;
        const qint64 length = std::min(m_received - m_inspected, inspectWindowBytes);
        const QByteArray peeked = m_socket->peek(offset + length);
        if (peeked.size() < offset + length) {
            closeOutOfStep();
            return;
        }
        const RequestFramer::Step step = m_framer.feed(QByteArrayView(peeked).sliced(offset));
        m_inspected += step.consumed;
        switch (step.outcome) {
        case RequestFramer::Outcome::NeedMore:
            if (m_framer.isInRequest() && !m_requestTimer.isActive()) {
                m_idleTimer.stop();
                m_requestTimer.start(m_settings.requestTimeoutMs);
            }
            break;
        case RequestFramer::Outcome::RequestEnd:
            m_pendingEnd = m_inspected;
            m_requestTimer.stop();
            m_wroteSinceIdleArmed = false;
            m_idleTimer.start(m_settings.idleTimeoutMs);
            break;
        case RequestFramer::Outcome::Upgrade:
            if (m_webSocketTaker && *m_webSocketTaker && offerWebSocket())
                return;
            m_pendingEnd = m_inspected;
            m_isPendingUpgrade = true;
            m_requestTimer.stop();
            m_idleTimer.stop();
            // Runs once this emission is over, when Qt has handed the socket on (or not).
            QMetaObject::invokeMethod(this, &ConnectionGate::afterWebSocketHandover,
                                      Qt::QueuedConnection);
            break;
        case RequestFramer::Outcome::Refused:
            refuse(m_framer.refusal());
            return;
        }
    }
}

void ConnectionGate::afterServerReads()
{
    if (m_mode != Mode::Inspecting)
        return;
    const qint64 available = m_socket->bytesAvailable();
    const qint64 consumedByServer = m_received - available;
    m_unreadSeen = available;
    if (m_isPendingUpgrade) {
        // Qt either handed the socket to its WebSocket server (disconnecting every slot, so this
        // one never runs) or answered the upgrade request itself and is closing the connection.
        if (m_socket->state() == QAbstractSocket::ConnectedState)
            closeOutOfStep();
        else
            passThrough();
        return;
    }
    if (m_socket->state() != QAbstractSocket::ConnectedState)
        return;
    if (m_pendingEnd >= 0) {
        // Qt must have read exactly that request and dispatched it (committing its read
        // transaction before handleRequest).
        if (consumedByServer != m_pendingEnd || m_socket->isTransactionStarted()) {
            closeOutOfStep();
            return;
        }
        m_pendingEnd = -1;
        return;
    }
    // Mid-request Qt reads everything there is and keeps its transaction open.
    if (m_framer.isInRequest() &&
        (consumedByServer != m_received || !m_socket->isTransactionStarted()))
        closeOutOfStep();
}

void ConnectionGate::afterWebSocketHandover()
{
    // Qt answered the upgrade request itself (afterServerReads ran), or the socket is gone.
    if (m_mode != Mode::Inspecting || m_socket->state() != QAbstractSocket::ConnectedState)
        return;
    // Qt handed the socket to its QWebSocketServer, which keeps the socket's disconnected()
    // connected to itself for the socket's whole life only to deleteLater() it, and calls
    // QObject::sender() for every handshake: sender() walks all the connections into the
    // receiver, so with n WebSockets open each handshake costs O(n) and a burst O(n²) (10,000
    // viewers took 35-50 s to connect). The socket deleting itself does the same job.
    m_mode = Mode::PassThrough;
    disconnect(m_socket, &QAbstractSocket::disconnected, nullptr, nullptr);
    connect(m_socket, &QAbstractSocket::disconnected, m_socket, &QObject::deleteLater);
}

bool ConnectionGate::offerWebSocket()
{
    // Qt reads a request inside a read transaction that it commits once the request is whole:
    // rolled back, the socket's buffer starts at this request's first byte.
    const bool wasInTransaction = m_socket->isTransactionStarted();
    const qint64 availableBefore = m_socket->bytesAvailable();
    if (wasInTransaction)
        m_socket->rollbackTransaction();
    const qint64 readByServer = m_socket->bytesAvailable() - availableBefore;
    const QByteArray buffered = m_socket->peek(m_socket->bytesAvailable());
    const qint64 headSize = m_inspected - (m_received - m_socket->bytesAvailable());
    std::optional<HttpRequestHead> head;
    if (headSize > 0 && headSize <= buffered.size())
        head = HttpRequestHead::parse(QByteArrayView(buffered).first(headSize));
    WebSocketTake take;
    WebSocketUpgrade upgrade;
    if (head) {
        // The connection stays open on the copy when Qt closes its socket below (close(), no
        // shutdown(): the peer sees nothing of it).
        upgrade.descriptor = copyDescriptor(int(m_socket->socketDescriptor()));
        upgrade.head = std::move(*head);
        upgrade.early = buffered.mid(headSize);
        upgrade.peer = m_socket->peerAddress();
        upgrade.peerPort = m_socket->peerPort();
        if (upgrade.descriptor < 0) {
            take.outcome = WebSocketTake::Outcome::Refused;
            take.statusCode = 503;
            take.message = QStringLiteral("the studio is out of file descriptors");
        } else {
            take = (*m_webSocketTaker)(upgrade);
        }
    }
    if (take.outcome != WebSocketTake::Outcome::Taken && upgrade.descriptor >= 0) {
        ::close(upgrade.descriptor);
        restoreSpareDescriptor();
    }
    switch (take.outcome) {
    case WebSocketTake::Outcome::NotMine:
        if (wasInTransaction) { // Qt's reading goes on exactly where it was
            m_socket->startTransaction();
            m_socket->read(readByServer);
        }
        return false;
    case WebSocketTake::Outcome::Refused:
        refuseNow(take.statusCode,
                  take.statusCode == 503 ? HttpRefusal::TooManyConnections
                                         : HttpRefusal::BadRequest,
                  take.message);
        return true;
    case WebSocketTake::Outcome::Taken:
        break;
    }
    m_mode = Mode::Refused; // nothing more to inspect: the gate's job is done
    m_requestTimer.stop();
    m_idleTimer.stop();
    disconnect(m_socket, &QIODevice::readyRead, nullptr, nullptr);
    emit webSocketTaken();
    m_socket->abort();
    m_socket->deleteLater();
    restoreSpareDescriptor();
    return true;
}

void ConnectionGate::refuse(const RequestRefusal &refusal)
{
    refuseNow(refusal.statusCode, refusal.reason, refusal.message);
}

void ConnectionGate::refuseNow(int statusCode, HttpRefusal reason, const QString &message)
{
    m_mode = Mode::Refused;
    m_requestTimer.stop();
    m_idleTimer.stop();
    // Qt must not read another byte of this connection (its partial request is dropped).
    disconnect(m_socket, &QIODevice::readyRead, nullptr, nullptr);
    if (m_socket->isTransactionStarted())
        m_socket->commitTransaction();
    emit refused(reason, message);

    m_socket->write(refusalResponse(statusCode, message, m_settings.corsOrigin));
    // Closing with unread bytes would make the kernel answer a reset that can destroy the
    // answer in flight: send it, end our side, and drain (a bounded amount, a bounded time)
    // until the client closes.
    connect(m_socket, &QIODevice::readyRead, this, &ConnectionGate::drainAfterRefusal);
    connect(m_socket, &QIODevice::bytesWritten, this, &ConnectionGate::shutDownWritingWhenFlushed);
    connect(m_socket, &QAbstractSocket::disconnected, m_socket, &QObject::deleteLater);
    m_lingerTimer.start(m_settings.lingerMs);
    drainAfterRefusal();
    shutDownWritingWhenFlushed();
}

QByteArray ConnectionGate::refusalResponse(int statusCode, const QString &message,
                                           const QByteArray &corsOrigin)
{
    const HttpReply reply = HttpReply::error(statusCode, message);
    QByteArray response = "HTTP/1.1 " + QByteArray::number(statusCode) + ' ' +
                          reasonPhrase(statusCode) + "\r\nContent-Type: " + reply.contentType +
                          "\r\nCache-Control: " + reply.cacheControl +
                          "\r\nAccess-Control-Allow-Origin: " + corsOrigin;
    if (corsOrigin != "*")
        response += "\r\nVary: Origin";
    response += "\r\nX-Content-Type-Options: nosniff\r\nContent-Length: " +
                QByteArray::number(reply.body.size()) + "\r\nConnection: close\r\n\r\n" +
                reply.body;
    return response;
}

void ConnectionGate::drainAfterRefusal()
{
    const qint64 available = m_socket->bytesAvailable();
    if (available <= 0)
        return;
    m_lingerBytes += m_socket->skip(available);
    if (m_lingerBytes > m_settings.maxLingerBytes)
        m_socket->abort();
}

void ConnectionGate::shutDownWritingWhenFlushed()
{
    if (m_isWriteShutDown || m_socket->bytesToWrite() > 0 ||
        m_socket->state() != QAbstractSocket::ConnectedState)
        return;
    // Qt has no half-close: the answer is in the kernel now, follow it with our FIN.
    ::shutdown(int(m_socket->socketDescriptor()), SHUT_WR);
    m_isWriteShutDown = true;
}

void ConnectionGate::closeOutOfStep()
{
    // The gate's framing and Qt's disagree (a bug on one side or a request built to exploit
    // one); what follows cannot be checked, so the connection ends without an answer.
    m_mode = Mode::Refused;
    m_requestTimer.stop();
    m_idleTimer.stop();
    emit refused(HttpRefusal::BadRequest,
                 QStringLiteral("request framing out of step with the HTTP server"));
    m_socket->abort();
}

void ConnectionGate::passThrough()
{
    m_mode = Mode::PassThrough;
    m_requestTimer.stop();
    m_idleTimer.stop();
    disconnect(m_socket, nullptr, this, nullptr);
}

void ConnectionGate::onRequestTimeout()
{
    if (m_mode != Mode::Inspecting || !m_framer.isInRequest())
        return;
    refuseNow(408, HttpRefusal::RequestTimeout,
              QStringLiteral("request not complete within %1 s")
                  .arg(m_settings.requestTimeoutMs / 1000.0));
}

void ConnectionGate::onIdleTimeout()
{
    if (m_mode != Mode::Inspecting || m_framer.isInRequest())
        return;
    // A client still downloading its last answer is not idle.
    if (m_socket->bytesToWrite() > 0 && m_wroteSinceIdleArmed) {
        m_wroteSinceIdleArmed = false;
        m_idleTimer.start(m_settings.idleTimeoutMs);
        return;
    }
    m_mode = Mode::Refused;
    emit closedIdle();
    if (m_socket->bytesToWrite() > 0)
        m_socket->abort();
    else
        m_socket->disconnectFromHost();
}

} // namespace afk::server
