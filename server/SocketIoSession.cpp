#include "SocketIoSession.h"

#include "EngineIoPacket.h"

#include <QRandomGenerator>
#include <QTimer>
#include <QUrlQuery>
#include <QWebSocket>

Q_LOGGING_CATEGORY(lcSocketIo, "afk.socketio", QtInfoMsg)

namespace afk::server {
namespace {

// Qt's own limit sits well above ours, so that an oversized message still reaches us and is
// answered with a stream-error; only absurd sizes are cut by Qt itself.
quint64 transportLimitBytes(qint64 maxMessageBytes)
{
    return quint64(qMax(4 * maxMessageBytes, maxMessageBytes + 8 * 1024 * 1024));
}

} // namespace

QString randomSessionId()
{
    QByteArray bytes(15, Qt::Uninitialized);
    QRandomGenerator *random = QRandomGenerator::system();
    for (char &byte : bytes)
        byte = char(random->bounded(256));
    return QString::fromLatin1(
        bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

SocketIoTimeouts::SocketIoTimeouts(const SocketIoSessionOptions &options)
    : nextPing(options.pingIntervalMs, [](SocketIoSession *session) { session->sendPing(); }),
      pongDeadline(
          options.pingTimeoutMs,
          [](SocketIoSession *session) { session->close(QStringLiteral("ping timeout")); }),
      connectDeadline(options.connectTimeoutMs, [](SocketIoSession *session) {
          session->close(QStringLiteral("no Socket.IO CONNECT in time"));
      })
{
}

SocketIoSession::SocketIoSession(std::unique_ptr<QWebSocket> socket, SocketIoSessionOptions options,
                                 SocketIoTimeouts &timeouts, QObject *parent)
    : QObject(parent), m_socket(std::move(socket)), m_options(options),
      m_engineSid(randomSessionId()), m_requestUrl(m_socket->requestUrl()),
      m_peer(QStringLiteral("%1:%2")
                 .arg(m_socket->peerAddress().toString())
                 .arg(m_socket->peerPort())),
      m_peerAddress(m_socket->peerAddress()), m_timeouts(timeouts)
{
    const quint64 limit = transportLimitBytes(m_options.maxMessageBytes);
    m_socket->setMaxAllowedIncomingMessageSize(limit);
    m_socket->setMaxAllowedIncomingFrameSize(limit);
    connect(m_socket.get(), &QWebSocket::textMessageReceived, this,
            &SocketIoSession::onTextMessage);
    connect(m_socket.get(), &QWebSocket::binaryMessageReceived, this,
            &SocketIoSession::onBinaryMessage);
    connect(m_socket.get(), &QWebSocket::disconnected, this, [this] {
        const QString reason =
            m_socket && m_socket->closeCode() == QWebSocketProtocol::CloseCodeTooMuchData
                ? QStringLiteral("message over the transport limit")
                : QStringLiteral("transport closed");
        close(reason);
    });
}

// The queues hold this session's address: none may outlive it.
SocketIoSession::~SocketIoSession()
{
    stopTimeouts();
}

void SocketIoSession::stopTimeouts()
{
    m_timeouts.nextPing.stop(this);
    m_timeouts.pongDeadline.stop(this);
    m_timeouts.connectDeadline.stop(this);
}

void SocketIoSession::sendPing()
{
    // Written now, like a room event: one ping per session, not one write notifier each.
    sendEncoded(EngineIoPacket::textPacket(EngineIoPacket::Type::Ping).encodeText());
    if (!m_timeouts.pongDeadline.isActive(this))
        m_timeouts.pongDeadline.start(this);
    m_timeouts.nextPing.start(this);
}

void SocketIoSession::start()
{
    const QString protocol = queryValue(QStringLiteral("EIO"));
    if (!protocol.isEmpty() && protocol != u"4") {
        close(QStringLiteral("unsupported Engine.IO protocol version %1 (need 4)")
                  .arg(protocol.left(8)),
              QWebSocketProtocol::CloseCodeProtocolError);
        return;
    }
    const QString open =
        QStringLiteral("{\"sid\":\"%1\",\"upgrades\":[],\"pingInterval\":%2,\"pingTimeout\":%3,"
                       "\"maxPayload\":%4}")
            .arg(m_engineSid)
            .arg(m_options.pingIntervalMs)
            .arg(m_options.pingTimeoutMs)
            .arg(m_options.maxMessageBytes);
    sendText(EngineIoPacket::textPacket(EngineIoPacket::Type::Open, open).encodeText());
    m_timeouts.nextPing.start(this);
    m_timeouts.connectDeadline.start(this);
}

QString SocketIoSession::queryValue(const QString &name) const
{
    return QUrlQuery(m_requestUrl).queryItemValue(name, QUrl::FullyDecoded);
}

void SocketIoSession::setAuthentication(const QString &pubkey, const QString &error)
{
    m_authenticatedPubkey = pubkey;
    m_authError = error;
}

void SocketIoSession::emitEvent(const QString &name, const QJsonObject &payload)
{
    sendText(encodeEvent(name, payload));
}

QString SocketIoSession::encodeEvent(const QString &name, const QJsonObject &payload)
{
    const SocketIoPacket packet = SocketIoPacket::event(name, QJsonArray{payload});
    return EngineIoPacket::textPacket(EngineIoPacket::Type::Message, packet.encode()).encodeText();
}

void SocketIoSession::sendEncoded(const QString &frame)
{
    sendText(frame);
    // Into the kernel now, as Node's socket.io does: left to the event loop, a broadcast to
    // thousands would wait until every viewer's write was queued, then add and remove a write
    // notifier per viewer.
    if (m_socket && !m_isClosing)
        m_socket->flush();
}

void SocketIoSession::sendAck(qint64 ackId, const QJsonArray &arguments)
{
    sendPacket(SocketIoPacket::ack(ackId, arguments));
}

void SocketIoSession::close(const QString &reason, QWebSocketProtocol::CloseCode code)
{
    if (m_isClosing)
        return;
    m_isClosing = true;
    stopTimeouts();
    m_pendingBinary.reset();
    if (m_socket) {
        // The socket outlives this session until its close handshake is over (or 5 s), so that
        // what was sent last (a stream-error) still reaches the client.
        QWebSocket *socket = m_socket.release();
        socket->disconnect(this);
        if (socket->state() != QAbstractSocket::UnconnectedState) {
            connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
            QTimer::singleShot(5000, socket, [socket] {
                socket->abort();
                socket->deleteLater();
            });
            socket->close(code, reason.left(100));
        } else {
            socket->deleteLater();
        }
    }
    qCInfo(lcSocketIo).noquote() << "[socket.io]" << m_peer << m_socketSid << "closed:" << reason;
    emit closed(this, reason);
}

bool SocketIoSession::checkSize(qint64 bytes)
{
    if (bytes <= m_options.maxMessageBytes)
        return true;
    const QString error = QStringLiteral("message too large (%1 bytes; the limit is %2)")
                              .arg(bytes)
                              .arg(m_options.maxMessageBytes);
    emitEvent(QStringLiteral("stream-error"), QJsonObject{{QStringLiteral("error"), error}});
    close(error, QWebSocketProtocol::CloseCodeTooMuchData);
    return false;
}

void SocketIoSession::onTextMessage(const QString &message)
{
    if (m_isClosing)
        return;
    // UTF-8 is at most 3 bytes per UTF-16 unit: count exactly only near the limit.
    const qint64 bytes = qint64(message.size()) * 3 > m_options.maxMessageBytes
                             ? qint64(message.toUtf8().size())
                             : qint64(message.size());
    if (!checkSize(bytes))
        return;
    if (m_pendingBinary) {
        close(QStringLiteral("protocol error: text message while binary attachments were due"),
              QWebSocketProtocol::CloseCodeProtocolError);
        return;
    }
    QString error;
    const std::optional<EngineIoPacket> packet = EngineIoPacket::decodeText(message, &error);
    if (!packet) {
        close(QStringLiteral("protocol error: ") + error,
              QWebSocketProtocol::CloseCodeProtocolError);
        return;
    }
    switch (packet->type) {
    case EngineIoPacket::Type::Ping: // a v3-style or probe ping: answer it
        sendText(EngineIoPacket::textPacket(EngineIoPacket::Type::Pong, packet->text).encodeText());
        break;
    case EngineIoPacket::Type::Pong:
        m_timeouts.pongDeadline.stop(this);
        break;
    case EngineIoPacket::Type::Message:
        onSocketIoPacket(packet->text);
        break;
    case EngineIoPacket::Type::Close:
        close(QStringLiteral("client closed"));
        break;
    case EngineIoPacket::Type::Upgrade:
    case EngineIoPacket::Type::Noop:
        break;
    case EngineIoPacket::Type::Open:
    case EngineIoPacket::Type::Invalid:
        close(QStringLiteral("protocol error: unexpected Engine.IO open packet"),
              QWebSocketProtocol::CloseCodeProtocolError);
        break;
    }
}

void SocketIoSession::onBinaryMessage(const QByteArray &message)
{
    if (m_isClosing || !checkSize(message.size()))
        return;
    if (!m_pendingBinary) {
        close(QStringLiteral("protocol error: binary message without a binary packet header"),
              QWebSocketProtocol::CloseCodeProtocolError);
        return;
    }
    // All attachments of one packet together are one message for the size limit (Socket.IO's
    // maxHttpBufferSize), so a client cannot pile up 16 attachments of the limit each.
    m_pendingBinaryBytes += message.size();
    if (!checkSize(m_pendingBinaryBytes))
        return;
    m_pendingBinary->attachments.append(message);
    if (!m_pendingBinary->isComplete())
        return;
    const SocketIoPacket packet = std::move(*m_pendingBinary);
    m_pendingBinary.reset();
    if (packet.type == SocketIoPacket::Type::BinaryEvent && m_isConnected)
        emit eventReceived(this, packet);
}

void SocketIoSession::onSocketIoPacket(const QString &text)
{
    QString error;
    std::optional<SocketIoPacket> packet = SocketIoPacket::decode(text, &error);
    if (!packet) {
        close(QStringLiteral("protocol error: ") + error,
              QWebSocketProtocol::CloseCodeProtocolError);
        return;
    }
    if (packet->nameSpace != u"/") {
        if (packet->type == SocketIoPacket::Type::Connect) {
            SocketIoPacket refusal;
            refusal.type = SocketIoPacket::Type::ConnectError;
            refusal.nameSpace = packet->nameSpace;
            refusal.data =
                QJsonObject{{QStringLiteral("message"), QStringLiteral("Invalid namespace")}};
            sendPacket(refusal);
        } else {
            qCDebug(lcSocketIo).noquote()
                << "[socket.io]" << m_peer << "ignored a packet for namespace" << packet->nameSpace;
        }
        return;
    }
    switch (packet->type) {
    case SocketIoPacket::Type::Connect: {
        if (!m_connectRefusal.isEmpty()) {
            SocketIoPacket refusal;
            refusal.type = SocketIoPacket::Type::ConnectError;
            refusal.data = QJsonObject{{QStringLiteral("message"), m_connectRefusal}};
            sendPacket(refusal);
            close(QStringLiteral("refused: ") + m_connectRefusal);
            break;
        }
        m_connectAuth = packet->data.toObject();
        if (m_socketSid.isEmpty())
            m_socketSid = randomSessionId();
        m_timeouts.connectDeadline.stop(this);
        SocketIoPacket answer;
        answer.type = SocketIoPacket::Type::Connect;
        answer.data = QJsonObject{{QStringLiteral("sid"), m_socketSid}};
        sendPacket(answer);
        const bool wasConnected = m_isConnected;
        m_isConnected = true;
        qCInfo(lcSocketIo).noquote() << "[socket.io]" << m_peer << m_socketSid << "connected";
        if (!wasConnected)
            emit connected(this);
        break;
    }
    case SocketIoPacket::Type::Disconnect:
        close(QStringLiteral("client disconnected"));
        break;
    case SocketIoPacket::Type::Event:
    case SocketIoPacket::Type::BinaryEvent:
    case SocketIoPacket::Type::BinaryAck:
        if (packet->isBinary() && packet->attachmentCount > 0) {
            m_pendingBinary = std::move(*packet);
            m_pendingBinaryBytes = 0;
            break;
        }
        if (!m_isConnected) {
            qCDebug(lcSocketIo).noquote()
                << "[socket.io]" << m_peer << "event before CONNECT ignored";
            break;
        }
        if (packet->type != SocketIoPacket::Type::BinaryAck)
            emit eventReceived(this, *packet);
        break;
    case SocketIoPacket::Type::Ack:
    case SocketIoPacket::Type::ConnectError:
    case SocketIoPacket::Type::Invalid:
        qCDebug(lcSocketIo).noquote()
            << "[socket.io]" << m_peer << "ignored packet type" << int(packet->type);
        break;
    }
}

void SocketIoSession::sendText(const QString &text)
{
    if (m_socket && !m_isClosing)
        m_socket->sendTextMessage(text);
}

void SocketIoSession::sendPacket(const SocketIoPacket &packet)
{
    sendText(
        EngineIoPacket::textPacket(EngineIoPacket::Type::Message, packet.encode()).encodeText());
    if (m_socket && !m_isClosing)
        for (const QByteArray &attachment : packet.attachments)
            m_socket->sendBinaryMessage(attachment);
}

} // namespace afk::server
