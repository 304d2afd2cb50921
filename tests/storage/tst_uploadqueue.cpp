// The upload queue with a scripted target: order (a playlist only after what it names), nothing
// stored twice, the journal across restarts, retries, and the pause after a fatal error.
#include "StreamStore.h"
#include "UploadQueue.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace afk::storage;

namespace {

// Answers every put on the next turn of the event loop with the next scripted outcome (Done once
// the script is used up) and records what was put, in order.
class ScriptedTarget : public UploadTarget
{
public:
    QList<UploadResult::Outcome> script;
    QStringList putKeys;               // every attempt
    QStringList storedKeys;            // the ones answered Done
    QHash<QString, UploadObject> stored;

    QString name() const override { return QStringLiteral("fake"); }
    QString publicUrl(const QString &objectKey) const override
    {
        return QStringLiteral("https://cdn.example/") + objectKey;
    }
    void put(const UploadObject &object, DoneCallback done) override
    {
        putKeys << object.key;
        const UploadResult::Outcome outcome =
            script.isEmpty() ? UploadResult::Outcome::Done : script.takeFirst();
        QTimer::singleShot(0, this, [this, object, outcome, done] {
            if (outcome == UploadResult::Outcome::Done) {
                storedKeys << object.key;
                stored.insert(object.key, object);
            }
            done(UploadResult{outcome,
                              outcome == UploadResult::Outcome::Done
                                  ? QString()
                                  : QStringLiteral("PUT %1: HTTP 503").arg(object.key),
                              outcome == UploadResult::Outcome::Done ? 200 : 503});
        });
    }
    QStringList removedKeys;
    void remove(const QString &objectKey, DoneCallback done) override
    {
        removedKeys << objectKey;
        QTimer::singleShot(0, this, [done] {
            done(UploadResult{UploadResult::Outcome::Done, {}, 204});
        });
    }
};

void writeFile(const QString &path, const QByteArray &content)
{
    QDir().mkpath(QFileInfo(path).path());
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(content);
}

QByteArray mediaPlaylist(int segments, bool isEnded)
{
    QByteArray text = "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:2\n";
    for (int index = 0; index < segments; ++index)
        text += "#EXTINF:2.000,\nsegment_" + QByteArray::number(index) + ".ts\n";
    if (isEnded)
        text += "#EXT-X-ENDLIST\n";
    return text;
}

// A finished stream "k" with two renditions and two segments each, like the packager leaves it.
void writeStream(const QString &dataDir, int segments = 2, bool isEnded = true)
{
    StreamStore store(dataDir);
    StreamMetadata metadata;
    metadata.streamKey = QStringLiteral("k");
    metadata.renditionNames = {QStringLiteral("720p"), QStringLiteral("360p")};
    QString error;
    QVERIFY(store.writeMetadata(metadata, &error));
    const QString dir = dataDir + QStringLiteral("/k/");
    for (const QString &rendition : metadata.renditionNames) {
        for (int index = 0; index < segments; ++index)
            writeFile(dir + rendition + QStringLiteral("/segment_%1.ts").arg(index),
                      rendition.toUtf8() + " bytes of segment " + QByteArray::number(index));
        writeFile(dir + rendition + QStringLiteral("/index.m3u8"),
                  mediaPlaylist(segments, isEnded));
        writeFile(dir + rendition + QStringLiteral("/recording.m3u8"),
                  mediaPlaylist(segments, isEnded));
    }
    writeFile(dir + QStringLiteral("stream.m3u8"), mediaPlaylist(segments, isEnded));
    writeFile(dir + QStringLiteral("master.m3u8"),
              "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n720p/index.m3u8\n"
              "#EXT-X-STREAM-INF:BANDWIDTH=1\n360p/index.m3u8\n");
    writeFile(dir + QStringLiteral("recording.m3u8"),
              "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n720p/recording.m3u8\n"
              "#EXT-X-STREAM-INF:BANDWIDTH=1\n360p/recording.m3u8\n");
}

QStringList renditions()
{
    return {QStringLiteral("720p"), QStringLiteral("360p")};
}

QStringList expectedKeys(int segments = 2)
{
    QStringList keys{QStringLiteral("stream.m3u8"), QStringLiteral("master.m3u8"),
                     QStringLiteral("recording.m3u8")};
    for (int index = 0; index < segments; ++index)
        keys << QStringLiteral("segment_%1.ts").arg(index);
    for (const QString &rendition : {QStringLiteral("720p"), QStringLiteral("360p")}) {
        keys << rendition + QStringLiteral("/index.m3u8")
             << rendition + QStringLiteral("/recording.m3u8");
        for (int index = 0; index < segments; ++index)
            keys << rendition + QStringLiteral("/segment_%1.ts").arg(index);
    }
    for (QString &key : keys)
        key.prepend(QStringLiteral("livestream/k/"));
    keys.sort();
    return keys;
}

struct Harness {
    ScriptedTarget *target = nullptr;
    std::unique_ptr<UploadQueue> queue;

    explicit Harness(const QString &dataDir, int concurrency = 4, int retainHours = 0)
    {
        auto owned = std::make_unique<ScriptedTarget>();
        target = owned.get();
        UploadQueueOptions options;
        options.concurrency = concurrency;
        options.retainHours = retainHours;
        queue = std::make_unique<UploadQueue>(dataDir, std::move(owned), options);
    }
};

} // namespace

class TestUploadQueue : public QObject
{
    Q_OBJECT
private slots:
    void playlistsFollowWhatTheyName();
    void journalResumesWithoutSendingTwice();
    void transientFailuresAreRetried();
    void fatalErrorPausesTheTarget();
    void liveRecordingPlaylistsAreThrottled();
    void retentionRemovesWhatWasStored();
    void objectTypes();
};

void TestUploadQueue::playlistsFollowWhatTheyName()
{
    QTemporaryDir dir;
    writeStream(dir.path());
    Harness harness(dir.path());
    QSignalSpy drained(harness.queue.get(), &UploadQueue::streamDrained);
    harness.queue->streamUpdated(QStringLiteral("k"), renditions(), true);
    QVERIFY(drained.wait(10000));

    QStringList stored = harness.target->storedKeys;
    QCOMPARE(stored.size(), expectedKeys().size()); // each once
    stored.sort();
    QCOMPARE(stored, expectedKeys());
    // Every URI a stored playlist names was stored before it.
    const QStringList order = harness.target->storedKeys;
    const auto before = [&](const QString &earlier, const QString &later) {
        return order.indexOf(QStringLiteral("livestream/k/") + earlier)
               < order.indexOf(QStringLiteral("livestream/k/") + later);
    };
    QVERIFY(before(QStringLiteral("720p/segment_1.ts"), QStringLiteral("720p/index.m3u8")));
    QVERIFY(before(QStringLiteral("segment_1.ts"), QStringLiteral("stream.m3u8")));
    QVERIFY(before(QStringLiteral("720p/index.m3u8"), QStringLiteral("master.m3u8")));
    QVERIFY(before(QStringLiteral("360p/index.m3u8"), QStringLiteral("master.m3u8")));
    QVERIFY(before(QStringLiteral("360p/recording.m3u8"), QStringLiteral("recording.m3u8")));
    // segment_N.ts beside stream.m3u8 is the top rendition's.
    QCOMPARE(harness.target->stored.value(QStringLiteral("livestream/k/segment_1.ts")).bytes,
             QByteArray("720p bytes of segment 1"));
    QCOMPARE(harness.queue->backlog(), 0);
    QCOMPARE(harness.queue->publicPlaybackUrl(QStringLiteral("k")),
             QStringLiteral("https://cdn.example/livestream/k/master.m3u8"));

    // Nothing changed: nothing is sent again.
    harness.queue->streamUpdated(QStringLiteral("k"), renditions(), true);
    QTRY_COMPARE(harness.queue->backlog(), 0);
    QCOMPARE(harness.target->putKeys.size(), expectedKeys().size());
}

void TestUploadQueue::journalResumesWithoutSendingTwice()
{
    QTemporaryDir dir;
    writeStream(dir.path(), 1, false);
    {
        Harness live(dir.path());
        live.queue->streamUpdated(QStringLiteral("k"), renditions(), false);
        QTRY_COMPARE(live.target->storedKeys.size(), expectedKeys(1).size());
        QTRY_COMPARE(live.queue->backlog(), 0);
    } // the studio stops (or dies) while the stream is live
    writeStream(dir.path(), 3, true); // the packager went on and ended the playlists

    Harness restarted(dir.path());
    QSignalSpy drained(restarted.queue.get(), &UploadQueue::streamDrained);
    restarted.queue->resume();
    QVERIFY(drained.wait(10000));
    QStringList stored = restarted.target->storedKeys;
    stored.sort();
    // Only the new segments, and the playlists whose content changed (the master did not).
    QStringList expected;
    for (const QString &key : expectedKeys(3)) {
        if (!key.endsWith(QStringLiteral("segment_0.ts"))
            && !key.endsWith(QStringLiteral("/master.m3u8"))
            && !key.endsWith(QStringLiteral("k/recording.m3u8")))
            expected << key;
    }
    QCOMPARE(stored, expected);
    QVERIFY(restarted.target->stored.value(QStringLiteral("livestream/k/720p/index.m3u8"))
                .bytes.endsWith("#EXT-X-ENDLIST\n"));

    // Finished: a third start owes nothing.
    Harness third(dir.path());
    third.queue->resume();
    QTest::qWait(200);
    QCOMPARE(third.target->putKeys.size(), 0);
}

void TestUploadQueue::transientFailuresAreRetried()
{
    QTemporaryDir dir;
    writeStream(dir.path());
    Harness harness(dir.path(), 1);
    harness.target->script = {UploadResult::Outcome::Retry, UploadResult::Outcome::Retry};
    QSignalSpy drained(harness.queue.get(), &UploadQueue::streamDrained);
    QSignalSpy messages(harness.queue.get(), &UploadQueue::message);
    harness.queue->streamUpdated(QStringLiteral("k"), renditions(), true);
    QVERIFY(drained.wait(20000));
    QStringList stored = harness.target->storedKeys;
    stored.sort();
    QCOMPARE(stored, expectedKeys());
    QCOMPARE(harness.target->putKeys.size(), expectedKeys().size() + 2);
    const QJsonObject status = harness.queue->status(QStringLiteral("k"));
    QVERIFY(status.value(QStringLiteral("lastError")).toString().contains(QStringLiteral("503")));
    QVERIFY(!status.value(QStringLiteral("lastSuccessAt")).isNull());
    QCOMPARE(status.value(QStringLiteral("backlog")).toInt(), 0);
    // The error was logged, and so was the recovery.
    QVERIFY(messages.size() >= 2);
    QVERIFY(messages.constLast().at(0).toString().contains(QStringLiteral("work again")));
}

void TestUploadQueue::fatalErrorPausesTheTarget()
{
    QTemporaryDir dir;
    writeStream(dir.path());
    Harness harness(dir.path());
    for (int index = 0; index < 100; ++index)
        harness.target->script << UploadResult::Outcome::Fatal;
    harness.queue->streamUpdated(QStringLiteral("k"), renditions(), true);
    const auto lastError = [&] {
        return harness.queue->status(QStringLiteral("k")).value(QStringLiteral("lastError"));
    };
    QTRY_VERIFY(!lastError().isNull());
    const qsizetype attemptsAtFirstError = harness.target->putKeys.size();
    // The first backoff is at least 250 ms, and then one object at a time probes: no hot loop.
    QTest::qWait(200);
    QVERIFY(harness.target->putKeys.size() <= attemptsAtFirstError + 1);
    const QJsonObject status = harness.queue->status(QStringLiteral("k"));
    QVERIFY(status.value(QStringLiteral("backlog")).toInt() > 0);
    QVERIFY(harness.target->storedKeys.isEmpty());
}

void TestUploadQueue::liveRecordingPlaylistsAreThrottled()
{
    QTemporaryDir dir;
    writeStream(dir.path(), 1, false);
    Harness harness(dir.path());
    harness.queue->streamUpdated(QStringLiteral("k"), renditions(), false);
    QTRY_COMPARE(harness.target->storedKeys.size(), expectedKeys(1).size());
    QTRY_COMPARE(harness.queue->backlog(), 0);
    const auto count = [&](const QString &path) {
        return harness.target->storedKeys.count(QStringLiteral("livestream/k/") + path);
    };
    writeStream(dir.path(), 2, false);
    harness.queue->streamUpdated(QStringLiteral("k"), renditions(), false);
    QTRY_COMPARE(count(QStringLiteral("720p/index.m3u8")), 2);
    QTRY_COMPARE(harness.queue->backlog(), 0);
    QCOMPARE(count(QStringLiteral("720p/recording.m3u8")), 1); // the next one within 30 s waits

    writeStream(dir.path(), 2, true);
    QSignalSpy drained(harness.queue.get(), &UploadQueue::streamDrained);
    harness.queue->streamUpdated(QStringLiteral("k"), renditions(), true);
    QVERIFY(drained.wait(10000));
    QCOMPARE(count(QStringLiteral("720p/recording.m3u8")), 2); // the final version always
    QVERIFY(harness.target->stored.value(QStringLiteral("livestream/k/720p/recording.m3u8"))
                .bytes.endsWith("#EXT-X-ENDLIST\n"));
}

void TestUploadQueue::retentionRemovesWhatWasStored()
{
    QTemporaryDir dir;
    writeStream(dir.path());
    Harness harness(dir.path(), 4, 1);
    QSignalSpy drained(harness.queue.get(), &UploadQueue::streamDrained);
    harness.queue->streamUpdated(QStringLiteral("k"), renditions(), true);
    QVERIFY(drained.wait(10000));
    const QString journal = dir.path() + QStringLiteral("/.uploads/fake/k.journal");
    QTRY_VERIFY(QFile::exists(journal));

    // Not yet an hour after the end: kept.
    harness.queue->removeExpired(QDateTime::currentMSecsSinceEpoch());
    QTest::qWait(200);
    QVERIFY(harness.target->removedKeys.isEmpty());

    harness.queue->removeExpired(QDateTime::currentMSecsSinceEpoch() + 2 * 3600 * 1000);
    QTRY_COMPARE(harness.target->removedKeys.size(), expectedKeys().size());
    QStringList removed = harness.target->removedKeys;
    removed.sort();
    QCOMPARE(removed, expectedKeys());
    QTRY_VERIFY(!QFile::exists(journal));
}

void TestUploadQueue::objectTypes()
{
    QCOMPARE(UploadQueue::contentTypeOf(QStringLiteral("720p/index.m3u8")),
             QByteArray("application/vnd.apple.mpegurl"));
    QCOMPARE(UploadQueue::contentTypeOf(QStringLiteral("segment_3.ts")), QByteArray("video/mp2t"));
    QVERIFY(UploadQueue::cacheControlOf(QStringLiteral("segment_3.ts")).contains("immutable"));
    QCOMPARE(UploadQueue::cacheControlOf(QStringLiteral("stream.m3u8")), QByteArray("no-cache"));
    QCOMPARE(UploadQueue::objectKey(QStringLiteral("k"), QStringLiteral("720p/segment_1.ts")),
             QStringLiteral("livestream/k/720p/segment_1.ts"));
}

QTEST_GUILESS_MAIN(TestUploadQueue)
#include "tst_uploadqueue.moc"
