#include "SocketIoSession.h"

#include "EngineIoPacket.h"
#include "WebSocketLoop.h"

#include <QRandomGenerator>
#include <QTimer>
#include <QUrlQuery>

Q_LOGGING_CATEGORY(lcSocketIo, "afk.socketio", QtInfoMsg)

namespace afk::server {
QString randomSessionId()
{
    QByteArray bytes(15, Qt::Uninitialized);
    QRandomGenerator *random = QRandomGenerator::system();
    for (char &byte : bytes)
        byte = char(random->bounded(256));
    return QString::fromLatin1(
        bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

SocketIoTimeouts::SocketIoTimeouts(const SocketIoSessionOptions &options,
                                   WebSocketLoop &webSockets)
    : nextPing(
          options.pingIntervalMs,
          [this](SocketIoSession *session) {
              if (WebSocketConnection *target = session->startPing())
                  m_pingTargets.push_back(target);
          },
          [this, &webSockets] {
              webSockets.sendToMany(SocketIoSession::pingFrame(), std::exchange(m_pingTargets, {}));
          }),
      pongDeadline(
          options.pingTimeoutMs,
          [](SocketIoSession *session) { session->close(QStringLiteral("ping timeout")); }),
      connectDeadline(options.connectTimeoutMs, [](SocketIoSession *session) {
          session->close(QStringLiteral("no Socket.IO CONNECT in time"));
      })
{
}

SocketIoSession::SocketIoSession(WebSocketConnection *connection, const QByteArray &requestUrl,
                                 const QHostAddress &peerAddress, quint16 peerPort,
                                 SocketIoSessionOptions options, SocketIoTimeouts &timeouts,
                                 QObject *parent)
    : QObject(parent), m_connection(connection), m_options(options),
      m_engineSid(randomSessionId()), m_requestUrl(requestUrl), m_peerAddress(peerAddress),
      m_peerPort(peerPort), m_timeouts(timeouts)
{
    m_connection->setHandler(this);
}

// The queues and the connection hold this session's address: none may outlive it.
SocketIoSession::~SocketIoSession()
{
    stopTimeouts();
    if (m_connection)
        m_connection->close(WebSocketCloseCode::goingAway, QStringLiteral("server shutting down"));
}

QUrl SocketIoSession::requestUrl() const
{
    return QUrl(QString::fromUtf8(m_requestUrl));
}

QString SocketIoSession::peer() const
{
    return QStringLiteral("%1:%2").arg(m_peerAddress.toString()).arg(m_peerPort);
}

void SocketIoSession::onWebSocketClosed(quint16 code, const QString &reason)
{
    m_connection = nullptr;
    close(code == WebSocketCloseCode::tooBig ? QStringLiteral("message over the transport limit")
                                             : reason);
}

void SocketIoSession::stopTimeouts()
{
    m_timeouts.nextPing.stop(this);
    m_timeouts.pongDeadline.stop(this);
    m_timeouts.connectDeadline.stop(this);
}

const QByteArray &SocketIoSession::pingFrame()
{
    static const QByteArray ping = encodeWebSocketFrame(
        WebSocketOpcode::Text,
        EngineIoPacket::textPacket(EngineIoPacket::Type::Ping).encodeText().toUtf8());
    return ping;
}

WebSocketConnection *SocketIoSession::startPing()
{
    if (!m_timeouts.pongDeadline.isActive(this))
        m_timeouts.pongDeadline.start(this);
    m_timeouts.nextPing.start(this);
    return broadcastTarget();
}

void SocketIoSession::start()
{
    const QString protocol = queryValue(QStringLiteral("EIO"));
    if (!protocol.isEmpty() && protocol != u"4") {
        close(QStringLiteral("unsupported Engine.IO protocol version %1 (need 4)")
                  .arg(protocol.left(8)),
              WebSocketCloseCode::protocolError);
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
    if (m_connection && !m_connection->readBuffered())
        return;
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
    sendEncoded(encodeEvent(name, payload));
}

QByteArray SocketIoSession::encodeEvent(const QString &name, const QJsonObject &payload)
{
    const SocketIoPacket packet = SocketIoPacket::event(name, QJsonArray{payload});
    return encodeWebSocketFrame(
        WebSocketOpcode::Text,
        EngineIoPacket::textPacket(EngineIoPacket::Type::Message, packet.encode())
            .encodeText()
            .toUtf8());
}

void SocketIoSession::sendEncoded(const QByteArray &frame)
{
    // Into the kernel now, as Node's socket.io does: one send() per viewer, nothing copied.
    if (WebSocketConnection *connection = broadcastTarget())
        connection->sendFrame(frame);
}

void SocketIoSession::sendAck(qint64 ackId, const QJsonArray &arguments)
{
    sendPacket(SocketIoPacket::ack(ackId, arguments));
}

void SocketIoSession::close(const QString &reason, quint16 code)
{
    if (m_isClosing)
        return;
    m_isClosing = true;
    stopTimeouts();
    m_pendingBinary.reset();
    // The connection outlives this session until its close handshake is over (or the loop's
    // close timeout), so that what was sent last (a stream-error) still reaches the client.
    if (WebSocketConnection *connection = std::exchange(m_connection, nullptr))
        connection->close(code, reason.left(100));
    qCInfo(lcSocketIo).noquote() << "[socket.io]" << peer() << m_socketSid << "closed:" << reason;
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
    close(error, WebSocketCloseCode::tooBig);
    return false;
}

void SocketIoSession::onWebSocketText(const QString &message)
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
              WebSocketCloseCode::protocolError);
        return;
    }
    QString error;
    const std::optional<EngineIoPacket> packet = EngineIoPacket::decodeText(message, &error);
    if (!packet) {
        close(QStringLiteral("protocol error: ") + error,
              WebSocketCloseCode::protocolError);
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
              WebSocketCloseCode::protocolError);
        break;
    }
}

void SocketIoSession::onWebSocketBinary(const QByteArray &message)
{
    if (m_isClosing || !checkSize(message.size()))
        return;
    if (!m_pendingBinary) {
        close(QStringLiteral("protocol error: binary message without a binary packet header"),
              WebSocketCloseCode::protocolError);
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
              WebSocketCloseCode::protocolError);
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
                << "[socket.io]" << peer() << "ignored a packet for namespace" << packet->nameSpace;
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
        qCInfo(lcSocketIo).noquote() << "[socket.io]" << peer() << m_socketSid << "connected";
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
                << "[socket.io]" << peer() << "event before CONNECT ignored";
            break;
        }
        if (packet->type != SocketIoPacket::Type::BinaryAck)
            emit eventReceived(this, *packet);
        break;
    case SocketIoPacket::Type::Ack:
    case SocketIoPacket::Type::ConnectError:
    case SocketIoPacket::Type::Invalid:
        qCDebug(lcSocketIo).noquote()
            << "[socket.io]" << peer() << "ignored packet type" << int(packet->type);
        break;
    }
}

void SocketIoSession::sendText(const QString &text)
{
    if (m_connection && !m_isClosing)
        m_connection->sendText(text);
}

void SocketIoSession::sendPacket(const SocketIoPacket &packet)
{
    sendText(
        EngineIoPacket::textPacket(EngineIoPacket::Type::Message, packet.encode()).encodeText());
    if (m_connection && !m_isClosing)
        for (const QByteArray &attachment : packet.attachments)
            m_connection->sendBinary(attachment);
}

} // namespace afk::server
