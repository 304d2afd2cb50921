// LL-HLS blocking requests: when one is met, held, too far ahead (400) or over the cap, and how
// held ones are answered (published, expired, dropped).
#include "BlockingReloads.h"

#include <QTest>

using namespace afk::server;
using afk::media::LowLatencyPosition;

namespace {

constexpr int partsPerSegment = 6;

LowLatencyPosition at(qint64 lastMsn, int lastPart, qint64 lastCompleteMsn)
{
    LowLatencyPosition position;
    position.lastMsn = lastMsn;
    position.lastPart = lastPart;
    position.lastCompleteMsn = lastCompleteMsn;
    return position;
}

} // namespace

class TestBlockingReloads : public QObject
{
    Q_OBJECT
private slots:
    void satisfiedByPartOrLater();
    void wholeSegmentWaitsForItsEnd();
    void tooFarAheadIsRefused();
    void heldUntilPublished();
    void otherPlaylistsDoNotWake();
    void expiresAfterDeadline();
    void capRefusesMore();
    void dropAnswersStreamsRequests();
    void endedPlaylistAnswersEverything();
    void holdingIsPerPlaylist();
};

void TestBlockingReloads::satisfiedByPartOrLater()
{
    const LowLatencyPosition edge = at(5, 2, 4); // segment 5 in progress, part 2 written
    QVERIFY(BlockingReloads::isSatisfied({5, 2}, edge));
    QVERIFY(BlockingReloads::isSatisfied({5, 0}, edge));
    QVERIFY(BlockingReloads::isSatisfied({4, 5}, edge));
    QVERIFY(!BlockingReloads::isSatisfied({5, 3}, edge));
    QVERIFY(!BlockingReloads::isSatisfied({6, 0}, edge));
    // Segment 5 complete with parts 0-5 and nothing of 6 yet: part 6 of 5 means "the next one".
    const LowLatencyPosition complete = at(5, 5, 5);
    QVERIFY(!BlockingReloads::isSatisfied({5, 6}, complete));
    QVERIFY(BlockingReloads::isSatisfied({5, 6}, at(6, 0, 5)));
}

void TestBlockingReloads::wholeSegmentWaitsForItsEnd()
{
    QVERIFY(!BlockingReloads::isSatisfied({5, -1}, at(5, 5, 4)));
    QVERIFY(BlockingReloads::isSatisfied({5, -1}, at(5, 5, 5)));
    QVERIFY(BlockingReloads::isSatisfied({3, -1}, at(5, 1, 4)));
}

void TestBlockingReloads::tooFarAheadIsRefused()
{
    const LowLatencyPosition edge = at(5, 2, 4);
    // More than two segments past the last complete one.
    QVERIFY(BlockingReloads::isTooFarAhead({7, -1}, edge, partsPerSegment));
    QVERIFY(!BlockingReloads::isTooFarAhead({6, -1}, edge, partsPerSegment));
    // More than three parts past the last part, across a segment boundary too.
    QVERIFY(!BlockingReloads::isTooFarAhead({5, 5}, edge, partsPerSegment));
    QVERIFY(BlockingReloads::isTooFarAhead({5, 6}, edge, partsPerSegment));
    QVERIFY(!BlockingReloads::isTooFarAhead({6, 0}, at(5, 4, 4), partsPerSegment));
    QVERIFY(BlockingReloads::isTooFarAhead({6, 1}, at(5, 2, 4), partsPerSegment));

    BlockingReloads held(10);
    bool isAnswered = false;
    QCOMPARE(held.hold("k/720p", {5, 6}, edge, partsPerSegment, 1000,
                       [&](BlockingReloads::Outcome) { isAnswered = true; }),
             BlockingReloads::Admission::TooFarAhead);
    QCOMPARE(held.heldCount(), 0);
    QVERIFY(!isAnswered);
}

void TestBlockingReloads::heldUntilPublished()
{
    BlockingReloads held(10);
    QList<BlockingReloads::Outcome> answers;
    const auto record = [&](BlockingReloads::Outcome outcome) { answers << outcome; };
    QCOMPARE(held.hold("k/720p", {5, 2}, at(5, 2, 4), partsPerSegment, 1000, record),
             BlockingReloads::Admission::Ready);
    QCOMPARE(held.hold("k/720p", {5, 3}, at(5, 2, 4), partsPerSegment, 1000, record),
             BlockingReloads::Admission::Held);
    QCOMPARE(held.hold("k/720p", {5, 4}, at(5, 2, 4), partsPerSegment, 1000, record),
             BlockingReloads::Admission::Held);
    QVERIFY(answers.isEmpty());
    QCOMPARE(held.heldCount(), 2);

    held.published("k/720p", at(5, 3, 4));
    QCOMPARE(answers, QList<BlockingReloads::Outcome>{BlockingReloads::Outcome::Ready});
    QCOMPARE(held.heldCount(), 1);
    held.published("k/720p", at(5, 4, 4));
    QCOMPARE(answers.size(), 2);
    QCOMPARE(held.heldCount(), 0);
    QCOMPARE(held.nextDeadlineMs(), -1);
}

void TestBlockingReloads::otherPlaylistsDoNotWake()
{
    BlockingReloads held(10);
    int answers = 0;
    held.hold("k/720p", {5, 3}, at(5, 2, 4), partsPerSegment, 1000,
              [&](BlockingReloads::Outcome) { ++answers; });
    held.published("k/480p", at(5, 3, 4));
    held.published("other/720p", at(9, 0, 8));
    QCOMPARE(answers, 0);
    QCOMPARE(held.heldCount(), 1);
}

void TestBlockingReloads::expiresAfterDeadline()
{
    BlockingReloads held(10);
    QList<BlockingReloads::Outcome> answers;
    held.hold("k/720p", {5, 3}, at(5, 2, 4), partsPerSegment, 6000,
              [&](BlockingReloads::Outcome outcome) { answers << outcome; });
    held.hold("k/720p", {5, 4}, at(5, 2, 4), partsPerSegment, 7000,
              [&](BlockingReloads::Outcome outcome) { answers << outcome; });
    QCOMPARE(held.nextDeadlineMs(), 6000);
    held.expire(5999);
    QVERIFY(answers.isEmpty());
    held.expire(6000);
    QCOMPARE(answers, QList<BlockingReloads::Outcome>{BlockingReloads::Outcome::Expired});
    QCOMPARE(held.nextDeadlineMs(), 7000);
}

void TestBlockingReloads::capRefusesMore()
{
    BlockingReloads held(2);
    const auto ignore = [](BlockingReloads::Outcome) {};
    QCOMPARE(held.hold("k/a", {5, 3}, at(5, 2, 4), partsPerSegment, 1000, ignore),
             BlockingReloads::Admission::Held);
    QCOMPARE(held.hold("k/b", {5, 3}, at(5, 2, 4), partsPerSegment, 1000, ignore),
             BlockingReloads::Admission::Held);
    QCOMPARE(held.hold("k/c", {5, 3}, at(5, 2, 4), partsPerSegment, 1000, ignore),
             BlockingReloads::Admission::Full);
    // A request already met needs no slot.
    QCOMPARE(held.hold("k/c", {5, 1}, at(5, 2, 4), partsPerSegment, 1000, ignore),
             BlockingReloads::Admission::Ready);
    QCOMPARE(held.heldCount(), 2);
}

void TestBlockingReloads::dropAnswersStreamsRequests()
{
    BlockingReloads held(10);
    QList<BlockingReloads::Outcome> answers;
    const auto record = [&](BlockingReloads::Outcome outcome) { answers << outcome; };
    held.hold("k/720p", {5, 3}, at(5, 2, 4), partsPerSegment, 1000, record);
    held.hold("kk/720p", {5, 3}, at(5, 2, 4), partsPerSegment, 1000, record);
    held.drop("k/");
    QCOMPARE(answers, QList<BlockingReloads::Outcome>{BlockingReloads::Outcome::Dropped});
    QCOMPARE(held.heldCount(), 1);
}

void TestBlockingReloads::endedPlaylistAnswersEverything()
{
    BlockingReloads held(10);
    int ready = 0;
    QCOMPARE(held.hold("k/720p", {5, 5}, at(5, 2, 4), partsPerSegment, 1000,
                       [&](BlockingReloads::Outcome outcome) {
                           ready += outcome == BlockingReloads::Outcome::Ready;
                       }),
             BlockingReloads::Admission::Held);
    LowLatencyPosition ended = at(5, 3, 5);
    ended.isEnded = true;
    held.published("k/720p", ended);
    QCOMPARE(ready, 1);
    QVERIFY(!BlockingReloads::isTooFarAhead({99, 0}, ended, partsPerSegment));
}

void TestBlockingReloads::holdingIsPerPlaylist()
{
    // A serving thread watches a playlist while a request for it is held, and no longer.
    BlockingReloads reloads(10);
    int answered = 0;
    QCOMPARE(reloads.hold(QStringLiteral("a"), WantedPosition{3, 2}, at(3, 0, 2), partsPerSegment,
                          1000, [&](BlockingReloads::Outcome) { ++answered; }),
             BlockingReloads::Admission::Held);
    QVERIFY(reloads.isHolding(QStringLiteral("a")));
    QVERIFY(!reloads.isHolding(QStringLiteral("b")));
    reloads.published(QStringLiteral("a"), at(3, 1, 2));
    QVERIFY(reloads.isHolding(QStringLiteral("a")));
    reloads.published(QStringLiteral("a"), at(3, 2, 2));
    QCOMPARE(answered, 1);
    QVERIFY(!reloads.isHolding(QStringLiteral("a")));
}

QTEST_APPLESS_MAIN(TestBlockingReloads)
#include "tst_blockingreloads.moc"
