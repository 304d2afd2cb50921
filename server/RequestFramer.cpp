#include "RequestFramer.h"

#include "HexDigit.h"

#include <algorithm>
#include <limits>

namespace afk::server
{
namespace
{

// RFC 9110 tchar, the characters of methods and field names (Qt's fieldNameCheck has the same).
bool isTokenChar(char c)
{
    static constexpr QByteArrayView others("!#$%&'*+-.^_`|~");
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           others.contains(c);
}

bool isToken(QByteArrayView text)
{
    return !text.isEmpty() && std::all_of(text.begin(), text.end(), isTokenChar);
}

// Visible ASCII: what a request target may hold (everything else must be percent-encoded).
bool isTargetText(QByteArrayView text)
{
    return !text.isEmpty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

bool isDigits(QByteArrayView text)
{
    return !text.isEmpty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}


// Bytes Qt skips before a request line (readRequestLine).
bool isLeadingBlank(char c)
{
    return c == '\r' || c == '\n' || c == ' ' || c == '\t' || c == '\v';
}

void appendCombined(QByteArray *combined, bool *isPresent, const QByteArray &value)
{
    // As QHttpHeaderParser::combinedHeaderValue: every value, joined with ", ".
    if (*isPresent)
        *combined += ", ";
    *combined += value;
    *isPresent = true;
}

} // namespace

RequestFramer::RequestFramer(RequestLimits limits) : m_limits(limits) {}

RequestFramer::Step RequestFramer::feed(QByteArrayView bytes)
{
    const qsizetype size = bytes.size();
    qsizetype i = 0;
    while (i < size) {
        switch (m_state) {
        case State::Idle:
            if (isLeadingBlank(bytes[i])) {
                ++i;
                if (!countHeaderByte())
                    return {i, Outcome::Refused};
                continue;
            }
            m_state = State::RequestLine;
            continue;
        case State::RequestLine:
        case State::HeaderLine: {
            const char c = bytes[i++];
            if (!countHeaderByte())
                return {i, Outcome::Refused};
            if (c == '\n') {
                const Outcome outcome =
                    m_state == State::RequestLine ? finishRequestLine() : finishHeaderLine();
                if (outcome != Outcome::NeedMore)
                    return {i, outcome};
                continue;
            }
            m_line += c;
            if (m_state == State::RequestLine && m_line.size() > m_limits.maxRequestLineBytes)
                return {i, refuse(414, HttpRefusal::RequestLineTooLong,
                                  QStringLiteral("request line too long (limit %1 bytes)")
                                      .arg(m_limits.maxRequestLineBytes))};
            if (m_state == State::HeaderLine && m_line.size() > m_limits.maxHeaderFieldBytes + 1)
                return {i, refuse(431, HttpRefusal::HeadersTooLarge,
                                  QStringLiteral("a header field exceeds %1 bytes")
                                      .arg(m_limits.maxHeaderFieldBytes))};
            continue;
        }
        case State::Body: {
            const qint64 take = std::min<qint64>(m_remaining, size - i);
            i += take;
            m_remaining -= take;
            if (m_remaining == 0)
                return {i, endRequest()};
            continue;
        }
        case State::ChunkSizeLine: {
            const char c = bytes[i++];
            if (++m_bodyBytes > m_bodyLimit)
                return {i, refuseChunkedBodyTooLarge()};
            if (c == '\n') {
                const Outcome outcome = finishChunkSizeLine();
                if (outcome != Outcome::NeedMore)
                    return {i, outcome};
                continue;
            }
            m_line += c;
            if (m_line.size() > m_limits.maxChunkSizeLineBytes)
                return {i, refuse(400, HttpRefusal::BadRequest,
                                  QStringLiteral("chunk size line too long"))};
            continue;
        }
        case State::ChunkData: {
            const qint64 take = std::min<qint64>(m_remaining, size - i);
            i += take;
            m_remaining -= take;
            if (m_remaining == 0) {
                m_state = State::ChunkDataEnd;
                m_sawCarriageReturn = false;
            }
            continue;
        }
        case State::ChunkDataEnd:
        case State::LastChunkEnd: {
            // Exactly CRLF: Qt reads these two bytes unchecked (or one, when only one is there),
            // so anything else would shift its framing against ours.
            const char c = bytes[i++];
            if (++m_bodyBytes > m_bodyLimit)
                return {i, refuseChunkedBodyTooLarge()};
            const bool isLast = m_state == State::LastChunkEnd;
            if (!m_sawCarriageReturn && c == '\r') {
                m_sawCarriageReturn = true;
                continue;
            }
            if (m_sawCarriageReturn && c == '\n') {
                if (isLast)
                    return {i, endRequest()};
                m_state = State::ChunkSizeLine;
                m_line.clear();
                continue;
            }
            return {i, refuse(400, HttpRefusal::BadRequest,
                              isLast && !m_sawCarriageReturn
                                  ? QStringLiteral("chunked trailer fields are not supported")
                                  : QStringLiteral("chunk data must end in CRLF"))};
        }
        case State::Upgraded:
            return {i, Outcome::Upgrade};
        case State::Refused:
            return {i, Outcome::Refused};
        }
    }
    if (m_state == State::Upgraded)
        return {i, Outcome::Upgrade};
    if (m_state == State::Refused)
        return {i, Outcome::Refused};
    return {i, Outcome::NeedMore};
}

RequestFramer::Outcome RequestFramer::refuse(int statusCode, HttpRefusal reason, QString message)
{
    m_state = State::Refused;
    m_refusal = RequestRefusal{statusCode, reason, std::move(message)};
    return Outcome::Refused;
}

RequestFramer::Outcome RequestFramer::refuseChunkedBodyTooLarge()
{
    return refuse(413, HttpRefusal::BodyTooLarge,
                  QStringLiteral("request body too large: the chunked body exceeds the limit of "
                                 "%1 bytes")
                      .arg(m_bodyLimit));
}

bool RequestFramer::countHeaderByte()
{
    if (++m_headerBytes <= m_limits.maxHeaderBytes)
        return true;
    refuse(431, HttpRefusal::HeadersTooLarge,
           QStringLiteral("request header fields too large (limit %1 bytes for the request line "
                          "and headers)")
               .arg(m_limits.maxHeaderBytes));
    return false;
}

RequestFramer::Outcome RequestFramer::finishRequestLine()
{
    // method SP request-target SP HTTP-version, as Qt splits it (runs of spaces allowed), but
    // with a known version, a token method, a visible-ASCII target and nothing after the version.
    QByteArrayView line(m_line);
    if (line.endsWith('\r'))
        line.chop(1);
    const auto malformed = [this] {
        return refuse(400, HttpRefusal::BadRequest, QStringLiteral("malformed request line"));
    };
    const qsizetype methodEnd = line.indexOf(' ');
    if (methodEnd <= 0 || line.contains('\r'))
        return malformed();
    qsizetype targetStart = methodEnd;
    while (targetStart < line.size() && line[targetStart] == ' ')
        ++targetStart;
    const qsizetype targetEnd = line.indexOf(' ', targetStart);
    if (targetEnd < 0)
        return malformed();
    qsizetype versionStart = targetEnd;
    while (versionStart < line.size() && line[versionStart] == ' ')
        ++versionStart;
    const QByteArrayView method = line.first(methodEnd);
    const QByteArrayView target = line.sliced(targetStart, targetEnd - targetStart);
    const QByteArrayView version = line.sliced(versionStart);
    if (!isToken(method) || !isTargetText(target))
        return malformed();
    if (version != "HTTP/1.1" && version != "HTTP/1.0")
        return refuse(400, HttpRefusal::BadRequest,
                      QStringLiteral("unsupported HTTP version (HTTP/1.1 or HTTP/1.0 only)"));
    m_isPost = method == "POST";
    m_line.clear();
    m_state = State::HeaderLine;
    return Outcome::NeedMore;
}

RequestFramer::Outcome RequestFramer::finishHeaderLine()
{
    if (m_line.endsWith('\r'))
        m_line.chop(1);
    if (m_line.isEmpty())
        return startBody();
    const auto malformed = [this] {
        return refuse(400, HttpRefusal::BadRequest, QStringLiteral("malformed header field"));
    };
    // A line starting with whitespace is an obsolete folded continuation (RFC 9112 5.2).
    if (m_line.contains('\r') || m_line.startsWith(' ') || m_line.startsWith('\t'))
        return malformed();
    const qsizetype colon = m_line.indexOf(':');
    if (colon <= 0 || !isToken(QByteArrayView(m_line).first(colon)))
        return malformed();
    if (++m_fieldCount > m_limits.maxHeaderFields)
        return refuse(431, HttpRefusal::HeadersTooLarge,
                      QStringLiteral("more than %1 header fields").arg(m_limits.maxHeaderFields));
    if (m_line.size() > m_limits.maxHeaderFieldBytes)
        return refuse(
            431, HttpRefusal::HeadersTooLarge,
            QStringLiteral("a header field exceeds %1 bytes").arg(m_limits.maxHeaderFieldBytes));

    const QByteArray name = m_line.first(colon).toLower();
    const QByteArray value = m_line.sliced(colon + 1).trimmed();
    m_line.clear();
    if (name == "content-length") {
        if (!isDigits(value))
            return refuse(400, HttpRefusal::BadRequest, QStringLiteral("invalid Content-Length"));
        if (m_hasContentLength && value != m_contentLength)
            return refuse(400, HttpRefusal::BadRequest,
                          QStringLiteral("conflicting Content-Length fields"));
        m_contentLength = value;
        m_hasContentLength = true;
    } else if (name == "transfer-encoding") {
        appendCombined(&m_transferEncoding, &m_hasTransferEncoding, value);
    } else if (name == "connection") {
        appendCombined(&m_connection, &m_hasConnection, value);
    } else if (name == "upgrade") {
        appendCombined(&m_upgrade, &m_hasUpgrade, value);
    }
    return Outcome::NeedMore;
}

RequestFramer::Outcome RequestFramer::startBody()
{
    m_line.clear();
    m_bodyLimit = m_isPost ? m_limits.maxPostBodyBytes : m_limits.maxOtherBodyBytes;
    if (m_hasTransferEncoding) {
        if (m_hasContentLength)
            return refuse(400, HttpRefusal::BadRequest,
                          QStringLiteral("both Content-Length and Transfer-Encoding"));
        if (m_transferEncoding.compare("chunked", Qt::CaseInsensitive) != 0)
            return refuse(400, HttpRefusal::BadRequest,
                          QStringLiteral("unsupported Transfer-Encoding (only chunked)"));
        m_state = State::ChunkSizeLine;
        return Outcome::NeedMore;
    }
    if (m_hasContentLength) {
        const QByteArrayView digits = QByteArrayView(m_contentLength).trimmed();
        qsizetype firstSignificant = 0;
        while (firstSignificant + 1 < digits.size() && digits[firstSignificant] == '0')
            ++firstSignificant;
        const QByteArrayView significant = digits.sliced(firstSignificant);
        const qint64 length = significant.size() > 18 ? -1 : significant.toLongLong();
        if (length < 0 || length > m_bodyLimit)
            return refuse(
                413, HttpRefusal::BodyTooLarge,
                QStringLiteral("request body too large: Content-Length %1 exceeds the "
                               "limit of %2 bytes for %3")
                    .arg(significant.size() > 18 ? QStringLiteral("over 10^18")
                                                 : QString::number(length))
                    .arg(m_bodyLimit)
                    .arg(m_isPost ? QStringLiteral("POST") : QStringLiteral("this method")));
        if (length > 0) {
            m_remaining = length;
            m_state = State::Body;
            return Outcome::NeedMore;
        }
    }
    return endRequest();
}

RequestFramer::Outcome RequestFramer::finishChunkSizeLine()
{
    // chunk-size [ OWS ";" chunk-ext ] CRLF; Qt needs the CR (a bare LF is not a line end to it).
    const auto invalid = [this] {
        return refuse(400, HttpRefusal::BadRequest, QStringLiteral("invalid chunk size line"));
    };
    if (!m_line.endsWith('\r'))
        return invalid();
    m_line.chop(1);
    qsizetype digits = 0;
    qint64 chunkSize = 0;
    bool isHuge = false;
    for (; digits < m_line.size() && hexDigitValue(m_line[digits]) >= 0; ++digits) {
        if (chunkSize > (std::numeric_limits<qint64>::max() >> 4))
            isHuge = true;
        else
            chunkSize = chunkSize * 16 + hexDigitValue(m_line[digits]);
    }
    if (digits == 0)
        return invalid();
    qsizetype rest = digits;
    while (rest < m_line.size() && (m_line[rest] == ' ' || m_line[rest] == '\t'))
        ++rest;
    if (rest < m_line.size()) {
        if (m_line[rest] != ';')
            return invalid();
        const bool hasControl = std::any_of(m_line.begin() + rest, m_line.end(), [](char c) {
            return (uchar(c) < 0x20 && c != '\t') || c == 0x7f;
        });
        if (hasControl)
            return invalid();
    }
    m_line.clear();
    if (chunkSize == 0 && !isHuge) {
        m_state = State::LastChunkEnd;
        m_sawCarriageReturn = false;
        return Outcome::NeedMore;
    }
    if (isHuge || chunkSize > m_bodyLimit - m_bodyBytes)
        return refuseChunkedBodyTooLarge();
    m_bodyBytes += chunkSize;
    m_remaining = chunkSize;
    m_state = State::ChunkData;
    return Outcome::NeedMore;
}

RequestFramer::Outcome RequestFramer::endRequest()
{
    // Qt's rule for handing a request to its WebSocket server (QAbstractHttpServerPrivate::
    // handleReadyRead): "upgrade" in the combined Connection value and the combined Upgrade
    // value equal to "websocket".
    const bool isUpgrade = m_connection.toLower().contains("upgrade") && m_hasUpgrade &&
                           m_upgrade.compare("websocket", Qt::CaseInsensitive) == 0;
    resetRequest();
    m_state = isUpgrade ? State::Upgraded : State::Idle;
    return isUpgrade ? Outcome::Upgrade : Outcome::RequestEnd;
}

void RequestFramer::resetRequest()
{
    m_line.clear();
    m_headerBytes = 0;
    m_fieldCount = 0;
    m_isPost = false;
    m_contentLength.clear();
    m_hasContentLength = false;
    m_transferEncoding.clear();
    m_hasTransferEncoding = false;
    m_connection.clear();
    m_hasConnection = false;
    m_upgrade.clear();
    m_hasUpgrade = false;
    m_bodyLimit = 0;
    m_bodyBytes = 0;
    m_remaining = 0;
    m_sawCarriageReturn = false;
}

} // namespace afk::server
