// One WebSocket connection the studio owns (the Socket.IO transport): a non-blocking descriptor
// served by a WebSocketLoop, RFC 6455 frames read by WebSocketFrameReader, frames written with
// send() straight away and only the part the kernel refused kept.
//
// Why not QWebSocket: with 10,000 viewers, Qt's per-connection machinery was most of the memory
// and most of a room broadcast's cost. A QTcpSocket allocates a 32 KiB write buffer at its first
// write and keeps it (4-8 KiB resident per connection, more than Node's whole connection), and
// with QWebSocket, its private objects, notifiers and a dozen signal connections add 6-7 KiB;
// each sendTextMessage() converts and frames the text again and goes through the socket's buffer
// and a write notifier. Here an idle connection holds a descriptor, a few pointers and no buffer,
// and a room event is one frame shared by every viewer (QByteArray's implicit sharing) that each
// connection hands to the kernel with one send().
#pragma once

#include "WebSocketFrames.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace afk::server {

class WebSocketLoop;

class WebSocketConnection
{
public:
    // What the connection reports to its user (SocketIoSession). Called from the loop, never
    // from inside send() or close().
    class Handler
    {
    public:
        virtual void onWebSocketText(const QString &text) = 0;
        virtual void onWebSocketBinary(const QByteArray &data) = 0;
        // The connection ended without close() being called (the client closed or vanished, it
        // broke the protocol, it did not read its backlog). The connection is gone once this
        // returns.
        virtual void onWebSocketClosed(quint16 code, const QString &reason) = 0;

    protected:
        ~Handler() = default;
    };

    WebSocketConnection(WebSocketLoop &loop, int descriptor);
    ~WebSocketConnection(); // closes the descriptor
    WebSocketConnection(const WebSocketConnection &) = delete;
    WebSocketConnection &operator=(const WebSocketConnection &) = delete;

    void setHandler(Handler *handler) { m_handler = handler; }
    // Handles what was received before the handler was set; false once the connection ended.
    bool readBuffered();
    int descriptor() const { return m_descriptor; }
    bool isOpen() const { return m_state == State::Open; }
    // Bytes sent but not yet taken by the kernel.
    qint64 backlogBytes() const { return m_backlogBytes; }

    // A whole frame (encodeWebSocketFrame); shared, not copied, when it must wait.
    void sendFrame(const QByteArray &frame);
    void sendText(const QString &text);
    void sendBinary(const QByteArray &data);
    // Sends a close frame and detaches the handler; the descriptor stays open until the client
    // answers the close (or WebSocketLoop::closeTimeoutMs) so that what was sent last arrives.
    void close(quint16 code, const QString &reason);

private:
    friend class WebSocketLoop;
    enum class State : quint8 {
        Open,
        Closing, // our close frame is sent: waiting for the client's, reading and discarding
        Failed,  // ended; the handler is told from the loop, then it is retired
        Retired,
    };

    // What one send() loop of a whole frame did: bytes the kernel took, or the errno that ended it.
    struct SendAttempt {
        qsizetype sent = 0;
        int error = 0;
    };
    // The system calls only, on any thread (WebSocketLoop::sendToMany); the connection's state is
    // updated from the result by finishSend, on the loop's thread.
    static SendAttempt sendWhole(int descriptor, const QByteArray &frame);
    bool canSendDirectly() const;
    void finishSend(const QByteArray &frame, const SendAttempt &attempt);

    void onReadable();
    void onWritable();
    void onMessage(WebSocketFrameReader::Message &message);
    // Writes as much of the backlog as the kernel takes; false on a broken connection.
    bool flushBacklog();
    void queue(const QByteArray &frame, qsizetype offset);
    // Ends the connection and tells the handler (later, from the loop) why; a closeFrameCode
    // other than 0 is sent to the client first.
    void fail(quint16 code, const QString &reason, quint16 closeFrameCode = 0);
    void updateWatch();
    void sendNow(const QByteArray &frame);

    WebSocketLoop &m_loop;
    Handler *m_handler = nullptr;
    QList<QByteArray> m_backlog; // frames the kernel did not take; the first from m_backlogOffset
    qsizetype m_backlogOffset = 0;
    qint64 m_backlogBytes = 0;
    WebSocketFrameReader m_reader;
    QString m_failureReason;
    qint64 m_closingSinceMs = 0;
    int m_descriptor;
    quint16 m_failureCode = 0;
    State m_state = State::Open;
    bool m_isWatchingWrites = false;
};

} // namespace afk::server
