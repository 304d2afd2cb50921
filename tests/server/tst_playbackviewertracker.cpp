// PlaybackViewerTracker: distinct clients per stream within the sliding window.
#include "PlaybackViewerTracker.h"

#include <QTest>

using afk::server::PlaybackViewerTracker;

class TestPlaybackViewerTracker : public QObject
{
    Q_OBJECT
private slots:
    void clientIdentity_data();
    void clientIdentity();
    void countsDistinctClientsPerStream();
    void windowSlides();
    void pruneForgetsIdleStreams();
};

void TestPlaybackViewerTracker::clientIdentity_data()
{
    QTest::addColumn<QString>("addressA");
    QTest::addColumn<QByteArray>("agentA");
    QTest::addColumn<QString>("addressB");
    QTest::addColumn<QByteArray>("agentB");
    QTest::addColumn<bool>("isSameClient");

    QTest::newRow("same address and agent")
        << "10.0.0.1" << QByteArray("hls.js") << "10.0.0.1" << QByteArray("hls.js") << true;
    QTest::newRow("other agent") << "10.0.0.1" << QByteArray("hls.js") << "10.0.0.1"
                                 << QByteArray("Safari") << false;
    QTest::newRow("other address")
        << "10.0.0.1" << QByteArray("hls.js") << "10.0.0.2" << QByteArray("hls.js") << false;
    QTest::newRow("IPv4 mapped into IPv6")
        << "::ffff:10.0.0.1" << QByteArray("hls.js") << "10.0.0.1" << QByteArray("hls.js") << true;
    QTest::newRow("no agent") << "10.0.0.1" << QByteArray() << "10.0.0.1" << QByteArray() << true;
}

void TestPlaybackViewerTracker::clientIdentity()
{
    QFETCH(QString, addressA);
    QFETCH(QByteArray, agentA);
    QFETCH(QString, addressB);
    QFETCH(QByteArray, agentB);
    QFETCH(bool, isSameClient);
    const QByteArray a = PlaybackViewerTracker::clientId(QHostAddress(addressA), agentA);
    const QByteArray b = PlaybackViewerTracker::clientId(QHostAddress(addressB), agentB);
    QCOMPARE(a == b, isSameClient);
    QCOMPARE(a.size(), 16); // a short hash: no address or User-Agent is kept
}

void TestPlaybackViewerTracker::countsDistinctClientsPerStream()
{
    PlaybackViewerTracker tracker;
    const QByteArray one = PlaybackViewerTracker::clientId(QHostAddress("10.0.0.1"), "one");
    const QByteArray two = PlaybackViewerTracker::clientId(QHostAddress("10.0.0.1"), "two");
    QCOMPARE(tracker.viewerCount("a", 0), 0);
    tracker.recordFetch("a", one, 0);
    tracker.recordFetch("a", one, 100);
    tracker.recordFetch("a", two, 200);
    tracker.recordFetch("b", one, 300);
    QCOMPARE(tracker.viewerCount("a", 300), 2);
    QCOMPARE(tracker.viewerCount("b", 300), 1);
    QCOMPARE(tracker.viewerCount("c", 300), 0);
}

void TestPlaybackViewerTracker::windowSlides()
{
    PlaybackViewerTracker tracker(15000);
    const QByteArray one = PlaybackViewerTracker::clientId(QHostAddress("10.0.0.1"), "one");
    const QByteArray two = PlaybackViewerTracker::clientId(QHostAddress("10.0.0.2"), "two");
    tracker.recordFetch("a", one, 1000);
    tracker.recordFetch("a", two, 10000);
    QCOMPARE(tracker.viewerCount("a", 16000), 2); // exactly 15 s after the first fetch
    QCOMPARE(tracker.viewerCount("a", 16001), 1);
    tracker.recordFetch("a", one, 20000); // back again
    QCOMPARE(tracker.viewerCount("a", 24000), 2);
    QCOMPARE(tracker.viewerCount("a", 40000), 0);
}

void TestPlaybackViewerTracker::pruneForgetsIdleStreams()
{
    PlaybackViewerTracker tracker(1000);
    const QByteArray one = PlaybackViewerTracker::clientId(QHostAddress("10.0.0.1"), "one");
    tracker.recordFetch("a", one, 0);
    tracker.recordFetch("b", one, 5000);
    tracker.prune(5500);
    QCOMPARE(tracker.viewerCount("a", 5500), 0);
    QCOMPARE(tracker.viewerCount("b", 5500), 1);
}

QTEST_GUILESS_MAIN(TestPlaybackViewerTracker)
#include "tst_playbackviewertracker.moc"
