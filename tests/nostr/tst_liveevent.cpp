// NIP-53 live events: the tag set for each status, reading it back, the address and naddr, and
// the publisher's lifecycle (created_at strictly increasing, signatures, rate limit, refresh).
#include "KeyPair.h"
#include "LiveEvent.h"
#include "LiveEventPublisher.h"
#include "Nip19.h"
#include "RelayPool.h"
#include "Secp256k1Context.h"

#include <QSignalSpy>
#include <QTest>

using namespace afk::nostr;

namespace
{

using Tags = QList<QStringList>;

LiveEvent fullDescription()
{
    LiveEvent live;
    live.identifier = QStringLiteral("afk-stream-1");
    live.title = QStringLiteral("Friday \"night\" stream");
    live.summary = QStringLiteral("Line one\nline two");
    live.imageUrl = QStringLiteral("https://example.org/cover.jpg");
    live.hashtags = {QStringLiteral("music"), QStringLiteral("live")};
    live.streamingUrl = QStringLiteral("https://example.org/hls/afk-stream-1/master.m3u8");
    live.relays = {QStringLiteral("wss://relay.example.org"), QStringLiteral("wss://nos.example")};
    return live;
}

} // namespace

class TestLiveEvent : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void tagsPerStatus_data();
    void tagsPerStatus();
    void minimalTags();
    void recordingTag();
    void statusNames();
    void fromEventRoundTrip();
    void fromEventRefuses_data();
    void fromEventRefuses();
    void addressAndNaddr();
    void publisherLifecycle();
    void publisherCreatedAtStrictlyIncreases();
    void viewerCountIsRateLimited();
    void viewerCountWithoutLimitPublishesEachChange();
    void refreshTimerRepublishes();
    void endWithoutPublishRefused();

private:
    std::unique_ptr<Secp256k1Context> m_context;
    std::optional<KeyPair> m_keyPair;
};

void TestLiveEvent::initTestCase()
{
    m_context = std::make_unique<Secp256k1Context>();
    QVERIFY2(m_context->isValid(), qPrintable(m_context->errorString()));
    QString error;
    m_keyPair = KeyPair::generate(*m_context, &error);
    QVERIFY2(m_keyPair, qPrintable(error));
}

void TestLiveEvent::tagsPerStatus_data()
{
    QTest::addColumn<LiveStatus>("status");
    QTest::addColumn<bool>("hasStarts");
    QTest::addColumn<bool>("hasEnds");
    QTest::addColumn<bool>("hasCounts");
    QTest::addColumn<QString>("statusText");

    QTest::newRow("planned") << LiveStatus::Planned << true << false << false
                             << QStringLiteral("planned");
    QTest::newRow("live") << LiveStatus::Live << true << false << true << QStringLiteral("live");
    QTest::newRow("ended") << LiveStatus::Ended << true << true << true << QStringLiteral("ended");
}

void TestLiveEvent::tagsPerStatus()
{
    QFETCH(LiveStatus, status);
    QFETCH(bool, hasStarts);
    QFETCH(bool, hasEnds);
    QFETCH(bool, hasCounts);
    QFETCH(QString, statusText);

    LiveEvent live = fullDescription();
    live.status = status;
    if (hasStarts)
        live.startsAt = 1700000000;
    if (hasEnds)
        live.endsAt = 1700003600;
    if (hasCounts) {
        live.currentParticipants = 12;
        live.totalParticipants = 40;
    }
    const QString host = m_keyPair->publicKey().toHex();

    Tags expected = {
        {"d", "afk-stream-1"},
        {"title", "Friday \"night\" stream"},
        {"summary", "Line one\nline two"},
        {"image", "https://example.org/cover.jpg"},
        {"t", "music"},
        {"t", "live"},
        {"streaming", "https://example.org/hls/afk-stream-1/master.m3u8"},
    };
    if (hasStarts)
        expected.append(QStringList{"starts", "1700000000"});
    if (hasEnds)
        expected.append(QStringList{"ends", "1700003600"});
    expected.append(QStringList{"status", statusText});
    if (hasCounts) {
        expected.append(QStringList{"current_participants", "12"});
        expected.append(QStringList{"total_participants", "40"});
    }
    expected.append(QStringList{"p", host, "", "Host"});
    expected.append(QStringList{"relays", "wss://relay.example.org", "wss://nos.example"});

    QCOMPARE(live.tags(m_keyPair->publicKey()), expected);

    Event event = live.toUnsignedEvent(m_keyPair->publicKey(), 1700000100);
    QCOMPARE(event.kind, 30311);
    QCOMPARE(event.createdAt, qint64(1700000100));
    QVERIFY(event.content.isEmpty());
    QCOMPARE(event.tags, expected);
    QString error;
    QVERIFY2(event.sign(*m_keyPair, &error), qPrintable(error));
    QVERIFY2(event.verify(*m_context, &error), qPrintable(error));
    QCOMPARE(event.pubkey, m_keyPair->publicKey());
}

void TestLiveEvent::minimalTags()
{
    LiveEvent live;
    live.identifier = QStringLiteral("k");
    live.status = LiveStatus::Live;
    const Tags expected = {
        {"d", "k"},
        {"status", "live"},
        {"p", m_keyPair->publicKey().toHex(), "", "Host"},
    };
    QCOMPARE(live.tags(m_keyPair->publicKey()), expected);
}

void TestLiveEvent::recordingTag()
{
    LiveEvent live = fullDescription();
    live.status = LiveStatus::Ended;
    live.recordingUrl = QStringLiteral("https://example.org/vod/afk-stream-1.m3u8");
    const Tags tags = live.tags(m_keyPair->publicKey());
    const qsizetype streaming =
        tags.indexOf(QStringList{"streaming", "https://example.org/hls/afk-stream-1/master.m3u8"});
    QVERIFY(streaming >= 0);
    QCOMPARE(tags.value(streaming + 1),
             (QStringList{"recording", "https://example.org/vod/afk-stream-1.m3u8"}));
}

void TestLiveEvent::statusNames()
{
    QCOMPARE(LiveEvent::statusName(LiveStatus::Planned), QStringLiteral("planned"));
    QCOMPARE(LiveEvent::statusName(LiveStatus::Live), QStringLiteral("live"));
    QCOMPARE(LiveEvent::statusName(LiveStatus::Ended), QStringLiteral("ended"));
    QVERIFY(LiveEvent::statusName(LiveStatus::Invalid).isEmpty());
    QCOMPARE(LiveEvent::statusFromName(QStringLiteral("live")), LiveStatus::Live);
    QCOMPARE(LiveEvent::statusFromName(QStringLiteral("LIVE")), LiveStatus::Invalid);
    QCOMPARE(LiveEvent::statusFromName(QString()), LiveStatus::Invalid);
}

void TestLiveEvent::fromEventRoundTrip()
{
    LiveEvent live = fullDescription();
    live.status = LiveStatus::Ended;
    live.startsAt = 1700000000;
    live.endsAt = 1700003600;
    live.currentParticipants = 0;
    live.totalParticipants = 99;
    live.recordingUrl = QStringLiteral("https://example.org/vod.m3u8");
    const Event event = live.toUnsignedEvent(m_keyPair->publicKey(), 1700003600);
    QString error;
    const std::optional<LiveEvent> back = LiveEvent::fromEvent(event, &error);
    QVERIFY2(back, qPrintable(error));
    QCOMPARE(*back, live);
}

void TestLiveEvent::fromEventRefuses_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<Tags>("tags");

    QTest::newRow("other kind") << 1 << Tags{{"d", "k"}, {"status", "live"}};
    QTest::newRow("no d") << 30311 << Tags{{"status", "live"}};
    QTest::newRow("no status") << 30311 << Tags{{"d", "k"}};
    QTest::newRow("unknown status") << 30311 << Tags{{"d", "k"}, {"status", "paused"}};
    QTest::newRow("bad starts") << 30311 << Tags{{"d", "k"}, {"status", "live"}, {"starts", "x"}};
    QTest::newRow("negative count")
        << 30311 << Tags{{"d", "k"}, {"status", "live"}, {"current_participants", "-1"}};
}

void TestLiveEvent::fromEventRefuses()
{
    QFETCH(int, kind);
    QFETCH(Tags, tags);
    Event event;
    event.kind = kind;
    event.tags = tags;
    QString error;
    QVERIFY(!LiveEvent::fromEvent(event, &error));
    QVERIFY(!error.isEmpty());
}

void TestLiveEvent::addressAndNaddr()
{
    const LiveEvent live = fullDescription();
    const PublicKey host = m_keyPair->publicKey();
    QCOMPARE(live.address(host), QStringLiteral("30311:%1:afk-stream-1").arg(host.toHex()));

    QString error;
    const QString naddr = live.naddr(host, &error);
    QVERIFY2(naddr.startsWith(QLatin1String("naddr1")), qPrintable(error));
    const std::optional<AddressPointer> pointer = Nip19::decodeNaddr(naddr, &error);
    QVERIFY2(pointer, qPrintable(error));
    QCOMPARE(pointer->kind, quint32(30311));
    QCOMPARE(pointer->author, host);
    QCOMPARE(pointer->identifier, QStringLiteral("afk-stream-1"));
    QCOMPARE(pointer->relays, live.relays);

    RelayPool pool(*m_context);
    LiveEventPublisher publisher(pool, *m_keyPair, live);
    QCOMPARE(publisher.naddr(), naddr);
    QCOMPARE(publisher.address(), live.address(host));
}

void TestLiveEvent::publisherLifecycle()
{
    RelayPool pool(*m_context);
    LiveEventPublisher publisher(pool, *m_keyPair, fullDescription(),
                                 {/*viewerCountIntervalMs=*/0, /*refreshIntervalMs=*/0});
    QList<Event> published;
    connect(&publisher, &LiveEventPublisher::published, this,
            [&published](const Event &event) { published.append(event); });

    QCOMPARE(publisher.status(), LiveStatus::Planned);
    QVERIFY(!publisher.end()); // nothing published yet: nothing to end
    QVERIFY(publisher.publishPlanned());
    QVERIFY(publisher.goLive());
    QVERIFY(!publisher.goLive());
    QVERIFY(!publisher.publishPlanned());
    publisher.setViewerCount(5);
    publisher.setViewerCount(5); // unchanged: no publish
    publisher.setViewerCount(3);
    QVERIFY(publisher.end(QStringLiteral("https://example.org/vod.m3u8")));
    QVERIFY(!publisher.end());
    QVERIFY(!publisher.goLive());
    QVERIFY(!publisher.refresh());
    publisher.setViewerCount(9); // after the end: recorded, not published

    QCOMPARE(published.size(), 5);
    const QStringList statuses{"planned", "live", "live", "live", "ended"};
    for (qsizetype i = 0; i < published.size(); ++i) {
        const Event &event = published[i];
        QString error;
        QVERIFY2(event.verify(*m_context, &error), qPrintable(error));
        QCOMPARE(event.kind, 30311);
        QVERIFY(event.content.isEmpty());
        QCOMPARE(event.firstTag("status").value(1), statuses[i]);
        QCOMPARE(event.firstTag("d").value(1), QStringLiteral("afk-stream-1"));
        QCOMPARE(event.firstTag("p"),
                 (QStringList{"p", m_keyPair->publicKey().toHex(), "", "Host"}));
    }
    QVERIFY(published[0].firstTag("starts").isEmpty());
    QVERIFY(!published[1].firstTag("starts").isEmpty());
    QVERIFY(published[1].firstTag("current_participants").isEmpty());
    QCOMPARE(published[2].firstTag("current_participants").value(1), QStringLiteral("5"));
    QCOMPARE(published[2].firstTag("total_participants").value(1), QStringLiteral("5"));
    QCOMPARE(published[3].firstTag("current_participants").value(1), QStringLiteral("3"));
    QCOMPARE(published[3].firstTag("total_participants").value(1), QStringLiteral("5"));
    QVERIFY(published[3].firstTag("ends").isEmpty());
    const Event &ended = published[4];
    QCOMPARE(ended.firstTag("starts"), published[1].firstTag("starts"));
    QVERIFY(!ended.firstTag("ends").isEmpty());
    QVERIFY(ended.firstTag("ends").value(1).toLongLong() >=
            ended.firstTag("starts").value(1).toLongLong());
    QCOMPARE(ended.firstTag("recording").value(1), QStringLiteral("https://example.org/vod.m3u8"));
    QCOMPARE(publisher.lastEvent(), ended);
    QCOMPARE(publisher.status(), LiveStatus::Ended);
}

void TestLiveEvent::publisherCreatedAtStrictlyIncreases()
{
    RelayPool pool(*m_context);
    LiveEventPublisher publisher(pool, *m_keyPair, fullDescription(), {0, 0});
    QList<Event> published;
    connect(&publisher, &LiveEventPublisher::published, this,
            [&published](const Event &event) { published.append(event); });
    QVERIFY(publisher.goLive());
    for (int viewers = 1; viewers <= 10; ++viewers)
        publisher.setViewerCount(viewers);
    QVERIFY(publisher.refresh());
    QVERIFY(publisher.end());
    QCOMPARE(published.size(), 13);
    for (qsizetype i = 1; i < published.size(); ++i)
        QVERIFY2(published[i].createdAt > published[i - 1].createdAt,
                 qPrintable(QStringLiteral("event %1").arg(i)));
    for (const Event &event : published)
        QVERIFY(event.verify(*m_context));
}

void TestLiveEvent::viewerCountIsRateLimited()
{
    RelayPool pool(*m_context);
    // A long interval: right after goLive, count changes wait.
    LiveEventPublisher slow(pool, *m_keyPair, fullDescription(), {60 * 60 * 1000, 0});
    QSignalSpy slowSpy(&slow, &LiveEventPublisher::published);
    QVERIFY(slow.goLive());
    slow.setViewerCount(4);
    slow.setViewerCount(6);
    QCOMPARE(slowSpy.count(), 1);
    QVERIFY(slow.end()); // the end carries the latest counts
    QCOMPARE(slowSpy.count(), 2);
    QCOMPARE(slow.lastEvent().firstTag("current_participants").value(1), QStringLiteral("6"));

    // A short one: several changes coalesce into one publish with the latest counts.
    LiveEventPublisher quick(pool, *m_keyPair, fullDescription(), {300, 0});
    QList<Event> published;
    connect(&quick, &LiveEventPublisher::published, this,
            [&published](const Event &event) { published.append(event); });
    QVERIFY(quick.goLive());
    quick.setViewerCount(1);
    quick.setViewerCount(2);
    quick.setViewerCount(3, 10);
    QTRY_COMPARE_WITH_TIMEOUT(published.size(), 2, 10000);
    QCOMPARE(published[1].firstTag("current_participants").value(1), QStringLiteral("3"));
    QCOMPARE(published[1].firstTag("total_participants").value(1), QStringLiteral("10"));
    QTest::qWait(600); // nothing changed since: nothing more to publish
    QCOMPARE(published.size(), 2);
}

void TestLiveEvent::viewerCountWithoutLimitPublishesEachChange()
{
    RelayPool pool(*m_context);
    LiveEventPublisher publisher(pool, *m_keyPair, fullDescription(), {0, 0});
    QSignalSpy spy(&publisher, &LiveEventPublisher::published);
    publisher.setViewerCount(2); // not live yet: recorded only
    QCOMPARE(spy.count(), 0);
    QVERIFY(publisher.goLive());
    QCOMPARE(publisher.lastEvent().firstTag("current_participants").value(1), QStringLiteral("2"));
    publisher.setViewerCount(3);
    publisher.setViewerCount(4);
    QCOMPARE(spy.count(), 3);
}

void TestLiveEvent::refreshTimerRepublishes()
{
    RelayPool pool(*m_context);
    LiveEventPublisher publisher(pool, *m_keyPair, fullDescription(), {0, 100});
    QList<Event> published;
    connect(&publisher, &LiveEventPublisher::published, this,
            [&published](const Event &event) { published.append(event); });
    QVERIFY(publisher.goLive());
    QTRY_VERIFY_WITH_TIMEOUT(published.size() >= 3, 10000);
    QVERIFY(publisher.end());
    const qsizetype count = published.size();
    QCOMPARE(published.last().firstTag("status").value(1), QStringLiteral("ended"));
    for (qsizetype i = 0; i + 1 < count; ++i)
        QCOMPARE(published[i].firstTag("status").value(1), QStringLiteral("live"));
    for (qsizetype i = 1; i < count; ++i)
        QVERIFY(published[i].createdAt > published[i - 1].createdAt);
    QTest::qWait(300); // ended: the refresh timer is stopped
    QCOMPARE(published.size(), count);
    for (const Event &event : published)
        QVERIFY(event.kind == 30311); // never a deletion (kind 5)
}

void TestLiveEvent::endWithoutPublishRefused()
{
    RelayPool pool(*m_context);
    LiveEventPublisher publisher(pool, *m_keyPair, fullDescription());
    QSignalSpy spy(&publisher, &LiveEventPublisher::published);
    QVERIFY(!publisher.end());
    QCOMPARE(spy.count(), 0);
    QVERIFY(publisher.refresh()); // while planned, a refresh publishes the planned event
    QCOMPARE(spy.count(), 1);
    QCOMPARE(publisher.lastEvent().firstTag("status").value(1), QStringLiteral("planned"));
}

QTEST_GUILESS_MAIN(TestLiveEvent)
#include "tst_liveevent.moc"
