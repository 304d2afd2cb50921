// Stream lifecycle through the registry: create, refuse duplicates and over the cap, encode, end
// (pipeline released, record kept), replace, time out without media, evict records.
#include "StreamRegistry.h"
#include "TestPatternSource.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace afk;

namespace {

session::EncodingDefaults smallLadder()
{
    session::EncodingDefaults defaults;
    QString error;
    defaults.ladder = media::parseLadder(QStringLiteral("240p"), &error);
    defaults.x264Preset = QStringLiteral("ultrafast");
    return defaults;
}

} // namespace

class TestStreamRegistry : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase() { av_log_set_level(AV_LOG_ERROR); }
    void createRefusesInvalidAndDuplicateKeys();
    void streamWithoutMediaEndsAtOnce();
    void encodedStreamEndsAndIsReplaceable();
    void stopAllEndsEveryStream();
    void capRefusesWithItsName();
    void streamWithoutMediaTimesOut();
    void recordsAreEvictedAfterRetention();
    void recordCapEvictsTheOldest();
};

void TestStreamRegistry::createRefusesInvalidAndDuplicateKeys()
{
    QTemporaryDir dir;
    session::StreamRegistry registry(storage::StreamStore(dir.path()), smallLadder());
    QString error;
    QVERIFY(!registry.createStream(QStringLiteral("../x"), {}, {}, {}, &error));
    QVERIFY(error.contains(QStringLiteral("invalid stream key")));
    session::Stream *stream = registry.createStream(QStringLiteral("k"), QStringLiteral("owner1"), QStringLiteral("ab"), {}, &error);
    QVERIFY(stream);
    QCOMPARE(stream->state(), session::Stream::State::WaitingForMedia);
    QVERIFY(QFile::exists(dir.path() + QStringLiteral("/k/stream.json")));
    QVERIFY(!registry.createStream(QStringLiteral("k"), {}, {}, {}, &error));
    QVERIFY(error.contains(QStringLiteral("already active")));
    QCOMPARE(registry.find(QStringLiteral("k")), stream);
    QCOMPARE(registry.activeStreams().size(), 1);
    QCOMPARE(registry.ownerOf(QStringLiteral("k")), QStringLiteral("owner1"));
}

void TestStreamRegistry::streamWithoutMediaEndsAtOnce()
{
    QTemporaryDir dir;
    session::StreamRegistry registry(storage::StreamStore(dir.path()), smallLadder());
    QString error;
    session::Stream *stream = registry.createStream(QStringLiteral("k"), {}, {}, {}, &error);
    QSignalSpy ended(&registry, &session::StreamRegistry::streamEnded);
    stream->stop();
    QCOMPARE(ended.size(), 1);
    QCOMPARE(stream->state(), session::Stream::State::Ended);
    storage::StreamMetadata metadata;
    QVERIFY(registry.store().readMetadata(QStringLiteral("k"), &metadata));
    QVERIFY(metadata.endedAtMs > 0);
}

void TestStreamRegistry::encodedStreamEndsAndIsReplaceable()
{
    QTemporaryDir dir;
    session::StreamRegistry registry(storage::StreamStore(dir.path()), smallLadder());
    QString error;
    session::Stream *stream = registry.startStream(
        QStringLiteral("k"), {}, {}, std::make_unique<media::TestPatternSource>(320, 240, 30, false, 3),
        &error);
    QVERIFY2(stream, qPrintable(error));
    QSignalSpy started(stream, &session::Stream::started);
    QSignalSpy ended(stream, &session::Stream::ended);
    QCOMPARE(stream->state(), session::Stream::State::WaitingForMedia);
    QVERIFY(started.wait(20000) || started.size() == 1);
    QCOMPARE(stream->state(), session::Stream::State::Live);
    QCOMPARE(stream->topRenditionName(), QStringLiteral("240p"));
    QVERIFY(ended.wait(60000));
    QCOMPARE(stream->segmentCount(), 2);
    QVERIFY(QFile::exists(dir.path() + QStringLiteral("/k/240p/segment_1.ts")));
    // What stays of an ended stream is its record: no pipeline, the last counters.
    QVERIFY(!stream->hasPipeline());
    QCOMPARE(stream->stats().isRunning, false);
    QVERIFY(stream->stats().videoFramesIn > 0);
    QCOMPARE(stream->stats().renditions.size(), 1);

    // A new run under the same key replaces the record and keeps the old run's files.
    session::Stream *again = registry.createStream(QStringLiteral("k"), {}, {}, {}, &error);
    QVERIFY2(again, qPrintable(error));
    QVERIFY(again != stream);
    QVERIFY(QFile::exists(dir.path() + QStringLiteral("/k/240p/segment_1.ts")));
}

void TestStreamRegistry::capRefusesWithItsName()
{
    QTemporaryDir dir;
    session::StreamLimits limits;
    limits.maxStreams = 2;
    session::StreamRegistry registry(storage::StreamStore(dir.path()), smallLadder(), limits);
    QString error;
    QVERIFY(registry.createStream(QStringLiteral("a"), {}, {}, {}, &error));
    session::Stream *second = registry.createStream(QStringLiteral("b"), {}, {}, {}, &error);
    QVERIFY(second);
    QVERIFY(!registry.createStream(QStringLiteral("c"), {}, {}, {}, &error));
    QVERIFY2(error.contains(QStringLiteral("--max-streams")), qPrintable(error));
    // An ended stream no longer counts.
    second->stop();
    QVERIFY2(registry.createStream(QStringLiteral("c"), {}, {}, {}, &error), qPrintable(error));
}

void TestStreamRegistry::streamWithoutMediaTimesOut()
{
    QTemporaryDir dir;
    session::StreamLimits limits;
    limits.mediaTimeoutMs = 200;
    session::StreamRegistry registry(storage::StreamStore(dir.path()), smallLadder(), limits);
    QString error;
    session::Stream *stream = registry.createStream(QStringLiteral("k"), {}, {}, {}, &error);
    QSignalSpy ended(stream, &session::Stream::ended);
    QVERIFY(ended.wait(5000));
    QCOMPARE(stream->state(), session::Stream::State::Ended);
    QVERIFY2(stream->lastError().contains(QStringLiteral("no media")), qPrintable(stream->lastError()));
}

void TestStreamRegistry::recordsAreEvictedAfterRetention()
{
    QTemporaryDir dir;
    session::StreamLimits limits;
    limits.recordRetentionMs = 300;
    session::StreamRegistry registry(storage::StreamStore(dir.path()), smallLadder(), limits);
    QString error;
    session::Stream *stream =
        registry.createStream(QStringLiteral("k"), QStringLiteral("owner1"), {}, {}, &error);
    QSignalSpy evicted(&registry, &session::StreamRegistry::streamEvicted);
    stream->stop();
    // The record answers until its retention is over.
    QCOMPARE(registry.find(QStringLiteral("k")), stream);
    QCOMPARE(registry.ownerOf(QStringLiteral("k")), QStringLiteral("owner1"));
    QVERIFY(evicted.wait(5000));
    QCOMPARE(evicted.first().first().toString(), QStringLiteral("k"));
    QVERIFY(!registry.find(QStringLiteral("k")));
    QVERIFY(registry.ownerOf(QStringLiteral("k")).isEmpty());
    QVERIFY(QFile::exists(dir.path() + QStringLiteral("/k/stream.json")));
}

void TestStreamRegistry::recordCapEvictsTheOldest()
{
    QTemporaryDir dir;
    session::StreamLimits limits;
    limits.maxRecords = 3;
    session::StreamRegistry registry(storage::StreamStore(dir.path()), smallLadder(), limits);
    QString error;
    QSignalSpy evicted(&registry, &session::StreamRegistry::streamEvicted);
    for (int index = 0; index < 6; ++index) {
        session::Stream *stream =
            registry.createStream(QStringLiteral("s%1").arg(index), {}, {}, {}, &error);
        QVERIFY2(stream, qPrintable(error));
        stream->stop();
        QTest::qWait(5); // distinct end times
    }
    QVERIFY(registry.streams().size() <= 3);
    QVERIFY(registry.find(QStringLiteral("s5")));
    QVERIFY(!registry.find(QStringLiteral("s0")));
    QCOMPARE(evicted.first().first().toString(), QStringLiteral("s0"));
}

void TestStreamRegistry::stopAllEndsEveryStream()
{
    QTemporaryDir dir;
    session::StreamRegistry registry(storage::StreamStore(dir.path()), smallLadder());
    QString error;
    session::Stream *live = registry.startStream(
        QStringLiteral("live"), {}, {}, std::make_unique<media::TestPatternSource>(320, 240, 30, true, 0),
        &error);
    QVERIFY2(live, qPrintable(error));
    QSignalSpy started(live, &session::Stream::started);
    QVERIFY(started.wait(20000));
    QVERIFY(registry.createStream(QStringLiteral("idle"), {}, {}, {}, &error));
    QSignalSpy allEnded(&registry, &session::StreamRegistry::allStreamsEnded);
    registry.stopAll();
    QVERIFY(allEnded.wait(10000) || allEnded.size() == 1);
    QVERIFY(registry.activeStreams().isEmpty());
    QVERIFY(!registry.createStream(QStringLiteral("late"), {}, {}, {}, &error));
    QFile playlist(dir.path() + QStringLiteral("/live/240p/index.m3u8"));
    QVERIFY(playlist.open(QIODevice::ReadOnly));
    QVERIFY(playlist.readAll().endsWith("#EXT-X-ENDLIST\n"));
}

QTEST_GUILESS_MAIN(TestStreamRegistry)
#include "tst_streamregistry.moc"
