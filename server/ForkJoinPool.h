// A few helper threads that take part in one job at a time with the thread that asks for it:
// run() hands out chunks of an index range to itself and the helpers and returns once all are
// done. While it runs, the caller's objects are touched only by that job, so the job may use them
// without locks as long as each index is touched by one chunk.
//
// Why (WebSocketLoop::sendToMany): a room event to 10,000 viewers is 10,000 send() calls, and
// on loopback each one also runs the receiver's TCP input in the sender's context: about 10 µs,
// so 100+ ms on one thread. Split over the cores, the last viewer hears the event that much
// sooner. Fork-join rather than handing connections to other threads for good: the connections'
// state stays single-threaded (the Qt thread), only the system calls are spread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace afk::server {

class ForkJoinPool
{
public:
    using Work = std::function<void(size_t begin, size_t end)>;

    explicit ForkJoinPool(int helperThreads);
    ~ForkJoinPool();
    ForkJoinPool(const ForkJoinPool &) = delete;
    ForkJoinPool &operator=(const ForkJoinPool &) = delete;

    int helperThreads() const { return int(m_helpers.size()); }
    // Calls work(begin, end) for consecutive chunks of at most chunkSize indices covering
    // [0, count), on this thread and the helpers (a helper that wakes late finds less to do), and
    // returns once every chunk ran. Not reentrant; one caller thread.
    void run(size_t count, size_t chunkSize, const Work &work);

    // Helpers for a machine: one fewer than its cores, at most maxHelpers.
    static int helpersForThisMachine(int maxHelpers);

private:
    void helperMain();
    void drainChunks();

    std::vector<std::thread> m_helpers;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_done;
    const Work *m_work = nullptr;
    size_t m_count = 0;
    size_t m_chunkSize = 1;
    std::atomic<size_t> m_nextIndex{0};
    uint64_t m_generation = 0;
    int m_busyHelpers = 0;
    bool m_isStopping = false;
};

} // namespace afk::server
