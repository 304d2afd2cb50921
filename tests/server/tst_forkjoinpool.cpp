// ForkJoinPool: every index of a run is handed out once, across many runs; run() returns only
// when all chunks are done; the helpers really work beside the caller; no helpers means the
// caller does it all.
#include "ForkJoinPool.h"

#include <QTest>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

using afk::server::ForkJoinPool;

class TestForkJoinPool : public QObject
{
    Q_OBJECT
private slots:
    void everyIndexOnceInEveryRun();
    void helpersWorkBesideTheCaller();
    void withoutHelpersTheCallerDoesItAll();
    void machineHelpersAreBounded();
};

void TestForkJoinPool::everyIndexOnceInEveryRun()
{
    ForkJoinPool pool(2);
    QCOMPARE(pool.helperThreads(), 2);
    for (int run = 0; run < 200; ++run) {
        const size_t count = 1000 + size_t(run) * 13;
        std::vector<std::atomic<int>> visits(count);
        pool.run(count, 7, [&](size_t begin, size_t end) {
            QVERIFY(end - begin <= 7);
            for (size_t i = begin; i < end; ++i)
                visits[i].fetch_add(1);
        });
        // run() has returned: every chunk is done, none is still running.
        for (size_t i = 0; i < count; ++i)
            QCOMPARE(visits[i].load(), 1);
    }
}

void TestForkJoinPool::helpersWorkBesideTheCaller()
{
    // Each chunk waits until two threads are inside the job at once: that finishes only if a
    // helper runs beside the caller (bounded, so a failure is a failed check, not a hang).
    ForkJoinPool pool(1);
    std::mutex mutex;
    std::set<std::thread::id> threads;
    std::atomic<int> inside{0};
    std::atomic<bool> sawTwoAtOnce{false};
    pool.run(4, 1, [&](size_t, size_t) {
        {
            std::lock_guard lock(mutex);
            threads.insert(std::this_thread::get_id());
        }
        if (inside.fetch_add(1) + 1 >= 2)
            sawTwoAtOnce = true;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (!sawTwoAtOnce && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        inside.fetch_sub(1);
    });
    QVERIFY(sawTwoAtOnce);
    QCOMPARE(threads.size(), size_t(2));
    QVERIFY(threads.count(std::this_thread::get_id()) == 1);
}

void TestForkJoinPool::withoutHelpersTheCallerDoesItAll()
{
    ForkJoinPool pool(0);
    std::set<std::thread::id> threads;
    size_t covered = 0;
    pool.run(100, 8, [&](size_t begin, size_t end) {
        threads.insert(std::this_thread::get_id());
        covered += end - begin;
    });
    QCOMPARE(covered, size_t(100));
    QCOMPARE(threads.size(), size_t(1));
    QCOMPARE(*threads.begin(), std::this_thread::get_id());
    pool.run(0, 8, [&](size_t, size_t) { QFAIL("an empty run calls nothing"); });
}

void TestForkJoinPool::machineHelpersAreBounded()
{
    const int helpers = ForkJoinPool::helpersForThisMachine(3);
    QVERIFY(helpers >= 0 && helpers <= 3);
    QCOMPARE(helpers, std::clamp(int(std::thread::hardware_concurrency()) - 1, 0, 3));
    QCOMPARE(ForkJoinPool::helpersForThisMachine(0), 0);
}

QTEST_GUILESS_MAIN(TestForkJoinPool)
#include "tst_forkjoinpool.moc"
