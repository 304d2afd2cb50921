// The RFC 6455 framing of our own WebSocket connections: server frames, the reader of masked
// client frames (whole, byte by byte, fragmented, control frames between fragments) and every
// rule it enforces (masking, opcodes, control frame size, the message cap), and the opening
// handshake's answer.
#include "HttpRequestHead.h"
#include "WebSocketFrames.h"
#include "WebSocketHandshake.h"

#include <QTest>

using afk::server::encodeWebSocketClose;
using afk::server::encodeWebSocketFrame;
using afk::server::HttpRequestHead;
using afk::server::WebSocketFrameReader;
using afk::server::WebSocketOpcode;
namespace CloseCode = afk::server::WebSocketCloseCode;

namespace {

// A frame as a client sends it: masked with a fixed key.
QByteArray clientFrame(quint8 opcode, const QByteArray &payload, bool isFinal = true,
                       bool isMasked = true, quint8 firstByteExtra = 0)
{
    QByteArray frame;
    frame.append(char((isFinal ? 0x80 : 0) | firstByteExtra | opcode));
    const quint8 mask = isMasked ? 0x80 : 0;
    if (payload.size() < 126) {
        frame.append(char(mask | payload.size()));
    } else if (payload.size() <= 0xFFFF) {
        frame.append(char(mask | 126));
        frame.append(char(payload.size() >> 8));
        frame.append(char(payload.size() & 0xFF));
    } else {
        frame.append(char(mask | 127));
        for (int shift = 56; shift >= 0; shift -= 8)
            frame.append(char((quint64(payload.size()) >> shift) & 0xFF));
    }
    const char key[4] = {char(0x37), char(0xfa), char(0x21), char(0x3d)};
    if (isMasked)
        frame.append(key, 4);
    for (qsizetype i = 0; i < payload.size(); ++i)
        frame.append(isMasked ? char(payload.at(i) ^ key[i & 3]) : payload.at(i));
    return frame;
}

QList<WebSocketFrameReader::Message> readAll(WebSocketFrameReader &reader, const QByteArray &bytes,
                                             qsizetype piece = 0)
{
    QList<WebSocketFrameReader::Message> messages;
    for (qsizetype offset = 0; offset < bytes.size();) {
        const qsizetype size =
            piece > 0 ? std::min(piece, bytes.size() - offset) : bytes.size() - offset;
        reader.append(QByteArrayView(bytes).sliced(offset, size));
        offset += size;
        while (auto message = reader.next())
            messages.append(*message);
    }
    return messages;
}

} // namespace

class TestWebSocketFrames : public QObject
{
    Q_OBJECT
private slots:
    void serverFramesUseTheShortestLength_data();
    void serverFramesUseTheShortestLength();
    void closeFrameReasonIsCutOnACharacter();
    void readsMaskedFramesWholeAndByteByByte();
    void reassemblesFragmentsAroundControlFrames();
    void refusesProtocolErrors_data();
    void refusesProtocolErrors();
    void refusesAnOversizedMessageBeforeItsPayload();
    void readsCloseFrames();
    void holdsNothingWhenIdle();
    void handshakeAnswer();
    void handshakeRefusals_data();
    void handshakeRefusals();
};

void TestWebSocketFrames::serverFramesUseTheShortestLength_data()
{
    QTest::addColumn<int>("length");
    QTest::addColumn<int>("headerSize");
    QTest::newRow("empty") << 0 << 2;
    QTest::newRow("125") << 125 << 2;
    QTest::newRow("126") << 126 << 4;
    QTest::newRow("65535") << 65535 << 4;
    QTest::newRow("65536") << 65536 << 10;
}

void TestWebSocketFrames::serverFramesUseTheShortestLength()
{
    QFETCH(int, length);
    QFETCH(int, headerSize);
    const QByteArray payload(length, 'x');
    const QByteArray frame = encodeWebSocketFrame(WebSocketOpcode::Binary, payload);
    QCOMPARE(frame.size(), headerSize + length);
    QCOMPARE(quint8(frame.at(0)), quint8(0x82)); // final, binary
    QCOMPARE(quint8(frame.at(1)) & 0x80, 0);     // a server never masks
    QCOMPARE(frame.mid(headerSize), payload);
}

void TestWebSocketFrames::closeFrameReasonIsCutOnACharacter()
{
    // 62 two-byte characters: 124 bytes of reason do not fit in 123; the cut keeps whole ones.
    const QByteArray frame = encodeWebSocketClose(1009, QString(62, QChar(0xe9)));
    QCOMPARE(quint8(frame.at(0)), quint8(0x88));
    const qsizetype payload = quint8(frame.at(1));
    QVERIFY(payload <= 125);
    QCOMPARE(payload, 2 + 122);
    QCOMPARE(quint8(frame.at(2)) << 8 | quint8(frame.at(3)), 1009);
    QVERIFY(QString::fromUtf8(frame.mid(4)) == QString(61, QChar(0xe9)));
}

void TestWebSocketFrames::readsMaskedFramesWholeAndByteByByte()
{
    const QByteArray big(70000, 'b');
    const QByteArray bytes =
        clientFrame(0x1, "40") + clientFrame(0x2, big) + clientFrame(0x1, QByteArray(300, 't'));
    for (const qsizetype piece : {qsizetype(0), qsizetype(1), qsizetype(7)}) {
        WebSocketFrameReader reader(1 << 20);
        const auto messages = readAll(reader, bytes, piece);
        QCOMPARE(messages.size(), 3);
        QCOMPARE(messages.at(0).opcode, WebSocketOpcode::Text);
        QCOMPARE(messages.at(0).payload, QByteArray("40"));
        QCOMPARE(messages.at(1).opcode, WebSocketOpcode::Binary);
        QCOMPARE(messages.at(1).payload, big);
        QCOMPARE(messages.at(2).payload, QByteArray(300, 't'));
        QCOMPARE(reader.failureCode(), quint16(0));
    }
}

void TestWebSocketFrames::reassemblesFragmentsAroundControlFrames()
{
    const QByteArray bytes = clientFrame(0x1, "42[\"a", false) + clientFrame(0x9, "ping") +
                             clientFrame(0x0, "b\",", false) + clientFrame(0xA, "") +
                             clientFrame(0x0, "1]", true);
    for (const qsizetype piece : {qsizetype(0), qsizetype(1)}) {
        WebSocketFrameReader reader(1 << 20);
        const auto messages = readAll(reader, bytes, piece);
        QCOMPARE(messages.size(), 3);
        QCOMPARE(messages.at(0).opcode, WebSocketOpcode::Ping);
        QCOMPARE(messages.at(0).payload, QByteArray("ping"));
        QCOMPARE(messages.at(1).opcode, WebSocketOpcode::Pong);
        QCOMPARE(messages.at(2).opcode, WebSocketOpcode::Text);
        QCOMPARE(messages.at(2).payload, QByteArray("42[\"ab\",1]"));
    }
}

void TestWebSocketFrames::refusesProtocolErrors_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::newRow("unmasked") << clientFrame(0x1, "40", true, false);
    QTest::newRow("opcode 3") << clientFrame(0x3, "x");
    QTest::newRow("opcode 11") << clientFrame(0xB, "x");
    QTest::newRow("reserved bit") << clientFrame(0x1, "x", true, true, 0x40);
    QTest::newRow("control of 126 bytes") << clientFrame(0x9, QByteArray(126, 'p'));
    QTest::newRow("fragmented control") << clientFrame(0x9, "p", false);
    QTest::newRow("continuation first") << clientFrame(0x0, "x");
    QTest::newRow("text inside a fragmented message")
        << clientFrame(0x1, "a", false) + clientFrame(0x1, "b");
    QTest::newRow("close with 1 byte") << clientFrame(0x8, "\x03");
    QTest::newRow("close code 1005") << clientFrame(0x8, QByteArray("\x03\xed", 2));
    QTest::newRow("close code 999") << clientFrame(0x8, QByteArray("\x03\xe7", 2));
}

void TestWebSocketFrames::refusesProtocolErrors()
{
    QFETCH(QByteArray, bytes);
    WebSocketFrameReader reader(1 << 20);
    const auto messages = readAll(reader, bytes + clientFrame(0x1, "after"));
    QVERIFY(messages.isEmpty());
    QCOMPARE(reader.failureCode(), CloseCode::protocolError);
    QVERIFY(!reader.failureReason().isEmpty());
    QCOMPARE(reader.bufferedBytes(), 0);
    reader.append(clientFrame(0x1, "more")); // nothing is read after a failure
    QVERIFY(!reader.next());
}

void TestWebSocketFrames::refusesAnOversizedMessageBeforeItsPayload()
{
    // One frame over the cap: refused from its header alone.
    WebSocketFrameReader single(1000);
    single.append(clientFrame(0x2, QByteArray(1001, 'x')).first(8));
    QVERIFY(!single.next());
    QCOMPARE(single.failureCode(), CloseCode::tooBig);

    // Fragments each under the cap, together over it.
    WebSocketFrameReader fragmented(1000);
    const auto messages = readAll(fragmented, clientFrame(0x2, QByteArray(600, 'x'), false) +
                                                  clientFrame(0x0, QByteArray(600, 'y'), true));
    QVERIFY(messages.isEmpty());
    QCOMPARE(fragmented.failureCode(), CloseCode::tooBig);

    // Exactly the cap passes.
    WebSocketFrameReader exact(1000);
    QCOMPARE(readAll(exact, clientFrame(0x2, QByteArray(1000, 'x'))).size(), 1);
}

void TestWebSocketFrames::readsCloseFrames()
{
    WebSocketFrameReader reader(1000);
    auto messages = readAll(reader, clientFrame(0x8, QByteArray("\x03\xe9going", 7)));
    QCOMPARE(messages.size(), 1);
    QCOMPARE(messages.at(0).opcode, WebSocketOpcode::Close);
    QCOMPARE(messages.at(0).closeCode, quint16(1001));
    QCOMPARE(messages.at(0).payload, QByteArray("going"));

    WebSocketFrameReader empty(1000);
    messages = readAll(empty, clientFrame(0x8, QByteArray()));
    QCOMPARE(messages.size(), 1);
    QCOMPARE(messages.at(0).closeCode, CloseCode::noStatus);
}

void TestWebSocketFrames::holdsNothingWhenIdle()
{
    WebSocketFrameReader reader(1 << 20);
    const QByteArray frame = clientFrame(0x2, QByteArray(5000, 'z'));
    reader.append(frame.first(3000));
    QVERIFY(!reader.next());
    QCOMPARE(reader.bufferedBytes(), 3000);
    reader.append(frame.mid(3000));
    QVERIFY(reader.next());
    QCOMPARE(reader.bufferedBytes(), 0);
}

void TestWebSocketFrames::handshakeAnswer()
{
    // RFC 6455 §1.3's example.
    QCOMPARE(afk::server::webSocketAcceptKey("dGhlIHNhbXBsZSBub25jZQ=="),
             QByteArray("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
    const auto head = HttpRequestHead::parse(
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n"
        "Upgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    QVERIFY(head);
    QString error;
    const auto answer = afk::server::webSocketHandshakeAnswer(*head, &error);
    QVERIFY2(answer, qPrintable(error));
    QVERIFY(answer->startsWith("HTTP/1.1 101 Switching Protocols\r\n"));
    QVERIFY(answer->contains("\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
    QVERIFY(answer->endsWith("\r\n\r\n"));
}

void TestWebSocketFrames::handshakeRefusals_data()
{
    QTest::addColumn<QByteArray>("head");
    const QByteArray key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    const QByteArray rest = "Upgrade: websocket\r\nConnection: Upgrade\r\n";
    QTest::newRow("version 8") << "GET / HTTP/1.1\r\n" + rest + key +
                                      "Sec-WebSocket-Version: 8\r\n\r\n";
    QTest::newRow("no key") << "GET / HTTP/1.1\r\n" + rest + "Sec-WebSocket-Version: 13\r\n\r\n";
    QTest::newRow("short key")
        << "GET / HTTP/1.1\r\n" + rest +
               "Sec-WebSocket-Key: c2hvcnQ=\r\nSec-WebSocket-Version: 13\r\n\r\n";
    QTest::newRow("POST") << "POST / HTTP/1.1\r\n" + rest + key +
                                 "Sec-WebSocket-Version: 13\r\n\r\n";
    QTest::newRow("no Connection: Upgrade")
        << "GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: keep-alive\r\n" + key +
               "Sec-WebSocket-Version: 13\r\n\r\n";
}

void TestWebSocketFrames::handshakeRefusals()
{
    QFETCH(QByteArray, head);
    const auto parsed = HttpRequestHead::parse(head);
    QVERIFY(parsed);
    QString error;
    QVERIFY(!afk::server::webSocketHandshakeAnswer(*parsed, &error));
    QVERIFY(error.startsWith(u"bad WebSocket upgrade request: "));
}

QTEST_APPLESS_MAIN(TestWebSocketFrames)
#include "tst_websocketframes.moc"
