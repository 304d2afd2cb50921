#include "WebSocketFrames.h"

namespace afk::server {
namespace {

constexpr quint8 finalBit = 0x80;
constexpr quint8 reservedBits = 0x70;
constexpr quint8 opcodeBits = 0x0F;
constexpr quint8 maskBit = 0x80;
constexpr qsizetype maxControlPayload = 125;

bool isControl(quint8 opcode)
{
    return opcode >= 0x8;
}

bool isKnownOpcode(quint8 opcode)
{
    return opcode <= 0x2 || (opcode >= 0x8 && opcode <= 0xA);
}

// Codes a peer may send (RFC 6455 §7.4): not the reserved ones that never go on the wire.
bool isValidCloseCode(quint16 code)
{
    if (code >= 3000 && code <= 4999)
        return true;
    return code >= 1000 && code <= 1014 && code != 1004 && code != 1005 && code != 1006;
}

} // namespace

QByteArray encodeWebSocketFrame(WebSocketOpcode opcode, QByteArrayView payload)
{
    const qsizetype length = payload.size();
    QByteArray frame;
    frame.reserve(length + 10);
    frame.append(char(finalBit | quint8(opcode)));
    if (length < 126) {
        frame.append(char(length));
    } else if (length <= 0xFFFF) {
        frame.append(char(126));
        frame.append(char(length >> 8));
        frame.append(char(length & 0xFF));
    } else {
        frame.append(char(127));
        for (int shift = 56; shift >= 0; shift -= 8)
            frame.append(char((quint64(length) >> shift) & 0xFF));
    }
    frame.append(payload);
    return frame;
}

QByteArray encodeWebSocketClose(quint16 code, const QString &reason)
{
    QByteArray payload;
    payload.append(char(code >> 8));
    payload.append(char(code & 0xFF));
    QByteArray text = reason.toUtf8();
    if (text.size() > maxControlPayload - 2) {
        // Cut on a character boundary: never inside a UTF-8 sequence.
        qsizetype cut = maxControlPayload - 2;
        while (cut > 0 && (quint8(text.at(cut)) & 0xC0) == 0x80)
            --cut;
        text.truncate(cut);
    }
    payload.append(text);
    return encodeWebSocketFrame(WebSocketOpcode::Close, payload);
}

void WebSocketFrameReader::append(QByteArrayView bytes)
{
    if (m_failureCode != 0 || bytes.isEmpty())
        return;
    if (m_offset > 0) {
        // Only an incomplete frame is left before the new bytes: move it to the front once.
        m_buffer.remove(0, m_offset);
        m_offset = 0;
    }
    m_buffer.append(bytes);
}

std::optional<WebSocketFrameReader::Message> WebSocketFrameReader::fail(quint16 code,
                                                                        const QString &reason)
{
    m_failureCode = code;
    m_failureReason = reason;
    m_buffer = QByteArray();
    m_fragments = QByteArray();
    m_offset = 0;
    return std::nullopt;
}

std::optional<WebSocketFrameReader::Message> WebSocketFrameReader::next()
{
    while (m_failureCode == 0) {
        const qsizetype available = m_buffer.size() - m_offset;
        if (available < 2)
            break;
        const auto *bytes = reinterpret_cast<const quint8 *>(m_buffer.constData()) + m_offset;
        const bool isFinal = bytes[0] & finalBit;
        const quint8 opcode = bytes[0] & opcodeBits;
        if (bytes[0] & reservedBits)
            return fail(WebSocketCloseCode::protocolError,
                        QStringLiteral("reserved bits set (no extension was negotiated)"));
        if (!isKnownOpcode(opcode))
            return fail(WebSocketCloseCode::protocolError,
                        QStringLiteral("unknown opcode %1").arg(opcode));
        if (!(bytes[1] & maskBit))
            return fail(WebSocketCloseCode::protocolError,
                        QStringLiteral("a client's frames must be masked"));
        quint64 length = bytes[1] & 0x7F;
        if (isControl(opcode) && (!isFinal || length > quint64(maxControlPayload)))
            return fail(WebSocketCloseCode::protocolError,
                        QStringLiteral("a control frame must be final and at most 125 bytes"));
        const qsizetype lengthBytes = length == 126 ? 2 : length == 127 ? 8 : 0;
        const qsizetype headerSize = 2 + lengthBytes + 4;
        if (available < headerSize)
            break;
        if (lengthBytes > 0) {
            length = 0;
            for (qsizetype i = 0; i < lengthBytes; ++i)
                length = (length << 8) | bytes[2 + i];
            if (length >> 63)
                return fail(WebSocketCloseCode::protocolError,
                            QStringLiteral("frame length has its top bit set"));
        }
        if (!isControl(opcode)) {
            const bool isContinuation = opcode == quint8(WebSocketOpcode::Continuation);
            const bool isInMessage = m_fragmentedOpcode != WebSocketOpcode::Continuation;
            if (isContinuation && !isInMessage)
                return fail(WebSocketCloseCode::protocolError,
                            QStringLiteral("continuation frame without a message to continue"));
            if (!isContinuation && isInMessage)
                return fail(WebSocketCloseCode::protocolError,
                            QStringLiteral("new message before the fragmented one ended"));
            // Checked before the payload is buffered: an oversized message costs no memory.
            if (quint64(m_fragments.size()) + length > quint64(m_maxMessageBytes))
                return fail(WebSocketCloseCode::tooBig,
                            QStringLiteral("message over %1 bytes").arg(m_maxMessageBytes));
        }
        if (quint64(available - headerSize) < length)
            break;

        const quint8 *mask = bytes + headerSize - 4;
        QByteArray payload(reinterpret_cast<const char *>(bytes + headerSize), qsizetype(length));
        char *data = payload.data();
        for (qsizetype i = 0; i < qsizetype(length); ++i)
            data[i] = char(quint8(data[i]) ^ mask[i & 3]);
        m_offset += headerSize + qsizetype(length);
        if (m_offset == m_buffer.size()) {
            m_buffer = QByteArray(); // idle connections hold nothing
            m_offset = 0;
        }

        if (opcode == quint8(WebSocketOpcode::Close)) {
            Message close{WebSocketOpcode::Close, {}, WebSocketCloseCode::noStatus};
            if (payload.size() == 1)
                return fail(WebSocketCloseCode::protocolError,
                            QStringLiteral("close frame with a 1-byte payload"));
            if (payload.size() >= 2) {
                close.closeCode = quint16((quint8(payload.at(0)) << 8) | quint8(payload.at(1)));
                if (!isValidCloseCode(close.closeCode))
                    return fail(WebSocketCloseCode::protocolError,
                                QStringLiteral("invalid close code %1").arg(close.closeCode));
                close.payload = payload.mid(2);
            }
            return close;
        }
        if (isControl(opcode))
            return Message{WebSocketOpcode(opcode), payload, 0};
        if (opcode != quint8(WebSocketOpcode::Continuation)) {
            if (isFinal)
                return Message{WebSocketOpcode(opcode), payload, 0};
            m_fragmentedOpcode = WebSocketOpcode(opcode);
            m_fragments = std::move(payload);
            continue;
        }
        m_fragments.append(payload);
        if (!isFinal)
            continue;
        Message message{m_fragmentedOpcode, std::exchange(m_fragments, QByteArray()), 0};
        m_fragmentedOpcode = WebSocketOpcode::Continuation;
        return message;
    }
    return std::nullopt;
}

} // namespace afk::server
