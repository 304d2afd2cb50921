// Many timeouts of one length on one QTimer, for per-connection deadlines (a Socket.IO session's
// next ping, its pong deadline, its CONNECT deadline).
//
// Why not a QTimer each: every QTimer is a QObject with its private data, and every running one
// is an entry in the event dispatcher's timer list, whose unregistering is a linear search; with
// 10,000 viewers that was 30,000 QObjects and a ping costing a search of 20,000 timers.
// Timeouts of one length expire in the order they were started, so a FIFO is already sorted by
// deadline: start() appends, and stop() or a restart only forget the key's current entry, which
// is skipped when it reaches the front.
#pragma once

#include <QElapsedTimer>
#include <QHash>
#include <QTimer>

#include <deque>
#include <functional>

namespace afk::server {

template <typename Key> class TimeoutQueue
{
public:
    // onTimeout(key) runs on the event loop for each key whose timeout expired (up to 1 % of
    // timeoutMs early, see expire()); it may start or stop any key (a periodic timeout restarts
    // its own key there).
    // afterExpiring, if given, runs once after each wake-up that called onTimeout (a caller that
    // gathers what the expired keys need, a ping each, does it for all of them there).
    TimeoutQueue(int timeoutMs, std::function<void(Key)> onTimeout,
                 std::function<void()> afterExpiring = {})
        : m_timeoutMs(qMax(0, timeoutMs)), m_slackMs(m_timeoutMs / 100),
          m_onTimeout(std::move(onTimeout)), m_afterExpiring(std::move(afterExpiring))
    {
        m_clock.start();
        m_timer.setSingleShot(true);
        QObject::connect(&m_timer, &QTimer::timeout, [this] { expire(); });
    }
    TimeoutQueue(const TimeoutQueue &) = delete;
    TimeoutQueue &operator=(const TimeoutQueue &) = delete;

    int timeoutMs() const { return m_timeoutMs; }
    // Keys whose timeout runs.
    int activeCount() const { return int(m_serialByKey.size()); }
    bool isActive(Key key) const { return m_serialByKey.contains(key); }
    // Entries held, forgotten ones included (bounded by about twice activeCount()).
    int queuedEntries() const { return int(m_fifo.size()); }

    // Starts key's timeout, or restarts it from now if it runs.
    void start(Key key)
    {
        const quint64 serial = ++m_lastSerial;
        m_serialByKey.insert(key, serial);
        m_fifo.push_back(Entry{m_clock.elapsed() + m_timeoutMs, serial, key});
        dropForgottenEntries();
        if (!m_timer.isActive() && !m_isExpiring)
            arm();
    }
    void stop(Key key) { m_serialByKey.remove(key); }

private:
    struct Entry {
        qint64 dueMs;
        quint64 serial;
        Key key;
    };

    void expire()
    {
        m_isExpiring = true;
        // Deadlines within 1 % of the length of the front one share its wake-up (10,000 pings
        // spread over 25 s would otherwise wake the loop thousands of times).
        const qint64 horizon = m_clock.elapsed() + m_slackMs;
        // Entries started by onTimeout wait for the next wake-up, even with a length of 0.
        const quint64 lastBeforeExpiring = m_lastSerial;
        bool hasExpired = false;
        while (!m_fifo.empty() && m_fifo.front().dueMs <= horizon &&
               m_fifo.front().serial <= lastBeforeExpiring) {
            const Entry entry = m_fifo.front();
            m_fifo.pop_front();
            const auto current = m_serialByKey.constFind(entry.key);
            if (current == m_serialByKey.cend() || *current != entry.serial)
                continue; // stopped or restarted since
            m_serialByKey.erase(current);
            hasExpired = true;
            m_onTimeout(entry.key);
        }
        if (hasExpired && m_afterExpiring)
            m_afterExpiring();
        m_isExpiring = false;
        arm();
    }

    void arm()
    {
        while (!m_fifo.empty() && !isCurrent(m_fifo.front()))
            m_fifo.pop_front();
        if (m_fifo.empty()) {
            m_timer.stop();
            return;
        }
        m_timer.start(int(qMax<qint64>(0, m_fifo.front().dueMs - m_clock.elapsed())));
    }

    bool isCurrent(const Entry &entry) const
    {
        const auto current = m_serialByKey.constFind(entry.key);
        return current != m_serialByKey.cend() && *current == entry.serial;
    }

    // Stopped and restarted keys leave entries behind; keep them at most as many as the live
    // ones (plus a little), so a key restarted in a loop cannot grow the queue without bound.
    void dropForgottenEntries()
    {
        if (m_fifo.size() <= 2 * size_t(m_serialByKey.size()) + 64)
            return;
        std::deque<Entry> kept;
        for (const Entry &entry : m_fifo)
            if (isCurrent(entry))
                kept.push_back(entry);
        m_fifo.swap(kept);
    }

    int m_timeoutMs;
    int m_slackMs;
    std::function<void(Key)> m_onTimeout;
    std::function<void()> m_afterExpiring;
    QElapsedTimer m_clock;
    QTimer m_timer;
    std::deque<Entry> m_fifo;          // in order of start, so of deadline
    QHash<Key, quint64> m_serialByKey; // running keys -> the serial of their current entry
    quint64 m_lastSerial = 0;
    bool m_isExpiring = false;
};

} // namespace afk::server
