// Stream lifecycle through the registry: create, refuse duplicates, encode, end, replace.
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
};

void TestStreamRegistry::createRefusesInvalidAndDuplicateKeys()
{
    QTemporaryDir dir;
    session::StreamRegistry registry(storage::StreamStore(dir.path()), smallLadder());
    QString error;
    QVERIFY(!registry.createStream(QStringLiteral("../x"), {}, {}, &error));
    QVERIFY(error.contains(QStringLiteral("invalid stream key")));
    session::Stream *stream = registry.createStream(QStringLiteral("k"), QStringLiteral("ab"), {}, &error);
    QVERIFY(stream);
    QCOMPARE(stream->state(), session::Stream::State::WaitingForMedia);
    QVERIFY(QFile::exists(dir.path() + QStringLiteral("/k/stream.json")));
    QVERIFY(!registry.createStream(QStringLiteral("k"), {}, {}, &error));
    QVERIFY(error.contains(QStringLiteral("already active")));
    QCOMPARE(registry.find(QStringLiteral("k")), stream);
    QCOMPARE(registry.activeStreams().size(), 1);
}

void TestStreamRegistry::streamWithoutMediaEndsAtOnce()
{
    QTemporaryDir dir;
    session::StreamRegistry registry(storage::StreamStore(dir.path()), smallLadder());
    QString error;
    session::Stream *stream = registry.createStream(QStringLiteral("k"), {}, {}, &error);
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

    // A new stream under the same key keeps the earlier run's files: its segments number on.
    session::Stream *again = registry.createStream(QStringLiteral("k"), {}, {}, &error);
    QVERIFY2(again, qPrintable(error));
    QVERIFY(again != stream);
    QVERIFY(QFile::exists(dir.path() + QStringLiteral("/k/240p/segment_1.ts")));
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
    QVERIFY(registry.createStream(QStringLiteral("idle"), {}, {}, &error));
    QSignalSpy allEnded(&registry, &session::StreamRegistry::allStreamsEnded);
    registry.stopAll();
    QVERIFY(allEnded.wait(10000) || allEnded.size() == 1);
    QVERIFY(registry.activeStreams().isEmpty());
    QVERIFY(!registry.createStream(QStringLiteral("late"), {}, {}, &error));
    QFile playlist(dir.path() + QStringLiteral("/live/240p/index.m3u8"));
    QVERIFY(playlist.open(QIODevice::ReadOnly));
    QVERIFY(playlist.readAll().endsWith("#EXT-X-ENDLIST\n"));
}

QTEST_GUILESS_MAIN(TestStreamRegistry)
#include "tst_streamregistry.moc"
