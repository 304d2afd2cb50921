// RtmpChunkReader and RtmpMessage::toChunks: messages come back whole from chunks of every
// header type, any chunk size, extended timestamps, interleaved chunk streams and one byte at a
// time; the bounds (chunk size, message length, chunk streams) close with a reason.
#include "RtmpChunkReader.h"

#include <QRandomGenerator>
#include <QTest>
#include <QtEndian>

using afk::server::RtmpChunkReader;
using afk::server::RtmpMessage;

namespace {

RtmpMessage makeMessage(quint8 typeId, quint32 timestamp, qsizetype size, quint32 chunkStreamId = 4)
{
    RtmpMessage message;
    message.typeId = typeId;
    message.streamId = 1;
    message.timestamp = timestamp;
    message.chunkStreamId = chunkStreamId;
    message.payload.resize(size);
    for (qsizetype i = 0; i < size; ++i)
        message.payload[i] = char((i * 7 + timestamp) & 0xff);
    return message;
}

QByteArray setChunkSize(quint32 size)
{
    RtmpMessage message;
    message.typeId = RtmpMessage::SetChunkSize;
    message.chunkStreamId = 2;
    message.payload.resize(4);
    qToBigEndian(size, message.payload.data());
    return message.toChunks(RtmpChunkReader::defaultChunkSize);
}

} // namespace

class TestRtmpChunkReader : public QObject
{
    Q_OBJECT
private slots:
    void roundTripAtAnyChunkSize_data();
    void roundTripAtAnyChunkSize();
    void oneByteAtATime();
    void compressedHeadersCarryDeltas();
    void extendedTimestampOnContinuations();
    void interleavedChunkStreams();
    void longChunkStreamIds();
    void boundsAreErrors_data();
    void boundsAreErrors();
    void survivesRandomBytes();
};

void TestRtmpChunkReader::roundTripAtAnyChunkSize_data()
{
    QTest::addColumn<quint32>("chunkSize");
    QTest::addColumn<qsizetype>("payloadBytes");
    QTest::newRow("default 128, small") << quint32(128) << qsizetype(100);
    QTest::newRow("default 128, exact multiple") << quint32(128) << qsizetype(384);
    QTest::newRow("chunk size 1") << quint32(1) << qsizetype(300);
    QTest::newRow("4096, keyframe-sized") << quint32(4096) << qsizetype(200000);
    QTest::newRow("65536") << quint32(65536) << qsizetype(70000);
    QTest::newRow("empty message") << quint32(128) << qsizetype(0);
}

void TestRtmpChunkReader::roundTripAtAnyChunkSize()
{
    QFETCH(quint32, chunkSize);
    QFETCH(qsizetype, payloadBytes);
    RtmpChunkReader reader;
    const RtmpMessage sent = makeMessage(RtmpMessage::Video, 40, payloadBytes);
    QByteArray wire = setChunkSize(chunkSize) + sent.toChunks(chunkSize);
    QList<RtmpMessage> messages;
    QString error;
    QVERIFY2(reader.feed(wire, &messages, &error), qPrintable(error));
    QCOMPARE(messages.size(), 2);
    QCOMPARE(reader.chunkSize(), chunkSize);
    const RtmpMessage &received = messages[1];
    QCOMPARE(received.typeId, quint8(RtmpMessage::Video));
    QCOMPARE(received.streamId, 1u);
    QCOMPARE(received.timestamp, 40u);
    QCOMPARE(received.payload, sent.payload);
    QCOMPARE(reader.bytesHeld(), 0);
}

void TestRtmpChunkReader::oneByteAtATime()
{
    RtmpChunkReader reader;
    const QByteArray wire = makeMessage(RtmpMessage::Audio, 0x12345678, 1000).toChunks(128);
    QList<RtmpMessage> messages;
    QString error;
    for (char byte : wire)
        QVERIFY2(reader.feed(QByteArrayView(&byte, 1), &messages, &error), qPrintable(error));
    QCOMPARE(messages.size(), 1);
    QCOMPARE(messages[0].timestamp, 0x12345678u); // extended: past 24 bits
    QCOMPARE(messages[0].payload.size(), 1000);
}

void TestRtmpChunkReader::compressedHeadersCarryDeltas()
{
    // Hand-made from specification 5.3.1.2: type 0 at t=1000 (length 3, type 8, stream 1), type
    // 1 with delta 20 and length 2, type 2 with delta 30, type 3 (delta 30 again).
    QByteArray wire = QByteArray::fromHex("04"
                                          "0003e8"
                                          "000003"
                                          "08"
                                          "01000000") +
                      "abc";
    wire += QByteArray::fromHex("44"
                                "000014"
                                "000002"
                                "08") +
            "de";
    wire += QByteArray::fromHex("84"
                                "00001e") +
            "fg";
    wire += QByteArray::fromHex("c4") + "hi";
    RtmpChunkReader reader;
    QList<RtmpMessage> messages;
    QString error;
    QVERIFY2(reader.feed(wire, &messages, &error), qPrintable(error));
    QCOMPARE(messages.size(), 4);
    QCOMPARE(messages[0].timestamp, 1000u);
    QCOMPARE(messages[0].payload, QByteArray("abc"));
    QCOMPARE(messages[1].timestamp, 1020u);
    QCOMPARE(messages[1].payload, QByteArray("de"));
    QCOMPARE(messages[2].timestamp, 1050u);
    QCOMPARE(messages[3].timestamp, 1080u);
    QCOMPARE(messages[3].payload, QByteArray("hi"));
    for (const RtmpMessage &message : messages)
        QCOMPARE(message.streamId, 1u);
}

void TestRtmpChunkReader::extendedTimestampOnContinuations()
{
    // A 200-byte message at t=0x01000000 in 128-byte chunks: the continuation repeats the
    // extended timestamp, which must not be read as payload.
    const RtmpMessage sent = makeMessage(RtmpMessage::Video, 0x01000000, 200);
    const QByteArray wire = sent.toChunks(128);
    QCOMPARE(wire.size(), 1 + 11 + 4 + 128 + 1 + 4 + 72);
    RtmpChunkReader reader;
    QList<RtmpMessage> messages;
    QString error;
    QVERIFY2(reader.feed(wire, &messages, &error), qPrintable(error));
    QCOMPARE(messages.size(), 1);
    QCOMPARE(messages[0].payload, sent.payload);
    QCOMPARE(messages[0].timestamp, 0x01000000u);
}

void TestRtmpChunkReader::interleavedChunkStreams()
{
    // Audio's chunk between two chunks of a video message, as encoders send them.
    const RtmpMessage video = makeMessage(RtmpMessage::Video, 0, 200, 6);
    const RtmpMessage audio = makeMessage(RtmpMessage::Audio, 0, 50, 4);
    const QByteArray videoWire = video.toChunks(128);
    const QByteArray wire =
        videoWire.left(12 + 128) + audio.toChunks(128) + videoWire.mid(12 + 128);
    RtmpChunkReader reader;
    QList<RtmpMessage> messages;
    QString error;
    QVERIFY2(reader.feed(wire, &messages, &error), qPrintable(error));
    QCOMPARE(messages.size(), 2);
    QCOMPARE(messages[0].payload, audio.payload);
    QCOMPARE(messages[1].payload, video.payload);
}

void TestRtmpChunkReader::longChunkStreamIds()
{
    for (const quint32 chunkStreamId : {63u, 64u, 319u, 320u, 65599u}) {
        RtmpChunkReader reader;
        QList<RtmpMessage> messages;
        QString error;
        const RtmpMessage sent = makeMessage(RtmpMessage::Audio, 5, 300, chunkStreamId);
        QVERIFY2(reader.feed(sent.toChunks(128), &messages, &error), qPrintable(error));
        QCOMPARE(messages.size(), 1);
        QCOMPARE(messages[0].chunkStreamId, chunkStreamId);
        QCOMPARE(messages[0].payload, sent.payload);
    }
}

void TestRtmpChunkReader::boundsAreErrors_data()
{
    QTest::addColumn<QByteArray>("wire");
    QTest::addColumn<QString>("reason");
    QTest::newRow("chunk size past the cap")
        << setChunkSize(0x7fffffff) << "chunk size 2147483647 refused";
    QTest::newRow("chunk size 0") << setChunkSize(0) << "chunk size 0 refused";
    QTest::newRow("message past the cap") << QByteArray::fromHex("04"
                                                                 "000000"
                                                                 "ffffff"
                                                                 "09"
                                                                 "01000000")
                                          << "message of 16777215 bytes";
    QTest::newRow("type 3 first") << QByteArray::fromHex("c4") << "begins with a type 3 header";
    QTest::newRow("new header mid-message")
        << (makeMessage(RtmpMessage::Video, 0, 300).toChunks(128).left(12 + 128) +
            makeMessage(RtmpMessage::Video, 0, 10).toChunks(128))
        << "before the previous message";
    QByteArray manyStreams;
    for (quint32 id = 3; id < 3 + 70; ++id) // each left unfinished on its own chunk stream
        manyStreams += makeMessage(RtmpMessage::Audio, 0, 200, id)
                           .toChunks(128)
                           .left((id < 64 ? 12 : 13) + 128);
    QTest::newRow("too many chunk streams") << manyStreams << "more than 64 chunk streams";
}

void TestRtmpChunkReader::boundsAreErrors()
{
    QFETCH(QByteArray, wire);
    QFETCH(QString, reason);
    RtmpChunkReader::Limits limits;
    limits.maxMessageBytes = 1024 * 1024;
    RtmpChunkReader reader(limits);
    QList<RtmpMessage> messages;
    QString error;
    QVERIFY(!reader.feed(wire, &messages, &error));
    QVERIFY2(error.contains(reason), qPrintable(error));
}

void TestRtmpChunkReader::survivesRandomBytes()
{
    // Thousands of seeded mutations of a valid stream: each ends in messages or a reason, and
    // what the reader holds stays bounded.
    const QByteArray valid = setChunkSize(1000) +
                             makeMessage(RtmpMessage::Video, 10, 3000).toChunks(1000) +
                             makeMessage(RtmpMessage::Audio, 20, 100, 5).toChunks(1000);
    QRandomGenerator random(1935);
    RtmpChunkReader::Limits limits;
    limits.maxMessageBytes = 64 * 1024;
    int refused = 0;
    for (int round = 0; round < 3000; ++round) {
        QByteArray wire = valid;
        for (int flips = random.bounded(1, 8); flips > 0; --flips)
            wire[random.bounded(wire.size())] = char(random.bounded(256));
        RtmpChunkReader reader(limits);
        QList<RtmpMessage> messages;
        QString error;
        if (!reader.feed(wire, &messages, &error)) {
            QVERIFY(!error.isEmpty());
            ++refused;
        } else {
            QVERIFY(reader.bytesHeld() <=
                    qsizetype(limits.maxChunkSize) + 18 + limits.maxMessageBytes);
        }
    }
    QVERIFY(refused > 0);
}

QTEST_GUILESS_MAIN(TestRtmpChunkReader)
#include "tst_rtmpchunkreader.moc"
