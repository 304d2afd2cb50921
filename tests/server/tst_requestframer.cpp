// RequestFramer: request boundaries over raw bytes (whole, byte by byte, pipelined), the size
// limits as bytes arrive, and the framing it refuses because Qt 6.4 would frame it differently.
#include "RequestFramer.h"

#include <QTest>

using afk::server::HttpRefusal;
using afk::server::RequestFramer;
using afk::server::RequestLimits;
using Outcome = RequestFramer::Outcome;

namespace
{

struct Framed {
    QList<qsizetype> ends; // offset after each request that ended
    Outcome last = Outcome::NeedMore;
    qsizetype consumed = 0;
};

// Feeds `bytes` in pieces of `piece` bytes, continuing after each request end.
Framed frame(RequestFramer &framer, const QByteArray &bytes, qsizetype piece = 0)
{
    Framed result;
    qsizetype offset = 0;
    while (offset < bytes.size()) {
        const qsizetype size =
            piece > 0 ? std::min(piece, bytes.size() - offset) : bytes.size() - offset;
        qsizetype used = 0;
        while (used < size) {
            const RequestFramer::Step step =
                framer.feed(QByteArrayView(bytes).sliced(offset + used, size - used));
            used += step.consumed;
            result.last = step.outcome;
            if (step.outcome == Outcome::RequestEnd || step.outcome == Outcome::Upgrade)
                result.ends.append(offset + used);
            if (step.outcome == Outcome::Upgrade || step.outcome == Outcome::Refused) {
                result.consumed = offset + used;
                return result;
            }
            if (step.consumed == 0)
                break;
        }
        offset += size;
    }
    result.consumed = offset;
    return result;
}

Framed frame(const QByteArray &bytes, qsizetype piece = 0, RequestLimits limits = {})
{
    RequestFramer framer(limits);
    return frame(framer, bytes, piece);
}

int refusalStatus(const QByteArray &bytes, RequestLimits limits = {})
{
    RequestFramer framer(limits);
    frame(framer, bytes);
    return framer.refusal().statusCode;
}

const QByteArray get = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

QByteArray post(const QByteArray &body)
{
    return "POST /livestream/k/start HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
           "Content-Length: " +
           QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

QByteArray chunkedPost(const QList<QByteArray> &chunks)
{
    QByteArray bytes = "POST /livestream/k/chat HTTP/1.1\r\nHost: h\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n";
    for (const QByteArray &chunk : chunks)
        bytes += QByteArray::number(chunk.size(), 16) + "\r\n" + chunk + "\r\n";
    return bytes + "0\r\n\r\n";
}

} // namespace

class TestRequestFramer : public QObject
{
    Q_OBJECT
private slots:
    void requestBoundaries_data();
    void requestBoundaries();
    void pipelinedRequestsEachChecked();
    void contentLengthOverLimit();
    void chunkedOverLimitAsItArrives();
    void refusals_data();
    void refusals();
    void headerLimits();
    void upgradeStopsInspection();
    void otherUpgradesStayHttp();
    void inRequestState();
};

void TestRequestFramer::requestBoundaries_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::newRow("GET") << get;
    QTest::newRow("bare LF line ends") << QByteArray("GET / HTTP/1.0\nHost: h\n\n");
    QTest::newRow("POST with body") << post(R"({"title":"t"})");
    QTest::newRow("Content-Length 0") << post({});
    QTest::newRow("chunked") << chunkedPost({"{\"content\":", "\"hi\"}"});
    QTest::newRow("chunk extension") << QByteArray("POST / HTTP/1.1\r\nTransfer-Encoding: Chunked"
                                                   "\r\n\r\n3;name=value\r\nabc\r\n0\r\n\r\n");
    QTest::newRow("body looks like a request")
        << post("GET / HTTP/1.1\r\nContent-Length: 999999999\r\n\r\n");
    QTest::newRow("folded-looking body") << post("\r\n x: y\r\n");
}

void TestRequestFramer::requestBoundaries()
{
    QFETCH(QByteArray, request);
    // Whole, and one byte at a time: the same single boundary at the very end.
    for (qsizetype piece : {qsizetype(0), qsizetype(1), qsizetype(7)}) {
        const Framed framed = frame(request, piece);
        QCOMPARE(framed.last, Outcome::RequestEnd);
        QCOMPARE(framed.ends, QList<qsizetype>{request.size()});
    }
}

void TestRequestFramer::pipelinedRequestsEachChecked()
{
    // Blank lines between requests are skipped as Qt skips them.
    const QByteArray first = post(R"({"a":1})");
    const QByteArray second = chunkedPost({"xyz"});
    const QByteArray stream = first + "\r\n" + get + second + get;
    const Framed framed = frame(stream);
    QCOMPARE(framed.ends,
             (QList<qsizetype>{first.size(), first.size() + 2 + get.size(),
                               first.size() + 2 + get.size() + second.size(), stream.size()}));

    // The third request is over the limit: the first two end, then the refusal, nothing after.
    const QByteArray tooLarge = post(QByteArray(64 * 1024 + 1, 'x'));
    RequestFramer framer;
    const Framed refused = frame(framer, get + get + tooLarge + get);
    QCOMPARE(refused.ends, (QList<qsizetype>{get.size(), 2 * get.size()}));
    QCOMPARE(refused.last, Outcome::Refused);
    QCOMPARE(framer.refusal().statusCode, 413);
    QVERIFY(refused.consumed < 2 * get.size() + tooLarge.size() - 64 * 1024);
}

void TestRequestFramer::contentLengthOverLimit()
{
    // Refused when the headers end, before a byte of the body.
    const QByteArray head = "POST /livestream/k/start HTTP/1.1\r\nHost: h\r\n"
                            "Content-Length: 314572800\r\n\r\n";
    RequestFramer framer;
    const RequestFramer::Step step = framer.feed(head + QByteArray(1000, 'x'));
    QCOMPARE(step.outcome, Outcome::Refused);
    QCOMPARE(step.consumed, head.size());
    QCOMPARE(framer.refusal().statusCode, 413);
    QCOMPARE(framer.refusal().reason, HttpRefusal::BodyTooLarge);
    QVERIFY(framer.refusal().message.contains(u"65536"));
    QCOMPARE(framer.feed("more").consumed, 0);

    // The POST limit is exactly allowed; other methods get the small one.
    QCOMPARE(frame(post(QByteArray(64 * 1024, 'x'))).last, Outcome::RequestEnd);
    QCOMPARE(refusalStatus("GET / HTTP/1.1\r\nContent-Length: 4097\r\n\r\n"), 413);
    QCOMPARE(frame("GET / HTTP/1.1\r\nContent-Length: 4096\r\n\r\n" + QByteArray(4096, 'x')).last,
             Outcome::RequestEnd);
    QCOMPARE(refusalStatus("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n"),
             413);
}

void TestRequestFramer::chunkedOverLimitAsItArrives()
{
    // Many small chunks: refused once their bytes pass the limit, not at the end.
    QByteArray bytes = "POST /livestream/k/chat HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
    const qsizetype headerSize = bytes.size();
    for (int i = 0; i < 200; ++i)
        bytes += "400\r\n" + QByteArray(0x400, 'a') + "\r\n";
    RequestFramer framer;
    const Framed framed = frame(framer, bytes, 1000);
    QCOMPARE(framed.last, Outcome::Refused);
    QCOMPARE(framer.refusal().statusCode, 413);
    QVERIFY(framed.consumed - headerSize <= 64 * 1024 + 1024);

    // One announced chunk over the limit: refused at its size line.
    const QByteArray big = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10001\r\n";
    RequestFramer bigFramer;
    QCOMPARE(bigFramer.feed(big).outcome, Outcome::Refused);
    QCOMPARE(bigFramer.refusal().statusCode, 413);
    QCOMPARE(refusalStatus("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "ffffffffffffffffffffff\r\n"),
             413);
}

void TestRequestFramer::refusals_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("status");
    const QByteArray chunkedHead = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
    QTest::newRow("chunk size not hex") << chunkedHead + "zz\r\n" << 400;
    QTest::newRow("chunk size 0x") << chunkedHead + "0x10\r\n" << 400;
    QTest::newRow("chunk size then junk") << chunkedHead + "5 x\r\n" << 400;
    QTest::newRow("chunk size empty") << chunkedHead + "\r\n" << 400;
    QTest::newRow("chunk size negative") << chunkedHead + "-5\r\n" << 400;
    QTest::newRow("chunk size bare LF") << chunkedHead + "5\nabcde\r\n" << 400;
    QTest::newRow("chunk data without CRLF") << chunkedHead + "3\r\nabcX\r\n" << 400;
    QTest::newRow("trailer fields") << chunkedHead + "0\r\nX-Trailer: 1\r\n\r\n" << 400;
    QTest::newRow("CL and TE") << QByteArray("POST / HTTP/1.1\r\nContent-Length: 3\r\n"
                                             "Transfer-Encoding: chunked\r\n\r\n")
                               << 400;
    QTest::newRow("TE gzip") << QByteArray("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked"
                                           "\r\n\r\n")
                             << 400;
    QTest::newRow("TE twice") << QByteArray("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                                            "Transfer-Encoding: chunked\r\n\r\n")
                              << 400;
    QTest::newRow("CL not a number")
        << QByteArray("POST / HTTP/1.1\r\nContent-Length: 1e3\r\n\r\n") << 400;
    QTest::newRow("CL negative") << QByteArray("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n")
                                 << 400;
    QTest::newRow("CL conflicting") << QByteArray("POST / HTTP/1.1\r\nContent-Length: 3\r\n"
                                                  "Content-Length: 4\r\n\r\n")
                                    << 400;
    QTest::newRow("folded field") << QByteArray("GET / HTTP/1.1\r\nX-A: 1\r\n  2\r\n\r\n") << 400;
    QTest::newRow("field without colon") << QByteArray("GET / HTTP/1.1\r\nHost\r\n\r\n") << 400;
    QTest::newRow("field name with space") << QByteArray("GET / HTTP/1.1\r\nX A: 1\r\n\r\n") << 400;
    QTest::newRow("bare CR in a field") << QByteArray("GET / HTTP/1.1\r\nX-A: 1\r2\r\n\r\n") << 400;
    QTest::newRow("request line without version") << QByteArray("GET /\r\n\r\n") << 400;
    QTest::newRow("HTTP/2 preface") << QByteArray("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") << 400;
    QTest::newRow("control byte in target") << QByteArray("GET /a\x01 HTTP/1.1\r\n\r\n") << 400;
    QTest::newRow("junk after version") << QByteArray("GET / HTTP/1.1 x\r\n\r\n") << 400;
    QTest::newRow("method not a token") << QByteArray("G(T / HTTP/1.1\r\n\r\n") << 400;
}

void TestRequestFramer::refusals()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, status);
    RequestFramer framer;
    const Framed framed = frame(framer, bytes);
    QCOMPARE(framed.last, Outcome::Refused);
    QCOMPARE(framer.refusal().statusCode, status);
    QCOMPARE(framer.refusal().reason, HttpRefusal::BadRequest);
    QVERIFY(!framer.refusal().message.isEmpty());
    QVERIFY(!framer.isInRequest());
}

void TestRequestFramer::headerLimits()
{
    // Request line + fields over 16 KiB: 431 as soon as the limit passes, before the blank line.
    QByteArray flood = "GET / HTTP/1.1\r\n";
    while (flood.size() < 20 * 1024)
        flood += "X-Filler: " + QByteArray(500, 'f') + "\r\n";
    RequestFramer framer;
    const Framed framed = frame(framer, flood, 4096);
    QCOMPARE(framed.last, Outcome::Refused);
    QCOMPARE(framer.refusal().statusCode, 431);
    QCOMPARE(framer.refusal().reason, HttpRefusal::HeadersTooLarge);
    QCOMPARE(framed.consumed, 16 * 1024 + 1);

    // Exactly at the limit is fine.
    QByteArray atLimit = "GET / HTTP/1.1\r\nX-Filler: ";
    atLimit += QByteArray(16 * 1024 - atLimit.size() - 4, 'f') + "\r\n\r\n";
    QCOMPARE(atLimit.size(), 16 * 1024);
    RequestLimits roomyFields;
    roomyFields.maxHeaderFieldBytes = 16 * 1024;
    QCOMPARE(frame(atLimit, 0, roomyFields).last, Outcome::RequestEnd);

    // Qt's own limits: 100 fields, 8 KiB a field.
    QByteArray manyFields = "GET / HTTP/1.1\r\n";
    for (int i = 0; i < 101; ++i)
        manyFields += "X-" + QByteArray::number(i) + ": 1\r\n";
    QCOMPARE(refusalStatus(manyFields + "\r\n"), 431);
    QCOMPARE(refusalStatus("GET / HTTP/1.1\r\nX-Big: " + QByteArray(8 * 1024, 'b') + "\r\n\r\n"),
             431);
    // Request line: 414.
    QCOMPARE(refusalStatus("GET /" + QByteArray(9000, 'a') + " HTTP/1.1\r\n\r\n"), 414);
    // Blank lines before a request count too.
    QCOMPARE(refusalStatus(QByteArray(17 * 1024, '\n')), 431);
}

void TestRequestFramer::upgradeStopsInspection()
{
    const QByteArray handshake = "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
                                 "Host: h\r\nConnection: keep-alive, Upgrade\r\n"
                                 "Upgrade: WebSocket\r\nSec-WebSocket-Version: 13\r\n"
                                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
    // What follows is WebSocket frames: never read as HTTP (this would be a 400 and a 413).
    const QByteArray frames = QByteArray("\x82\x7f", 2) + QByteArray(200 * 1024, '\0');
    RequestFramer framer;
    const RequestFramer::Step step = framer.feed(get + handshake + frames);
    QCOMPARE(step.outcome, Outcome::RequestEnd);
    const RequestFramer::Step upgrade = framer.feed(QByteArrayView(handshake + frames));
    QCOMPARE(upgrade.outcome, Outcome::Upgrade);
    QCOMPARE(upgrade.consumed, handshake.size());
    QVERIFY(framer.isFinished());
    QVERIFY(!framer.isInRequest());
    const RequestFramer::Step after = framer.feed(frames);
    QCOMPARE(after.outcome, Outcome::Upgrade);
    QCOMPARE(after.consumed, 0);
    QCOMPARE(framer.refusal().statusCode, 0);
}

void TestRequestFramer::otherUpgradesStayHttp()
{
    // Qt answers these as plain requests, so the next bytes are HTTP again and still checked.
    const QByteArray h2c = "GET / HTTP/1.1\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                           "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n";
    const QByteArray noConnection = "GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n";
    const QByteArray twoUpgrades = "GET / HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: websocket"
                                   "\r\nUpgrade: h2c\r\n\r\n";
    RequestFramer framer;
    const Framed framed = frame(framer, h2c + noConnection + twoUpgrades +
                                            "POST / HTTP/1.1\r\nContent-Length: 70000\r\n\r\n");
    QCOMPARE(framed.ends.size(), 3);
    QCOMPARE(framed.last, Outcome::Refused);
    QCOMPARE(framer.refusal().statusCode, 413);
}

void TestRequestFramer::inRequestState()
{
    RequestFramer framer;
    QVERIFY(!framer.isInRequest());
    QCOMPARE(framer.feed("\r\n\r\n").outcome, Outcome::NeedMore); // blank lines: still idle
    QVERIFY(!framer.isInRequest());
    QCOMPARE(framer.feed("GET /sl").outcome, Outcome::NeedMore);
    QVERIFY(framer.isInRequest());
    QCOMPARE(framer.feed("ow HTTP/1.1\r\n\r\n").outcome, Outcome::RequestEnd);
    QVERIFY(!framer.isInRequest());
}

QTEST_GUILESS_MAIN(TestRequestFramer)
#include "tst_requestframer.moc"
