// Where each HTTP/1.1 request on a connection begins and ends, read incrementally from the raw
// bytes, with size limits checked as the bytes arrive: request line, header block, field count and
// size, Content-Length and chunked bodies. ConnectionGate runs it over every byte before Qt's
// QAbstractHttpServer reads it, so a request over a limit is refused before Qt buffers it.
//
// The framing must agree with Qt 6.4's own parser (qhttpserverrequest.cpp, qhttpheaderparser.cpp)
// or the gate would inspect body bytes as headers and the other way round. So it accepts what Qt
// frames the same way and refuses (400) what Qt would frame differently or cannot parse: header
// field names outside RFC 9110 tchar, folded lines, bare CR, more than Qt's 100 fields or 8 KiB per
// field, both Content-Length and Transfer-Encoding, codings other than "chunked", chunk sizes that
// are not hex, bare LF in chunked framing and trailer fields.
#pragma once

#include "HttpMetrics.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

namespace afk::server
{

struct RequestLimits {
    qsizetype maxRequestLineBytes = 8 * 1024; // longer: 414
    qsizetype maxHeaderBytes = 16 * 1024;     // request line + fields + blank line; more: 431
    int maxHeaderFields = 100;                // Qt drops all headers past 100 fields: 431
    qsizetype maxHeaderFieldBytes = 8 * 1024; // "name:value", Qt's limit per field: 431
    qint64 maxPostBodyBytes = 64 * 1024;      // every route that reads a body is a POST
    qint64 maxOtherBodyBytes = 4 * 1024;      // GET, HEAD, OPTIONS, …: no route reads it
    qsizetype maxChunkSizeLineBytes = 1024;   // hex size plus chunk extensions
};

struct RequestRefusal {
    int statusCode = 0; // 0: none
    HttpRefusal reason = HttpRefusal::BadRequest;
    QString message; // for the client and the log: never quotes the client's bytes
};

class RequestFramer
{
public:
    enum class Outcome {
        NeedMore,   // every byte given was consumed; the request (if one began) is incomplete
        RequestEnd, // a request ended at `consumed`; the bytes after it are the next request's
        Upgrade,    // a WebSocket upgrade request ended: what follows is not HTTP, stop feeding
        Refused,    // see refusal(); the connection must be answered and closed
    };
    struct Step {
        qsizetype consumed = 0;
        Outcome outcome = Outcome::NeedMore;
    };

    explicit RequestFramer(RequestLimits limits = {});

    // Consumes bytes up to the end of the current request, a refusal or the end of `bytes`.
    // After Upgrade or Refused, nothing more is consumed.
    Step feed(QByteArrayView bytes);

    // Some byte of a request (other than blank lines between requests) was seen and its end not.
    bool isInRequest() const { return m_state != State::Idle && !isFinished(); }
    bool isFinished() const { return m_state == State::Upgraded || m_state == State::Refused; }
    const RequestRefusal &refusal() const { return m_refusal; }
    const RequestLimits &limits() const { return m_limits; }

private:
    enum class State {
        Idle, // between requests (blank lines are skipped as Qt does)
        RequestLine,
        HeaderLine,
        Body, // Content-Length bytes left in m_remaining
        ChunkSizeLine,
        ChunkData,    // m_remaining bytes of the chunk left
        ChunkDataEnd, // the CRLF after a chunk's data
        LastChunkEnd, // the CRLF after the last (zero) chunk; trailers are refused
        Upgraded,
        Refused,
    };

    Outcome refuse(int statusCode, HttpRefusal reason, QString message);
    Outcome refuseChunkedBodyTooLarge();
    bool countHeaderByte(); // false when the header limit is exceeded (then refused)
    Outcome finishRequestLine();
    Outcome finishHeaderLine();
    Outcome startBody();
    Outcome finishChunkSizeLine();
    Outcome endRequest();
    void resetRequest();

    RequestLimits m_limits;
    State m_state = State::Idle;
    RequestRefusal m_refusal;

    // Per request:
    QByteArray m_line; // the line being read (bounded by the header / chunk-size limits)
    qsizetype m_headerBytes = 0;
    int m_fieldCount = 0;
    bool m_isPost = false;
    QByteArray m_contentLength; // first value; every later one must be equal
    bool m_hasContentLength = false;
    QByteArray m_transferEncoding; // combined as Qt combines it: values joined with ", "
    bool m_hasTransferEncoding = false;
    QByteArray m_connection;
    bool m_hasConnection = false;
    QByteArray m_upgrade;
    bool m_hasUpgrade = false;
    qint64 m_bodyLimit = 0;
    qint64 m_bodyBytes = 0; // body bytes announced so far (chunk sizes count when announced)
    qint64 m_remaining = 0;
    bool m_sawCarriageReturn = false; // in ChunkDataEnd / LastChunkEnd
};

} // namespace afk::server
