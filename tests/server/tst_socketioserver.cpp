// SocketIoServer over real WebSockets with short timings: ping timeout (a viewer that stops
// answering is dropped and counted as gone), idle streams ended, the ingest sink, segment
// updates to the room, the CONNECT deadline and unknown namespaces.
#include "HttpApi.h"
#include "Secp256k1Context.h"
#include "SocketIoServer.h"
#include "Stream.h"
#include "StreamRegistry.h"
#include "StreamStore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

#include <memory>

using afk::server::HttpApi;
using afk::server::SocketIoServer;
using afk::server::SocketIoServerOptions;

namespace {

// A raw Engine.IO / Socket.IO client: records every text message, answers pings if asked.
struct Client {
    QWebSocket socket;
    QStringList messages;
    int taken = 0; // messages before this index were consumed by waitEvent
    bool isAnsweringPings = true;

    // The payload of the next `name` event; {} (and a failed wait) after timeoutMs.
    std::optional<QJsonObject> waitEvent(const QString &name, int timeoutMs = 5000)
    {
        const QString prefix = QStringLiteral("42[\"%1\",").arg(name);
        QElapsedTimer timer;
        timer.start();
        for (;;) {
            for (int i = taken; i < messages.size(); ++i) {
                if (messages.at(i).startsWith(prefix)) {
                    taken = i + 1;
                    const QJsonArray array =
                        QJsonDocument::fromJson(messages.at(i).mid(2).toUtf8()).array();
                    return array.at(1).toObject();
                }
            }
            if (timer.elapsed() > timeoutMs)
                return std::nullopt;
            QTest::qWait(10);
        }
    }
    void emitEvent(const QString &name, const QJsonObject &payload)
    {
        socket.sendTextMessage(
            QStringLiteral("42") +
            QString::fromUtf8(
                QJsonDocument(QJsonArray{name, payload}).toJson(QJsonDocument::Compact)));
    }
};

} // namespace

class TestSocketIoServer : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void pingTimeoutDropsAViewer();
    void idleStreamEnds();
    void ingestSinkGetsChunks();
    void segmentsReachTheRoom();
    void connectDeadline();
    void unknownNamespace();
    void viewerCountsOfLargeRoomsAreCoalesced();

private:
    std::unique_ptr<Client> connectClient(bool sendConnect = true);
    void startServer(SocketIoServerOptions options);

    std::unique_ptr<QTemporaryDir> m_root;
    std::unique_ptr<afk::session::StreamRegistry> m_registry;
    std::unique_ptr<HttpApi> m_api;
    std::unique_ptr<afk::nostr::Secp256k1Context> m_context;
    std::unique_ptr<SocketIoServer> m_server;
    std::vector<std::unique_ptr<Client>> m_clients;
};

void TestSocketIoServer::init()
{
    m_root = std::make_unique<QTemporaryDir>();
    afk::storage::StreamStore store(m_root->path() + QStringLiteral("/data"));
    QString error;
    QVERIFY2(store.prepare(&error), qPrintable(error));
    m_registry =
        std::make_unique<afk::session::StreamRegistry>(store, afk::session::EncodingDefaults{});
    m_api = std::make_unique<HttpApi>(*m_registry, afk::server::HttpApiOptions{});
    QVERIFY2(m_api->listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
    m_context = std::make_unique<afk::nostr::Secp256k1Context>();
}

void TestSocketIoServer::cleanup()
{
    m_clients.clear();
    m_server.reset();
    m_api.reset();
    m_registry.reset();
    m_context.reset();
    m_root.reset();
}

void TestSocketIoServer::startServer(SocketIoServerOptions options)
{
    options.ingest.isOpenIngest = true;
    m_server = std::make_unique<SocketIoServer>(*m_api, *m_registry, *m_context, options);
}

std::unique_ptr<Client> TestSocketIoServer::connectClient(bool sendConnect)
{
    auto client = std::make_unique<Client>();
    Client *raw = client.get();
    connect(&raw->socket, &QWebSocket::textMessageReceived, this, [raw](const QString &message) {
        raw->messages << message;
        if (message == u"2" && raw->isAnsweringPings)
            raw->socket.sendTextMessage(QStringLiteral("3"));
    });
    QSignalSpy connected(&raw->socket, &QWebSocket::connected);
    raw->socket.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/socket.io/?EIO=4&transport=websocket")
                              .arg(m_api->serverPort())));
    if (!connected.wait(5000))
        return nullptr;
    if (!QTest::qWaitFor([raw] { return !raw->messages.isEmpty(); }, 5000) ||
        !raw->messages.first().startsWith(u"0{"))
        return nullptr;
    if (sendConnect) {
        raw->socket.sendTextMessage(QStringLiteral("40"));
        if (!raw->waitEvent(QStringLiteral("channel-join")))
            return nullptr;
    }
    return client;
}

void TestSocketIoServer::pingTimeoutDropsAViewer()
{
    SocketIoServerOptions options;
    options.pingIntervalMs = 200;
    options.pingTimeoutMs = 600;
    startServer(options);
    auto publisher = connectClient();
    QVERIFY(publisher);
    const QString key = QStringLiteral("pingtest");
    publisher->emitEvent("start-stream", {{"userId", "host"}, {"streamKey", key}});
    QVERIFY(publisher->waitEvent("stream-started"));

    auto viewer = connectClient();
    QVERIFY(viewer);
    viewer->isAnsweringPings = false;
    viewer->emitEvent("join-stream", {{"userId", "viewer"}, {"streamKey", key}});
    QCOMPARE(viewer->waitEvent("stream-joined")->value("viewerCount").toInt(), 1);
    QCOMPARE(publisher->waitEvent("viewer-joined")->value("viewerCount").toInt(), 1);
    QCOMPARE(m_registry->find(key)->viewerCount(), 1);

    const std::optional<QJsonObject> left = publisher->waitEvent("viewer-left", 5000);
    QVERIFY(left);
    QCOMPARE(left->value("viewerCount").toInt(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(viewer->socket.state(), QAbstractSocket::UnconnectedState, 3000);
    QCOMPARE(m_registry->find(key)->viewerCount(), 0);
    // The publisher answers its pings: still there well after several ping intervals.
    QTest::qWait(1000);
    QCOMPARE(publisher->socket.state(), QAbstractSocket::ConnectedState);
    QVERIFY(publisher->messages.count(QStringLiteral("2")) >= 3);
    QCOMPARE(m_server->connectionCount(), 1);
}

void TestSocketIoServer::idleStreamEnds()
{
    SocketIoServerOptions options;
    options.idleTimeoutMs = 300;
    startServer(options);
    auto publisher = connectClient();
    QVERIFY(publisher);
    const QString key = QStringLiteral("idletest");
    publisher->emitEvent("start-stream", {{"userId", "host"}, {"streamKey", key}});
    QVERIFY(publisher->waitEvent("stream-started"));
    QCOMPARE(m_server->publisherCount(), 1);
    const std::optional<QJsonObject> ended = publisher->waitEvent("stream-ended", 3000);
    QVERIFY(ended);
    QCOMPARE(ended->value("streamKey").toString(), key);
    QVERIFY(!m_registry->find(key)->isActive());
    QCOMPARE(m_server->publisherCount(), 0);
}

void TestSocketIoServer::ingestSinkGetsChunks()
{
    startServer(SocketIoServerOptions{});
    QList<QByteArray> chunks;
    m_server->setIngestSink([&](const QString &streamKey, const QByteArray &chunk, QString *error) {
        if (chunk == "refuse me") {
            *error = QStringLiteral("not WebM");
            return false;
        }
        chunks << streamKey.toUtf8() + ':' + chunk;
        return true;
    });
    auto publisher = connectClient();
    QVERIFY(publisher);
    publisher->emitEvent("start-stream", {{"userId", "host"}, {"streamKey", "sinktest"}});
    QVERIFY(publisher->waitEvent("stream-started"));
    const QString header = QStringLiteral(
        R"(451-["stream-data",{"streamKey":"sinktest","chunk":{"_placeholder":true,"num":0}}])");
    for (const QByteArray &chunk :
         {QByteArray("\x1a\x45\xdf\xa3 one", 8), QByteArray("two"), QByteArray("refuse me")}) {
        publisher->socket.sendTextMessage(header);
        publisher->socket.sendBinaryMessage(chunk);
    }
    const std::optional<QJsonObject> refused = publisher->waitEvent("stream-error");
    QVERIFY(refused);
    QCOMPARE(refused->value("error").toString(), QStringLiteral("not WebM"));
    QCOMPARE(chunks,
             (QList<QByteArray>{QByteArray("sinktest:\x1a\x45\xdf\xa3 one", 17), "sinktest:two"}));
    QCOMPARE(m_server->chunksReceived(), 3);
    QCOMPARE(m_server->chunksDropped(), 0);
    // Acks carry the answer.
    publisher->socket.sendTextMessage(QStringLiteral(
        R"(451-17["stream-data",{"streamKey":"sinktest","chunk":{"_placeholder":true,"num":0}}])"));
    publisher->socket.sendBinaryMessage("four");
    QVERIFY(QTest::qWaitFor(
        [&] { return publisher->messages.contains(R"(4317[{"bytes":4,"streamKey":"sinktest"}])"); },
        5000));
}

void TestSocketIoServer::segmentsReachTheRoom()
{
    startServer(SocketIoServerOptions{});
    auto publisher = connectClient();
    auto viewer = connectClient();
    QVERIFY(publisher && viewer);
    publisher->emitEvent("start-stream", {{"userId", "host"}, {"streamKey", "segtest"}});
    QVERIFY(publisher->waitEvent("stream-started"));
    viewer->emitEvent("join-stream", {{"userId", "viewer"}, {"streamKey", "segtest"}});
    QVERIFY(viewer->waitEvent("stream-joined"));
    emit m_registry->find(QStringLiteral("segtest"))->segmentCompleted(3);
    for (Client *client : {viewer.get(), publisher.get()}) {
        const std::optional<QJsonObject> update = client->waitEvent("stream-segments-updated");
        QVERIFY(update);
        QCOMPARE(*update, (QJsonObject{{"streamKey", "segtest"}, {"segmentCount", 3}}));
    }
}

void TestSocketIoServer::connectDeadline()
{
    SocketIoServerOptions options;
    options.connectTimeoutMs = 200;
    startServer(options);
    auto client = connectClient(false);
    QVERIFY(client);
    QTRY_COMPARE_WITH_TIMEOUT(client->socket.state(), QAbstractSocket::UnconnectedState, 3000);
    QCOMPARE(m_server->connectionCount(), 0);
}

void TestSocketIoServer::unknownNamespace()
{
    startServer(SocketIoServerOptions{});
    auto client = connectClient(false);
    QVERIFY(client);
    client->socket.sendTextMessage(QStringLiteral("40/admin,"));
    QVERIFY(QTest::qWaitFor(
        [&] { return client->messages.contains(R"(44/admin,{"message":"Invalid namespace"})"); },
        5000));
    client->socket.sendTextMessage(QStringLiteral("40"));
    QVERIFY(client->waitEvent("channel-join"));
}

void TestSocketIoServer::viewerCountsOfLargeRoomsAreCoalesced()
{
    startServer({});
    auto publisher = connectClient();
    QVERIFY(publisher);
    const QString key = QStringLiteral("bigroom");
    publisher->emitEvent("start-stream", {{"userId", "host"}, {"streamKey", key}});
    QVERIFY(publisher->waitEvent("stream-started"));
    const int viewers = SocketIoServer::viewerEventsCoalesceFrom + 50;
    for (int i = 0; i < viewers; ++i) {
        auto viewer = connectClient();
        QVERIFY(viewer);
        viewer->emitEvent("join-stream", {{"streamKey", key}});
        m_clients.push_back(std::move(viewer));
    }
    for (const auto &viewer : m_clients)
        QVERIFY(viewer->waitEvent("stream-joined"));
    // The count reaches the publisher, in far fewer events than joins once the room is large:
    // one per join below the threshold, then at most one a second.
    const auto joinedEvents = [&] {
        return publisher->messages.filter(QStringLiteral("42[\"viewer-joined\",")).size();
    };
    std::optional<QJsonObject> joined;
    while ((joined = publisher->waitEvent("viewer-joined", 5000)))
        if (joined->value("viewerCount").toInt() == viewers)
            break;
    QVERIFY2(joined, "no viewer-joined with the final count");
    QCOMPARE(m_registry->find(key)->viewerCount(), viewers);
    QVERIFY2(joinedEvents() < viewers - 10, qPrintable(QString::number(joinedEvents())));
    QVERIFY(joinedEvents() >= SocketIoServer::viewerEventsCoalesceFrom);
}

QTEST_GUILESS_MAIN(TestSocketIoServer)
#include "tst_socketioserver.moc"
