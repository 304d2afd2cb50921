// Media and master playlist text, and the codec string taken from an SPS.
#include "Playlist.h"

#include <QTest>

using namespace afk::media;

class TestPlaylist : public QObject
{
    Q_OBJECT
private slots:
    void emptyPlaylistHasHeaderOnly();
    void segmentsCarryDateTimeAndDuration();
    void targetDurationCoversLongestSegment();
    void endAddsEndList();
    void discontinuityIsMarked();
    void windowZeroListsEverySegment();
    void windowSlidesMediaSequence();
    void windowKeepsMinimumSegments();
    void windowAdvancesDiscontinuitySequence();
    void windowKeepsTargetDuration();
    void endedWindowHasEndList();
    void emptyWindowStartsAtFirstSequence();
    void masterListsEveryVariant();
    void programDateTimeIsUtcWithMilliseconds();
    void codecStringFromSps_data();
    void codecStringFromSps();
};

void TestPlaylist::emptyPlaylistHasHeaderOnly()
{
    MediaPlaylist playlist(2);
    QCOMPARE(playlist.text(), QByteArray("#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:2\n"
                                         "#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:EVENT\n"
                                         "#EXT-X-INDEPENDENT-SEGMENTS\n"));
}

void TestPlaylist::segmentsCarryDateTimeAndDuration()
{
    MediaPlaylist playlist(2);
    playlist.append({0, QStringLiteral("segment_0.ts"), 2.0, 1764072000000, false});
    playlist.append({1, QStringLiteral("segment_1.ts"), 2.0, 1764072002000, false});
    const QByteArray text = playlist.text();
    QVERIFY(text.contains("#EXT-X-PROGRAM-DATE-TIME:2025-11-25T12:00:00.000Z\n#EXTINF:2.000,\nsegment_0.ts\n"));
    QVERIFY(text.contains("#EXT-X-PROGRAM-DATE-TIME:2025-11-25T12:00:02.000Z\n#EXTINF:2.000,\nsegment_1.ts\n"));
    QVERIFY(!text.contains("#EXT-X-ENDLIST"));
    QVERIFY(!playlist.isEnded());
}

void TestPlaylist::targetDurationCoversLongestSegment()
{
    MediaPlaylist playlist(2);
    playlist.append({0, QStringLiteral("segment_0.ts"), 2.6, 0, false});
    QVERIFY(playlist.text().contains("#EXT-X-TARGETDURATION:3\n"));
    MediaPlaylist rounded(2);
    rounded.append({0, QStringLiteral("segment_0.ts"), 2.4, 0, false});
    QVERIFY(rounded.text().contains("#EXT-X-TARGETDURATION:2\n"));
}

void TestPlaylist::endAddsEndList()
{
    MediaPlaylist playlist(2);
    playlist.append({0, QStringLiteral("segment_0.ts"), 1.5, 0, false});
    playlist.end();
    QVERIFY(playlist.isEnded());
    QVERIFY(playlist.text().endsWith("segment_0.ts\n#EXT-X-ENDLIST\n"));
}

void TestPlaylist::discontinuityIsMarked()
{
    MediaPlaylist playlist(2);
    playlist.append({0, QStringLiteral("segment_0.ts"), 2, 0, false});
    playlist.append({1, QStringLiteral("segment_1.ts"), 2, 0, true});
    const QByteArray text = playlist.text();
    QCOMPARE(text.count("#EXT-X-DISCONTINUITY\n"), 1);
    QVERIFY(text.indexOf("#EXT-X-DISCONTINUITY") > text.indexOf("segment_0.ts"));
    QVERIFY(text.indexOf("#EXT-X-DISCONTINUITY") < text.indexOf("segment_1.ts"));
}

namespace {

PlaylistSegment segment(qint64 sequence, double seconds, bool isDiscontinuity = false)
{
    return {sequence, QStringLiteral("segment_%1.ts").arg(sequence), seconds,
            1764072000000 + sequence * 1000, isDiscontinuity};
}

} // namespace

void TestPlaylist::windowZeroListsEverySegment()
{
    MediaPlaylist playlist(1, 0);
    for (int sequence = 0; sequence < 20; ++sequence)
        playlist.append(segment(sequence, 1));
    const QByteArray text = playlist.text();
    QCOMPARE(text.count("#EXTINF:"), 20);
    QVERIFY(text.contains("#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:EVENT\n"));
    QVERIFY(!text.contains("#EXT-X-DISCONTINUITY-SEQUENCE"));
}

void TestPlaylist::windowSlidesMediaSequence()
{
    MediaPlaylist playlist(1, 4);
    for (int sequence = 0; sequence < 10; ++sequence)
        playlist.append(segment(sequence, 1));
    // The last 4 s: segments 6..9.
    QCOMPARE(playlist.segments().size(), 4);
    QCOMPARE(playlist.mediaSequence(), 6);
    const QByteArray text = playlist.text();
    QCOMPARE(text, QByteArray("#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:1\n"
                              "#EXT-X-MEDIA-SEQUENCE:6\n#EXT-X-DISCONTINUITY-SEQUENCE:0\n"
                              "#EXT-X-INDEPENDENT-SEGMENTS\n")
                       + mediaSegmentText(segment(6, 1)) + mediaSegmentText(segment(7, 1))
                       + mediaSegmentText(segment(8, 1)) + mediaSegmentText(segment(9, 1)));
    QVERIFY(!text.contains("#EXT-X-PLAYLIST-TYPE"));
    playlist.append(segment(10, 1));
    QCOMPARE(playlist.mediaSequence(), 7);
    QVERIFY(playlist.text().contains("#EXT-X-MEDIA-SEQUENCE:7\n"));
    QVERIFY(!playlist.text().contains("segment_6.ts"));
}

void TestPlaylist::windowKeepsMinimumSegments()
{
    // 2 s of window holds one 2 s segment; players need three to start.
    MediaPlaylist playlist(2, 2);
    for (int sequence = 0; sequence < 8; ++sequence)
        playlist.append(segment(sequence, 2));
    QCOMPARE(playlist.segments().size(), MediaPlaylist::minimumLiveSegments);
    QCOMPARE(playlist.mediaSequence(), 5);
    QCOMPARE(playlist.text().count("#EXTINF:"), 3);
}

void TestPlaylist::windowAdvancesDiscontinuitySequence()
{
    MediaPlaylist playlist(1, 3);
    for (int sequence = 0; sequence < 6; ++sequence)
        playlist.append(segment(sequence, 1, sequence == 2 || sequence == 4));
    // Segments 3..5 are listed: the tag of 2 left, the tag of 4 stays.
    QCOMPARE(playlist.mediaSequence(), 3);
    QCOMPARE(playlist.discontinuitySequence(), 1);
    QByteArray text = playlist.text();
    QVERIFY(text.contains("#EXT-X-DISCONTINUITY-SEQUENCE:1\n"));
    QCOMPARE(text.count("#EXT-X-DISCONTINUITY\n"), 1);
    QVERIFY(text.contains(
        "#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:2025-11-25T12:00:04.000Z\n"));
    playlist.append(segment(6, 1));
    playlist.append(segment(7, 1));
    QCOMPARE(playlist.discontinuitySequence(), 2);
    text = playlist.text();
    QVERIFY(text.contains("#EXT-X-DISCONTINUITY-SEQUENCE:2\n"));
    QVERIFY(!text.contains("#EXT-X-DISCONTINUITY\n"));
}

void TestPlaylist::windowKeepsTargetDuration()
{
    // RFC 8216 6.2.1: the target duration must not change, even after the long segment left.
    MediaPlaylist playlist(2, 4);
    playlist.append(segment(0, 3.2));
    for (int sequence = 1; sequence < 10; ++sequence)
        playlist.append(segment(sequence, 2));
    QVERIFY(!playlist.text().contains("segment_0.ts"));
    QVERIFY(playlist.text().contains("#EXT-X-TARGETDURATION:3\n"));
}

void TestPlaylist::endedWindowHasEndList()
{
    MediaPlaylist playlist(1, 4);
    for (int sequence = 0; sequence < 10; ++sequence)
        playlist.append(segment(sequence, 1));
    playlist.end();
    const QByteArray text = playlist.text();
    QVERIFY(text.endsWith("segment_9.ts\n#EXT-X-ENDLIST\n"));
    QCOMPARE(text.count("#EXTINF:"), 4);
}

void TestPlaylist::emptyWindowStartsAtFirstSequence()
{
    // A stream key used again continues its segment numbers: so does its media sequence.
    MediaPlaylist playlist(2, 60, 42);
    QVERIFY(playlist.text().contains("#EXT-X-MEDIA-SEQUENCE:42\n"));
    playlist.append(segment(42, 2));
    QVERIFY(playlist.text().contains("#EXT-X-MEDIA-SEQUENCE:42\n"));
}

void TestPlaylist::masterListsEveryVariant()
{
    const QByteArray text = masterPlaylistText({
        {QStringLiteral("720p/index.m3u8"), 1280, 720, 30, 3166000, 2759000, QStringLiteral("avc1.64001f,mp4a.40.2")},
        {QStringLiteral("360p/index.m3u8"), 640, 360, 30, 1108000, 974000, QStringLiteral("avc1.64001e,mp4a.40.2")},
    });
    QVERIFY(text.startsWith("#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-INDEPENDENT-SEGMENTS\n"));
    QVERIFY(text.contains("#EXT-X-STREAM-INF:BANDWIDTH=3166000,AVERAGE-BANDWIDTH=2759000,"
                          "RESOLUTION=1280x720,CODECS=\"avc1.64001f,mp4a.40.2\",FRAME-RATE=30.000\n"
                          "720p/index.m3u8\n"));
    QVERIFY(text.contains("RESOLUTION=640x360,CODECS=\"avc1.64001e,mp4a.40.2\",FRAME-RATE=30.000\n360p/index.m3u8\n"));
    QCOMPARE(text.count("#EXT-X-STREAM-INF"), 2);
}

void TestPlaylist::programDateTimeIsUtcWithMilliseconds()
{
    QCOMPARE(programDateTimeText(0), QStringLiteral("1970-01-01T00:00:00.000Z"));
    QCOMPARE(programDateTimeText(1764072000123), QStringLiteral("2025-11-25T12:00:00.123Z"));
}

void TestPlaylist::codecStringFromSps_data()
{
    QTest::addColumn<QByteArray>("annexB");
    QTest::addColumn<QString>("expected");
    // An access unit delimiter, then an SPS of High profile (100 = 0x64) level 3.1 (0x1f).
    QTest::newRow("high 3.1 after AUD") << QByteArray::fromHex("0000000109f0000000016764001facd9")
                                        << QStringLiteral("avc1.64001f");
    QTest::newRow("main 3.0, 3-byte start code") << QByteArray::fromHex("000001674d401eaa")
                                                 << QStringLiteral("avc1.4d401e");
    QTest::newRow("no SPS") << QByteArray::fromHex("0000000165888400") << QString();
    QTest::newRow("truncated") << QByteArray::fromHex("00000167") << QString();
}

void TestPlaylist::codecStringFromSps()
{
    QFETCH(QByteArray, annexB);
    QFETCH(QString, expected);
    QCOMPARE(h264CodecString(annexB), expected);
}

QTEST_APPLESS_MAIN(TestPlaylist)
#include "tst_playlist.moc"
