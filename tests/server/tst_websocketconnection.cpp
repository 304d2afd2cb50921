// WebSocketConnection on WebSocketLoop over socket pairs (the test plays the client with raw
// frames): messages both ways, pings, partial writes kept and finished, a client that never reads
// (its backlog is bounded, it is dropped, another connection is not), both close handshakes and
// protocol errors answered with their close codes; a fan-out to many connections (sendToMany)
// reaching each once, behind a backlog, and failing a closed one.
#include "WebSocketFrames.h"
#include "WebSocketLoop.h"

#include <QTest>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using afk::server::WebSocketConnection;
using afk::server::WebSocketFrameReader;
using afk::server::WebSocketLoop;
using afk::server::WebSocketLoopOptions;
using afk::server::WebSocketOpcode;
namespace CloseCode = afk::server::WebSocketCloseCode;

namespace {

QByteArray clientFrame(quint8 opcode, const QByteArray &payload, bool isMasked = true)
{
    QByteArray frame;
    frame.append(char(0x80 | opcode));
    Q_ASSERT(payload.size() < 126);
    frame.append(char((isMasked ? 0x80 : 0) | payload.size()));
    const char key[4] = {1, 2, 3, 4};
    if (isMasked)
        frame.append(key, 4);
    for (qsizetype i = 0; i < payload.size(); ++i)
        frame.append(isMasked ? char(payload.at(i) ^ key[i & 3]) : payload.at(i));
    return frame;
}

struct Recorder : WebSocketConnection::Handler {
    QStringList texts;
    QList<QByteArray> binaries;
    quint16 closeCode = 0;
    QString closeReason;
    void onWebSocketText(const QString &text) override { texts << text; }
    void onWebSocketBinary(const QByteArray &data) override { binaries << data; }
    void onWebSocketClosed(quint16 code, const QString &reason) override
    {
        closeCode = code;
        closeReason = reason;
    }
};

// The client's end: reads the server's frames (unmasked, so a reader is not used).
struct Client {
    int descriptor = -1;
    QByteArray received;
    bool isEof = false;

    ~Client()
    {
        if (descriptor >= 0)
            ::close(descriptor);
    }
    void send(const QByteArray &bytes) const
    {
        QCOMPARE(::send(descriptor, bytes.constData(), size_t(bytes.size()), MSG_NOSIGNAL),
                 ssize_t(bytes.size()));
    }
    void readAvailable()
    {
        char buffer[65536];
        for (;;) {
            const ssize_t count = ::recv(descriptor, buffer, sizeof buffer, MSG_DONTWAIT);
            if (count > 0) {
                received.append(buffer, count);
                continue;
            }
            isEof = isEof || count == 0;
            return;
        }
    }
    // The next whole server frame: opcode and payload (nullopt while incomplete).
    std::optional<std::pair<quint8, QByteArray>> takeFrame()
    {
        if (received.size() < 2)
            return std::nullopt;
        qsizetype header = 2;
        quint64 length = quint8(received.at(1)) & 0x7F;
        if (length == 126) {
            if (received.size() < 4)
                return std::nullopt;
            length = quint8(received.at(2)) << 8 | quint8(received.at(3));
            header = 4;
        } else if (length == 127) {
            if (received.size() < 10)
                return std::nullopt;
            length = 0;
            for (int i = 2; i < 10; ++i)
                length = length << 8 | quint8(received.at(i));
            header = 10;
        }
        if (quint64(received.size() - header) < length)
            return std::nullopt;
        std::pair<quint8, QByteArray> frame{quint8(received.at(0)) & 0x0F,
                                            received.mid(header, qsizetype(length))};
        received.remove(0, header + qsizetype(length));
        return frame;
    }
    std::optional<std::pair<quint8, QByteArray>> waitFrame()
    {
        std::optional<std::pair<quint8, QByteArray>> frame;
        [[maybe_unused]] const bool isComplete = QTest::qWaitFor(
            [&] {
                readAvailable();
                frame = takeFrame();
                return frame.has_value();
            },
            5000);
        return frame;
    }
};

} // namespace

class TestWebSocketConnection : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void messagesBothWays();
    void earlyBytesAreReadOnceTheHandlerIsSet();
    void partialWritesAreFinished();
    void aClientThatNeverReadsIsDropped();
    void serverCloseWaitsForTheClientsClose();
    void serverCloseTimesOut();
    void clientCloseIsEchoed();
    void protocolErrorsAreAnsweredWithTheirCode();
    void sendToManyReachesEachConnectionOnce();

private:
    WebSocketConnection *open(Client &client, Recorder *recorder, const QByteArray &early = {});

    std::unique_ptr<WebSocketLoop> m_loop;
    int m_retired = 0;
};

void TestWebSocketConnection::init()
{
    WebSocketLoopOptions options;
    options.maxMessageBytes = 1000;
    options.maxBacklogBytes = 256 * 1024;
    options.closeTimeoutMs = 300;
    m_retired = 0;
    m_loop = std::make_unique<WebSocketLoop>(options, [this] { ++m_retired; });
    QVERIFY(m_loop->isValid());
}

void TestWebSocketConnection::cleanup()
{
    m_loop.reset();
}

WebSocketConnection *TestWebSocketConnection::open(Client &client, Recorder *recorder,
                                                   const QByteArray &early)
{
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair) != 0)
        return nullptr;
    client.descriptor = pair[1];
    WebSocketConnection *connection = m_loop->adopt(pair[0], "HELLO", early);
    if (connection) {
        connection->setHandler(recorder);
        connection->readBuffered();
    }
    return connection;
}

void TestWebSocketConnection::messagesBothWays()
{
    Client client;
    Recorder recorder;
    WebSocketConnection *connection = open(client, &recorder);
    QVERIFY(connection);
    QVERIFY(QTest::qWaitFor([&] {
        client.readAvailable();
        return client.received.size() >= 5;
    }));
    QCOMPARE(client.received.left(5), QByteArray("HELLO")); // the handshake answer comes first
    client.received.remove(0, 5);

    client.send(clientFrame(0x1, "40") + clientFrame(0x2, QByteArray(100, 'b')) +
                clientFrame(0x9, "are you there"));
    QVERIFY(QTest::qWaitFor([&] { return recorder.binaries.size() == 1; }, 5000));
    QCOMPARE(recorder.texts, QStringList{QStringLiteral("40")});
    const auto pong = client.waitFrame();
    QVERIFY(pong);
    QCOMPARE(pong->first, quint8(WebSocketOpcode::Pong));
    QCOMPARE(pong->second, QByteArray("are you there"));

    connection->sendText(QStringLiteral("2"));
    const auto text = client.waitFrame();
    QVERIFY(text);
    QCOMPARE(text->first, quint8(WebSocketOpcode::Text));
    QCOMPARE(text->second, QByteArray("2"));
    QCOMPARE(connection->backlogBytes(), 0);
    QCOMPARE(m_retired, 0);
}

void TestWebSocketConnection::earlyBytesAreReadOnceTheHandlerIsSet()
{
    Client client;
    Recorder recorder;
    QVERIFY(open(client, &recorder, clientFrame(0x1, "early")));
    QCOMPARE(recorder.texts, QStringList{QStringLiteral("early")});
}

void TestWebSocketConnection::partialWritesAreFinished()
{
    Client client;
    Recorder recorder;
    WebSocketConnection *connection = open(client, &recorder);
    QVERIFY(connection);
    const int small = 4096;
    QCOMPARE(::setsockopt(connection->descriptor(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small),
             0);
    // More than the kernel takes at once: the rest waits, shared, and goes out as it drains.
    QByteArray payload(200 * 1024, Qt::Uninitialized);
    for (qsizetype i = 0; i < payload.size(); ++i)
        payload[i] = char(i * 7);
    const QByteArray frame = afk::server::encodeWebSocketFrame(WebSocketOpcode::Binary, payload);
    connection->sendFrame(frame);
    connection->sendText(QStringLiteral("after"));
    QVERIFY(connection->backlogBytes() > 0);
    QVERIFY(QTest::qWaitFor([&] {
        client.readAvailable();
        return client.received.size() >= 5;
    }));
    client.received.remove(0, 5);
    const auto binary = client.waitFrame();
    QVERIFY(binary);
    QCOMPARE(binary->first, quint8(WebSocketOpcode::Binary));
    QVERIFY(binary->second == payload);
    const auto text = client.waitFrame();
    QVERIFY(text);
    QCOMPARE(text->second, QByteArray("after"));
    QVERIFY(QTest::qWaitFor([&] { return connection->backlogBytes() == 0; }, 5000));
    QVERIFY(connection->isOpen());
}

void TestWebSocketConnection::aClientThatNeverReadsIsDropped()
{
    Client slow;
    Client steady;
    Recorder slowRecorder;
    Recorder steadyRecorder;
    WebSocketConnection *slowConnection = open(slow, &slowRecorder);
    WebSocketConnection *steadyConnection = open(steady, &steadyRecorder);
    QVERIFY(slowConnection && steadyConnection);
    const QByteArray event =
        afk::server::encodeWebSocketFrame(WebSocketOpcode::Text, QByteArray(1000, 'e'));
    int sent = 0;
    // A broadcast of room events: the slow client never reads, the steady one does.
    while (slowRecorder.closeCode == 0 && sent < 10'000) {
        slowConnection->sendFrame(event);
        steadyConnection->sendFrame(event);
        ++sent;
        steady.readAvailable();
        if (sent % 16 == 0)
            QCoreApplication::processEvents();
    }
    QVERIFY(QTest::qWaitFor([&] { return slowRecorder.closeCode != 0; }, 5000));
    QCOMPARE(slowRecorder.closeCode, CloseCode::policyViolation);
    QVERIFY2(slowRecorder.closeReason.contains(u"does not read"),
             qPrintable(slowRecorder.closeReason));
    QCOMPARE(m_retired, 1);
    // It was bounded: at most the cap plus what the kernel holds was ever sent to it.
    QVERIFY(sent < 10'000);
    QCOMPARE(steadyRecorder.closeCode, quint16(0));
    QVERIFY(steadyConnection->isOpen());
    steadyConnection->sendText(QStringLiteral("still here"));
    QVERIFY(QTest::qWaitFor([&] {
        steady.readAvailable();
        return steady.received.endsWith("still here");
    }));
    // The slow client's socket is closed: it reads what the kernel held, then the end.
    QVERIFY(QTest::qWaitFor(
        [&] {
            slow.readAvailable();
            return slow.isEof;
        },
        5000));
}

void TestWebSocketConnection::serverCloseWaitsForTheClientsClose()
{
    Client client;
    Recorder recorder;
    WebSocketConnection *connection = open(client, &recorder);
    QVERIFY(connection);
    QVERIFY(QTest::qWaitFor([&] {
        client.readAvailable();
        return client.received.size() >= 5;
    }));
    client.received.remove(0, 5);
    connection->close(1000, QStringLiteral("bye"));
    const auto close = client.waitFrame();
    QVERIFY(close);
    QCOMPARE(close->first, quint8(WebSocketOpcode::Close));
    QCOMPARE(close->second, QByteArray("\x03\xe8"
                                       "bye",
                                       5));
    QCOMPARE(m_retired, 0); // still open: the client has not answered
    client.send(clientFrame(0x1, "ignored while closing") +
                clientFrame(0x8, QByteArray("\x03\xe8", 2)));
    QVERIFY(QTest::qWaitFor([&] { return m_retired == 1; }, 2000));
    QVERIFY(QTest::qWaitFor(
        [&] {
            client.readAvailable();
            return client.isEof;
        },
        2000));
    QVERIFY(recorder.texts.isEmpty()); // the handler was detached by close()
    QCOMPARE(recorder.closeCode, quint16(0));
}

void TestWebSocketConnection::serverCloseTimesOut()
{
    Client client;
    Recorder recorder;
    WebSocketConnection *connection = open(client, &recorder);
    QVERIFY(connection);
    connection->close(1001, QString());
    QCOMPARE(m_retired, 0);
    QVERIFY(QTest::qWaitFor([&] { return m_retired == 1; }, 5000)); // closeTimeoutMs
    QVERIFY(QTest::qWaitFor(
        [&] {
            client.readAvailable();
            return client.isEof;
        },
        2000));
}

void TestWebSocketConnection::clientCloseIsEchoed()
{
    Client client;
    Recorder recorder;
    QVERIFY(open(client, &recorder));
    QVERIFY(QTest::qWaitFor([&] {
        client.readAvailable();
        return client.received.size() >= 5;
    }));
    client.received.remove(0, 5);
    client.send(clientFrame(0x8, QByteArray("\x03\xe9", 2)));
    QVERIFY(QTest::qWaitFor([&] { return recorder.closeCode != 0; }, 5000));
    QCOMPARE(recorder.closeCode, quint16(1001));
    QCOMPARE(recorder.closeReason, QStringLiteral("client closed"));
    const auto echo = client.waitFrame();
    QVERIFY(echo);
    QCOMPARE(echo->first, quint8(WebSocketOpcode::Close));
    QCOMPARE(echo->second, QByteArray("\x03\xe9", 2));
    QVERIFY(QTest::qWaitFor(
        [&] {
            client.readAvailable();
            return client.isEof;
        },
        2000));
    QCOMPARE(m_retired, 1);
}

void TestWebSocketConnection::protocolErrorsAreAnsweredWithTheirCode()
{
    struct Case {
        QByteArray bytes;
        quint16 code;
    };
    const QList<Case> cases{
        {clientFrame(0x1, "unmasked", false), CloseCode::protocolError},
        {clientFrame(0x3, "x"), CloseCode::protocolError},
        {clientFrame(0x1, QByteArray("\xff\xfe", 2)), CloseCode::invalidPayload},
        // A header announcing 1024 bytes > maxMessageBytes: refused before any payload.
        {QByteArray("\x82\xfe\x04\x00\x01\x02\x03\x04", 8), CloseCode::tooBig},
    };
    for (const Case &c : cases) {
        Client client;
        Recorder recorder;
        QVERIFY(open(client, &recorder));
        QVERIFY(QTest::qWaitFor([&] {
            client.readAvailable();
            return client.received.size() >= 5;
        }));
        client.received.remove(0, 5);
        client.send(c.bytes);
        QVERIFY(QTest::qWaitFor([&] { return recorder.closeCode != 0; }, 5000));
        QCOMPARE(recorder.closeCode, c.code);
        const auto close = client.waitFrame();
        QVERIFY(close);
        QCOMPARE(close->first, quint8(WebSocketOpcode::Close));
        QCOMPARE(quint16(quint8(close->second.at(0)) << 8 | quint8(close->second.at(1))), c.code);
        QVERIFY(QTest::qWaitFor(
            [&] {
                client.readAvailable();
                return client.isEof;
            },
            2000));
    }
}

void TestWebSocketConnection::sendToManyReachesEachConnectionOnce()
{
    // Past the threshold the send() calls are spread over threads: every viewer still gets the
    // frame once, one with a backlog gets it after the backlog, one whose client is gone fails.
    const int count = int(WebSocketLoop::parallelSendThreshold) + 44;
    std::vector<std::unique_ptr<Client>> clients;
    std::vector<std::unique_ptr<Recorder>> recorders;
    std::vector<WebSocketConnection *> connections;
    for (int i = 0; i < count; ++i) {
        clients.push_back(std::make_unique<Client>());
        recorders.push_back(std::make_unique<Recorder>());
        WebSocketConnection *connection = open(*clients.back(), recorders.back().get());
        QVERIFY(connection);
        connections.push_back(connection);
    }
    const int backlogged = 7;
    const int gone = 123;
    const int small = 4096;
    QCOMPARE(::setsockopt(connections[backlogged]->descriptor(), SOL_SOCKET, SO_SNDBUF, &small,
                          sizeof small),
             0);
    const QByteArray big =
        afk::server::encodeWebSocketFrame(WebSocketOpcode::Binary, QByteArray(100 * 1024, 'b'));
    connections[backlogged]->sendFrame(big);
    QVERIFY(connections[backlogged]->backlogBytes() > 0);
    ::close(std::exchange(clients[gone]->descriptor, -1));

    const QByteArray event = afk::server::encodeWebSocketFrame(
        WebSocketOpcode::Text, QByteArray(R"(42["stream-segments-updated",{"segmentCount":3}])"));
    m_loop->sendToMany(event, connections);

    for (int i = 0; i < count; ++i) {
        if (i == gone)
            continue;
        Client &client = *clients[size_t(i)];
        QVERIFY(QTest::qWaitFor([&] {
            client.readAvailable();
            return client.received.size() >= 5;
        }));
        QCOMPARE(client.received.left(5), QByteArray("HELLO"));
        client.received.remove(0, 5);
        if (i == backlogged) {
            const auto first = client.waitFrame();
            QVERIFY(first);
            QCOMPARE(first->second.size(), 100 * 1024);
        }
        const auto frame = client.waitFrame();
        QVERIFY2(frame, qPrintable(QStringLiteral("connection %1 got no event").arg(i)));
        QCOMPARE(frame->second, event.mid(2));
        client.readAvailable();
        QVERIFY2(client.received.isEmpty(), qPrintable(QStringLiteral("connection %1 got more").arg(i)));
    }
    QVERIFY(QTest::qWaitFor([&] { return recorders[gone]->closeCode != 0; }, 5000));
    QCOMPARE(recorders[gone]->closeCode, quint16(1006));
    QCOMPARE(m_retired, 1);
    for (int i = 0; i < count; ++i)
        if (i != gone)
            QCOMPARE(recorders[size_t(i)]->closeCode, quint16(0));
}

QTEST_GUILESS_MAIN(TestWebSocketConnection)
#include "tst_websocketconnection.moc"
