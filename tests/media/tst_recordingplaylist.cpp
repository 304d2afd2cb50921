// The recording playlist on disk: appended to (never rewritten per segment), ended, continued by
// a later run after a discontinuity, repaired after a crash.
#include "RecordingPlaylist.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <sys/stat.h>

using namespace afk::media;

namespace {

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeAll(const QString &path, const QByteArray &data)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(data) == data.size();
}

ino_t inodeOf(const QString &path)
{
    struct stat info {};
    return ::stat(QFile::encodeName(path).constData(), &info) == 0 ? info.st_ino : 0;
}

PlaylistSegment segment(qint64 sequence, double seconds = 2)
{
    return {sequence, QStringLiteral("segment_%1.ts").arg(sequence), seconds,
            1764072000000 + sequence * 2000, false};
}

const QByteArray header = "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:2\n"
                          "#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:EVENT\n"
                          "#EXT-X-INDEPENDENT-SEGMENTS\n";

} // namespace

class TestRecordingPlaylist : public QObject
{
    Q_OBJECT
private slots:
    void newRecordingIsAnEmptyEventPlaylist();
    void segmentsAreAppendedInPlace();
    void endAddsEndList();
    void laterRunContinuesAfterDiscontinuity();
    void newRecordingStartsAtFirstSequence();
    void longerSegmentRaisesTargetDuration();
    void laterRunWithLongerSegmentsRaisesTargetDuration();
    void crashCutLineIsDropped();
    void foreignFileIsReplaced();
};

void TestRecordingPlaylist::newRecordingIsAnEmptyEventPlaylist()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("recording.m3u8"));
    RecordingPlaylist recording(path);
    QString error;
    QVERIFY2(recording.open(2, 0, &error), qPrintable(error));
    QCOMPARE(readAll(path), header);
}

void TestRecordingPlaylist::segmentsAreAppendedInPlace()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("recording.m3u8"));
    RecordingPlaylist recording(path);
    QString error;
    QVERIFY2(recording.open(2, 0, &error), qPrintable(error));
    const ino_t inode = inodeOf(path);
    QByteArray expected = header;
    for (int sequence = 0; sequence < 50; ++sequence) {
        QVERIFY2(recording.append(segment(sequence), &error), qPrintable(error));
        expected += mediaSegmentText(segment(sequence));
        QCOMPARE(readAll(path), expected); // valid after every segment: no ENDLIST yet
    }
    // The same file all along: appended to, not replaced by a rewritten copy.
    QCOMPARE(inodeOf(path), inode);
}

void TestRecordingPlaylist::endAddsEndList()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("recording.m3u8"));
    RecordingPlaylist recording(path);
    QString error;
    QVERIFY2(recording.open(2, 0, &error), qPrintable(error));
    QVERIFY2(recording.append(segment(0), &error), qPrintable(error));
    QVERIFY2(recording.end(&error), qPrintable(error));
    QVERIFY(!recording.isOpen());
    QCOMPARE(readAll(path), header + mediaSegmentText(segment(0)) + "#EXT-X-ENDLIST\n");
}

void TestRecordingPlaylist::laterRunContinuesAfterDiscontinuity()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("recording.m3u8"));
    QString error;
    {
        RecordingPlaylist first(path);
        QVERIFY2(first.open(2, 0, &error), qPrintable(error));
        QVERIFY(first.append(segment(0), &error) && first.append(segment(1), &error));
        QVERIFY2(first.end(&error), qPrintable(error));
    }
    RecordingPlaylist second(path);
    QVERIFY2(second.open(2, 2, &error), qPrintable(error));
    // Open again: the ENDLIST is gone, the first run's segments stay.
    const QByteArray firstRun =
        header + mediaSegmentText(segment(0)) + mediaSegmentText(segment(1));
    QCOMPARE(readAll(path), firstRun);
    QVERIFY(second.append(segment(2), &error) && second.append(segment(3), &error));
    QVERIFY2(second.end(&error), qPrintable(error));
    QCOMPARE(readAll(path), firstRun + "#EXT-X-DISCONTINUITY\n" + mediaSegmentText(segment(2))
                                + mediaSegmentText(segment(3)) + "#EXT-X-ENDLIST\n");
}

void TestRecordingPlaylist::newRecordingStartsAtFirstSequence()
{
    // A rendition that an earlier run of the key did not have: its recording starts here.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("recording.m3u8"));
    RecordingPlaylist recording(path);
    QString error;
    QVERIFY2(recording.open(2, 7, &error), qPrintable(error));
    QVERIFY2(recording.append(segment(7), &error), qPrintable(error));
    const QByteArray text = readAll(path);
    QVERIFY(text.contains("#EXT-X-MEDIA-SEQUENCE:7\n"));
    QVERIFY(!text.contains("#EXT-X-DISCONTINUITY"));
}

void TestRecordingPlaylist::longerSegmentRaisesTargetDuration()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("recording.m3u8"));
    RecordingPlaylist recording(path);
    QString error;
    QVERIFY2(recording.open(2, 0, &error), qPrintable(error));
    QVERIFY(recording.append(segment(0), &error));
    QVERIFY2(recording.append(segment(1, 3.6), &error), qPrintable(error));
    QVERIFY2(recording.append(segment(2), &error), qPrintable(error));
    QString expected = QString::fromLatin1(header + mediaSegmentText(segment(0))
                                           + mediaSegmentText(segment(1, 3.6))
                                           + mediaSegmentText(segment(2)));
    expected.replace(QStringLiteral("TARGETDURATION:2"), QStringLiteral("TARGETDURATION:4"));
    QCOMPARE(QString::fromLatin1(readAll(path)), expected);
}

void TestRecordingPlaylist::laterRunWithLongerSegmentsRaisesTargetDuration()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("recording.m3u8"));
    QString error;
    {
        RecordingPlaylist first(path);
        QVERIFY(first.open(2, 0, &error) && first.append(segment(0), &error) && first.end(&error));
    }
    RecordingPlaylist second(path);
    QVERIFY2(second.open(6, 1, &error), qPrintable(error));
    QVERIFY2(second.append(segment(1, 6), &error), qPrintable(error));
    const QByteArray text = readAll(path);
    QVERIFY(text.startsWith("#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:6\n"
                            "#EXT-X-MEDIA-SEQUENCE:0\n"));
    QVERIFY(text.endsWith(mediaSegmentText(segment(0)) + "#EXT-X-DISCONTINUITY\n"
                          + mediaSegmentText(segment(1, 6))));
    // A shorter target later never lowers it.
    QVERIFY(second.end(&error));
    RecordingPlaylist third(path);
    QVERIFY2(third.open(2, 2, &error), qPrintable(error));
    QVERIFY(readAll(path).contains("#EXT-X-TARGETDURATION:6\n"));
}

void TestRecordingPlaylist::crashCutLineIsDropped()
{
    // A run that died mid-write left neither an ENDLIST nor a whole last line.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("recording.m3u8"));
    const QByteArray whole = header + mediaSegmentText(segment(0));
    QVERIFY(writeAll(path, whole + "#EXT-X-PROGRAM-DATE-TIME:2025-11-25T12:00:0"));
    RecordingPlaylist recording(path);
    QString error;
    QVERIFY2(recording.open(2, 5, &error), qPrintable(error));
    QVERIFY2(recording.append(segment(5), &error), qPrintable(error));
    QCOMPARE(readAll(path), whole + "#EXT-X-DISCONTINUITY\n" + mediaSegmentText(segment(5)));
}

void TestRecordingPlaylist::foreignFileIsReplaced()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("recording.m3u8"));
    QVERIFY(writeAll(path, "not a playlist\n"));
    const QString warning =
        QStringLiteral("[media] %1 is not a recording playlist: starting a new one").arg(path);
    QTest::ignoreMessage(QtWarningMsg, qPrintable(warning));
    RecordingPlaylist recording(path);
    QString error;
    QVERIFY2(recording.open(2, 0, &error), qPrintable(error));
    QCOMPARE(readAll(path), header);
}

QTEST_APPLESS_MAIN(TestRecordingPlaylist)
#include "tst_recordingplaylist.moc"
