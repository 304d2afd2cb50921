// TimeoutQueue: many timeouts of one length on one QTimer. Asserts order and counts only (which
// key fired, how often, before which other key), never how long anything took.
#include "TimeoutQueue.h"

#include <QList>
#include <QTest>

using afk::server::TimeoutQueue;

namespace {
constexpr int lengthMs = 30;
constexpr int waitMs = 20'000; // generous: the machine may be loaded
} // namespace

class TestTimeoutQueue : public QObject
{
    Q_OBJECT
private slots:
    void firesEachStartedKeyOnceInStartOrder();
    void stoppedKeyNeverFires();
    void restartMovesTheKeyBehindLaterStarts();
    void callbackMayRestartItsKey();
    void callbackMayStopOtherKeys();
    void forgottenEntriesStayBounded();
    void afterExpiringFollowsEachWakeUpThatFired();
};

void TestTimeoutQueue::firesEachStartedKeyOnceInStartOrder()
{
    QList<int> fired;
    TimeoutQueue<int> queue(lengthMs, [&](int key) { fired << key; });
    for (int key = 1; key <= 5; ++key)
        queue.start(key);
    QCOMPARE(queue.activeCount(), 5);
    QVERIFY(queue.isActive(3));
    QTRY_COMPARE_WITH_TIMEOUT(fired.size(), 5, waitMs);
    QCOMPARE(fired, (QList<int>{1, 2, 3, 4, 5}));
    QCOMPARE(queue.activeCount(), 0);
    QVERIFY(!queue.isActive(3));
    QTest::qWait(3 * lengthMs);
    QCOMPARE(fired.size(), 5);
}

void TestTimeoutQueue::stoppedKeyNeverFires()
{
    QList<int> fired;
    TimeoutQueue<int> queue(lengthMs, [&](int key) { fired << key; });
    queue.start(1);
    queue.start(2);
    queue.stop(1);
    QVERIFY(!queue.isActive(1));
    // 1 was due before 2: once 2 fired, 1 would have too.
    QTRY_COMPARE_WITH_TIMEOUT(fired, QList<int>{2}, waitMs);
}

void TestTimeoutQueue::restartMovesTheKeyBehindLaterStarts()
{
    QList<int> fired;
    TimeoutQueue<int> queue(lengthMs, [&](int key) { fired << key; });
    queue.start(1);
    queue.start(2);
    queue.start(1); // from now: after 2, and only once
    QCOMPARE(queue.activeCount(), 2);
    QTRY_COMPARE_WITH_TIMEOUT(fired.size(), 2, waitMs);
    QCOMPARE(fired, (QList<int>{2, 1}));
    QTest::qWait(3 * lengthMs);
    QCOMPARE(fired.size(), 2);
}

void TestTimeoutQueue::callbackMayRestartItsKey()
{
    int ticks = 0;
    TimeoutQueue<int> *self = nullptr;
    TimeoutQueue<int> queue(lengthMs, [&](int key) {
        if (++ticks < 3)
            self->start(key); // periodic, as a session's next ping
    });
    self = &queue;
    queue.start(7);
    QTRY_COMPARE_WITH_TIMEOUT(ticks, 3, waitMs);
    QVERIFY(!queue.isActive(7));
    QTest::qWait(3 * lengthMs);
    QCOMPARE(ticks, 3);
}

void TestTimeoutQueue::callbackMayStopOtherKeys()
{
    // Zero length: every key is due at the same wake-up, so the stop happens mid-expiry.
    QList<int> fired;
    TimeoutQueue<int> *self = nullptr;
    TimeoutQueue<int> queue(0, [&](int key) {
        fired << key;
        if (key == 1)
            self->stop(2);
    });
    self = &queue;
    queue.start(1);
    queue.start(2);
    queue.start(3);
    QTRY_COMPARE_WITH_TIMEOUT(fired.size(), 2, waitMs);
    QCOMPARE(fired, (QList<int>{1, 3}));
}

void TestTimeoutQueue::forgottenEntriesStayBounded()
{
    int fired = 0;
    TimeoutQueue<int> queue(60'000, [&](int) { ++fired; });
    for (int key = 0; key < 100; ++key)
        queue.start(key);
    for (int round = 0; round < 10'000; ++round)
        queue.start(round % 100); // restarts, each leaving an entry behind
    QCOMPARE(queue.activeCount(), 100);
    QVERIFY2(queue.queuedEntries() <= 2 * 100 + 64 + 1,
             qPrintable(QString::number(queue.queuedEntries())));
    for (int key = 0; key < 100; ++key)
        queue.stop(key);
    queue.start(1000);
    QVERIFY(queue.queuedEntries() <= 64 + 3);
    QCOMPARE(fired, 0);
}

void TestTimeoutQueue::afterExpiringFollowsEachWakeUpThatFired()
{
    // Keys started together expire in one wake-up: the batch callback sees all of them, once;
    // a wake-up in which every key had been stopped does not call it.
    QList<int> batch;
    QList<QList<int>> batches;
    TimeoutQueue<int> queue(
        lengthMs, [&](int key) { batch << key; },
        [&] { batches << std::exchange(batch, {}); });
    for (int key = 1; key <= 4; ++key)
        queue.start(key);
    QTRY_COMPARE_WITH_TIMEOUT(batches.size(), 1, waitMs);
    QCOMPARE(batches.first(), (QList<int>{1, 2, 3, 4}));
    queue.start(9);
    queue.stop(9);
    queue.start(5);
    QTRY_COMPARE_WITH_TIMEOUT(batches.size(), 2, waitMs);
    QCOMPARE(batches.last(), QList<int>{5});
    queue.start(6);
    queue.stop(6);
    QTest::qWait(3 * lengthMs);
    QCOMPARE(batches.size(), 2);
    QVERIFY(batch.isEmpty());
}

QTEST_GUILESS_MAIN(TestTimeoutQueue)
#include "tst_timeoutqueue.moc"
