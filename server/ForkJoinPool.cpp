#include "ForkJoinPool.h"

#include <algorithm>

namespace afk::server {

ForkJoinPool::ForkJoinPool(int helperThreads)
{
    m_helpers.reserve(size_t(std::max(0, helperThreads)));
    for (int i = 0; i < helperThreads; ++i)
        m_helpers.emplace_back([this] { helperMain(); });
}

ForkJoinPool::~ForkJoinPool()
{
    {
        std::lock_guard lock(m_mutex);
        m_isStopping = true;
    }
    m_wake.notify_all();
    for (std::thread &helper : m_helpers)
        helper.join();
}

int ForkJoinPool::helpersForThisMachine(int maxHelpers)
{
    const int cores = int(std::thread::hardware_concurrency());
    return std::clamp(cores - 1, 0, maxHelpers);
}

void ForkJoinPool::run(size_t count, size_t chunkSize, const Work &work)
{
    if (count == 0)
        return;
    if (m_helpers.empty() || count <= chunkSize) {
        work(0, count);
        return;
    }
    {
        std::lock_guard lock(m_mutex);
        m_work = &work;
        m_count = count;
        m_chunkSize = std::max<size_t>(1, chunkSize);
        m_nextIndex.store(0, std::memory_order_relaxed);
        m_busyHelpers = int(m_helpers.size());
        ++m_generation;
    }
    m_wake.notify_all();
    drainChunks();
    std::unique_lock lock(m_mutex);
    m_done.wait(lock, [this] { return m_busyHelpers == 0; });
    m_work = nullptr;
}

void ForkJoinPool::drainChunks()
{
    for (;;) {
        const size_t begin = m_nextIndex.fetch_add(m_chunkSize, std::memory_order_relaxed);
        if (begin >= m_count)
            return;
        (*m_work)(begin, std::min(m_count, begin + m_chunkSize));
    }
}

void ForkJoinPool::helperMain()
{
    uint64_t seenGeneration = 0;
    for (;;) {
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [&] { return m_isStopping || m_generation != seenGeneration; });
            if (m_isStopping)
                return;
            seenGeneration = m_generation;
        }
        drainChunks();
        std::lock_guard lock(m_mutex);
        if (--m_busyHelpers == 0)
            m_done.notify_one();
    }
}

} // namespace afk::server
