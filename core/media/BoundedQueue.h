// A bounded multi-producer/multi-consumer queue with back-pressure and an optional drop policy.
#pragma once

#include <QtGlobal>
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

namespace afk::media {

template <typename T>
class BoundedQueue
{
public:
    explicit BoundedQueue(int capacity) : m_capacity(capacity) {}

    // Blocks while the queue is full (back-pressure). False once the queue is closed.
    bool push(T item)
    {
        std::unique_lock lock(m_mutex);
        m_notFull.wait(lock, [&] { return m_isClosed || int(m_items.size()) < m_capacity; });
        if (m_isClosed)
            return false;
        m_items.push_back(std::move(item));
        m_notEmpty.notify_one();
        return true;
    }

    // Never waits for room held by droppable items: when full, the oldest item for which
    // isDroppable(item) holds is removed (counted in droppedCount()) to make room. Blocks only
    // while the queue is full of items that may not be dropped.
    template <typename Predicate>
    bool pushDroppingOldest(T item, Predicate isDroppable)
    {
        std::unique_lock lock(m_mutex);
        while (!m_isClosed && int(m_items.size()) >= m_capacity) {
            auto victim = std::find_if(m_items.begin(), m_items.end(), isDroppable);
            if (victim != m_items.end()) {
                m_items.erase(victim);
                ++m_droppedCount;
                break;
            }
            m_notFull.wait(lock);
        }
        if (m_isClosed)
            return false;
        m_items.push_back(std::move(item));
        m_notEmpty.notify_one();
        return true;
    }

    // Waits for an item; nullopt once the queue is closed and empty.
    std::optional<T> pop()
    {
        std::unique_lock lock(m_mutex);
        m_notEmpty.wait(lock, [&] { return m_isClosed || !m_items.empty(); });
        if (m_items.empty())
            return std::nullopt;
        T item = std::move(m_items.front());
        m_items.pop_front();
        m_notFull.notify_one();
        return item;
    }

    // No more pushes; pop() drains what is left, then returns nullopt.
    void close()
    {
        std::lock_guard lock(m_mutex);
        m_isClosed = true;
        m_notEmpty.notify_all();
        m_notFull.notify_all();
    }

    int size() const
    {
        std::lock_guard lock(m_mutex);
        return int(m_items.size());
    }
    int capacity() const { return m_capacity; }
    qint64 droppedCount() const { return m_droppedCount; }

private:
    const int m_capacity;
    mutable std::mutex m_mutex;
    std::condition_variable m_notEmpty;
    std::condition_variable m_notFull;
    std::deque<T> m_items;
    bool m_isClosed = false;
    std::atomic<qint64> m_droppedCount{0};
};

} // namespace afk::media
