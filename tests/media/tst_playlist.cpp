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
