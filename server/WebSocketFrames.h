// RFC 6455 framing for the server side of our own WebSocket connections (WebSocketConnection):
// frames the server sends (unmasked, never fragmented) and an incremental reader of the frames a
// client sends (masked), which reassembles fragmented messages and enforces the protocol's rules
// and a message size cap. Pure byte work, no I/O.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <optional>

namespace afk::server {

enum class WebSocketOpcode : quint8 {
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
};

// Close codes of RFC 6455 §7.4.1 that the server sends.
namespace WebSocketCloseCode {
constexpr quint16 normal = 1000;
constexpr quint16 goingAway = 1001;
constexpr quint16 protocolError = 1002;
constexpr quint16 invalidPayload = 1007; // a text message that is not UTF-8
constexpr quint16 policyViolation = 1008;
constexpr quint16 tooBig = 1009;
constexpr quint16 noStatus = 1005; // reported (never sent) for a close frame without a code
} // namespace WebSocketCloseCode

// One final, unmasked frame.
QByteArray encodeWebSocketFrame(WebSocketOpcode opcode, QByteArrayView payload);
// A close frame: code, then reason (UTF-8, cut to fit the 125 bytes of a control frame).
QByteArray encodeWebSocketClose(quint16 code, const QString &reason);

class WebSocketFrameReader
{
public:
    struct Message {
        WebSocketOpcode opcode = WebSocketOpcode::Text; // Text, Binary or a control opcode
        QByteArray payload;    // unmasked; a whole message (fragments joined); for Close: reason
        quint16 closeCode = 0; // Close only: the peer's code, noStatus when it gave none
    };

    // maxMessageBytes: a data message (all its fragments) larger than this fails with tooBig
    // before its bytes are buffered.
    explicit WebSocketFrameReader(qint64 maxMessageBytes) : m_maxMessageBytes(maxMessageBytes) {}

    void append(QByteArrayView bytes);
    // The next complete data message or control frame in what was appended; nullopt when more
    // bytes are needed, or once the stream failed (failureCode() is then not 0; nothing more is
    // read). Control frames may come between the fragments of a data message.
    std::optional<Message> next();

    quint16 failureCode() const { return m_failureCode; }
    const QString &failureReason() const { return m_failureReason; }
    // Bytes held for an incomplete frame or message (0 when idle: nothing is allocated then).
    qint64 bufferedBytes() const { return m_buffer.size() - m_offset + m_fragments.size(); }

private:
    std::optional<Message> fail(quint16 code, const QString &reason);

    QByteArray m_buffer; // appended bytes; those before m_offset are parsed
    qsizetype m_offset = 0;
    QByteArray m_fragments; // the data message being reassembled
    qint64 m_maxMessageBytes;
    WebSocketOpcode m_fragmentedOpcode = WebSocketOpcode::Continuation; // Continuation: none
    quint16 m_failureCode = 0;
    QString m_failureReason;
};

} // namespace afk::server
