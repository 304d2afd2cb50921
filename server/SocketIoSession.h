// One Socket.IO client on the WebSocket transport: Engine.IO handshake, ping/pong, the message
// size limit, binary attachment reassembly and the CONNECT of namespace "/". Events go up to the
// SocketIoServer through eventReceived(); the session knows nothing of streams.
#pragma once

#include "SocketIoPacket.h"
#include "TimeoutQueue.h"
#include "WebSocketConnection.h"

#include <QHostAddress>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QObject>
#include <QUrl>

#include <optional>
#include <vector>

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
// session (see TimeoutQueue). Must outlive its sessions; webSockets must outlive its pings.
class SocketIoTimeouts
{
public:
    SocketIoTimeouts(const SocketIoSessionOptions &options, WebSocketLoop &webSockets);

    // The pings due in one wake-up go out as one fan-out (WebSocketLoop::sendToMany): viewers of
    // a raid connected within seconds are pinged in the same wave every interval.
    TimeoutQueue<SocketIoSession *> nextPing;
    TimeoutQueue<SocketIoSession *> pongDeadline;
    TimeoutQueue<SocketIoSession *> connectDeadline;

private:
    std::vector<WebSocketConnection *> m_pingTargets;
};

class SocketIoSession : public QObject, private WebSocketConnection::Handler
{
    Q_OBJECT
public:
    // Speaks over connection (owned by its WebSocketLoop) until it closes; start() sends the
    // Engine.IO open packet. requestUrl: ws://<Host><target> of the upgrade request. timeouts
    // must be made with the same options.
    SocketIoSession(WebSocketConnection *connection, const QByteArray &requestUrl,
                    const QHostAddress &peerAddress, quint16 peerPort,
                    SocketIoSessionOptions options, SocketIoTimeouts &timeouts,
                    QObject *parent = nullptr);
    ~SocketIoSession() override;

    void start();

    const QString &engineSid() const { return m_engineSid; }
    const QString &socketSid() const { return m_socketSid; } // the id the client sees as socket.id
    QUrl requestUrl() const;
    QString queryValue(const QString &name) const;
    // The CONNECT payload ({authorization: ...} for publishers); empty before or without one.
    const QJsonObject &connectAuth() const { return m_connectAuth; }
    bool isConnected() const { return m_isConnected; }
    bool isClosing() const { return m_isClosing; }
    QString peer() const;
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
    // An event as the WebSocket frame emitEvent would send, for sending one event to many
    // sessions (a room broadcast) with sendEncoded: serialised and framed once, and shared by
    // every viewer's backlog instead of copied.
    static QByteArray encodeEvent(const QString &name, const QJsonObject &payload);
    void sendEncoded(const QByteArray &frame);
    // The connection a room broadcast writes sendEncoded's frame to (WebSocketLoop::sendToMany);
    // null once the session is closing.
    WebSocketConnection *broadcastTarget() const { return m_isClosing ? nullptr : m_connection; }
    void sendAck(qint64 ackId, const QJsonArray &arguments);
    // Closes the connection (once); closed() follows at once.
    void close(const QString &reason, quint16 code = WebSocketCloseCode::normal);

signals:
    // The client connected namespace "/" (answered 40{"sid"}).
    void connected(afk::server::SocketIoSession *session);
    // An EVENT, or a BINARY_EVENT with all its attachments.
    void eventReceived(afk::server::SocketIoSession *session,
                       const afk::server::SocketIoPacket &packet);
    void closed(afk::server::SocketIoSession *session, const QString &reason);

private:
    friend class SocketIoTimeouts;

    // Starts the pong deadline and the next ping; the connection the ping goes to (or null).
    WebSocketConnection *startPing();
    static const QByteArray &pingFrame();
    void stopTimeouts();
    void onWebSocketText(const QString &message) override;
    void onWebSocketBinary(const QByteArray &message) override;
    void onWebSocketClosed(quint16 code, const QString &reason) override;
    void onSocketIoPacket(const QString &text);
    bool checkSize(qint64 bytes);
    void sendText(const QString &text);
    void sendPacket(const SocketIoPacket &packet);

    WebSocketConnection *m_connection; // null once closed
    SocketIoSessionOptions m_options;
    QString m_engineSid;
    QString m_socketSid;
    QByteArray m_requestUrl; // kept as bytes: a QUrl costs several strings per viewer
    QHostAddress m_peerAddress;
    quint16 m_peerPort;
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
