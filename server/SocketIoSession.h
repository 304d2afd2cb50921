// One Socket.IO client on the WebSocket transport: Engine.IO handshake, ping/pong, the message
// size limit, binary attachment reassembly and the CONNECT of namespace "/". Events go up to the
// SocketIoServer through eventReceived(); the session knows nothing of streams.
#pragma once

#include "SocketIoPacket.h"
#include "TimeoutQueue.h"

#include <QHostAddress>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QObject>
#include <QUrl>
#include <QWebSocketProtocol>

#include <memory>
#include <optional>

class QWebSocket;

Q_DECLARE_LOGGING_CATEGORY(
    lcSocketIo) // "afk.socketio": connections at info, ignored input at debug

namespace afk::server {

struct SocketIoSessionOptions {
    int pingIntervalMs = 25000;
    int pingTimeoutMs = 20000;
    int connectTimeoutMs = 45000; // for the Socket.IO CONNECT after the Engine.IO open
    qint64 maxMessageBytes = 1048576;
};

class SocketIoSession;

// The deadlines of all sessions of one server: one timer per kind instead of three QTimers per
// session (see TimeoutQueue). Must outlive its sessions.
class SocketIoTimeouts
{
public:
    explicit SocketIoTimeouts(const SocketIoSessionOptions &options);

    TimeoutQueue<SocketIoSession *> nextPing;
    TimeoutQueue<SocketIoSession *> pongDeadline;
    TimeoutQueue<SocketIoSession *> connectDeadline;
};

class SocketIoSession : public QObject
{
    Q_OBJECT
public:
    // Takes the upgraded socket; start() sends the Engine.IO open packet. timeouts must be made
    // with the same options.
    SocketIoSession(std::unique_ptr<QWebSocket> socket, SocketIoSessionOptions options,
                    SocketIoTimeouts &timeouts, QObject *parent = nullptr);
    ~SocketIoSession() override;

    void start();

    const QString &engineSid() const { return m_engineSid; }
    const QString &socketSid() const { return m_socketSid; } // the id the client sees as socket.id
    const QUrl &requestUrl() const { return m_requestUrl; }
    QString queryValue(const QString &name) const;
    // The CONNECT payload ({authorization: ...} for publishers); empty before or without one.
    const QJsonObject &connectAuth() const { return m_connectAuth; }
    bool isConnected() const { return m_isConnected; }
    bool isClosing() const { return m_isClosing; }
    QString peer() const { return m_peer; }
    const QHostAddress &peerAddress() const { return m_peerAddress; }
    // The server is at a cap: the client's CONNECT is answered with CONNECT_ERROR carrying
    // reason (socket.io-client's connect_error), then the connection is closed.
    void refuseConnect(const QString &reason) { m_connectRefusal = reason; }

    // What the server decided about this connection's NIP-98 proof: the verified pubkey, or
    // empty and why (empty error: no proof offered).
    void setAuthentication(const QString &pubkey, const QString &error);
    const QString &authenticatedPubkey() const { return m_authenticatedPubkey; }
    const QString &authError() const { return m_authError; }
    // The identity this connection published as (its start-stream), empty before.
    void setPublisherId(const QString &publisherId) { m_publisherId = publisherId; }
    const QString &publisherId() const { return m_publisherId; }

    void emitEvent(const QString &name, const QJsonObject &payload);
    // An event as the text frame emitEvent would send, for sending one event to many sessions
    // (a room broadcast) with sendEncoded: serialised once instead of once per viewer.
    static QString encodeEvent(const QString &name, const QJsonObject &payload);
    void sendEncoded(const QString &frame);
    void sendAck(qint64 ackId, const QJsonArray &arguments);
    // Closes the connection (once); closed() follows at once.
    void close(const QString &reason,
               QWebSocketProtocol::CloseCode code = QWebSocketProtocol::CloseCodeNormal);

signals:
    // The client connected namespace "/" (answered 40{"sid"}).
    void connected(afk::server::SocketIoSession *session);
    // An EVENT, or a BINARY_EVENT with all its attachments.
    void eventReceived(afk::server::SocketIoSession *session,
                       const afk::server::SocketIoPacket &packet);
    void closed(afk::server::SocketIoSession *session, const QString &reason);

private:
    friend class SocketIoTimeouts;

    void sendPing();
    void stopTimeouts();
    void onTextMessage(const QString &message);
    void onBinaryMessage(const QByteArray &message);
    void onSocketIoPacket(const QString &text);
    bool checkSize(qint64 bytes);
    void sendText(const QString &text);
    void sendPacket(const SocketIoPacket &packet);

    std::unique_ptr<QWebSocket> m_socket;
    SocketIoSessionOptions m_options;
    QString m_engineSid;
    QString m_socketSid;
    QUrl m_requestUrl;
    QString m_peer;
    QHostAddress m_peerAddress;
    QString m_connectRefusal;
    qint64 m_pendingBinaryBytes = 0; // attachments of m_pendingBinary received so far
    QJsonObject m_connectAuth;
    QString m_authenticatedPubkey;
    QString m_authError;
    QString m_publisherId;
    bool m_isConnected = false;
    bool m_isClosing = false;
    std::optional<SocketIoPacket> m_pendingBinary; // header received, attachments still coming
    SocketIoTimeouts &m_timeouts;
};

// 20 characters of base64url from 15 CSPRNG bytes.
QString randomSessionId();

} // namespace afk::server
