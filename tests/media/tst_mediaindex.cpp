// MediaIndex: what packagers publish is found until its bound drops it; waiters for a path (the
// LL-HLS blocking-reload hook) are woken on their own thread once it is published, and not before.
#include "MediaIndex.h"

#include <QSignalSpy>
#include <QTest>
#include <QThread>
#include <atomic>

using afk::media::MediaEntry;
using afk::media::MediaIndex;

class TestMediaIndex : public QObject
{
    Q_OBJECT
private slots:
    void publishedBytesAreShared();
    void replacedPathsKeepOneVersion();
    void keptPartsIsPerFolder();
    void newestSegmentsPerFolderStay();
    void partsAreKeptApartFromSegments();
    void byteBoundDropsTheOldest();
    void removeFolderAndPaths();
    void entityTagFollowsTheBytes();
    void awaitWakesOnPublish();
    void awaitForANewerVersion();
    void awaitFromAnotherThread();
    void cancelledWaiterIsNotCalled();
    void directWaiterRunsOnThePublisher();
    void waitersAreBounded();
};

void TestMediaIndex::publishedBytesAreShared()
{
    MediaIndex index;
    const QByteArray bytes(1000, 'x');
    index.publish("/s/720p/segment_1.ts", bytes, MediaIndex::Retention::Segment);
    const std::optional<MediaEntry> entry = index.find("/s/720p/segment_1.ts");
    QVERIFY(entry);
    QCOMPARE(entry->bytes, bytes);
    QCOMPARE(entry->bytes.constData(), bytes.constData()); // the same buffer, not a copy
    QVERIFY(!index.find("/s/720p/segment_2.ts"));
}

void TestMediaIndex::replacedPathsKeepOneVersion()
{
    MediaIndex index;
    const quint64 first =
        index.publish("/s/720p/index.m3u8", "one", MediaIndex::Retention::Replaced);
    const quint64 second =
        index.publish("/s/720p/index.m3u8", "two", MediaIndex::Retention::Replaced);
    QVERIFY(second > first);
    QCOMPARE(index.find("/s/720p/index.m3u8")->bytes, QByteArray("two"));
    QCOMPARE(index.find("/s/720p/index.m3u8")->version, second);
    QCOMPARE(index.entryCount(), 1);
}

void TestMediaIndex::partsAreKeptApartFromSegments()
{
    // LL-HLS parts share their rendition's folder with its segments: neither pushes the other
    // out, and each keeps its own newest.
    MediaIndex index;
    const int parts = MediaIndex::keptPartsPerFolder + 2;
    index.publish("/s/ll/720p/seg_0.m4s", QByteArray(10, 's'), MediaIndex::Retention::Segment);
    for (int i = 0; i < parts; ++i)
        index.publish(QStringLiteral("/s/ll/720p/part_0_%1.m4s").arg(i), QByteArray(4, 'p'),
                      MediaIndex::Retention::Part);
    QVERIFY(index.find("/s/ll/720p/seg_0.m4s"));
    QVERIFY(!index.find("/s/ll/720p/part_0_0.m4s"));
    QVERIFY(!index.find("/s/ll/720p/part_0_1.m4s"));
    QVERIFY(index.find("/s/ll/720p/part_0_2.m4s"));
    QVERIFY(index.find(QStringLiteral("/s/ll/720p/part_0_%1.m4s").arg(parts - 1)));
    QCOMPARE(index.segmentBytes(), qint64(10 + MediaIndex::keptPartsPerFolder * 4));
    index.removeFolder("/s/ll/720p");
    QCOMPARE(index.entryCount(), 0);
    QCOMPARE(index.segmentBytes(), qint64(0));
}

void TestMediaIndex::keptPartsIsPerFolder()
{
    // A packager that lists 12 parts keeps 12 in memory; another folder keeps the default, and a
    // folder removed and made again starts from the default.
    MediaIndex index;
    index.setKeptParts("/s/ll/360p", 12);
    for (int i = 0; i < 50; ++i) {
        index.publish(QStringLiteral("/s/ll/360p/part_0_%1.m4s").arg(i), QByteArray(1, 'p'),
                      MediaIndex::Retention::Part);
        index.publish(QStringLiteral("/s/ll/720p/part_0_%1.m4s").arg(i), QByteArray(1, 'p'),
                      MediaIndex::Retention::Part);
    }
    QVERIFY(!index.find("/s/ll/360p/part_0_37.m4s"));
    QVERIFY(index.find("/s/ll/360p/part_0_38.m4s"));
    QVERIFY(index.find("/s/ll/720p/part_0_10.m4s"));
    QVERIFY(!index.find("/s/ll/720p/part_0_9.m4s"));
    QCOMPARE(index.segmentBytes(), qint64(12 + MediaIndex::keptPartsPerFolder));
    index.removeFolder("/s/ll/360p");
    for (int i = 0; i < 50; ++i)
        index.publish(QStringLiteral("/s/ll/360p/part_1_%1.m4s").arg(i), QByteArray(1, 'p'),
                      MediaIndex::Retention::Part);
    QVERIFY(index.find("/s/ll/360p/part_1_10.m4s"));
    QVERIFY(!index.find("/s/ll/360p/part_1_9.m4s"));
}

void TestMediaIndex::newestSegmentsPerFolderStay()
{
    MediaIndex index;
    const int total = MediaIndex::keptSegmentsPerFolder + 3;
    for (int i = 0; i < total; ++i) {
        index.publish(QStringLiteral("/s/720p/segment_%1.ts").arg(i), QByteArray(10, 'a'),
                      MediaIndex::Retention::Segment);
        index.publish(QStringLiteral("/s/360p/segment_%1.ts").arg(i), QByteArray(10, 'b'),
                      MediaIndex::Retention::Segment);
    }
    index.publish("/s/720p/index.m3u8", "playlist", MediaIndex::Retention::Replaced);
    for (int i = 0; i < total; ++i) {
        const bool isKept = i >= total - MediaIndex::keptSegmentsPerFolder;
        QCOMPARE(bool(index.find(QStringLiteral("/s/720p/segment_%1.ts").arg(i))), isKept);
        QCOMPARE(bool(index.find(QStringLiteral("/s/360p/segment_%1.ts").arg(i))), isKept);
    }
    QVERIFY(index.find("/s/720p/index.m3u8")); // playlists do not count against segments
    QCOMPARE(index.segmentBytes(), qint64(2 * MediaIndex::keptSegmentsPerFolder * 10));
}

void TestMediaIndex::byteBoundDropsTheOldest()
{
    MediaIndex index(250);
    index.publish("/a/segment_1.ts", QByteArray(100, 'a'), MediaIndex::Retention::Segment);
    index.publish("/b/segment_1.ts", QByteArray(100, 'b'), MediaIndex::Retention::Segment);
    index.publish("/a/segment_2.ts", QByteArray(100, 'c'), MediaIndex::Retention::Segment);
    QVERIFY(!index.find("/a/segment_1.ts"));
    QVERIFY(index.find("/b/segment_1.ts"));
    QVERIFY(index.find("/a/segment_2.ts"));
    QCOMPARE(index.segmentBytes(), qint64(200));
}

void TestMediaIndex::removeFolderAndPaths()
{
    MediaIndex index;
    index.publish("/s/720p/segment_1.ts", "a", MediaIndex::Retention::Segment);
    index.publish("/s/720p/index.m3u8", "b", MediaIndex::Retention::Replaced);
    index.publish("/s/stream.m3u8", "c", MediaIndex::Retention::Replaced);
    index.publish("/s/360p/segment_1.ts", "d", MediaIndex::Retention::Segment);
    index.removeFolder("/s/720p");
    QVERIFY(!index.find("/s/720p/segment_1.ts"));
    QVERIFY(!index.find("/s/720p/index.m3u8"));
    QVERIFY(index.find("/s/stream.m3u8"));
    QVERIFY(index.find("/s/360p/segment_1.ts"));
    index.removePaths({"/s/stream.m3u8"});
    QVERIFY(!index.find("/s/stream.m3u8"));
    QCOMPARE(index.segmentBytes(), qint64(1));
}

void TestMediaIndex::entityTagFollowsTheBytes()
{
    QCOMPARE(MediaIndex::entityTagOf("abc"), MediaIndex::entityTagOf(QByteArray("abc")));
    QVERIFY(MediaIndex::entityTagOf("abc") != MediaIndex::entityTagOf("abd"));
    const QByteArray tag = MediaIndex::entityTagOf("abc");
    QVERIFY(tag.startsWith('"') && tag.endsWith('"'));
    QVERIFY(!tag.contains(','));
}

void TestMediaIndex::awaitWakesOnPublish()
{
    MediaIndex index;
    QObject context;
    QList<QByteArray> woken;
    const quint64 ticket = index.await("/s/720p/part_3.1.mp4", 0, &context,
                                       [&](const MediaEntry &entry) { woken << entry.bytes; });
    QVERIFY(ticket != 0);
    QCOMPARE(index.waiterCount(), 1);
    index.publish("/s/720p/part_3.0.mp4", "other", MediaIndex::Retention::Segment);
    QCoreApplication::processEvents();
    QVERIFY(woken.isEmpty());
    index.publish("/s/720p/part_3.1.mp4", "part", MediaIndex::Retention::Segment);
    QVERIFY(woken.isEmpty()); // queued: never inside publish()
    QTRY_COMPARE(woken, QList<QByteArray>{"part"});
    QCOMPARE(index.waiterCount(), 0);

    // Already there: answered at once (still queued).
    index.await("/s/720p/part_3.1.mp4", 0, &context,
                [&](const MediaEntry &entry) { woken << entry.bytes; });
    QCOMPARE(woken.size(), 1);
    QTRY_COMPARE(woken.size(), 2);
}

void TestMediaIndex::awaitForANewerVersion()
{
    MediaIndex index;
    QObject context;
    const quint64 version = index.publish("/s/720p/ll.m3u8", "v1", MediaIndex::Retention::Replaced);
    QList<QByteArray> woken;
    index.await("/s/720p/ll.m3u8", version, &context,
                [&](const MediaEntry &entry) { woken << entry.bytes; });
    QCoreApplication::processEvents();
    QVERIFY(woken.isEmpty()); // the version it has is not newer
    index.publish("/s/720p/ll.m3u8", "v2", MediaIndex::Retention::Replaced);
    QTRY_COMPARE(woken, QList<QByteArray>{"v2"});
}

void TestMediaIndex::awaitFromAnotherThread()
{
    MediaIndex index;
    QObject context;
    Qt::HANDLE wokenOn = nullptr;
    index.await("/s/a.ts", 0, &context,
                [&](const MediaEntry &) { wokenOn = QThread::currentThreadId(); });
    std::unique_ptr<QThread> publisher(
        QThread::create([&] { index.publish("/s/a.ts", "x", MediaIndex::Retention::Segment); }));
    publisher->start();
    QVERIFY(publisher->wait(10000));
    QTRY_VERIFY(wokenOn != nullptr);
    QCOMPARE(wokenOn, QThread::currentThreadId()); // the context's thread, not the publisher's
}

void TestMediaIndex::cancelledWaiterIsNotCalled()
{
    MediaIndex index;
    QObject context;
    bool isCalled = false;
    const quint64 ticket =
        index.await("/s/a.ts", 0, &context, [&](const MediaEntry &) { isCalled = true; });
    index.cancel(ticket);
    QCOMPARE(index.waiterCount(), 0);
    index.publish("/s/a.ts", "x", MediaIndex::Retention::Segment);
    QCoreApplication::processEvents();
    QVERIFY(!isCalled);
    index.cancel(ticket); // twice, or an unknown ticket: nothing happens
    index.cancel(12345);
}

void TestMediaIndex::directWaiterRunsOnThePublisher()
{
    MediaIndex index;
    std::atomic<Qt::HANDLE> wokenOn = nullptr;
    QByteArray woken;
    QVERIFY(index.awaitDirect("/s/b.ts", 0, [&](const MediaEntry &entry) {
        woken = entry.bytes;
        wokenOn = QThread::currentThreadId();
    }) != 0);
    Qt::HANDLE publisherId = nullptr;
    std::unique_ptr<QThread> publisher(QThread::create([&] {
        publisherId = QThread::currentThreadId();
        index.publish("/s/b.ts", "y", MediaIndex::Retention::Segment);
    }));
    publisher->start();
    QVERIFY(publisher->wait(10000));
    QCOMPARE(woken, QByteArray("y")); // no event loop needed: done when publish() returned
    QCOMPARE(wokenOn.load(), publisherId);
    QCOMPARE(index.waiterCount(), 0);
}

void TestMediaIndex::waitersAreBounded()
{
    MediaIndex index;
    QObject context;
    for (int i = 0; i < MediaIndex::maxWaiters; ++i)
        QVERIFY(index.await(QStringLiteral("/s/%1.ts").arg(i % 10), 0, &context,
                            [](const MediaEntry &) {}) != 0);
    QCOMPARE(index.await("/s/x.ts", 0, &context, [](const MediaEntry &) {}), quint64(0));
    index.publish("/s/0.ts", "x", MediaIndex::Retention::Segment); // wakes a tenth of them
    QCOMPARE(index.waiterCount(), MediaIndex::maxWaiters - MediaIndex::maxWaiters / 10);
    QVERIFY(index.await("/s/x.ts", 0, &context, [](const MediaEntry &) {}) != 0);
}

QTEST_GUILESS_MAIN(TestMediaIndex)
#include "tst_mediaindex.moc"
