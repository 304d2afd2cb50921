// Which LL-HLS targets the serving threads take: the presentation's files and the blocking
// reload's query, nothing else (everything else stays with HttpApi).
#include "LowLatencyRoute.h"

#include <QTest>

using namespace afk::server;

class TestLowLatencyRoute : public QObject
{
    Q_OBJECT
private slots:
    void masterAndFiles();
    void blockingReloadQuery();
    void othersStayWithHttpApi();
};

void TestLowLatencyRoute::masterAndFiles()
{
    const auto master = LowLatencyRoute::match("/livestream/abc_1/ll.m3u8");
    QVERIFY(master);
    QCOMPARE(master->kind, LowLatencyRoute::Kind::Master);
    QCOMPARE(master->route, HttpRoute::MasterPlaylist);
    QCOMPARE(master->streamKey, QStringLiteral("abc_1"));
    QCOMPARE(master->relative, QStringList{QStringLiteral("ll.m3u8")});

    const auto playlist = LowLatencyRoute::match("/livestream/abc_1/ll/720p/index.m3u8");
    QVERIFY(playlist);
    QCOMPARE(playlist->kind, LowLatencyRoute::Kind::Playlist);
    QCOMPARE(playlist->route, HttpRoute::RenditionFile);
    QCOMPARE(playlist->rendition, QStringLiteral("720p"));
    QVERIFY(!playlist->isBlockingReload);
    QCOMPARE(playlist->playlistRelative(),
             (QStringList{QStringLiteral("ll"), QStringLiteral("720p"),
                          QStringLiteral("index.m3u8")}));

    QCOMPARE(LowLatencyRoute::match("/livestream/abc_1/ll/720p/init.mp4")->kind,
             LowLatencyRoute::Kind::Init);
    const auto part = LowLatencyRoute::match("/livestream/abc_1/ll/720p/part_12_3.m4s");
    QVERIFY(part);
    QCOMPARE(part->kind, LowLatencyRoute::Kind::Part);
    QCOMPARE(part->wanted.msn, 12);
    QCOMPARE(part->wanted.part, 3);
    QCOMPARE(part->relative, (QStringList{QStringLiteral("ll"), QStringLiteral("720p"),
                                          QStringLiteral("part_12_3.m4s")}));
    const auto segment = LowLatencyRoute::match("/livestream/abc_1/ll/720p/seg_12.m4s");
    QVERIFY(segment);
    QCOMPARE(segment->kind, LowLatencyRoute::Kind::Segment);
    QCOMPARE(segment->wanted.msn, 12);
    QCOMPARE(segment->wanted.part, -1);
}

void TestLowLatencyRoute::blockingReloadQuery()
{
    const auto both = LowLatencyRoute::match("/livestream/k/ll/360p/index.m3u8?_HLS_msn=7&_HLS_part=2");
    QVERIFY(both);
    QVERIFY(both->isBlockingReload);
    QCOMPARE(both->wanted.msn, 7);
    QCOMPARE(both->wanted.part, 2);
    const auto reversed = LowLatencyRoute::match("/livestream/k/ll/360p/index.m3u8?_HLS_part=0&_HLS_msn=8");
    QVERIFY(reversed);
    QCOMPARE(reversed->wanted.msn, 8);
    QCOMPARE(reversed->wanted.part, 0);
    const auto msnOnly = LowLatencyRoute::match("/livestream/k/ll/360p/index.m3u8?_HLS_msn=9");
    QVERIFY(msnOnly);
    QCOMPARE(msnOnly->wanted.part, -1);
}

void TestLowLatencyRoute::othersStayWithHttpApi()
{
    for (const char *target : {
             "/livestream/k/stream.m3u8",                           // the TS presentation's
             "/livestream/k/ll.m3u8?x=1",                            // a query on the master
             "/livestream/k/ll/720p/part_1_2.m4s?x=1",               // a query on a file
             "/livestream/k/ll/720p/index.m3u8?_HLS_part=1",         // _HLS_part alone: 400 there
             "/livestream/k/ll/720p/index.m3u8?_HLS_msn=a",          // not a number
             "/livestream/k/ll/720p/index.m3u8?_HLS_msn=1&_HLS_msn=2",
             "/livestream/k/ll/720p/index.m3u8?_HLS_msn=1&_HLS_skip=YES",
             "/livestream/k/ll/720p/index.m3u8?_HLS_msn=1234567890123456",
             "/livestream/k/ll/720p/part_1.m4s",
             "/livestream/k/ll/720p/part_1_x.m4s",
             "/livestream/k/ll/720p/seg_.m4s",
             "/livestream/k/ll/720p/other.mp4",
             "/livestream/k/ll/..%2f/index.m3u8",
             "/livestream/k/ll/720p/sub/index.m3u8",
             "/livestream/bad key/ll.m3u8",
             "/other/k/ll.m3u8",
         })
        QVERIFY2(!LowLatencyRoute::match(target), target);
}

QTEST_APPLESS_MAIN(TestLowLatencyRoute)
#include "tst_lowlatencyroute.moc"
