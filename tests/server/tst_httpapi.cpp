// HttpApi over a real socket: HLS files and their headers, CORS, segment mapping, traversal
// probes, control routes, status, active list, health, metrics and the chat routes (NIP-98).
#include "HttpApi.h"
#include "KeyPair.h"
#include "LiveChat.h"
#include "LowLatencyPlaylist.h"
#include "MediaIndex.h"
#include "RelayPool.h"
#include "Secp256k1Context.h"
#include "StreamRegistry.h"
#include "StreamStore.h"
#include "TestPatternSource.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QResource>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>
#include <QtEndian>
#include <memory>

#include <sys/socket.h>
#include <unistd.h>

using afk::server::HttpApi;
using afk::server::HttpApiOptions;

namespace
{

const QByteArray secretText = QByteArrayLiteral("AFK-TEST-SECRET-4f1c9e2b");
const QString archivedKey = QStringLiteral("archived_stream-01"); // from an "earlier run"
const QByteArray topSegment = QByteArrayLiteral("\x47 720p segment zero \x47");
const QByteArray lowSegment = QByteArrayLiteral("\x47 360p segment zero \x47");
const QByteArray mediaPlaylist = QByteArrayLiteral(
    "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"
    "#EXTINF:2.000,\nsegment_0.ts\n");
const QByteArray masterPlaylist = QByteArrayLiteral(
    "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=2800000,RESOLUTION=1280x720\n720p/index.m3u8\n"
    "#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=640x360\n360p/index.m3u8\n");
const QByteArray renditionPlaylist = QByteArrayLiteral(
    "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.000,\nsegment_0.ts\n");

struct HttpResult {
    int status = 0;
    QByteArray body;
    QList<QNetworkReply::RawHeaderPair> headers;

    QByteArray header(const QByteArray &name) const
    {
        for (const auto &[key, value] : headers)
            if (key.compare(name, Qt::CaseInsensitive) == 0)
                return value;
        return {};
    }
    bool hasHeader(const QByteArray &name) const
    {
        return std::any_of(headers.begin(), headers.end(), [&](const auto &pair) {
            return pair.first.compare(name, Qt::CaseInsensitive) == 0;
        });
    }
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
};

bool writeFile(const QString &path, const QByteArray &data)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(data) == data.size();
}

// Value of one sample line of a Prometheus exposition; -1 when absent.
double metricValue(const QByteArray &exposition, const QByteArray &sample)
{
    for (const QByteArray &line : exposition.split('\n'))
        if (line.startsWith(sample + ' '))
            return line.mid(sample.size() + 1).toDouble();
    return -1;
}

// An "Authorization: Nostr <base64>" header: a NIP-98 event (kind 27235) for url and method,
// with a payload tag (SHA-256 of payloadOf) unless payloadOf is null.
std::pair<QByteArray, QByteArray> nip98Header(const afk::nostr::KeyPair &signer,
                                              const QString &method, const QString &url,
                                              const QByteArray &payloadOf = {})
{
    afk::nostr::Event event;
    event.kind = 27235;
    event.createdAt = QDateTime::currentSecsSinceEpoch();
    event.tags = {{QStringLiteral("u"), url}, {QStringLiteral("method"), method}};
    if (!payloadOf.isNull())
        event.tags.append(
            {QStringLiteral("payload"),
             QString::fromLatin1(
                 QCryptographicHash::hash(payloadOf, QCryptographicHash::Sha256).toHex())});
    event.sign(signer);
    return {QByteArrayLiteral("Authorization"),
            QByteArrayLiteral("Nostr ") + event.toJsonBytes().toBase64()};
}

} // namespace

class TestHttpApi : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();

    void streamPlaylist();
    void masterAndRenditionPlaylists();
    void recordingPlaylists();
    void segmentMapsToTopRendition();
    void renditionSegment();
    void missingSegmentIsJson404();
    void headHasNoBody();
    void corsPreflight();
    void nonWildcardOriginVaries();
    void metadataIsNotServed();
    void invalidStreamKey();
    void wrongMethod();
    void traversalProbes_data();
    void traversalProbes();
    void symlinkIsNotFollowed();
    void oversizedFileIsRefused();
    void startAndStop();
    void controlNeedsTheOwnersProof();
    void statusShape();
    void activeListsStartedStream();
    void health_data();
    void health();
    void playbackAndIngest();
    void httpViewers();
    void metrics();
    void socketIoPath();
    void webSocketUpgradeIsHandedOver();
    void webSocketTakerGetsUpgradesFirst();
    void listenErrors();
    void chatRoutes();
    void webPages();
    void webAssetsRevalidateAndCompress();
    void acceptEncoding_data();
    void acceptEncoding();
    void rangesAndRevalidation();
    void pipelinedMediaThenApiOnOneConnection();
    void servesFromTheMediaIndex();
    void servesLowLatencyFromTheMediaIndex();
    void secretNeverServed();

private:
    QString streamDir(const QString &key) const { return m_dataDir + u'/' + key; }
    QString baseUrl() const
    {
        return QStringLiteral("http://127.0.0.1:%1").arg(m_api->serverPort());
    }
    HttpResult send(const QByteArray &verb, const QString &path, const QByteArray &body = {},
                    const QList<std::pair<QByteArray, QByteArray>> &headers = {});
    // Sends bytes as they are (no client normalisation) and returns the raw response, or
    // whatever arrived before the server closed the connection.
    QByteArray sendRaw(const QByteArray &requestBytes, bool isHead = false);

    std::unique_ptr<QTemporaryDir> m_root;
    QString m_dataDir;
    afk::nostr::Secp256k1Context m_context;
    std::unique_ptr<afk::session::StreamRegistry> m_registry;
    std::unique_ptr<HttpApi> m_api;
    std::unique_ptr<QNetworkAccessManager> m_network;
    QByteArray m_everythingReceived; // every body and raw response, for the final secret check
};

void TestHttpApi::initTestCase()
{
    m_root = std::make_unique<QTemporaryDir>();
    QVERIFY(m_root->isValid());
    m_dataDir = m_root->path() + QStringLiteral("/data");
    // Secrets next to and above the data dir: no request may ever read them.
    QVERIFY(writeFile(m_root->path() + QStringLiteral("/secret.txt"), secretText));
    QVERIFY(writeFile(m_dataDir + QStringLiteral("/secret.txt"), secretText));

    afk::storage::StreamStore store(m_dataDir);
    QString error;
    QVERIFY2(store.prepare(&error), qPrintable(error));
    afk::storage::StreamMetadata metadata;
    metadata.streamKey = archivedKey;
    metadata.userId = QStringLiteral("ab12");
    metadata.title = QStringLiteral("earlier run");
    metadata.renditionNames = {QStringLiteral("720p"), QStringLiteral("360p")};
    metadata.startedAtMs = QDateTime::currentMSecsSinceEpoch() - 60000;
    QVERIFY2(store.writeMetadata(metadata, &error), qPrintable(error));
    const QString dir = streamDir(archivedKey);
    QVERIFY(writeFile(dir + QStringLiteral("/stream.m3u8"), mediaPlaylist));
    QVERIFY(writeFile(dir + QStringLiteral("/master.m3u8"), masterPlaylist));
    QVERIFY(writeFile(dir + QStringLiteral("/720p/index.m3u8"), renditionPlaylist));
    QVERIFY(writeFile(dir + QStringLiteral("/720p/segment_0.ts"), topSegment));
    QVERIFY(writeFile(dir + QStringLiteral("/360p/index.m3u8"), renditionPlaylist));
    QVERIFY(writeFile(dir + QStringLiteral("/360p/segment_0.ts"), lowSegment));
    QVERIFY(QFile::link(m_root->path() + QStringLiteral("/secret.txt"),
                        dir + QStringLiteral("/720p/segment_7.ts")));

    afk::session::EncodingDefaults encoding; // for the one stream with media (/active)
    encoding.ladder = afk::media::parseLadder(QStringLiteral("240p"), &error);
    encoding.x264Preset = QStringLiteral("ultrafast");
    m_registry = std::make_unique<afk::session::StreamRegistry>(store, encoding);
    m_api = std::make_unique<HttpApi>(*m_registry, HttpApiOptions{});
    // Open ingest for the route tests; controlNeedsTheOwnersProof checks the closed default.
    afk::server::IngestOptions openIngest;
    openIngest.isOpenIngest = true;
    m_api->setControlAuth(afk::server::IngestAuth(m_context, openIngest), QString());
    QVERIFY2(m_api->listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
    QVERIFY(m_api->serverPort() != 0);
    QVERIFY(m_api->isListening());
    m_network = std::make_unique<QNetworkAccessManager>();
}

void TestHttpApi::cleanupTestCase()
{
    m_network.reset();
    m_api.reset();
    m_registry.reset();
}

HttpResult TestHttpApi::send(const QByteArray &verb, const QString &path, const QByteArray &body,
                             const QList<std::pair<QByteArray, QByteArray>> &headers)
{
    QNetworkRequest request(QUrl(baseUrl() + path));
    for (const auto &[name, value] : headers)
        request.setRawHeader(name, value);
    QNetworkReply *reply = nullptr;
    if (verb == "GET")
        reply = m_network->get(request);
    else if (verb == "HEAD")
        reply = m_network->head(request);
    else if (verb == "POST") {
        request.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArrayLiteral("application/json"));
        reply = m_network->post(request, body);
    } else
        reply = m_network->sendCustomRequest(request, verb, body);
    std::unique_ptr<QNetworkReply> owner(reply);
    HttpResult result; // status 0: no answer in time
    if (!QTest::qWaitFor([&] { return reply->isFinished(); }, 10000))
        return result;
    result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    result.body = reply->readAll();
    result.headers = reply->rawHeaderPairs();
    m_everythingReceived += result.body;
    return result;
}

QByteArray TestHttpApi::sendRaw(const QByteArray &requestBytes, bool isHead)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_api->serverPort());
    if (!socket.waitForConnected(5000))
        return {};
    socket.write(requestBytes);
    QByteArray response;
    const auto isComplete = [&] {
        response += socket.readAll();
        const qsizetype headerEnd = response.indexOf("\r\n\r\n");
        if (headerEnd < 0)
            return socket.state() == QAbstractSocket::UnconnectedState;
        static const QRegularExpression contentLength(QStringLiteral("\r\ncontent-length: *(\\d+)"),
                                                      QRegularExpression::CaseInsensitiveOption);
        const auto match = contentLength.match(QString::fromLatin1(response.left(headerEnd)));
        const qsizetype bodySize = match.hasMatch() && !isHead ? match.captured(1).toLongLong() : 0;
        return response.size() >= headerEnd + 4 + bodySize ||
               socket.state() == QAbstractSocket::UnconnectedState;
    };
    if (!QTest::qWaitFor(isComplete, 10000))
        qWarning("no complete response in time");
    m_everythingReceived += response;
    return response;
}

void TestHttpApi::streamPlaylist()
{
    const HttpResult result = send("GET", "/livestream/" + archivedKey + "/stream.m3u8");
    QCOMPARE(result.status, 200);
    QCOMPARE(result.body, mediaPlaylist);
    QCOMPARE(result.header("Content-Type"), QByteArray("application/vnd.apple.mpegurl"));
    QCOMPARE(result.header("Cache-Control"), QByteArray("no-cache"));
    QCOMPARE(result.header("Content-Length"), QByteArray::number(mediaPlaylist.size()));
    QCOMPARE(result.header("Access-Control-Allow-Origin"), QByteArray("*"));
    QCOMPARE(result.header("Access-Control-Allow-Methods"), QByteArray("GET, HEAD, OPTIONS"));
    QCOMPARE(result.header("Access-Control-Allow-Headers"),
             QByteArray("Content-Type, Authorization, Range"));
    QCOMPARE(result.header("Access-Control-Expose-Headers"), QByteArray("Content-Length"));
    QVERIFY(!result.hasHeader("Vary"));
}

void TestHttpApi::masterAndRenditionPlaylists()
{
    const HttpResult master = send("GET", "/livestream/" + archivedKey + "/master.m3u8");
    QCOMPARE(master.status, 200);
    QCOMPARE(master.body, masterPlaylist);
    QCOMPARE(master.header("Content-Type"), QByteArray("application/vnd.apple.mpegurl"));
    QCOMPARE(master.header("Cache-Control"), QByteArray("no-cache"));

    const HttpResult rendition = send("GET", "/livestream/" + archivedKey + "/720p/index.m3u8");
    QCOMPARE(rendition.status, 200);
    QCOMPARE(rendition.body, renditionPlaylist);
    QCOMPARE(rendition.header("Content-Type"), QByteArray("application/vnd.apple.mpegurl"));
    QCOMPARE(rendition.header("Access-Control-Allow-Origin"), QByteArray("*"));
}

void TestHttpApi::recordingPlaylists()
{
    const QString dir = streamDir(archivedKey);
    const QByteArray master = QByteArrayLiteral(
        "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=2800000,RESOLUTION=1280x720\n720p/recording.m3u8\n");
    QVERIFY(writeFile(dir + QStringLiteral("/recording.m3u8"), master));
    // Read while the packager appends a segment: the file ends mid-line for the moment.
    const QByteArray whole = QByteArrayLiteral(
        "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"
        "#EXT-X-PLAYLIST-TYPE:EVENT\n#EXTINF:2.000,\nsegment_0.ts\n");
    QVERIFY(writeFile(dir + QStringLiteral("/720p/recording.m3u8"), whole + "#EXTINF:2.0"));

    const HttpResult root = send("GET", "/livestream/" + archivedKey + "/recording.m3u8");
    QCOMPARE(root.status, 200);
    QCOMPARE(root.body, master);
    QCOMPARE(root.header("Content-Type"), QByteArray("application/vnd.apple.mpegurl"));
    QCOMPARE(root.header("Cache-Control"), QByteArray("no-cache"));
    const HttpResult rung = send("GET", "/livestream/" + archivedKey + "/720p/recording.m3u8");
    QCOMPARE(rung.status, 200);
    QCOMPARE(rung.body, whole); // whole lines only
    QCOMPARE(rung.header("Content-Type"), QByteArray("application/vnd.apple.mpegurl"));
    QCOMPARE(rung.header("Cache-Control"), QByteArray("no-cache"));
}

void TestHttpApi::segmentMapsToTopRendition()
{
    // Not in the registry: the top rendition comes from stream.json ("720p" first).
    QVERIFY(!m_registry->find(archivedKey));
    const HttpResult result = send("GET", "/livestream/" + archivedKey + "/segment_0.ts");
    QCOMPARE(result.status, 200);
    QCOMPARE(result.body, topSegment);
    QCOMPARE(result.header("Content-Type"), QByteArray("video/mp2t"));
    QCOMPARE(result.header("Cache-Control"), QByteArray("public, max-age=3600"));
    QCOMPARE(result.header("Access-Control-Allow-Origin"), QByteArray("*"));
}

void TestHttpApi::renditionSegment()
{
    const HttpResult result = send("GET", "/livestream/" + archivedKey + "/360p/segment_0.ts");
    QCOMPARE(result.status, 200);
    QCOMPARE(result.body, lowSegment);
    QCOMPARE(result.header("Content-Type"), QByteArray("video/mp2t"));
    QCOMPARE(result.header("Cache-Control"), QByteArray("public, max-age=3600"));
}

void TestHttpApi::missingSegmentIsJson404()
{
    for (const QString &path : {"/livestream/" + archivedKey + "/segment_99.ts",
                                "/livestream/" + archivedKey + "/720p/segment_99.ts",
                                QStringLiteral("/livestream/nosuchstream/segment_0.ts"),
                                QStringLiteral("/livestream/nosuchstream/stream.m3u8")}) {
        const HttpResult result = send("GET", path);
        QCOMPARE(result.status, 404);
        QCOMPARE(result.header("Content-Type"), QByteArray("application/json"));
        QCOMPARE(result.header("Access-Control-Allow-Origin"), QByteArray("*"));
        QVERIFY2(result.json().value("error").isString(), result.body.constData());
    }
    const HttpResult unknownRoute = send("GET", "/nothing/here");
    QCOMPARE(unknownRoute.status, 404);
    QVERIFY(unknownRoute.json().value("error").isString());
}

void TestHttpApi::headHasNoBody()
{
    const QByteArray raw = sendRaw("HEAD /livestream/" + archivedKey.toLatin1() +
                                       "/segment_0.ts HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                                   true);
    QVERIFY2(raw.startsWith("HTTP/1.1 200"), raw.constData());
    QVERIFY(raw.contains("\r\nContent-Length: " + QByteArray::number(topSegment.size()) + "\r\n"));
    QVERIFY(raw.endsWith("\r\n\r\n")); // headers only

    const HttpResult result = send("HEAD", "/livestream/" + archivedKey + "/stream.m3u8");
    QCOMPARE(result.status, 200);
    QVERIFY(result.body.isEmpty());
    QCOMPARE(result.header("Content-Type"), QByteArray("application/vnd.apple.mpegurl"));
}

void TestHttpApi::corsPreflight()
{
    const QList<std::pair<QByteArray, QByteArray>> preflight{
        {"Origin", "https://pwa.example"},
        {"Access-Control-Request-Method", "GET"},
        {"Access-Control-Request-Headers", "range"},
    };
    const HttpResult playlist =
        send("OPTIONS", "/livestream/" + archivedKey + "/stream.m3u8", {}, preflight);
    QCOMPARE(playlist.status, 204);
    QVERIFY(playlist.body.isEmpty());
    QCOMPARE(playlist.header("Access-Control-Allow-Origin"), QByteArray("*"));
    QCOMPARE(playlist.header("Access-Control-Allow-Methods"), QByteArray("GET, HEAD, OPTIONS"));
    QCOMPARE(playlist.header("Access-Control-Allow-Headers"),
             QByteArray("Content-Type, Authorization, Range"));
    QCOMPARE(playlist.header("Access-Control-Expose-Headers"), QByteArray("Content-Length"));

    const HttpResult start = send("OPTIONS", "/livestream/preflight01/start", {}, preflight);
    QCOMPARE(start.status, 204);
    QVERIFY(start.header("Access-Control-Allow-Methods").contains("POST"));
    QVERIFY(!m_registry->find(QStringLiteral("preflight01"))); // a preflight changes nothing
}

void TestHttpApi::nonWildcardOriginVaries()
{
    HttpApiOptions options;
    options.corsOrigin = QStringLiteral("https://pwa.example");
    HttpApi api(*m_registry, options);
    QString error;
    QVERIFY2(api.listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
    QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1/livestream/%2/stream.m3u8")
                                     .arg(api.serverPort())
                                     .arg(archivedKey)));
    std::unique_ptr<QNetworkReply> reply(m_network->get(request));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    QVERIFY(finished.wait(10000));
    QCOMPARE(reply->rawHeader("Access-Control-Allow-Origin"), QByteArray("https://pwa.example"));
    QCOMPARE(reply->rawHeader("Vary"), QByteArray("Origin"));
}

void TestHttpApi::metadataIsNotServed()
{
    for (const QString &name : {QStringLiteral("stream.json"), QStringLiteral("720p"),
                                QStringLiteral("720p/segment_0.txt")}) {
        const HttpResult result = send("GET", "/livestream/" + archivedKey + u'/' + name);
        QCOMPARE(result.status, 404);
        QVERIFY(!result.body.contains("earlier run"));
    }
}

void TestHttpApi::invalidStreamKey()
{
    for (const QString &path : {QStringLiteral("/livestream/bad$key/status"),
                                QStringLiteral("/livestream/bad%20key/stream.m3u8"),
                                "/livestream/" + QString(65, u'k') + "/status"}) {
        const HttpResult result = send("GET", path);
        QCOMPARE(result.status, 400);
        QCOMPARE(result.header("Content-Type"), QByteArray("application/json"));
        QVERIFY(result.json().value("error").isString());
    }
}

void TestHttpApi::wrongMethod()
{
    const HttpResult getStart = send("GET", "/livestream/methodcheck/start");
    QCOMPARE(getStart.status, 405);
    QCOMPARE(getStart.header("Allow"), QByteArray("POST, OPTIONS"));
    QVERIFY(getStart.json().value("error").isString());
    QVERIFY(!m_registry->find(QStringLiteral("methodcheck")));

    const HttpResult postPlaylist = send("POST", "/livestream/" + archivedKey + "/stream.m3u8");
    QCOMPARE(postPlaylist.status, 405);
    QCOMPARE(postPlaylist.header("Allow"), QByteArray("GET, HEAD, OPTIONS"));

    const HttpResult deleteStatus = send("DELETE", "/livestream/" + archivedKey + "/status");
    QCOMPARE(deleteStatus.status, 405);
}

void TestHttpApi::traversalProbes_data()
{
    QTest::addColumn<QByteArray>("target");
    const QByteArray stream = "/livestream/" + archivedKey.toLatin1();
    QTest::newRow("dot-dot") << stream + "/../secret.txt";
    QTest::newRow("dot-dot twice") << stream + "/../../secret.txt";
    QTest::newRow("dot-dot in rendition") << stream + "/720p/../../../secret.txt";
    QTest::newRow("after a segment") << stream + "/segment_0.ts/../../secret.txt";
    QTest::newRow("%2e%2e") << stream + "/%2e%2e/secret.txt";
    QTest::newRow("%2E%2e") << stream + "/%2E%2e/%2e%2E/secret.txt";
    QTest::newRow("rendition %2e%2e") << stream + "/720p/%2e%2e/%2e%2e/secret.txt";
    QTest::newRow("%2f") << stream + "/..%2f..%2fsecret.txt";
    QTest::newRow("%2F in rendition") << stream + "/720p%2F..%2F..%2Fsecret.txt/x.ts";
    QTest::newRow("%5c") << stream + "/..%5c..%5csecret.txt";
    QTest::newRow("backslash") << stream + "/..\\..\\secret.txt";
    QTest::newRow("%00") << stream + "/stream.m3u8%00/../../secret.txt";
    QTest::newRow("%00 suffix") << stream + "/../secret.txt%00.ts";
    QTest::newRow("double encoded") << stream + "/%252e%252e/secret.txt";
    QTest::newRow("key dot-dot") << QByteArray("/livestream/../secret.txt");
    QTest::newRow("key %2e%2e") << QByteArray("/livestream/%2e%2e/secret.txt");
    QTest::newRow("key with %2f") << QByteArray("/livestream/..%2fsecret.txt/stream.m3u8");
    QTest::newRow("key secret.txt") << QByteArray("/livestream/secret.txt/stream.m3u8");
    QTest::newRow("absolute //") << QByteArray("//etc/passwd");
    QTest::newRow("absolute // secret")
        << QByteArray("/") + QFile::encodeName(m_root->path()) + "/secret.txt";
    QTest::newRow("absolute-form") << QByteArray("http://127.0.0.1/livestream/../secret.txt");
    QTest::newRow(".hidden") << stream + "/.hidden";
    QTest::newRow("over-long") << stream + '/' + QByteArray(5000, 'a') + ".ts";
}

void TestHttpApi::traversalProbes()
{
    QFETCH(QByteArray, target);
    const QByteArray response =
        sendRaw("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: probe\r\n\r\n");
    QVERIFY2(!response.contains(secretText), response.constData());
    // Every probe is answered with 400 or 404, never served.
    QVERIFY2(response.startsWith("HTTP/1.1 400 ") || response.startsWith("HTTP/1.1 404 "),
             response.left(200).constData());
}

void TestHttpApi::symlinkIsNotFollowed()
{
    const HttpResult result = send("GET", "/livestream/" + archivedKey + "/720p/segment_7.ts");
    QCOMPARE(result.status, 404);
    QVERIFY(!result.body.contains(secretText));
}

void TestHttpApi::oversizedFileIsRefused()
{
    const QString path = streamDir(archivedKey) + QStringLiteral("/720p/segment_8.ts");
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QVERIFY(file.resize(HttpApi::maxServedFileBytes + 1)); // sparse: no real disk use
    }
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("^\\[http\\] refusing")));
    const HttpResult result = send("GET", "/livestream/" + archivedKey + "/720p/segment_8.ts");
    QCOMPARE(result.status, 500);
    QVERIFY(result.body.size() < 1024);
    QVERIFY(result.json().value("error").isString());
    QVERIFY(QFile::remove(path));
}

void TestHttpApi::startAndStop()
{
    const QString key = QStringLiteral("control_stream-1");
    const QString path = "/livestream/" + key;
    const QByteArray startBody = QJsonDocument(QJsonObject{{"userId", "f00d"},
                                                           {"action", "start"},
                                                           {"timestamp", 1700000000000.0},
                                                           {"title", "hello"}})
                                     .toJson(QJsonDocument::Compact);
    const HttpResult created = send("POST", path + "/start", startBody);
    QCOMPARE(created.status, 200);
    QCOMPARE(created.header("Content-Type"), QByteArray("application/json"));
    QCOMPARE(created.header("Access-Control-Allow-Origin"), QByteArray("*"));
    QVERIFY(created.header("Access-Control-Allow-Methods").contains("POST"));
    QJsonObject answer = created.json();
    QCOMPARE(answer.value("status").toString(), QStringLiteral("created_and_started"));
    QCOMPARE(answer.value("streamId").toString(), key);
    QVERIFY(answer.value("message").isString());
    QVERIFY(answer.value("timestamp").isString());
    const QString host = QStringLiteral("127.0.0.1:%1").arg(m_api->serverPort());
    QCOMPARE(answer.value("playbackUrl").toString(),
             QStringLiteral("http://%1/livestream/%2/stream.m3u8").arg(host, key));
    QCOMPARE(answer.value("ingestUrl").toString(),
             QStringLiteral("ws://%1/socket.io/?streamKey=%2").arg(host, key));
    const afk::session::Stream *stream = m_registry->find(key);
    QVERIFY(stream);
    QVERIFY(stream->isActive());
    QCOMPARE(stream->metadata().userId, QStringLiteral("f00d"));
    QCOMPARE(stream->metadata().title, QStringLiteral("hello"));

    const HttpResult again = send("POST", path + "/start", startBody);
    QCOMPARE(again.status, 200);
    QCOMPARE(again.json().value("status").toString(), QStringLiteral("already_exists"));

    const HttpResult badAction = send("POST", path + "/start", R"({"action":"explode"})");
    QCOMPARE(badAction.status, 400);
    const HttpResult notJson = send("POST", path + "/start", "{nope");
    QCOMPARE(notJson.status, 400);
    QVERIFY(notJson.json().value("error").isString());

    const QByteArray stopBody = R"({"action":"stop","timestamp":1700000000001})";
    const HttpResult stopped = send("POST", path + "/stop", stopBody);
    QCOMPARE(stopped.status, 200);
    QCOMPARE(stopped.json().value("status").toString(), QStringLiteral("stopped"));
    QCOMPARE(stopped.json().value("streamId").toString(), key);
    QTRY_VERIFY(!m_registry->find(key)->isActive());

    const HttpResult stoppedAgain = send("POST", path + "/stop", stopBody);
    QCOMPARE(stoppedAgain.status, 200);
    QCOMPARE(stoppedAgain.json().value("status").toString(), QStringLiteral("already_stopped"));

    const HttpResult unknown = send("POST", "/livestream/neverstarted/stop");
    QCOMPARE(unknown.json().value("status").toString(), QStringLiteral("already_stopped"));
}

void TestHttpApi::controlNeedsTheOwnersProof()
{
    using afk::nostr::KeyPair;
    const std::optional<KeyPair> owner = KeyPair::generate(m_context);
    const std::optional<KeyPair> stranger = KeyPair::generate(m_context);
    const std::optional<KeyPair> studio = KeyPair::generate(m_context);
    QVERIFY(owner && stranger && studio);
    m_api->setControlAuth(afk::server::IngestAuth(m_context, afk::server::IngestOptions{}),
                          studio->publicKey().toHex());
    const QString key = QStringLiteral("guarded_stream");
    const QString start = "/livestream/" + key + "/start";
    const QString stop = "/livestream/" + key + "/stop";
    const auto signedBy = [&](const KeyPair &signer, const QString &path) {
        return QList<std::pair<QByteArray, QByteArray>>{
            nip98Header(signer, QStringLiteral("POST"), baseUrl() + path)};
    };

    const HttpResult anonymous = send("POST", start, R"({"action":"start"})");
    QCOMPARE(anonymous.status, 401);
    QVERIFY2(anonymous.json().value("error").toString().contains(QStringLiteral("NIP-98")),
             anonymous.body.constData());
    QVERIFY(!m_registry->find(key));
    // A proof for another URL or method is no proof.
    QCOMPARE(send("POST", start, {}, signedBy(*owner, stop)).status, 401);
    QCOMPARE(send("POST", start, {},
                  {nip98Header(*owner, QStringLiteral("GET"), baseUrl() + start)})
                 .status,
             401);
    QVERIFY(!m_registry->find(key));

    const HttpResult created = send("POST", start, {}, signedBy(*owner, start));
    QCOMPARE(created.status, 200);
    QCOMPARE(created.json().value("status").toString(), QStringLiteral("created_and_started"));
    QCOMPARE(m_registry->ownerOf(key), owner->publicKey().toHex());

    // Someone else can neither take the key nor stop the stream.
    const HttpResult foreignStop = send("POST", stop, {}, signedBy(*stranger, stop));
    QCOMPARE(foreignStop.status, 401);
    QVERIFY(foreignStop.json().value("error").toString().contains(QStringLiteral("another")));
    QCOMPARE(send("POST", stop, R"({"action":"stop"})").status, 401);
    QVERIFY(m_registry->find(key)->isActive());
    QCOMPARE(send("POST", start, {}, signedBy(*stranger, start)).status, 401);

    QCOMPARE(send("POST", stop, {}, signedBy(*owner, stop)).json().value("status").toString(),
             QStringLiteral("stopped"));
    QTRY_VERIFY(!m_registry->find(key)->isActive());
    // The studio's own key may start (and stop) any stream; the owner stays the owner.
    QCOMPARE(send("POST", start, {}, signedBy(*studio, start)).status, 200);
    QCOMPARE(m_registry->ownerOf(key), owner->publicKey().toHex());
    QCOMPARE(send("POST", stop, {}, signedBy(*studio, stop)).json().value("status").toString(),
             QStringLiteral("stopped"));

    afk::server::IngestOptions openIngest;
    openIngest.isOpenIngest = true;
    m_api->setControlAuth(afk::server::IngestAuth(m_context, openIngest), QString());
}

void TestHttpApi::statusShape()
{
    const HttpResult archived = send("GET", "/livestream/" + archivedKey + "/status");
    QCOMPARE(archived.status, 200);
    QCOMPARE(archived.header("Content-Type"), QByteArray("application/json"));
    QCOMPARE(archived.header("Cache-Control"), QByteArray("no-store"));
    QCOMPARE(archived.header("Access-Control-Allow-Origin"), QByteArray("*"));
    const QJsonObject status = archived.json();
    QCOMPARE(status.value("streamId").toString(), archivedKey);
    const QJsonObject local = status.value("local").toObject();
    for (const char *key : {"isActive", "manifestExists", "streamDirExists", "streamData", "files",
                            "manifestContent"})
        QVERIFY2(local.contains(key), key);
    // A stream the registry does not know (from an earlier run): /status answers from memory
    // only, so its files on disk are not looked at.
    QCOMPARE(local.value("isActive").toBool(), false);
    QCOMPARE(local.value("manifestExists").toBool(), false);
    QCOMPARE(local.value("streamDirExists").toBool(), false);
    QVERIFY(local.value("streamData").isNull());
    QVERIFY(local.value("manifestContent").isNull());
    QCOMPARE(local.value("files").toArray().size(), 0);
    QVERIFY(status.value("cloudinary").isObject());
    const QJsonObject overall = status.value("overall").toObject();
    for (const char *key :
         {"isActive", "hasManifest", "hasStreamDir", "hasVideoContent", "isEnded"})
        QVERIFY2(overall.contains(key), key);
    QCOMPARE(overall.value("hasManifest").toBool(), false);
    QCOMPARE(overall.value("hasVideoContent").toBool(), false);
    QVERIFY(status.contains("stats"));

    // A live stream of the registry: streamData and the pipeline stats.
    const QString key = QStringLiteral("status_live");
    QCOMPARE(send("POST", "/livestream/" + key + "/start", R"({"action":"start"})")
                 .json()
                 .value("status")
                 .toString(),
             QStringLiteral("created_and_started"));
    const QJsonObject live = send("GET", "/livestream/" + key + "/status").json();
    QCOMPARE(live.value("overall").toObject().value("isActive").toBool(), true);
    const QJsonObject streamData = live.value("local").toObject().value("streamData").toObject();
    for (const char *name : {"userId", "startedAt", "viewers", "httpViewers", "state"})
        QVERIFY2(streamData.contains(name), name);
    QCOMPARE(streamData.value("userId").toString(), QStringLiteral("anonymous"));
    const QJsonObject stats = live.value("stats").toObject();
    for (const char *name :
         {"inputFps", "outputFps", "encoderSpeed", "videoFramesDropped", "videoFramesDuplicated",
          "videoFramesLate", "inputQueue", "encoderQueue", "segmentsProduced", "renditions"})
        QVERIFY2(stats.contains(name), name);
    QVERIFY(stats.value("inputQueue").toObject().contains("capacity"));
    QVERIFY(stats.value("encoderQueue").toObject().contains("depth"));

    // An unknown stream is answered too, as inactive and without a folder.
    const QJsonObject unknown = send("GET", "/livestream/nobodyhere/status").json();
    QCOMPARE(unknown.value("local").toObject().value("streamDirExists").toBool(), false);
    QVERIFY(unknown.value("local").toObject().value("manifestContent").isNull());
}

void TestHttpApi::activeListsStartedStream()
{
    // A stream waiting for media is not public yet: not listed.
    const QString waitingKey = QStringLiteral("active_waiting");
    QCOMPARE(send("POST", "/livestream/" + waitingKey + "/start",
                  R"({"action":"start","userId":"cafe"})")
                 .status,
             200);
    const QString key = QStringLiteral("active_one");
    QString error;
    afk::session::Stream *live = m_registry->startStream(
        key, QStringLiteral("cafe"), {},
        std::make_unique<afk::media::TestPatternSource>(320, 240, 30, true, 0), &error);
    QVERIFY2(live, qPrintable(error));
    QSignalSpy started(live, &afk::session::Stream::started);
    QVERIFY(started.wait(20000));
    QSignalSpy segment(live, &afk::session::Stream::segmentCompleted);
    QVERIFY(segment.wait(30000));
    // Its status comes from memory: the playlist the packager last wrote, the known layout.
    const QJsonObject status = send("GET", "/livestream/" + key + "/status").json();
    const QJsonObject local = status.value("local").toObject();
    QCOMPARE(local.value("manifestExists").toBool(), true);
    QVERIFY(local.value("manifestContent").toString().contains(QStringLiteral("segment_0.ts")));
    QVERIFY(local.value("files").toArray().contains(QStringLiteral("stream.m3u8")));
    QVERIFY(local.value("files").toArray().contains(QStringLiteral("240p")));
    QCOMPARE(status.value("overall").toObject().value("hasVideoContent").toBool(), true);

    const HttpResult result = send("GET", "/livestream/active");
    QCOMPARE(result.status, 200);
    QCOMPARE(result.header("Content-Type"), QByteArray("application/json"));
    const QJsonArray streams = result.json().value("streams").toArray();
    QCOMPARE(result.json().value("count").toInt(), streams.size());
    QJsonObject entry;
    for (const QJsonValue &value : streams) {
        if (value.toObject().value("streamKey").toString() == key)
            entry = value.toObject();
        QVERIFY(value.toObject().value("streamKey").toString() != waitingKey);
        // Ended streams are not listed.
        QVERIFY(value.toObject().value("streamKey").toString() != u"control_stream-1");
    }
    QVERIFY2(!entry.isEmpty(), result.body.constData());
    QCOMPARE(entry.value("userId").toString(), QStringLiteral("cafe"));
    QCOMPARE(entry.value("status").toString(), QStringLiteral("live"));
    QVERIFY(entry.value("startedAt").isString());
    QCOMPARE(entry.value("viewers").toInt(), 0);
    QVERIFY(entry.value("playbackUrl").toString().endsWith("/livestream/" + key + "/stream.m3u8"));
    QVERIFY(entry.value("masterPlaylistUrl").toString().endsWith("/master.m3u8"));
    // Nothing for publishers: the ingest address is not a viewer's business.
    QVERIFY(!entry.contains("ingestUrl"));

    QSignalSpy ended(live, &afk::session::Stream::ended);
    live->stop();
    QVERIFY(ended.wait(20000));
    QCOMPARE(send("POST", "/livestream/" + waitingKey + "/stop", R"({"action":"stop"})").status,
             200);
}

void TestHttpApi::health_data()
{
    QTest::addColumn<QString>("path");
    QTest::newRow("/health") << "/health";
    QTest::newRow("/livestream/health") << "/livestream/health";
}

void TestHttpApi::health()
{
    QFETCH(QString, path);
    const HttpResult result = send("GET", path);
    QCOMPARE(result.status, 200);
    QCOMPARE(result.header("Content-Type"), QByteArray("application/json"));
    const QJsonObject health = result.json();
    QCOMPARE(health.value("status").toString(), QStringLiteral("ok"));
    QVERIFY(health.value("uptimeSeconds").isDouble());
    QCOMPARE(health.value("activeStreams").toInt(), int(m_registry->activeStreams().size()));
}

void TestHttpApi::playbackAndIngest()
{
    const HttpResult playback = send("GET", "/livestream/" + archivedKey + "/playback");
    QCOMPARE(playback.status, 200);
    QVERIFY(playback.json()
                .value("playbackUrl")
                .toString()
                .endsWith("/livestream/" + archivedKey + "/stream.m3u8"));
    QVERIFY(playback.json()
                .value("masterPlaylistUrl")
                .toString()
                .endsWith("/livestream/" + archivedKey + "/master.m3u8"));
    QCOMPARE(send("GET", "/livestream/nobodyhere/playback").status, 404);

    const HttpResult ingest = send("GET", "/livestream/newkey/ingest");
    QCOMPARE(ingest.status, 200);
    QCOMPARE(
        ingest.json().value("ingestUrl").toString(),
        QStringLiteral("ws://127.0.0.1:%1/socket.io/?streamKey=newkey").arg(m_api->serverPort()));
}

void TestHttpApi::httpViewers()
{
    const QString key = QStringLiteral("viewer_stream");
    QCOMPARE(send("POST", "/livestream/" + key + "/start").status, 200);
    QVERIFY(writeFile(streamDir(key) + QStringLiteral("/stream.m3u8"), mediaPlaylist));
    QCOMPARE(m_api->httpViewerCount(key), 0);
    for (int i = 0; i < 3; ++i)
        QCOMPARE(
            send("GET", "/livestream/" + key + "/stream.m3u8", {}, {{"User-Agent", "one"}}).status,
            200);
    QCOMPARE(m_api->httpViewerCount(key), 1);
    QCOMPARE(send("GET", "/livestream/" + key + "/stream.m3u8", {}, {{"User-Agent", "two"}}).status,
             200);
    QCOMPARE(m_api->httpViewerCount(key), 2);
    // Failed fetches and HEAD probes are not viewers.
    send("GET", "/livestream/" + key + "/segment_5.ts", {}, {{"User-Agent", "three"}});
    send("HEAD", "/livestream/" + key + "/stream.m3u8", {}, {{"User-Agent", "four"}});
    QCOMPARE(m_api->httpViewerCount(key), 2);
    const QJsonObject streamData = send("GET", "/livestream/" + key + "/status")
                                       .json()
                                       .value("local")
                                       .toObject()
                                       .value("streamData")
                                       .toObject();
    QCOMPARE(streamData.value("httpViewers").toInt(), 2);
}

void TestHttpApi::metrics()
{
    const HttpResult before = send("GET", "/metrics");
    QCOMPARE(before.status, 200);
    QVERIFY(before.header("Content-Type").startsWith("text/plain; version=0.0.4"));
    for (const char *name :
         {"afk_uptime_seconds", "afk_streams_active", "afk_stream_viewers",
          "afk_stream_http_viewers", "afk_stream_segments_produced_total", "afk_stream_input_fps",
          "afk_stream_output_fps", "afk_stream_encoder_speed_ratio",
          "afk_stream_video_frames_dropped_total", "afk_stream_video_frames_duplicated_total",
          "afk_stream_queue_depth", "afk_stream_queue_capacity",
          "afk_stream_rendition_bitrate_kbps", "afk_http_requests_total",
          "afk_http_response_body_bytes_total"}) {
        QVERIFY2(before.body.contains("# HELP " + QByteArray(name) + ' '), name);
        QVERIFY2(before.body.contains("# TYPE " + QByteArray(name) + ' '), name);
    }
    QCOMPARE(metricValue(before.body, "afk_streams_active"),
             double(m_registry->activeStreams().size()));
    QVERIFY(before.body.contains("afk_stream_viewers{stream=\"status_live\"} 0\n"));

    const QByteArray segmentOk = R"(afk_http_requests_total{route="segment",code="200"})";
    const QByteArray notFound = R"(afk_http_requests_total{route="not_found",code="404"})";
    const QByteArray segmentBytes = R"(afk_http_response_body_bytes_total{route="segment"})";
    const double segmentsBefore = std::max(0.0, metricValue(before.body, segmentOk));
    const double notFoundBefore = std::max(0.0, metricValue(before.body, notFound));
    const double bytesBefore = std::max(0.0, metricValue(before.body, segmentBytes));
    for (int i = 0; i < 2; ++i)
        QCOMPARE(send("GET", "/livestream/" + archivedKey + "/segment_0.ts").status, 200);
    QCOMPARE(send("GET", "/no/such/route").status, 404);

    const HttpResult after = send("GET", "/metrics");
    QCOMPARE(metricValue(after.body, segmentOk), segmentsBefore + 2);
    QCOMPARE(metricValue(after.body, notFound), notFoundBefore + 1);
    QCOMPARE(metricValue(after.body, segmentBytes), bytesBefore + 2 * topSegment.size());
    QVERIFY(metricValue(after.body, R"(afk_http_requests_total{route="metrics",code="200"})") >= 1);
    QCOMPARE(m_api->metrics().requestCount(afk::server::HttpRoute::Segment, 200),
             quint64(segmentsBefore + 2));
}

void TestHttpApi::socketIoPath()
{
    // Long-polling is refused with a clear 400 (the PWA only uses the WebSocket transport).
    const HttpResult polling = send("GET", "/socket.io/?EIO=4&transport=polling");
    QCOMPARE(polling.status, 400);
    QCOMPARE(polling.header("Content-Type"), QByteArray("application/json"));
    QVERIFY(polling.json().value("error").toString().contains("WebSocket"));

    // With no Socket.IO server attached, an upgrade is answered 503; elsewhere there is none.
    const QByteArray handshake = " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                                 "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("^WebSocket received")));
    const QByteArray noServer = sendRaw("GET /socket.io/?EIO=4&transport=websocket" + handshake);
    QVERIFY2(noServer.startsWith("HTTP/1.1 503 "), noServer.constData());
    QVERIFY(noServer.contains("\r\nContent-Type: application/json\r\n"));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("^WebSocket received")));
    const QByteArray elsewhere = sendRaw("GET /livestream/x/stream.m3u8" + handshake);
    QVERIFY2(elsewhere.startsWith("HTTP/1.1 404 "), elsewhere.constData());
}

void TestHttpApi::webSocketUpgradeIsHandedOver()
{
    HttpApi api(*m_registry, HttpApiOptions{});
    QString error;
    QVERIFY2(api.listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
    std::vector<std::unique_ptr<QWebSocket>> accepted;
    connect(&api, &HttpApi::newWebSocketConnection, this, [&] {
        while (api.hasPendingWebSocketConnections())
            accepted.push_back(api.nextPendingWebSocketConnection());
    });

    QWebSocket client;
    QSignalSpy connected(&client, &QWebSocket::connected);
    client.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/socket.io/?EIO=4&transport=websocket")
                         .arg(api.serverPort())));
    QVERIFY(connected.wait(10000));
    QTRY_COMPARE(accepted.size(), size_t(1));
    QCOMPARE(accepted.front()->requestUrl().path(), QStringLiteral("/socket.io/"));
    QSignalSpy received(accepted.front().get(), &QWebSocket::textMessageReceived);
    client.sendTextMessage(QStringLiteral("2probe"));
    QVERIFY(received.wait(10000));
    QCOMPARE(received.first().first().toString(), QStringLiteral("2probe"));
    QCOMPARE(api.metrics().requestCount(afk::server::HttpRoute::SocketIo, 101), quint64(1));
    client.close();
}

void TestHttpApi::webSocketTakerGetsUpgradesFirst()
{
    HttpApi api(*m_registry, HttpApiOptions{});
    QString error;
    QVERIFY2(api.listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
    std::vector<afk::server::WebSocketUpgrade> taken;
    api.setWebSocketTaker([&](afk::server::WebSocketUpgrade &upgrade) {
        afk::server::WebSocketTake take;
        if (upgrade.head.target.startsWith("/refuse")) {
            take.outcome = afk::server::WebSocketTake::Outcome::Refused;
            take.message = QStringLiteral("not this one");
        } else if (upgrade.head.target.startsWith("/take")) {
            take.outcome = afk::server::WebSocketTake::Outcome::Taken;
            taken.push_back(upgrade);
        }
        return take; // anything else: NotMine, Qt's own answer
    });
    const QByteArray handshake = " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                                 "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";

    // Taken: the taker has the connection (and the bytes sent after the head); Qt never answers.
    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, api.serverPort());
    QVERIFY(client.waitForConnected(5000));
    client.write("GET /take?x=1" + handshake + "EARLY");
    QTRY_COMPARE(taken.size(), size_t(1));
    QCOMPARE(taken.front().head.target, QByteArray("/take?x=1"));
    QCOMPARE(taken.front().early, QByteArray("EARLY"));
    QCOMPARE(taken.front().peer, QHostAddress(QHostAddress::LocalHost));
    QCOMPARE(::send(taken.front().descriptor, "HELLO", 5, MSG_NOSIGNAL), ssize_t(5));
    QTRY_COMPARE(client.bytesAvailable(), qint64(5)); // the connection outlived Qt's socket
    QCOMPARE(client.readAll(), QByteArray("HELLO"));
    QCOMPARE(api.metrics().requestCount(afk::server::HttpRoute::SocketIo, 101), quint64(1));
    ::close(taken.front().descriptor);
    api.releaseWebSocket();
    QTRY_COMPARE(client.state(), QAbstractSocket::UnconnectedState);

    // Refused: the gate answers with the taker's words.
    QTcpSocket refused;
    refused.connectToHost(QHostAddress::LocalHost, api.serverPort());
    QVERIFY(refused.waitForConnected(5000));
    refused.write("GET /refuse" + handshake);
    QByteArray answer;
    QVERIFY(QTest::qWaitFor([&] {
        answer += refused.readAll();
        return answer.contains("not this one");
    }, 10000));
    QVERIFY2(answer.startsWith("HTTP/1.1 400 "), answer.constData());
    QCOMPARE(taken.size(), size_t(1));

    // Not the taker's, its head in two pieces (Qt reads the first inside its transaction, the
    // offer rolls it back and restores it): Qt answers as without a taker.
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("^WebSocket received")));
    QTcpSocket other;
    other.connectToHost(QHostAddress::LocalHost, api.serverPort());
    QVERIFY(other.waitForConnected(5000));
    const QByteArray request = "GET /livestream/x/stream.m3u8" + handshake;
    other.write(request.left(40));
    other.flush();
    QTest::qWait(200);
    other.write(request.mid(40));
    answer.clear();
    QVERIFY(QTest::qWaitFor([&] {
        answer += other.readAll();
        return answer.contains("\r\n\r\n");
    }, 10000));
    QVERIFY2(answer.startsWith("HTTP/1.1 404 "), answer.constData());
    QCOMPARE(taken.size(), size_t(1));
}

void TestHttpApi::listenErrors()
{
    HttpApi second(*m_registry, HttpApiOptions{});
    QString error;
    QVERIFY(!second.listen(QHostAddress::LocalHost, m_api->serverPort(), &error));
    QCOMPARE(error, QStringLiteral("cannot listen on 127.0.0.1:%1: address already in use")
                        .arg(m_api->serverPort()));
    QCOMPARE(second.serverPort(), quint16(0));
    QVERIFY(!m_api->listen(QHostAddress::LocalHost, 0, &error));
    QVERIFY(error.contains("already listening"));
}

void TestHttpApi::chatRoutes()
{
    using afk::nostr::Event;
    using afk::nostr::KeyPair;
    const QString key = QStringLiteral("chat_stream");
    const QString path = QStringLiteral("/livestream/") + key + QStringLiteral("/chat");
    QCOMPARE(send("GET", path).status, 404); // no provider: no chat anywhere

    afk::nostr::Secp256k1Context context;
    QVERIFY(context.isValid());
    const std::optional<KeyPair> host = KeyPair::generate(context);
    const std::optional<KeyPair> other = KeyPair::generate(context);
    QVERIFY(host && other);
    afk::nostr::RelayPool pool(context);
    afk::nostr::LiveChat chat(pool, *host, key);
    m_api->setChatProvider(
        [&](const QString &streamKey) { return streamKey == key ? &chat : nullptr; });

    const HttpResult noChat = send("GET", QStringLiteral("/livestream/other_stream/chat"));
    QCOMPARE(noChat.status, 404);
    QVERIFY(noChat.json().value("error").toString().contains(QStringLiteral("no chat")));
    const HttpResult empty = send("GET", path);
    QCOMPARE(empty.status, 200);
    QCOMPARE(empty.json().value("streamId").toString(), key);
    QCOMPARE(empty.json().value("messages").toArray().size(), 0);

    Event viewerMessage;
    viewerMessage.kind = afk::nostr::LiveChat::Kind;
    viewerMessage.createdAt = 1764000000;
    viewerMessage.tags = {{QStringLiteral("a"), chat.address()}};
    viewerMessage.content = QStringLiteral("hi \"host\"");
    QVERIFY(viewerMessage.sign(*other));
    QVERIFY(chat.addEvent(viewerMessage));
    const HttpResult listed = send("GET", path);
    QCOMPARE(listed.status, 200);
    QCOMPARE(listed.header("Access-Control-Allow-Origin"), QByteArray("*"));
    const QJsonArray messages = listed.json().value("messages").toArray();
    QCOMPARE(messages.size(), 1);
    const QJsonObject first = messages.first().toObject();
    QCOMPARE(first.value("id").toString(), viewerMessage.id.toHex());
    QCOMPARE(first.value("pubkey").toString(), other->publicKey().toHex());
    QVERIFY(first.value("npub").toString().startsWith(QStringLiteral("npub1")));
    QCOMPARE(first.value("createdAt").toInteger(), 1764000000);
    QCOMPARE(first.value("content").toString(), viewerMessage.content);
    QCOMPARE(send("GET", path + QStringLiteral("?since=1764000001"))
                 .json()
                 .value("messages")
                 .toArray()
                 .size(),
             0);
    QCOMPARE(send("GET", path + QStringLiteral("?since=abc")).status, 400);

    const QByteArray body = R"({"content":"from the host"})";
    const auto proof = [](const KeyPair &signer, const QString &method, const QString &url,
                          const QByteArray &payloadOf) {
        return nip98Header(signer, method, url, payloadOf);
    };
    const QString url = baseUrl() + path;
    QCOMPARE(send("POST", path, body).status, 401);
    const HttpResult byOther = send("POST", path, body, {proof(*other, "POST", url, body)});
    QCOMPARE(byOther.status, 401);
    QVERIFY(byOther.json().value("error").toString().contains(QStringLiteral("host key")));
    QCOMPARE(send("POST", path, body, {proof(*host, "GET", url, body)}).status, 401);
    QCOMPARE(
        send("POST", path, body, {proof(*host, "POST", baseUrl() + "/livestream/x/chat", body)})
            .status,
        401);
    QCOMPARE(send("POST", path, body, {proof(*host, "POST", url, "{}")}).status, 401);
    QCOMPARE(send("POST", path, R"({"content":5})", {proof(*host, "POST", url, {})}).status, 400);
    QCOMPARE(send("POST", path, R"({"content":""})", {proof(*host, "POST", url, {})}).status, 400);
    const HttpResult sent = send("POST", path, body, {proof(*host, "POST", url, body)});
    QCOMPARE(sent.status, 200);
    QCOMPARE(sent.json().value("content").toString(), QStringLiteral("from the host"));
    QCOMPARE(sent.json().value("pubkey").toString(), host->publicKey().toHex());
    QCOMPARE(sent.json().value("streamId").toString(), key);
    const QList<Event> kept = chat.messages();
    QCOMPARE(kept.size(), 2);
    QCOMPARE(kept.last().id.toHex(), sent.json().value("id").toString());
    QVERIFY(kept.last().verify(context));

    const HttpResult preflight = send("OPTIONS", path);
    QCOMPARE(preflight.status, 204);
    QVERIFY(preflight.header("Access-Control-Allow-Methods").contains("POST"));
    m_api->setChatProvider({});
}

void TestHttpApi::webPages()
{
    const quint64 servedBefore = m_api->metrics().requestCount(afk::server::HttpRoute::WebPage, 200);
    const HttpResult list = send("GET", "/");
    QCOMPARE(list.status, 200);
    QCOMPARE(list.header("Content-Type"), QByteArray("text/html; charset=utf-8"));
    QVERIFY(list.body.contains("src=\"/assets/index.js\""));
    const QByteArray csp = list.header("Content-Security-Policy");
    QVERIFY2(csp.contains("script-src 'self';") && csp.contains("default-src 'none';") &&
                 csp.contains("connect-src 'self' ws: wss:;"),
             csp.constData());

    const HttpResult watch = send("GET", "/watch/some-key_1");
    QCOMPARE(watch.status, 200);
    QVERIFY(watch.body.contains("src=\"/assets/watch.js\""));
    QCOMPARE(watch.header("Content-Security-Policy"), csp);
    QCOMPARE(watch.header("Referrer-Policy"), QByteArray("no-referrer"));
    QCOMPARE(m_api->metrics().requestCount(afk::server::HttpRoute::WebPage, 200), servedBefore + 2);

    // Only a valid key gets a page; only assets are under /assets/; pages are read-only.
    QCOMPARE(send("GET", "/watch/bad$key").status, 400);
    QCOMPARE(send("GET", "/watch/" + QString(65, u'k')).status, 400);
    QCOMPARE(send("GET", "/watch/key/more").status, 404);
    QCOMPARE(send("GET", "/watch").status, 404);
    QCOMPARE(send("GET", "/assets/watch.html").status, 404);
    QCOMPARE(send("GET", "/assets/nothing.js").status, 404);
    QCOMPARE(send("POST", "/watch/some-key").status, 405);
    const HttpResult head = send("HEAD", "/assets/watch.js");
    QCOMPARE(head.status, 200);
    QVERIFY(head.body.isEmpty());
}

void TestHttpApi::webAssetsRevalidateAndCompress()
{
    QResource resource(QStringLiteral(":/afk/web/hls.light.min.js"));
    const QByteArray original = resource.uncompressedData();
    QVERIFY(original.size() > 100000);

    const HttpResult plain =
        send("GET", "/assets/hls.light.min.js", {}, {{"Accept-Encoding", "identity"}});
    QCOMPARE(plain.status, 200);
    QCOMPARE(plain.header("Content-Type"), QByteArray("text/javascript; charset=utf-8"));
    QVERIFY(!plain.hasHeader("Content-Encoding"));
    QCOMPARE(plain.body, original);

    // The zlib stream rcc made at build time (a header set by hand: QNetworkAccessManager hands
    // the body over as it came). qUncompress wants qCompress's 4-byte length in front.
    const HttpResult deflated =
        send("GET", "/assets/hls.light.min.js", {}, {{"Accept-Encoding", "deflate"}});
    QCOMPARE(deflated.status, 200);
    QCOMPARE(deflated.header("Content-Encoding"), QByteArray("deflate"));
    QCOMPARE(deflated.header("Vary"), QByteArray("Accept-Encoding"));
    QVERIFY(deflated.body.size() < original.size() / 2);
    QByteArray withLength(4, '\0');
    qToBigEndian(quint32(original.size()), withLength.data());
    QCOMPARE(qUncompress(withLength + deflated.body), original);
    QVERIFY(deflated.header("ETag") != plain.header("ETag"));

    const HttpResult revalidated = send("GET", "/assets/hls.light.min.js", {},
                                        {{"Accept-Encoding", "identity"},
                                         {"If-None-Match", "\"other\", " + plain.header("ETag")}});
    QCOMPARE(revalidated.status, 304);
    QVERIFY(revalidated.body.isEmpty());
    QVERIFY(!revalidated.hasHeader("Content-Length"));
    QCOMPARE(revalidated.header("ETag"), plain.header("ETag"));
    const HttpResult changed = send("GET", "/assets/hls.light.min.js", {},
                                    {{"Accept-Encoding", "identity"}, {"If-None-Match", "\"old\""}});
    QCOMPARE(changed.status, 200);
}

void TestHttpApi::acceptEncoding_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<bool>("isAccepted");
    QTest::newRow("browser") << QByteArray("gzip, deflate, br, zstd") << true;
    QTest::newRow("only") << QByteArray("deflate") << true;
    QTest::newRow("case and q") << QByteArray("gzip;q=1.0, DEFLATE;q=0.5") << true;
    QTest::newRow("refused") << QByteArray("gzip, deflate;q=0") << false;
    QTest::newRow("refused with spaces") << QByteArray("deflate ; q=0.0") << false;
    QTest::newRow("wildcard") << QByteArray("*") << true;
    QTest::newRow("named beats wildcard") << QByteArray("*;q=0, deflate") << true;
    QTest::newRow("wildcard but refused") << QByteArray("*, deflate;q=0") << false;
    QTest::newRow("other codings") << QByteArray("gzip, br") << false;
    QTest::newRow("identity") << QByteArray("identity") << false;
    QTest::newRow("empty") << QByteArray() << false;
}

void TestHttpApi::acceptEncoding()
{
    QFETCH(QByteArray, header);
    QFETCH(bool, isAccepted);
    QCOMPARE(afk::server::acceptsEncoding(header, "deflate"), isAccepted);
}

void TestHttpApi::rangesAndRevalidation()
{
    // The serving threads (the default) and HttpApi's own path answer alike.
    HttpApiOptions qtOnly;
    qtOnly.servingThreads = -1;
    HttpApi qtApi(*m_registry, qtOnly);
    QString error;
    QVERIFY2(qtApi.listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
    for (const quint16 port : {m_api->serverPort(), qtApi.serverPort()}) {
        const QString url = QStringLiteral("http://127.0.0.1:%1/livestream/%2/720p/segment_0.ts")
                                .arg(port)
                                .arg(archivedKey);
        const auto get = [&](const QList<std::pair<QByteArray, QByteArray>> &headers) {
            QNetworkRequest request{QUrl(url)};
            for (const auto &[name, value] : headers)
                request.setRawHeader(name, value);
            std::unique_ptr<QNetworkReply> reply(m_network->get(request));
            HttpResult result;
            if (!QTest::qWaitFor([&] { return reply->isFinished(); }, 10000))
                return result;
            result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            result.body = reply->readAll();
            result.headers = reply->rawHeaderPairs();
            return result;
        };
        const HttpResult whole = get({});
        QCOMPARE(whole.status, 200);
        QCOMPARE(whole.body, topSegment);
        QCOMPARE(whole.header("Accept-Ranges"), QByteArray("bytes"));
        const QByteArray etag = whole.header("ETag");
        QVERIFY2(etag.startsWith('"') && etag.endsWith('"'), etag.constData());

        const HttpResult partial = get({{"Range", "bytes=2-5"}});
        QCOMPARE(partial.status, 206);
        QCOMPARE(partial.body, topSegment.mid(2, 4));
        QCOMPARE(partial.header("Content-Range"),
                 "bytes 2-5/" + QByteArray::number(topSegment.size()));
        QCOMPARE(partial.header("Content-Length"), QByteArray("4"));

        const HttpResult notModified = get({{"If-None-Match", etag}});
        QCOMPARE(notModified.status, 304);
        QVERIFY(notModified.body.isEmpty());
        QCOMPARE(notModified.header("ETag"), etag);
        QCOMPARE(get({{"If-None-Match", "\"other\""}}).status, 200);

        const HttpResult unsatisfiable = get({{"Range", "bytes=100000-"}});
        QCOMPARE(unsatisfiable.status, 416);
        QCOMPARE(unsatisfiable.header("Content-Range"),
                 "bytes */" + QByteArray::number(topSegment.size()));
        QVERIFY(unsatisfiable.json().value("error").toString().contains("range"));

        // Playlists revalidate too (hls.js reloads them every segment).
        const QString playlist =
            QStringLiteral("http://127.0.0.1:%1/livestream/%2/stream.m3u8").arg(port).arg(archivedKey);
        std::unique_ptr<QNetworkReply> first(m_network->get(QNetworkRequest{QUrl(playlist)}));
        QVERIFY(QTest::qWaitFor([&] { return first->isFinished(); }, 10000));
        QNetworkRequest again{QUrl(playlist)};
        again.setRawHeader("If-None-Match", first->rawHeader("ETag"));
        std::unique_ptr<QNetworkReply> second(m_network->get(again));
        QVERIFY(QTest::qWaitFor([&] { return second->isFinished(); }, 10000));
        QCOMPARE(second->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 304);
    }
}

void TestHttpApi::pipelinedMediaThenApiOnOneConnection()
{
    // Two media requests and an API request in one write: the serving thread answers the first
    // two in order, then hands the connection with the third unread to HttpApi.
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_api->serverPort());
    QVERIFY(socket.waitForConnected(5000));
    const QByteArray key = archivedKey.toLatin1();
    socket.write("GET /livestream/" + key + "/720p/segment_0.ts HTTP/1.1\r\nHost: a\r\n\r\n" +
                 "GET /livestream/" + key + "/stream.m3u8 HTTP/1.1\r\nHost: a\r\n\r\n" +
                 "GET /health HTTP/1.1\r\nHost: a\r\n\r\n");
    QList<std::pair<QByteArray, QByteArray>> responses; // head, body
    QByteArray buffer;
    const auto parse = [&] {
        buffer += socket.readAll();
        for (;;) {
            const qsizetype headEnd = buffer.indexOf("\r\n\r\n");
            if (headEnd < 0)
                break;
            const QByteArray head = buffer.left(headEnd);
            static const QRegularExpression lengthField(
                QStringLiteral("\r\nContent-Length: *(\\d+)"),
                QRegularExpression::CaseInsensitiveOption);
            const auto match = lengthField.match(QString::fromLatin1(head));
            const qsizetype length = match.hasMatch() ? match.captured(1).toLongLong() : 0;
            if (buffer.size() < headEnd + 4 + length)
                break;
            responses.append({head, buffer.mid(headEnd + 4, length)});
            buffer.remove(0, headEnd + 4 + length);
        }
        return responses.size() >= 3;
    };
    QVERIFY2(QTest::qWaitFor(parse, 10000), QByteArray::number(responses.size()).constData());
    QVERIFY(responses.at(0).first.startsWith("HTTP/1.1 200"));
    QCOMPARE(responses.at(0).second, topSegment);
    QVERIFY(responses.at(1).first.startsWith("HTTP/1.1 200"));
    QCOMPARE(responses.at(1).second, mediaPlaylist);
    QVERIFY(responses.at(2).first.startsWith("HTTP/1.1 200"));
    QVERIFY(responses.at(2).first.contains("Content-Type: application/json"));
    QVERIFY(QJsonDocument::fromJson(responses.at(2).second).isObject());
    // Still open for more (keep-alive), now on HttpApi's side.
    QCOMPARE(socket.state(), QAbstractSocket::ConnectedState);
    socket.write("GET /livestream/" + key + "/master.m3u8 HTTP/1.1\r\nHost: a\r\n\r\n");
    QVERIFY(QTest::qWaitFor([&] { return parse() && responses.size() >= 4; }, 10000));
    QCOMPARE(responses.at(3).second, masterPlaylist);
    for (const auto &response : responses)
        m_everythingReceived += response.first + response.second;
}

void TestHttpApi::servesFromTheMediaIndex()
{
    // What a packager published is answered from memory: no file exists for it.
    const QString key = QStringLiteral("indexed_stream");
    const QString dir = streamDir(key);
    QVERIFY(QDir().mkpath(dir + QStringLiteral("/720p")));
    auto index = std::make_shared<afk::media::MediaIndex>();
    const QByteArray segment(300 * 1024, 'G');
    index->publish(dir + QStringLiteral("/720p/segment_5.ts"), segment,
                   afk::media::MediaIndex::Retention::Segment);
    index->publish(dir + QStringLiteral("/segment_5.ts"), segment,
                   afk::media::MediaIndex::Retention::Segment);
    index->publish(dir + QStringLiteral("/stream.m3u8"), mediaPlaylist,
                   afk::media::MediaIndex::Retention::Replaced);
    HttpApiOptions options;
    options.mediaIndex = index;
    HttpApi api(*m_registry, options);
    QString error;
    QVERIFY2(api.listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
    const QString base = QStringLiteral("http://127.0.0.1:%1/livestream/%2/").arg(api.serverPort()).arg(key);
    const auto get = [&](const QString &name) {
        std::unique_ptr<QNetworkReply> reply(m_network->get(QNetworkRequest{QUrl(base + name)}));
        if (!QTest::qWaitFor([&] { return reply->isFinished(); }, 10000))
            return std::pair<int, QByteArray>{0, {}};
        return std::pair<int, QByteArray>{
            reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), reply->readAll()};
    };
    QCOMPARE(get(QStringLiteral("720p/segment_5.ts")), (std::pair<int, QByteArray>{200, segment}));
    QCOMPARE(get(QStringLiteral("segment_5.ts")), (std::pair<int, QByteArray>{200, segment}));
    QCOMPARE(get(QStringLiteral("stream.m3u8")), (std::pair<int, QByteArray>{200, mediaPlaylist}));
    QCOMPARE(api.metrics().requestCount(afk::server::HttpRoute::RenditionFile, 200), quint64(1));
    QCOMPARE(api.metrics().requestCount(afk::server::HttpRoute::Segment, 200), quint64(1));
    index->removeFolder(dir + QStringLiteral("/720p"));
    QCOMPARE(get(QStringLiteral("720p/segment_5.ts")).first, 404);
}

void TestHttpApi::servesLowLatencyFromTheMediaIndex()
{
    // The stream is not in the registry: HttpApi's own LL routes would answer 404, so every 200
    // here comes from a serving thread answering from the index.
    const QString key = QStringLiteral("ll_indexed");
    const QString dir = streamDir(key) + QStringLiteral("/ll/720p");
    auto index = std::make_shared<afk::media::MediaIndex>();
    using Retention = afk::media::MediaIndex::Retention;
    afk::media::LowLatencyPlaylist playlist(1.0 / 3, 2, 60, 0);
    const auto partBytes = [](int msn, int part) {
        return QByteArray("part ") + QByteArray::number(msn) + '.' + QByteArray::number(part);
    };
    // As CmafPackager and LowLatencyPresentation do: the part, then the playlist listing it.
    const auto publishPart = [&](int msn, int part) {
        index->publish(dir + QStringLiteral("/part_%1_%2.m4s").arg(msn).arg(part),
                       partBytes(msn, part), Retention::Part);
        playlist.appendPart(afk::media::PlaylistPart{1.0 / 3, part == 0}, 1'700'000'000'000,
                            false);
        index->publish(dir + QStringLiteral("/index.m3u8"), playlist.text({}),
                       Retention::Replaced);
    };
    index->publish(dir + QStringLiteral("/init.mp4"), "init", Retention::Replaced);
    publishPart(0, 0);
    HttpApiOptions options;
    options.mediaIndex = index;
    HttpApi api(*m_registry, options);
    QString error;
    QVERIFY2(api.listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
    const QString base =
        QStringLiteral("http://127.0.0.1:%1/livestream/%2/ll/720p/").arg(api.serverPort()).arg(key);
    const auto start = [&](const QString &name) {
        return std::unique_ptr<QNetworkReply>(
            m_network->get(QNetworkRequest{QUrl(base + name)}));
    };
    const auto finish = [](const std::unique_ptr<QNetworkReply> &reply) {
        if (!QTest::qWaitFor([&] { return reply->isFinished(); }, 10000))
            return std::pair<int, QByteArray>{0, {}};
        return std::pair<int, QByteArray>{
            reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), reply->readAll()};
    };
    QCOMPARE(finish(start(QStringLiteral("init.mp4"))),
             (std::pair<int, QByteArray>{200, "init"}));
    QCOMPARE(finish(start(QStringLiteral("part_0_0.m4s"))),
             (std::pair<int, QByteArray>{200, partBytes(0, 0)}));
    QCOMPARE(finish(start(QStringLiteral("index.m3u8"))),
             (std::pair<int, QByteArray>{200, playlist.text({})}));

    // A blocking reload for the next part is held until the playlist lists it.
    const auto reload = start(QStringLiteral("index.m3u8?_HLS_msn=0&_HLS_part=1"));
    // The preload hint's part, asked for before it exists, is answered once it does.
    const auto hinted = start(QStringLiteral("part_0_1.m4s"));
    QVERIFY(QTest::qWaitFor([&] { return index->waiterCount() > 0; }, 10000));
    QVERIFY(!reload->isFinished());
    QVERIFY(!hinted->isFinished());
    publishPart(0, 1);
    const auto reloaded = finish(reload);
    QCOMPARE(reloaded.first, 200);
    QVERIFY(reloaded.second.contains("URI=\"part_0_1.m4s\""));
    QCOMPARE(finish(hinted), (std::pair<int, QByteArray>{200, partBytes(0, 1)}));

    // Too far ahead of the live edge: 400 at once (the spec's limit).
    QCOMPARE(finish(start(QStringLiteral("index.m3u8?_HLS_msn=5"))).first, 400);
    QCOMPARE(finish(start(QStringLiteral("part_0_9.m4s"))).first, 400);
    // Counted like HttpApi's own answers.
    QVERIFY(api.metrics().requestCount(afk::server::HttpRoute::RenditionFile, 200) >= 5);
    QCOMPARE(api.metrics().requestCount(afk::server::HttpRoute::RenditionFile, 400), quint64(2));

    // Once the presentation leaves the index, HttpApi's routes answer (no such stream: 404).
    index->removeFolder(dir);
    QCOMPARE(finish(start(QStringLiteral("index.m3u8"))).first, 404);
}

void TestHttpApi::secretNeverServed()
{
    QVERIFY(!m_everythingReceived.isEmpty());
    QVERIFY(!m_everythingReceived.contains(secretText));
}

QTEST_GUILESS_MAIN(TestHttpApi)
#include "tst_httpapi.moc"
