// ConnectionGate + GatedTcpServer in front of a real QAbstractHttpServer over real sockets: what
// is refused never reaches the HTTP server, pipelined keep-alive requests are each checked and
// answered in order, a WebSocket upgrade ends the inspection, slow and idle connections are
// closed, the connection cap answers 503, and every refusal is counted.
#include "GatedTcpServer.h"

#include <QAbstractHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>
#include <memory>

#include <sys/resource.h>
#include <unistd.h>
#include <vector>

using namespace afk::server;

namespace
{

// Answers every request with "<body size> <path>"; hands WebSocket upgrades over.
class EchoServer : public QAbstractHttpServer
{
public:
    QList<QByteArray> bodies;

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override
    {
        if (socket->isTransactionStarted() &&
            request.value("Upgrade").compare("websocket", Qt::CaseInsensitive) == 0)
            return true;
        bodies.append(request.body());
        makeResponder(request, socket)
            .write(QByteArray::number(request.body().size()) + ' ' + request.url().path().toUtf8(),
                   "text/plain", QHttpServerResponder::StatusCode::Ok);
        return true;
    }
    void missingHandler(const QHttpServerRequest &, QTcpSocket *) override {}
};

struct Response {
    int status = 0;
    QByteArray headers;
    QByteArray body;
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
};

// Splits what a server sent into responses (Content-Length framed).
QList<Response> parseResponses(QByteArray bytes)
{
    QList<Response> responses;
    static const QRegularExpression contentLength(QStringLiteral("\r\ncontent-length: *(\\d+)"),
                                                  QRegularExpression::CaseInsensitiveOption);
    for (;;) {
        const qsizetype headerEnd = bytes.indexOf("\r\n\r\n");
        if (headerEnd < 0 || !bytes.startsWith("HTTP/1.1 "))
            return responses;
        Response response;
        response.status = bytes.mid(9, 3).toInt();
        response.headers = bytes.left(headerEnd + 2);
        const auto match = contentLength.match(QString::fromLatin1(response.headers));
        const qsizetype size = match.hasMatch() ? match.captured(1).toLongLong() : 0;
        if (bytes.size() < headerEnd + 4 + size)
            return responses;
        response.body = bytes.mid(headerEnd + 4, size);
        responses.append(response);
        bytes.remove(0, headerEnd + 4 + size);
    }
}

class Client
{
public:
    explicit Client(quint16 port)
    {
        m_socket.connectToHost(QHostAddress::LocalHost, port);
        m_socket.waitForConnected(5000);
    }
    void send(const QByteArray &bytes)
    {
        m_socket.write(bytes);
        m_socket.flush();
    }
    // Waits for `count` responses (or the connection to close).
    QList<Response> responses(int count, int timeoutMs = 10000)
    {
        // The caller checks what arrived; a timeout shows as fewer responses.
        (void)QTest::qWaitFor(
            [&] {
                m_received += m_socket.readAll();
                return parseResponses(m_received).size() >= count || isClosed();
            },
            timeoutMs);
        m_received += m_socket.readAll();
        return parseResponses(m_received);
    }
    bool waitClosed(int timeoutMs = 15000)
    {
        return QTest::qWaitFor(
            [&] {
                m_received += m_socket.readAll();
                return isClosed();
            },
            timeoutMs);
    }
    bool isClosed() const { return m_socket.state() == QAbstractSocket::UnconnectedState; }
    const QByteArray &received() const { return m_received; }

private:
    QTcpSocket m_socket;
    QByteArray m_received;
};

// Collects the "[http]" lines the gate logs (everything else goes on to QtTest).
QStringList *g_httpLog = nullptr;
QtMessageHandler g_previousHandler = nullptr;
void captureHttpLog(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (g_httpLog && message.startsWith(u"[http]"))
        g_httpLog->append(message);
    else
        g_previousHandler(type, context, message);
}

QByteArray post(const QByteArray &path, const QByteArray &body)
{
    return "POST " + path +
           " HTTP/1.1\r\nHost: h\r\nContent-Length: " + QByteArray::number(body.size()) +
           "\r\n\r\n" + body;
}

QByteArray get(const QByteArray &path)
{
    return "GET " + path + " HTTP/1.1\r\nHost: h\r\n\r\n";
}

} // namespace

class TestConnectionGate : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();

    void contentLengthOverLimit();
    void chunkedOverLimit();
    void chunkSizeGarbage();
    void headerFlood();
    void pipelinedKeepAliveEachChecked();
    void pipelinedBodiesStayInStep();
    void upgradeStopsInspection();
    void slowRequestGets408();
    void idleConnectionIsClosed();
    void connectionCap();
    void refusalLogIsRateLimited();
    void acceptRestsWhileOutOfDescriptors();
    void listenBacklogFollowsTheSystem();

private:
    void start(GateSettings settings = {}, int maxConnections = 100);
    quint16 port() const { return m_tcp->serverPort(); }

    std::unique_ptr<EchoServer> m_server;
    QPointer<GatedTcpServer> m_tcp;
    HttpMetrics m_metrics;
};

void TestConnectionGate::init()
{
    m_metrics = HttpMetrics();
}

void TestConnectionGate::cleanup()
{
    m_server.reset();
}

void TestConnectionGate::start(GateSettings settings, int maxConnections)
{
    m_server = std::make_unique<EchoServer>();
    m_tcp = new GatedTcpServer(settings, maxConnections, &m_metrics);
    QVERIFY(m_tcp->listen(QHostAddress::LocalHost, 0));
    m_server->bind(m_tcp);
}

void TestConnectionGate::contentLengthOverLimit()
{
    start();
    Client client(port());
    // The whole log line: reason and peer, never the Authorization header or the target.
    QTest::ignoreMessage(QtWarningMsg,
                         "[http] refused 127.0.0.1 (body_too_large): request body too large: "
                         "Content-Length 314572800 exceeds the limit of 65536 bytes for POST");
    // Announces 300 MB and sends some of it: answered at once, the body never read.
    client.send("POST /livestream/k/start HTTP/1.1\r\nHost: h\r\nAuthorization: Nostr c2VjcmV0\r\n"
                "Content-Length: 314572800\r\n\r\n" +
                QByteArray(256 * 1024, 'x'));
    const QList<Response> responses = client.responses(1);
    QCOMPARE(responses.size(), 1);
    QCOMPARE(responses[0].status, 413);
    QVERIFY(responses[0].headers.contains("Content-Type: application/json"));
    QVERIFY(responses[0].headers.contains("Connection: close"));
    QVERIFY(responses[0].json().value("error").toString().contains(u"65536"));
    QVERIFY(client.waitClosed());
    QVERIFY(m_server->bodies.isEmpty());
    QCOMPARE(m_metrics.refusalCount(HttpRefusal::BodyTooLarge), quint64(1));
}

void TestConnectionGate::chunkedOverLimit()
{
    start();
    Client client(port());
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression("\\(body_too_large\\)"));
    client.send("POST /chat HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n");
    QByteArray chunks;
    for (int i = 0; i < 80; ++i)
        chunks += "400\r\n" + QByteArray(1024, 'c') + "\r\n";
    client.send(chunks);
    const QList<Response> responses = client.responses(1);
    QCOMPARE(responses.size(), 1);
    QCOMPARE(responses[0].status, 413);
    QVERIFY(client.waitClosed());
    QVERIFY(m_server->bodies.isEmpty());
}

void TestConnectionGate::chunkSizeGarbage()
{
    start();
    Client client(port());
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression("\\(bad_request\\): invalid chunk size"));
    client.send("POST /chat HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
    const QList<Response> responses = client.responses(1);
    QCOMPARE(responses.size(), 1);
    QCOMPARE(responses[0].status, 400);
    QVERIFY(client.waitClosed());
    QVERIFY(m_server->bodies.isEmpty());
    QCOMPARE(m_metrics.refusalCount(HttpRefusal::BadRequest), quint64(1));
}

void TestConnectionGate::headerFlood()
{
    start();
    Client client(port());
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression("\\(headers_too_large\\)"));
    QByteArray flood = "GET / HTTP/1.1\r\n";
    for (int i = 0; i < 60; ++i)
        flood += "X-Flood-" + QByteArray::number(i) + ": " + QByteArray(1000, 'f') + "\r\n";
    client.send(flood);
    const QList<Response> responses = client.responses(1);
    QCOMPARE(responses.size(), 1);
    QCOMPARE(responses[0].status, 431);
    QVERIFY(client.waitClosed());
    QCOMPARE(m_metrics.refusalCount(HttpRefusal::HeadersTooLarge), quint64(1));
}

void TestConnectionGate::pipelinedKeepAliveEachChecked()
{
    start();
    Client client(port());
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression("\\(body_too_large\\)"));
    // One write: two good requests, then one over the limit, then one that must not be served.
    client.send(get("/one") + post("/two", "{}") + post("/three", QByteArray(70 * 1024, 'x')) +
                get("/four"));
    const QList<Response> responses = client.responses(3);
    QCOMPARE(responses.size(), 3);
    QCOMPARE(responses[0].status, 200);
    QCOMPARE(responses[0].body, QByteArray("0 /one"));
    QCOMPARE(responses[1].status, 200);
    QCOMPARE(responses[1].body, QByteArray("2 /two"));
    QCOMPARE(responses[2].status, 413);
    QVERIFY(client.waitClosed());
    QCOMPARE(m_server->bodies.size(), 2);
}

void TestConnectionGate::pipelinedBodiesStayInStep()
{
    // Bodies that look like requests, chunked and Content-Length bodies, blank lines between
    // requests, sent in small pieces: every request answered once, in order, with its body.
    start();
    Client client(port());
    const QByteArray chunked = "POST /chunked HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked"
                               "\r\n\r\n4\r\nGET \r\nd\r\n/x HTTP/1.1\r\n\r\n0\r\n\r\n";
    const QByteArray stream = post("/a", get("/inside")) + "\r\n" + chunked + get("/b") +
                              post("/c", QByteArray(64 * 1024, 'y'));
    for (qsizetype offset = 0; offset < stream.size(); offset += 997) {
        client.send(stream.mid(offset, 997));
        QTest::qWait(1);
    }
    const QList<Response> responses = client.responses(4);
    QCOMPARE(responses.size(), 4);
    QCOMPARE(responses[0].body, QByteArray::number(get("/inside").size()) + " /a");
    QCOMPARE(responses[1].body, QByteArray("17 /chunked"));
    QCOMPARE(responses[2].body, QByteArray("0 /b"));
    QCOMPARE(responses[3].body, QByteArray("65536 /c"));
    QCOMPARE(m_server->bodies.at(1), QByteArray("GET /x HTTP/1.1\r\n"));
    QVERIFY(!client.isClosed());
    QCOMPARE(m_metrics.refusalCount(HttpRefusal::BadRequest), quint64(0));
}

void TestConnectionGate::upgradeStopsInspection()
{
    start();
    std::vector<std::unique_ptr<QWebSocket>> accepted;
    connect(m_server.get(), &QAbstractHttpServer::newWebSocketConnection, this, [&] {
        while (m_server->hasPendingWebSocketConnections()) {
            accepted.emplace_back(m_server->nextPendingWebSocketConnection());
            QWebSocket *socket = accepted.back().get();
            connect(socket, &QWebSocket::binaryMessageReceived, socket,
                    [socket](const QByteArray &message) { socket->sendBinaryMessage(message); });
        }
    });
    QWebSocket client;
    QByteArray echoed;
    connect(&client, &QWebSocket::binaryMessageReceived, this,
            [&](const QByteArray &message) { echoed = message; });
    client.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/socket.io/").arg(port())));
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), QAbstractSocket::ConnectedState, 5000);
    QCOMPARE(m_tcp->openConnections(), 1);

    // Frames far over every HTTP limit, and bytes that are no HTTP at all: not the gate's business.
    const QByteArray message = QByteArray(300 * 1024, '\r') + "\n\n";
    client.sendBinaryMessage(message);
    QTRY_COMPARE_WITH_TIMEOUT(echoed.size(), message.size(), 10000);
    QVERIFY(echoed == message);
    QCOMPARE(client.state(), QAbstractSocket::ConnectedState);

    // The WebSocket counts as a connection until it closes.
    client.close();
    QTRY_COMPARE_WITH_TIMEOUT(accepted.size(), size_t(1), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(accepted.front()->state(), QAbstractSocket::UnconnectedState, 5000);
    accepted.clear();
    QTRY_COMPARE_WITH_TIMEOUT(m_tcp->openConnections(), 0, 5000);
}

void TestConnectionGate::slowRequestGets408()
{
    GateSettings settings;
    settings.requestTimeoutMs = 300;
    start(settings);
    Client slow(port());
    Client healthy(port());
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression("\\(request_timeout\\): request not "
                                                          "complete within 0.3 s"));
    slow.send("GET /livestream/k/sta");
    // The other connection is served meanwhile.
    healthy.send(get("/health"));
    QCOMPARE(healthy.responses(1).value(0).status, 200);
    QVERIFY(slow.waitClosed());
    const QList<Response> answer = parseResponses(slow.received());
    QCOMPARE(answer.size(), 1);
    QCOMPARE(answer[0].status, 408);
    QCOMPARE(m_metrics.refusalCount(HttpRefusal::RequestTimeout), quint64(1));
    QVERIFY(m_server->bodies.size() == 1);
}

void TestConnectionGate::idleConnectionIsClosed()
{
    GateSettings settings;
    settings.requestTimeoutMs = 300;
    settings.idleTimeoutMs = 600;
    start(settings);
    Client silent(port()); // never sends: closed after the request timeout, no answer
    Client keepAlive(port());
    keepAlive.send(get("/one"));
    QCOMPARE(keepAlive.responses(1).value(0).status, 200);
    QVERIFY(silent.waitClosed());
    QVERIFY(silent.received().isEmpty());
    QVERIFY(keepAlive.waitClosed());
    QCOMPARE(parseResponses(keepAlive.received()).size(), 1);
    QCOMPARE(m_metrics.idleCloseCount(), quint64(2));
    QCOMPARE(m_metrics.refusalCount(HttpRefusal::RequestTimeout), quint64(0));
    QTRY_COMPARE_WITH_TIMEOUT(m_tcp->openConnections(), 0, 5000);
}

void TestConnectionGate::connectionCap()
{
    start({}, 2);
    Client first(port());
    Client second(port());
    first.send(get("/first"));
    QCOMPARE(first.responses(1).value(0).status, 200);
    QTRY_COMPARE_WITH_TIMEOUT(m_tcp->openConnections(), 2, 5000);

    QTest::ignoreMessage(QtWarningMsg, QRegularExpression("\\(too_many_connections\\)"));
    Client third(port());
    third.send(get("/third"));
    QVERIFY(third.waitClosed());
    const QList<Response> refused = parseResponses(third.received());
    QCOMPARE(refused.size(), 1);
    QCOMPARE(refused[0].status, 503);
    QVERIFY(refused[0].json().value("error").toString().contains(u"at most 2"));
    QVERIFY(refused[0].json().value("error").toString().contains(u"--max-connections"));
    QCOMPARE(m_metrics.refusalCount(HttpRefusal::TooManyConnections), quint64(1));

    // The earlier ones keep working; when one closes, a new one is accepted.
    second.send(get("/second"));
    QCOMPARE(second.responses(1).value(0).body, QByteArray("0 /second"));
    first.send(get("/again"));
    QCOMPARE(first.responses(2).value(1).body, QByteArray("0 /again"));
    QCOMPARE(m_server->bodies.size(), 3);
    const QByteArray text = m_metrics.render({}, 0, 0);
    QVERIFY(text.contains("afk_http_connections 2\n"));
    QVERIFY(text.contains("afk_http_connections_limit 2\n"));
    QVERIFY(text.contains("afk_http_refused_total{reason=\"too_many_connections\"} 1\n"));
}

void TestConnectionGate::refusalLogIsRateLimited()
{
    start();
    m_tcp->setRefusalLogLimit(3, 500);
    QStringList log;
    g_httpLog = &log;
    g_previousHandler = qInstallMessageHandler(captureHttpLog);
    std::vector<std::unique_ptr<Client>> clients;
    for (int i = 0; i < 8; ++i) {
        clients.push_back(std::make_unique<Client>(port()));
        clients.back()->send("zz\r\n\r\n");
    }
    for (const auto &client : clients)
        QCOMPARE(client->responses(1).value(0).status, 400);
    // Three lines, then (at the end of the window) one line for the other five.
    const bool isSummarized = QTest::qWaitFor([&] { return log.size() >= 4; }, 10000);
    qInstallMessageHandler(g_previousHandler);
    g_httpLog = nullptr;
    QVERIFY2(isSummarized, qPrintable(log.join(u'\n')));
    QCOMPARE(log.size(), 4);
    for (int i = 0; i < 3; ++i)
        QVERIFY(log[i].startsWith(u"[http] refused 127.0.0.1 (bad_request): malformed request"));
    QVERIFY2(log[3].startsWith(u"[http] 5 more refusals in the last 0.5 s not logged"),
             qPrintable(log[3]));
    QCOMPARE(m_metrics.refusalCount(HttpRefusal::BadRequest), quint64(8));
}

void TestConnectionGate::acceptRestsWhileOutOfDescriptors()
{
    // Really out of descriptors: the soft limit is lowered to just past the client's socket, so
    // the server's accept() fails with EMFILE until it is raised again.
    start();
    rlimit saved{};
    QVERIFY(getrlimit(RLIMIT_NOFILE, &saved) == 0);
    const int lowestFree = ::dup(0);
    QVERIFY(lowestFree >= 0);
    ::close(lowestFree);
    rlimit low = saved;
    low.rlim_cur = rlim_t(lowestFree) + 1;
    QVERIFY(setrlimit(RLIMIT_NOFILE, &low) == 0);
    QTest::ignoreMessage(
        QtWarningMsg, QRegularExpression("^\\[http\\] cannot accept connections: .* \\(limit \\d+ "
                                         "descriptors\\); open connections are served"));
    Client late(port()); // takes the last descriptor allowed
    const bool wasPaused = QTest::qWaitFor([&] { return m_tcp->isAcceptPaused(); }, 5000);
    if (wasPaused)
        QTest::qWait(2500); // failed retries, logged no more
    QVERIFY(setrlimit(RLIMIT_NOFILE, &saved) == 0);
    QVERIFY(wasPaused);
    // One line when it resumes, with the retries: one a second, not a busy loop.
    QTest::ignoreMessage(
        QtWarningMsg, QRegularExpression("^\\[http\\] accepting connections again after [0-9.]+ s "
                                         "\\([1-9][0-9]? retries\\)$"));
    late.send(get("/late"));
    QCOMPARE(late.responses(1).value(0).body, QByteArray("0 /late"));
    QVERIFY(!m_tcp->isAcceptPaused());
}

void TestConnectionGate::listenBacklogFollowsTheSystem()
{
    GatedTcpServer server(GateSettings{}, 10, nullptr);
    QVERIFY(GatedTcpServer::systemListenBacklogLimit() > 0);
    QCOMPARE(server.listenBacklogSize(), GatedTcpServer::systemListenBacklogLimit());
    server.setListenBacklog(100);
    QCOMPARE(server.listenBacklogSize(), 100);
    // The soft descriptor limit was raised to the hard one.
    rlimit limit{};
    QVERIFY(getrlimit(RLIMIT_NOFILE, &limit) == 0);
    QVERIFY(limit.rlim_max == RLIM_INFINITY || limit.rlim_cur == limit.rlim_max);
    QCOMPARE(GatedTcpServer::descriptorLimit(), qint64(limit.rlim_cur));
}

QTEST_MAIN(TestConnectionGate)
#include "tst_connectiongate.moc"
