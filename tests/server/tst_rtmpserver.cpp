// RtmpServer over real loopback sockets: a publisher's stats, video dropped up to the next
// keyframe while the studio cannot take it, unpublish told apart from a dropped connection (OBS's
// reconnect), the per-address cap, and enhanced-RTMP video refused by its FourCC.
#include "Amf0.h"
#include "RtmpMessage.h"
#include "RtmpServer.h"

#include <QRandomGenerator>
#include <QTcpSocket>
#include <QTest>

using namespace afk::server;

namespace {

constexpr quint32 publishStreamId = 1;

QByteArray message(quint8 typeId, quint32 streamId, quint32 chunkStreamId, quint32 timestamp,
                   const QByteArray &payload)
{
    RtmpMessage out;
    out.typeId = typeId;
    out.streamId = streamId;
    out.chunkStreamId = chunkStreamId;
    out.timestamp = timestamp;
    out.payload = payload;
    return out.toChunks(RtmpChunkReader::defaultChunkSize); // the client never sets another
}

} // namespace

class TestRtmpServer : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void dropsVideoUpToTheNextKeyframe();
    void unpublishIsToldApartFromADrop();
    void capsConnectionsPerAddress();
    void refusesEnhancedRtmpByFourCc();

private:
    // A connected publisher of "s3cret" (publish answered), or nullptr.
    std::unique_ptr<QTcpSocket> publisher();
    static QByteArray video(bool isKeyframe, quint32 timestamp);

    std::unique_ptr<RtmpServer> m_server;
    RtmpPublishHandler::MediaOutcome m_outcome = RtmpPublishHandler::MediaOutcome::Taken;
    QList<QByteArray> m_media;
    QStringList m_ends; // "<stream> <reason> unpublished|dropped"
    int m_begins = 0;
};

void TestRtmpServer::init()
{
    RtmpKeyBook keys;
    QString error;
    QVERIFY(keys.parse("s3cret show\n", QStringLiteral("keys"), &error));
    RtmpPublishHandler handler;
    handler.begin = [this](const QString &, const QString &, QString *) {
        ++m_begins;
        return true;
    };
    handler.media = [this](const QString &, const QByteArray &flv, QString *mediaError) {
        m_media.append(flv);
        *mediaError = QStringLiteral("ingest buffer full");
        return m_outcome;
    };
    handler.end = [this](const QString &streamId, const QString &reason, bool isUnpublished) {
        m_ends.append(
            QStringLiteral("%1 %2 %3")
                .arg(streamId, reason,
                     isUnpublished ? QStringLiteral("unpublished") : QStringLiteral("dropped")));
    };
    RtmpServerOptions options;
    options.maxConnectionsPerAddress = 2;
    m_server = std::make_unique<RtmpServer>(options, std::move(keys), std::move(handler));
    QVERIFY2(m_server->listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
}

void TestRtmpServer::cleanup()
{
    m_server.reset();
    m_media.clear();
    m_ends.clear();
    m_begins = 0;
    m_outcome = RtmpPublishHandler::MediaOutcome::Taken;
}

std::unique_ptr<QTcpSocket> TestRtmpServer::publisher()
{
    auto socket = std::make_unique<QTcpSocket>();
    socket->connectToHost(QHostAddress::LocalHost, m_server->port());
    if (!QTest::qWaitFor([&] { return socket->state() == QAbstractSocket::ConnectedState; }, 5000))
        return nullptr;
    QByteArray handshake(1 + 2 * 1536, '\0');
    handshake[0] = 3;
    const QVariantMap properties{{QStringLiteral("app"), QStringLiteral("live")}};
    socket->write(handshake +
                  message(RtmpMessage::CommandAmf0, 0, 3, 0,
                          Amf0::encode({QStringLiteral("connect"), 1.0, properties})) +
                  message(RtmpMessage::CommandAmf0, 0, 3, 0,
                          Amf0::encode({QStringLiteral("createStream"), 2.0, QVariant()})) +
                  message(RtmpMessage::CommandAmf0, publishStreamId, 4, 0,
                          Amf0::encode({QStringLiteral("publish"), 3.0, QVariant(),
                                        QStringLiteral("s3cret"), QStringLiteral("live")})));
    // The server runs on this thread: wait with its event loop running (no waitForReadyRead).
    QByteArray answers;
    const int beginsBefore = m_begins;
    const bool isAnswered = QTest::qWaitFor(
        [&] {
            answers += socket->readAll();
            return answers.contains("NetStream.Publish.Start");
        },
        5000);
    return isAnswered && m_begins == beginsBefore + 1 ? std::move(socket) : nullptr;
}

QByteArray TestRtmpServer::video(bool isKeyframe, quint32 timestamp)
{
    // FLV VideoTagHeader: frame type (1 key, 2 inter) and codec 7 (AVC), AVCPacketType 1 (NALU),
    // composition time 0, then a stand-in NAL unit.
    QByteArray body;
    body += char(isKeyframe ? 0x17 : 0x27);
    body += char(1);
    body += QByteArray(3, '\0');
    body += QByteArray(64, char(0x41));
    return message(RtmpMessage::Video, publishStreamId, 6, timestamp, body);
}

void TestRtmpServer::dropsVideoUpToTheNextKeyframe()
{
    std::unique_ptr<QTcpSocket> socket = publisher();
    QVERIFY(socket);
    // The studio cannot take the first keyframe: it and the frames after it up to the next
    // keyframe go, the publisher stays.
    m_outcome = RtmpPublishHandler::MediaOutcome::Dropped;
    socket->write(video(true, 0));
    QTRY_COMPARE(m_media.size(), 1);
    QVERIFY(m_media.first().startsWith("FLV"));
    m_outcome = RtmpPublishHandler::MediaOutcome::Taken;
    socket->write(video(false, 33));
    socket->write(video(false, 66));
    QTRY_COMPARE(m_server->publishers().value(0).videoFramesDropped, 3);
    QCOMPARE(m_media.size(), 1); // the inter frames never reached the studio
    socket->write(video(true, 100));
    QTRY_COMPARE(m_media.size(), 2);
    // The FLV header went with the dropped batch: the next one brings it.
    QVERIFY(m_media.last().startsWith("FLV"));
    const RtmpPublisherStats stats = m_server->publishers().value(0);
    QCOMPARE(stats.streamId, QStringLiteral("show"));
    QCOMPARE(stats.videoFramesIn, 1);
    QCOMPARE(stats.videoFramesDropped, 3);
    QVERIFY(stats.bytesIn > 0);
    QVERIFY2(stats.remoteAddress.startsWith(QStringLiteral("127.0.0.1:")),
             qPrintable(stats.remoteAddress));
    QVERIFY(m_ends.isEmpty());
}

void TestRtmpServer::unpublishIsToldApartFromADrop()
{
    std::unique_ptr<QTcpSocket> first = publisher();
    QVERIFY(first);
    first->write(message(RtmpMessage::CommandAmf0, 0, 3, 0,
                         Amf0::encode({QStringLiteral("deleteStream"), 4.0, QVariant(), 1.0})));
    QTRY_COMPARE(m_ends.size(), 1);
    QCOMPARE(m_ends.first(), QStringLiteral("show the publisher unpublished unpublished"));

    std::unique_ptr<QTcpSocket> second = publisher();
    QVERIFY(second);
    second->abort(); // a network drop: OBS will reconnect
    QTRY_COMPARE(m_ends.size(), 2);
    QCOMPARE(m_ends.last(), QStringLiteral("show the publisher disconnected dropped"));
    QTRY_COMPARE(m_server->connectionCount(), 1); // the first still connected, unpublished
}

void TestRtmpServer::capsConnectionsPerAddress()
{
    QTcpSocket sockets[3];
    for (int i = 0; i < 2; ++i) {
        sockets[i].connectToHost(QHostAddress::LocalHost, m_server->port());
        QTRY_COMPARE(m_server->connectionCount(), i + 1);
    }
    sockets[2].connectToHost(QHostAddress::LocalHost, m_server->port());
    // The third from the same address is closed at once; the others stay.
    QTRY_COMPARE(sockets[2].state(), QAbstractSocket::UnconnectedState);
    QCOMPARE(m_server->connectionCount(), 2);
    QCOMPARE(sockets[0].state(), QAbstractSocket::ConnectedState);
    QCOMPARE(sockets[1].state(), QAbstractSocket::ConnectedState);
}

void TestRtmpServer::refusesEnhancedRtmpByFourCc()
{
    std::unique_ptr<QTcpSocket> socket = publisher();
    QVERIFY(socket);
    // ExVideoTagHeader: IsExHeader, keyframe, PacketTypeSequenceStart, FourCC "av01".
    const QByteArray body = QByteArray(1, char(0x80 | 0x10)) + "av01" + QByteArray(16, '\0');
    socket->write(message(RtmpMessage::Video, publishStreamId, 6, 0, body));
    QTRY_COMPARE(m_ends.size(), 1);
    QTRY_COMPARE(socket->state(), QAbstractSocket::UnconnectedState);
    QVERIFY(socket->readAll().contains("NetStream.Publish.Rejected"));
    QVERIFY2(m_ends.first().contains(QStringLiteral("FourCC \"av01\"")),
             qPrintable(m_ends.first()));
    QVERIFY(m_ends.first().endsWith(QStringLiteral("dropped")));
    QVERIFY(m_media.isEmpty());
}

QTEST_GUILESS_MAIN(TestRtmpServer)
#include "tst_rtmpserver.moc"
