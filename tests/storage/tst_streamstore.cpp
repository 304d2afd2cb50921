// Stream folders: resolving files, metadata round trips, and retention.
#include "StreamStore.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace afk::storage;

class TestStreamStore : public QObject
{
    Q_OBJECT
private slots:
    void resolvesOnlyInsideTheStream();
    void metadataRoundTrip();
    void retentionRemovesOnlyOldEndedStreams();
    void unwritableDataDirIsAnError();
};

void TestStreamStore::resolvesOnlyInsideTheStream()
{
    QTemporaryDir dir;
    StreamStore store(dir.path());
    QCOMPARE(store.streamDir(QStringLiteral("abc")), dir.path() + QStringLiteral("/abc"));
    QVERIFY(store.streamDir(QStringLiteral("..")).isEmpty());
    QCOMPARE(store.resolveFile(QStringLiteral("abc"), {QStringLiteral("720p"), QStringLiteral("segment_1.ts")}),
             dir.path() + QStringLiteral("/abc/720p/segment_1.ts"));
    QVERIFY(store.resolveFile(QStringLiteral("abc"), {QStringLiteral(".."), QStringLiteral("x")}).isEmpty());
    QVERIFY(store.resolveFile(QStringLiteral("abc"), {QStringLiteral("a/../../b")}).isEmpty());
    QVERIFY(store.resolveFile(QStringLiteral("abc"), {}).isEmpty());
    QVERIFY(store.resolveFile(QStringLiteral("a/b"), {QStringLiteral("x.ts")}).isEmpty());
}

void TestStreamStore::metadataRoundTrip()
{
    QTemporaryDir dir;
    StreamStore store(dir.path());
    StreamMetadata metadata;
    metadata.streamKey = QStringLiteral("k1");
    metadata.userId = QStringLiteral("ab12");
    metadata.title = QStringLiteral("Ünïcode \"title\"");
    metadata.renditionNames = {QStringLiteral("720p"), QStringLiteral("360p")};
    metadata.startedAtMs = 1764072000123;
    QString error;
    QVERIFY2(store.writeMetadata(metadata, &error), qPrintable(error));
    StreamMetadata read;
    QVERIFY(store.readMetadata(QStringLiteral("k1"), &read));
    QCOMPARE(read.userId, metadata.userId);
    QCOMPARE(read.title, metadata.title);
    QCOMPARE(read.renditionNames, metadata.renditionNames);
    QCOMPARE(read.startedAtMs, metadata.startedAtMs);
    QCOMPARE(read.endedAtMs, 0);
    QVERIFY(!store.readMetadata(QStringLiteral("missing"), &read));
    QVERIFY(!store.readMetadata(QStringLiteral("../k1"), &read));
}

void TestStreamStore::retentionRemovesOnlyOldEndedStreams()
{
    QTemporaryDir dir;
    StreamStore store(dir.path());
    const qint64 nowMs = 1764072000000;
    const qint64 hourMs = 3600 * 1000;
    const auto make = [&](const QString &key, qint64 endedAtMs) {
        StreamMetadata metadata;
        metadata.streamKey = key;
        metadata.startedAtMs = nowMs - 100 * hourMs;
        metadata.endedAtMs = endedAtMs;
        QString error;
        QVERIFY2(store.writeMetadata(metadata, &error), qPrintable(error));
    };
    make(QStringLiteral("old"), nowMs - 25 * hourMs);
    make(QStringLiteral("recent"), nowMs - 23 * hourMs);
    make(QStringLiteral("live"), 0);
    QDir(dir.path()).mkdir(QStringLiteral("foreign")); // no stream.json: not ours to delete

    QCOMPARE(store.removeExpired(0, nowMs), QStringList());
    QCOMPARE(store.removeExpired(24, nowMs), QStringList{QStringLiteral("old")});
    QVERIFY(!QDir(dir.path() + QStringLiteral("/old")).exists());
    QVERIFY(QDir(dir.path() + QStringLiteral("/recent")).exists());
    QVERIFY(QDir(dir.path() + QStringLiteral("/live")).exists());
    QVERIFY(QDir(dir.path() + QStringLiteral("/foreign")).exists());
}

void TestStreamStore::unwritableDataDirIsAnError()
{
    QTemporaryDir dir;
    QFile blocker(dir.path() + QStringLiteral("/file"));
    QVERIFY(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    StreamStore store(dir.path() + QStringLiteral("/file/streams"));
    QString error;
    QVERIFY(!store.prepare(&error));
    QVERIFY2(error.contains(QStringLiteral("cannot create data dir")), qPrintable(error));
    StreamStore good(dir.path() + QStringLiteral("/streams"));
    QVERIFY2(good.prepare(&error), qPrintable(error));
}

QTEST_APPLESS_MAIN(TestStreamStore)
#include "tst_streamstore.moc"
