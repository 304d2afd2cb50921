// MediaFileCache: files are read once and shared until they change on disk; links, FIFOs and
// oversized files are refused; the bytes kept stay within the bound.
#include "MediaFileCache.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QSaveFile>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>
#include <unistd.h>

using afk::server::CachedFile;
using afk::server::MediaFileCache;

namespace
{
bool writeFile(const QString &path, const QByteArray &data)
{
    QSaveFile file(path); // replaced atomically, as the packager does
    return file.open(QIODevice::WriteOnly) && file.write(data) == data.size() && file.commit();
}
} // namespace

class TestMediaFileCache : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void readOnceThenShared();
    void replacedFileIsReread();
    void appendedPlaylistIsCutAtTheLastLine();
    void missingFile();
    void linksAndFifosAreRefused();
    void oversizedFileIsRefused();
    void boundedBytes();
    void largeSegmentKeepsItsDescriptor();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString path(const QString &name) const { return m_dir->filePath(name); }
};

void TestMediaFileCache::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestMediaFileCache::readOnceThenShared()
{
    MediaFileCache cache;
    QVERIFY(writeFile(path("segment_1.ts"), QByteArray(5000, 'a')));
    const CachedFile first = cache.read(path("segment_1.ts"), false);
    QCOMPARE(first.outcome, CachedFile::Outcome::Found);
    QCOMPARE(first.bytes, QByteArray(5000, 'a'));
    QVERIFY(first.etag.startsWith('"'));
    const CachedFile second = cache.read(path("segment_1.ts"), false);
    QCOMPARE(second.bytes.constData(), first.bytes.constData()); // from memory, not reread
    QCOMPARE(second.etag, first.etag);
    QCOMPARE(cache.cachedBytes(), qint64(5000));
}

void TestMediaFileCache::replacedFileIsReread()
{
    MediaFileCache cache;
    QVERIFY(writeFile(path("index.m3u8"), "#EXTM3U\n#one\n"));
    const CachedFile before = cache.read(path("index.m3u8"), true);
    QVERIFY(writeFile(path("index.m3u8"), "#EXTM3U\n#two\n")); // same size, new inode
    const CachedFile after = cache.read(path("index.m3u8"), true);
    QCOMPARE(after.bytes, QByteArray("#EXTM3U\n#two\n"));
    QVERIFY(after.etag != before.etag);
}

void TestMediaFileCache::appendedPlaylistIsCutAtTheLastLine()
{
    MediaFileCache cache;
    QFile file(path("recording.m3u8"));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("#EXTM3U\n#EXTINF:2.0,\nsegment_0.ts\n#EXTINF:2.0,\nsegm");
    file.flush();
    QCOMPARE(cache.read(path("recording.m3u8"), true).bytes,
             QByteArray("#EXTM3U\n#EXTINF:2.0,\nsegment_0.ts\n#EXTINF:2.0,\n"));
    file.write("ent_1.ts\n");
    file.flush();
    QCOMPARE(cache.read(path("recording.m3u8"), true).bytes,
             QByteArray("#EXTM3U\n#EXTINF:2.0,\nsegment_0.ts\n#EXTINF:2.0,\nsegment_1.ts\n"));
}

void TestMediaFileCache::missingFile()
{
    MediaFileCache cache;
    QCOMPARE(cache.read(path("segment_9.ts"), false).outcome, CachedFile::Outcome::NotFound);
    QVERIFY(QDir().mkpath(path("folder.ts")));
    QCOMPARE(cache.read(path("folder.ts"), false).outcome, CachedFile::Outcome::NotFound);
}

void TestMediaFileCache::linksAndFifosAreRefused()
{
    MediaFileCache cache;
    QVERIFY(writeFile(path("secret.txt"), "secret"));
    QVERIFY(QFile::link(path("secret.txt"), path("segment_2.ts")));
    const CachedFile linked = cache.read(path("segment_2.ts"), false);
    QCOMPARE(linked.outcome, CachedFile::Outcome::NotFound);
    QVERIFY(linked.bytes.isEmpty());
    // A FIFO would block an open() for reading until a writer came: refused without opening.
    QCOMPARE(::mkfifo(QFile::encodeName(path("segment_3.ts")).constData(), 0600), 0);
    QCOMPARE(cache.read(path("segment_3.ts"), false).outcome, CachedFile::Outcome::NotFound);
}

void TestMediaFileCache::oversizedFileIsRefused()
{
    MediaFileCache cache;
    {
        QFile file(path("segment_4.ts"));
        QVERIFY(file.open(QIODevice::WriteOnly));
        QVERIFY(file.resize(MediaFileCache::maxFileBytes + 1)); // sparse
    }
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("^\\[http\\] refusing")));
    const CachedFile result = cache.read(path("segment_4.ts"), false);
    QCOMPARE(result.outcome, CachedFile::Outcome::TooLarge);
    QVERIFY(result.bytes.isEmpty());
    QCOMPARE(cache.cachedBytes(), qint64(0));
}

void TestMediaFileCache::boundedBytes()
{
    MediaFileCache cache(400); // files up to a quarter of it are kept
    for (int i = 0; i < 10; ++i)
        QVERIFY(writeFile(path(QStringLiteral("segment_%1.ts").arg(i)), QByteArray(90, 'a' + i)));
    for (int i = 0; i < 10; ++i) {
        const CachedFile file = cache.read(path(QStringLiteral("segment_%1.ts").arg(i)), false);
        QCOMPARE(file.bytes, QByteArray(90, 'a' + i));
        QVERIFY(cache.cachedBytes() <= 400);
    }
    QCOMPARE(cache.cachedBytes(), qint64(4 * 90));
    // Larger than a quarter: served, not kept.
    QVERIFY(writeFile(path("big.ts"), QByteArray(101, 'z')));
    QCOMPARE(cache.read(path("big.ts"), false).bytes.size(), 101);
    QCOMPARE(cache.cachedBytes(), qint64(4 * 90));
}

void TestMediaFileCache::largeSegmentKeepsItsDescriptor()
{
    // What the serving threads sendfile() from is the inode that was read: its bytes stay the
    // cached ones after the file is replaced. Small files and playlists keep no descriptor.
    MediaFileCache cache;
    const QByteArray first(MediaFileCache::minSendfileBytes, 'a');
    QVERIFY(writeFile(path("segment_1.ts"), first));
    const CachedFile read = cache.read(path("segment_1.ts"), false);
    QVERIFY(read.file);
    QCOMPARE(cache.read(path("segment_1.ts"), false).file, read.file); // shared, not reopened
    QVERIFY(writeFile(path("segment_1.ts"), QByteArray(first.size(), 'b'))); // a new inode
    QByteArray sent(first.size(), '\0');
    QCOMPARE(::pread(read.file->descriptor(), sent.data(), size_t(sent.size()), 0),
             ssize_t(sent.size()));
    QCOMPARE(sent, first);

    QVERIFY(writeFile(path("segment_2.ts"), QByteArray(MediaFileCache::minSendfileBytes - 1, 'c')));
    QVERIFY(!cache.read(path("segment_2.ts"), false).file);
    QVERIFY(writeFile(path("index.m3u8"), "#EXTM3U\n" + QByteArray(MediaFileCache::minSendfileBytes, '#') + '\n'));
    QVERIFY(!cache.read(path("index.m3u8"), true).file);
}

QTEST_GUILESS_MAIN(TestMediaFileCache)
#include "tst_mediafilecache.moc"
