// The LL-HLS media playlist: parts, preload hint, rendition reports, and parts leaving the
// playlist as segments complete and the window slides.
#include "LowLatencyPlaylist.h"

#include <QTest>

using namespace afk::media;

namespace {

constexpr qint64 startMs = 1'700'000'000'000;

// A segment of `parts` parts of a third of a second, the first one independent.
void appendSegment(LowLatencyPlaylist &playlist, int parts, qint64 dateMs)
{
    for (int index = 0; index < parts; ++index)
        playlist.appendPart(PlaylistPart{1.0 / 3, index == 0}, dateMs, false);
    playlist.completeSegment();
}

} // namespace

class TestLowLatencyPlaylist : public QObject
{
    Q_OBJECT
private slots:
    void headerAnnouncesBlockingAndParts();
    void partsOfSegmentInProgressAndHint();
    void completeSegmentListsItsParts();
    void oldPartsLeaveAsSegmentsAdvance();
    void windowSlidesMediaSequence();
    void renditionReportsNameSiblings();
    void positionFollowsParts();
    void endedPlaylistHasNoHint();
    void summaryReadsBackThePosition();
};

void TestLowLatencyPlaylist::headerAnnouncesBlockingAndParts()
{
    LowLatencyPlaylist playlist(1.0 / 3, 2, 60, 7);
    const QByteArray text = playlist.text({});
    QVERIFY(text.startsWith("#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:2\n"));
    QVERIFY(text.contains("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.667\n"));
    QVERIFY(text.contains("#EXT-X-PART-INF:PART-TARGET=0.33333\n"));
    QVERIFY(text.contains("#EXT-X-MEDIA-SEQUENCE:7\n"));
    QVERIFY(text.contains("#EXT-X-MAP:URI=\"init.mp4\"\n"));
    // Nothing yet but the hint of the first part.
    QVERIFY(text.endsWith("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part_7_0.m4s\"\n"));
    QVERIFY(playlist.partHoldBackSeconds() >= 2 * playlist.partTargetSeconds()); // the spec's floor
}

void TestLowLatencyPlaylist::partsOfSegmentInProgressAndHint()
{
    LowLatencyPlaylist playlist(1.0 / 3, 2, 60, 0);
    playlist.appendPart(PlaylistPart{1.0 / 3, true}, startMs, false);
    playlist.appendPart(PlaylistPart{1.0 / 3, false}, startMs, false);
    const QByteArray text = playlist.text({});
    QVERIFY(text.endsWith("#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:20.000Z\n"
                          "#EXT-X-PART:DURATION=0.33333,URI=\"part_0_0.m4s\",INDEPENDENT=YES\n"
                          "#EXT-X-PART:DURATION=0.33333,URI=\"part_0_1.m4s\"\n"
                          "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part_0_2.m4s\"\n"));
    QVERIFY(!text.contains("#EXTINF")); // the segment is not complete
}

void TestLowLatencyPlaylist::completeSegmentListsItsParts()
{
    LowLatencyPlaylist playlist(1.0 / 3, 2, 60, 4);
    appendSegment(playlist, 6, startMs);
    const QByteArray text = playlist.text({});
    QVERIFY(text.contains("#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:20.000Z\n"
                          "#EXT-X-PART:DURATION=0.33333,URI=\"part_4_0.m4s\",INDEPENDENT=YES\n"));
    QVERIFY(text.contains("#EXT-X-PART:DURATION=0.33333,URI=\"part_4_5.m4s\"\n"
                          "#EXTINF:2.000,\nseg_4.m4s\n"
                          "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part_5_0.m4s\"\n"));
}

void TestLowLatencyPlaylist::oldPartsLeaveAsSegmentsAdvance()
{
    LowLatencyPlaylist playlist(1.0 / 3, 2, 60, 0);
    for (int segment = 0; segment < 5; ++segment)
        appendSegment(playlist, 6, startMs + segment * 2000);
    const QByteArray text = playlist.text({});
    // Every segment stays (the window is 60 s); parts only for the newest ones.
    for (int segment = 0; segment < 5; ++segment)
        QVERIFY(text.contains(QStringLiteral("seg_%1.m4s\n").arg(segment).toUtf8()));
    QCOMPARE(playlist.firstSequenceListingParts(), 5 - LowLatencyPlaylist::segmentsListingParts);
    for (int segment = 0; segment < 5; ++segment) {
        const bool isListed = segment >= playlist.firstSequenceListingParts();
        QCOMPARE(text.contains(QStringLiteral("part_%1_0.m4s").arg(segment).toUtf8()), isListed);
    }
}

void TestLowLatencyPlaylist::windowSlidesMediaSequence()
{
    LowLatencyPlaylist playlist(1.0 / 3, 2, 6, 0); // 6 s: three segments
    for (int segment = 0; segment < 6; ++segment)
        appendSegment(playlist, 6, startMs + segment * 2000);
    const QByteArray text = playlist.text({});
    QVERIFY(text.contains("#EXT-X-MEDIA-SEQUENCE:3\n"));
    QVERIFY(!text.contains("seg_2.m4s"));
    QVERIFY(text.contains("seg_3.m4s\n"));
    QVERIFY(text.contains("seg_5.m4s\n"));
    QVERIFY(!text.contains("part_3_"));
}

void TestLowLatencyPlaylist::renditionReportsNameSiblings()
{
    LowLatencyPlaylist playlist(1.0 / 3, 2, 60, 0);
    appendSegment(playlist, 6, startMs);
    LowLatencyPosition sibling;
    sibling.lastMsn = 1;
    sibling.lastPart = 2;
    LowLatencyPosition notStarted; // nothing published: not reported
    const QByteArray text = playlist.text({RenditionReport{"../480p/index.m3u8", sibling},
                                           RenditionReport{"../360p/index.m3u8", notStarted}});
    QVERIFY(text.endsWith(
        "#EXT-X-RENDITION-REPORT:URI=\"../480p/index.m3u8\",LAST-MSN=1,LAST-PART=2\n"));
    QVERIFY(!text.contains("360p"));
}

void TestLowLatencyPlaylist::positionFollowsParts()
{
    LowLatencyPlaylist playlist(1.0 / 3, 2, 60, 10);
    QCOMPARE(playlist.position().lastMsn, -1);
    playlist.appendPart(PlaylistPart{1.0 / 3, true}, startMs, false);
    QCOMPARE(playlist.position().lastMsn, 10);
    QCOMPARE(playlist.position().lastPart, 0);
    QCOMPARE(playlist.position().lastCompleteMsn, -1);
    for (int index = 1; index < 6; ++index)
        playlist.appendPart(PlaylistPart{1.0 / 3, false}, startMs, false);
    QCOMPARE(playlist.completeSegment(), 10);
    // Complete, and no part of the next one yet: the edge is the last part of segment 10.
    QCOMPARE(playlist.position().lastMsn, 10);
    QCOMPARE(playlist.position().lastPart, 5);
    QCOMPARE(playlist.position().lastCompleteMsn, 10);
    playlist.appendPart(PlaylistPart{1.0 / 3, true}, startMs + 2000, false);
    QCOMPARE(playlist.position().lastMsn, 11);
    QCOMPARE(playlist.position().lastPart, 0);
    QCOMPARE(playlist.completeSegment(), 11);
    QCOMPARE(playlist.completeSegment(), -1); // nothing in progress
}

void TestLowLatencyPlaylist::endedPlaylistHasNoHint()
{
    LowLatencyPlaylist playlist(1.0 / 3, 2, 60, 0);
    appendSegment(playlist, 6, startMs);
    playlist.end();
    const QByteArray text = playlist.text({});
    QVERIFY(!text.contains("PRELOAD-HINT"));
    QVERIFY(text.endsWith("seg_0.m4s\n#EXT-X-ENDLIST\n"));
    QVERIFY(playlist.position().isEnded);
}

void TestLowLatencyPlaylist::summaryReadsBackThePosition()
{
    // The serving threads hold only the text: what they read back is what position() says.
    LowLatencyPlaylist playlist(1.0 / 3, 2, 6, 0);
    const auto summaryMatches = [&](const QList<RenditionReport> &reports) {
        const std::optional<LowLatencyPlaylistSummary> summary =
            LowLatencyPlaylist::summaryOf(playlist.text(reports));
        if (!summary)
            return false;
        const LowLatencyPosition expected = playlist.position();
        return summary->position.lastMsn == expected.lastMsn
               && summary->position.lastPart == expected.lastPart
               && summary->position.lastCompleteMsn == expected.lastCompleteMsn
               && summary->position.isEnded == expected.isEnded
               && summary->targetDurationSeconds == 2 && summary->partsPerSegment == 6;
    };
    QVERIFY(summaryMatches({}));
    // A sibling's report names other numbers: not this rendition's position.
    LowLatencyPosition sibling;
    sibling.lastMsn = 40;
    sibling.lastPart = 5;
    const QList<RenditionReport> reports{{QStringLiteral("../360p/index.m3u8"), sibling}};
    for (int segment = 0; segment < 6; ++segment) {
        for (int part = 0; part < 6; ++part) {
            playlist.appendPart(PlaylistPart{1.0 / 3, part == 0}, startMs, false);
            QVERIFY(summaryMatches(reports));
        }
        playlist.completeSegment();
        QVERIFY(summaryMatches(reports)); // the window slid past segments without parts
    }
    playlist.end();
    QVERIFY(summaryMatches(reports));
    QVERIFY(!LowLatencyPlaylist::summaryOf("not a playlist"));
    QVERIFY(!LowLatencyPlaylist::summaryOf("#EXTM3U\n#EXT-X-TARGETDURATION:2\n")); // no parts
}

QTEST_APPLESS_MAIN(TestLowLatencyPlaylist)
#include "tst_lowlatencyplaylist.moc"
