#include "WebSocketConnection.h"

#include "WebSocketLoop.h"

#include <QStringDecoder>

#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace afk::server {
namespace {

constexpr int sendFlags = MSG_DONTWAIT | MSG_NOSIGNAL;
// Frames handed to the kernel per sendmsg() when a backlog drains.
constexpr int maxVectorFrames = 32;
// Reads per readiness before the other connections get their turn (level-triggered: the rest
// is read on the next wake-up).
constexpr int maxReadsPerWakeUp = 8;

bool isTransient(int error)
{
    return error == EAGAIN || error == EWOULDBLOCK || error == EINTR;
}

} // namespace

WebSocketConnection::WebSocketConnection(WebSocketLoop &loop, int descriptor)
    : m_loop(loop), m_reader(loop.options().maxMessageBytes), m_descriptor(descriptor)
{
}

WebSocketConnection::~WebSocketConnection()
{
    if (m_descriptor >= 0)
        ::close(m_descriptor);
}

WebSocketConnection::SendAttempt WebSocketConnection::sendWhole(int descriptor,
                                                                const QByteArray &frame)
{
    SendAttempt attempt;
    while (attempt.sent < frame.size()) {
        const ssize_t written = ::send(descriptor, frame.constData() + attempt.sent,
                                       size_t(frame.size() - attempt.sent), sendFlags);
        if (written > 0) {
            attempt.sent += written;
            continue;
        }
        if (written < 0 && errno == EINTR)
            continue;
        if (written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        attempt.error = written < 0 ? errno : EPIPE;
        break;
    }
    return attempt;
}

bool WebSocketConnection::canSendDirectly() const
{
    return m_state == State::Open && m_backlog.isEmpty();
}

void WebSocketConnection::sendFrame(const QByteArray &frame)
{
    if (!canSendDirectly()) {
        if (m_state == State::Open)
            queue(frame, 0);
        return;
    }
    finishSend(frame, sendWhole(m_descriptor, frame));
}

void WebSocketConnection::finishSend(const QByteArray &frame, const SendAttempt &attempt)
{
    if (attempt.error != 0) {
        fail(1006, QStringLiteral("transport closed (%1)")
                       .arg(QString::fromLocal8Bit(strerror(attempt.error))));
        return;
    }
    if (attempt.sent < frame.size())
        queue(frame, attempt.sent);
}

void WebSocketConnection::sendText(const QString &text)
{
    sendFrame(encodeWebSocketFrame(WebSocketOpcode::Text, text.toUtf8()));
}

void WebSocketConnection::sendBinary(const QByteArray &data)
{
    sendFrame(encodeWebSocketFrame(WebSocketOpcode::Binary, data));
}

void WebSocketConnection::queue(const QByteArray &frame, qsizetype offset)
{
    if (m_backlog.isEmpty())
        m_backlogOffset = offset;
    m_backlog.append(frame); // a reference to the shared frame, not a copy
    m_backlogBytes += frame.size() - offset;
    if (m_backlogBytes > m_loop.options().maxBacklogBytes) {
        fail(WebSocketCloseCode::policyViolation,
             QStringLiteral("the client does not read: %1 bytes waiting (the limit is %2)")
                 .arg(m_backlogBytes)
                 .arg(m_loop.options().maxBacklogBytes));
        return;
    }
    updateWatch();
}

bool WebSocketConnection::flushBacklog()
{
    while (!m_backlog.isEmpty()) {
        iovec vectors[maxVectorFrames];
        int count = 0;
        for (const QByteArray &frame : std::as_const(m_backlog)) {
            if (count == maxVectorFrames)
                break;
            const qsizetype offset = count == 0 ? m_backlogOffset : 0;
            vectors[count].iov_base = const_cast<char *>(frame.constData() + offset);
            vectors[count].iov_len = size_t(frame.size() - offset);
            ++count;
        }
        msghdr message{};
        message.msg_iov = vectors;
        message.msg_iovlen = size_t(count);
        const ssize_t written = ::sendmsg(m_descriptor, &message, sendFlags);
        if (written < 0) {
            if (isTransient(errno))
                return true;
            return false;
        }
        m_backlogBytes -= written;
        qsizetype left = written;
        while (left > 0) {
            const qsizetype rest = m_backlog.first().size() - m_backlogOffset;
            if (left < rest) {
                m_backlogOffset += left;
                break;
            }
            left -= rest;
            m_backlog.removeFirst();
            m_backlogOffset = 0;
        }
    }
    m_backlog = QList<QByteArray>(); // nothing kept once drained
    return true;
}

void WebSocketConnection::updateWatch()
{
    const bool wantsWrites = !m_backlog.isEmpty();
    if (wantsWrites != m_isWatchingWrites) {
        m_isWatchingWrites = wantsWrites;
        m_loop.watch(*this, wantsWrites);
    }
}

void WebSocketConnection::onWritable()
{
    if (m_state == State::Failed || m_state == State::Retired)
        return;
    if (!flushBacklog()) {
        fail(1006, QStringLiteral("transport closed while writing"));
        return;
    }
    updateWatch();
}

void WebSocketConnection::onReadable()
{
    for (int i = 0; i < maxReadsPerWakeUp; ++i) {
        if (m_state == State::Failed || m_state == State::Retired)
            return;
        const ssize_t received =
            ::recv(m_descriptor, m_loop.readBuffer(), size_t(m_loop.readBufferSize()), 0);
        if (received < 0 && errno == EINTR)
            continue;
        if (received < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (received <= 0) {
            if (m_state == State::Closing)
                m_loop.retire(*this);
            else
                fail(1006, QStringLiteral("transport closed"));
            return;
        }
        m_reader.append(QByteArrayView(m_loop.readBuffer(), received));
        if (!readBuffered())
            return;
        if (received < m_loop.readBufferSize())
            return;
    }
}

bool WebSocketConnection::readBuffered()
{
    while (std::optional<WebSocketFrameReader::Message> message = m_reader.next()) {
        onMessage(*message);
        if (m_state == State::Failed || m_state == State::Retired)
            return false;
    }
    if (m_reader.failureCode() == 0)
        return true;
    if (m_state == State::Closing)
        m_loop.retire(*this);
    else
        fail(m_reader.failureCode(), m_reader.failureReason(), m_reader.failureCode());
    return false;
}

void WebSocketConnection::onMessage(WebSocketFrameReader::Message &message)
{
    switch (message.opcode) {
    case WebSocketOpcode::Ping:
        if (m_state == State::Open)
            sendFrame(encodeWebSocketFrame(WebSocketOpcode::Pong, message.payload));
        return;
    case WebSocketOpcode::Pong:
    case WebSocketOpcode::Continuation:
        return;
    case WebSocketOpcode::Close:
        if (m_state == State::Closing) { // the answer to ours: the handshake is over
            m_loop.retire(*this);
            return;
        }
        // Echoed (§5.5.1) with the client's code; the descriptor closes right after.
        sendNow(encodeWebSocketClose(message.closeCode == WebSocketCloseCode::noStatus
                                         ? WebSocketCloseCode::normal
                                         : message.closeCode,
                                     QString()));
        fail(message.closeCode, QStringLiteral("client closed"));
        return;
    case WebSocketOpcode::Text: {
        if (m_state != State::Open)
            return;
        QStringDecoder decoder(QStringDecoder::Utf8);
        const QString text = decoder(message.payload);
        if (decoder.hasError()) {
            fail(WebSocketCloseCode::invalidPayload,
                 QStringLiteral("a text message that is not UTF-8"),
                 WebSocketCloseCode::invalidPayload);
            return;
        }
        if (m_handler)
            m_handler->onWebSocketText(text);
        return;
    }
    case WebSocketOpcode::Binary:
        if (m_state == State::Open && m_handler)
            m_handler->onWebSocketBinary(message.payload);
        return;
    }
}

void WebSocketConnection::close(quint16 code, const QString &reason)
{
    m_handler = nullptr;
    if (m_state != State::Open)
        return;
    sendFrame(encodeWebSocketClose(code, reason));
    if (m_state != State::Open)
        return; // the send failed: retired from the loop
    m_state = State::Closing;
    m_closingSinceMs = m_loop.nowMs();
    m_loop.noteClosing(*this);
}

void WebSocketConnection::sendNow(const QByteArray &frame)
{
    // Best effort and past any backlog: only for a close frame right before the descriptor
    // closes (a frame cut in the middle ends the connection just the same).
    if (!m_backlog.isEmpty())
        return;
    [[maybe_unused]] const ssize_t written =
        ::send(m_descriptor, frame.constData(), size_t(frame.size()), sendFlags);
}

void WebSocketConnection::fail(quint16 code, const QString &reason, quint16 closeFrameCode)
{
    if (m_state == State::Failed || m_state == State::Retired)
        return;
    // The client learns why (1002, 1007, 1009) if its socket takes the frame now.
    if (closeFrameCode != 0 && m_state == State::Open)
        sendNow(encodeWebSocketClose(closeFrameCode, reason));
    m_state = State::Failed;
    m_failureCode = code;
    m_failureReason = reason;
    m_loop.scheduleFailure(*this);
}

} // namespace afk::server
