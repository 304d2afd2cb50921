// The per-connection check in front of Qt 6.4's QAbstractHttpServer: it reads every byte a client
// sends before Qt does and refuses a request over a limit (413, 414, 431), malformed framing (400)
// or too slow (408) at once, so Qt never buffers it.
//
// Why it works this way: QAbstractHttpServer (qabstracthttpserver.cpp, 6.4) connects one handler
// to each socket's readyRead that opens a read transaction and reads until a whole request (body
// included) is in memory, with no limit and no timeout; only then does HttpApi see it. A slot
// connected to readyRead before Qt's runs first on every emission and can peek() the new bytes
// while they are still unread. Qt reads through the socket's buffer only (a buffered
// QAbstractSocket never reads past it), so nothing reaches Qt that the gate has not inspected.
// A refusal disconnects Qt's handler in the same emission, so Qt never completes that request.
//
// Qt handles one request per readyRead and re-emits readyRead for what is left, so the gate
// inspects at most one complete request ahead of Qt (a later pipelined request over a limit is
// refused only after the earlier ones are answered). A second slot, connected after Qt's, checks
// that Qt consumed exactly the bytes the gate framed as that request; if the two ever disagree
// the connection is closed. A WebSocket upgrade request is offered to the WebSocket taker first
// (the Socket.IO server): a taken connection leaves Qt before Qt reads the request, on a copy of
// its descriptor, and GatedTcpServer counts it until the taker releases it. Otherwise the gate
// stops reading (the bytes are WebSocket frames and Qt hands the socket to its WebSocket server);
// it stays alive as a child of the socket so that open WebSocket connections count against the
// connection cap, and takes the socket's clean-up over from the WebSocket server (see
// afterWebSocketHandover).
#pragma once

#include "HttpMetrics.h"
#include "RequestFramer.h"
#include "WebSocketHandshake.h"

#include <QHostAddress>
#include <QObject>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

namespace afk::server
{

struct GateSettings {
    RequestLimits request;
    // A request must be complete this long after its first byte (slowloris), and a new
    // connection must start its first request within it; answered 408 / closed.
    int requestTimeoutMs = 10'000;
    // A keep-alive connection between requests is closed after this long. Longer than the
    // request timeout: HLS players fetch a playlist every segment (2-10 s) on the same connection.
    int idleTimeoutMs = 60'000;
    // After a refusal: how long unread request bytes are drained so the client reads the answer
    // instead of a reset, and how many.
    int lingerMs = 2'000;
    qint64 maxLingerBytes = 16 * 1024 * 1024;
    QByteArray corsOrigin = QByteArrayLiteral("*");
};

class ConnectionGate : public QObject
{
    Q_OBJECT
public:
    // Becomes a child of socket and starts watching its readyRead: create it before the HTTP
    // server connects its own handler.
    ConnectionGate(QTcpSocket *socket, const GateSettings &settings);

    // Call right after the HTTP server connected its handler (the order of slots is the point).
    void watchServerReads();
    // Offered every WebSocket upgrade request before Qt reads it (taker must outlive the gate;
    // null or empty: Qt's WebSocket server gets them all). A taken connection leaves Qt and this
    // gate: the socket is closed, its descriptor lives on with the taker (webSocketTaken()).
    void setWebSocketTaker(const WebSocketTaker *taker) { m_webSocketTaker = taker; }
    // Opens the descriptor a hand-over needs at the descriptor limit (see offerWebSocket); call
    // it before the connections come.
    static void reserveSpareDescriptor();
    // Answers statusCode with {"error": message} and closes without reading a request.
    void refuseNow(int statusCode, HttpRefusal reason, const QString &message);

    const QHostAddress &peerAddress() const { return m_peer; }
    // The full answer bytes of a refusal (a JSON error as HttpReply::error, Connection: close).
    static QByteArray refusalResponse(int statusCode, const QString &message,
                                      const QByteArray &corsOrigin);

signals:
    void refused(afk::server::HttpRefusal reason, const QString &message);
    void closedIdle();
    // The upgrade request was taken (before the socket closes and the gate goes with it).
    void webSocketTaken();

private:
    enum class Mode { Inspecting, PassThrough, Refused };

    void beforeServerReads();
    void afterServerReads();
    void noteArrivals();
    void inspect();
    void refuse(const RequestRefusal &refusal);
    void closeOutOfStep();
    void passThrough();
    void afterWebSocketHandover();
    bool offerWebSocket();
    void onRequestTimeout();
    void onIdleTimeout();
    void drainAfterRefusal();
    void shutDownWritingWhenFlushed();

    QTcpSocket *m_socket;
    GateSettings m_settings;
    QHostAddress m_peer;
    RequestFramer m_framer;
    Mode m_mode = Mode::Inspecting;

    // Byte accounting in stream offsets since the connection began.
    qint64 m_received = 0;    // bytes that have entered the socket's read buffer
    qint64 m_unreadSeen = 0;  // bytesAvailable() when the gate last looked
    qint64 m_inspected = 0;   // bytes the framer has read
    qint64 m_pendingEnd = -1; // end of a framed request Qt has not consumed yet
    bool m_isPendingUpgrade = false;

    QTimer m_requestTimer;
    QTimer m_idleTimer;
    bool m_wroteSinceIdleArmed = false;
    QTimer m_lingerTimer;
    qint64 m_lingerBytes = 0;
    bool m_isWriteShutDown = false;
    const WebSocketTaker *m_webSocketTaker = nullptr;
};

} // namespace afk::server
