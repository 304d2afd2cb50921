#include "EventLoopLatency.h"

#include <algorithm>
#include <cmath>

namespace afk::studio {

EventLoopLatency::EventLoopLatency(int intervalMs, int windowTicks, QObject *parent)
    : QObject(parent), m_latenessUs(size_t(std::max(1, windowTicks)), 0)
{
    // Precise: a coarse timer may fire up to 5 % early or late by design, which is not the
    // loop's fault.
    m_timer.setTimerType(Qt::PreciseTimer);
    m_timer.setInterval(std::max(1, intervalMs));
    connect(&m_timer, &QTimer::timeout, this, &EventLoopLatency::onTick);
}

void EventLoopLatency::start()
{
    reset();
    m_timer.start();
}

void EventLoopLatency::reset()
{
    m_clock.start();
    m_lastTickNs = -1;
    m_next = 0;
    m_count = 0;
}

void EventLoopLatency::onTick()
{
    const qint64 nowNs = m_clock.nsecsElapsed();
    if (m_lastTickNs >= 0) {
        // Qt schedules the next tick from when this one was due, so a late tick is followed by
        // an early one: only the lateness counts, never a negative.
        const qint64 latenessUs =
            std::max<qint64>(0, (nowNs - m_lastTickNs) / 1000 - m_timer.interval() * 1000);
        m_latenessUs[m_next] = latenessUs;
        m_next = (m_next + 1) % m_latenessUs.size();
        m_count = std::min(m_count + 1, m_latenessUs.size());
    }
    m_lastTickNs = nowNs;
}

EventLoopLatency::Summary EventLoopLatency::summary() const
{
    Summary summary;
    summary.sampleCount = int(m_count);
    if (m_count == 0)
        return summary;
    std::vector<qint64> sorted(m_latenessUs.begin(), m_latenessUs.begin() + qsizetype(m_count));
    std::sort(sorted.begin(), sorted.end());
    // Nearest rank: the smallest value at least p of the ticks are not later than.
    const auto percentile = [&sorted](double p) {
        const size_t rank = size_t(std::ceil(p * double(sorted.size())));
        return double(sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1]) / 1000.0;
    };
    summary.p50Ms = percentile(0.50);
    summary.p99Ms = percentile(0.99);
    summary.maxMs = double(sorted.back()) / 1000.0;
    return summary;
}

} // namespace afk::studio
