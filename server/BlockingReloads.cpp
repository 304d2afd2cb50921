#include "BlockingReloads.h"

#include <algorithm>

namespace afk::server
{

bool BlockingReloads::isSatisfied(const WantedPosition &wanted, const media::LowLatencyPosition &at)
{
    if (at.isEnded)
        return true; // the final playlist answers every request: nothing more will come
    if (wanted.part < 0 || at.lastCompleteMsn > wanted.msn)
        return at.lastCompleteMsn >= wanted.msn;
    // A part index past the end of a complete segment is met by the next segment's first part.
    return at.lastMsn > wanted.msn || (at.lastMsn == wanted.msn && at.lastPart >= wanted.part);
}

bool BlockingReloads::isTooFarAhead(const WantedPosition &wanted,
                                    const media::LowLatencyPosition &at, int partsPerSegment)
{
    if (at.isEnded)
        return false;
    if (wanted.msn > at.lastCompleteMsn + advanceSegmentLimit)
        return true;
    if (wanted.part < 0 || at.lastMsn < 0)
        return false;
    const qint64 partsAhead = (wanted.msn - at.lastMsn) * std::max(partsPerSegment, 1) +
                              wanted.part - at.lastPart;
    return partsAhead > advancePartLimit;
}

BlockingReloads::Admission BlockingReloads::hold(const QString &playlist,
                                                 const WantedPosition &wanted,
                                                 const media::LowLatencyPosition &at,
                                                 int partsPerSegment, qint64 deadlineMs,
                                                 Answer answer)
{
    if (isSatisfied(wanted, at))
        return Admission::Ready;
    if (isTooFarAhead(wanted, at, partsPerSegment))
        return Admission::TooFarAhead;
    if (heldCount() >= m_maxHeld)
        return Admission::Full;
    m_held.push_back(Held{playlist, wanted, deadlineMs, std::move(answer)});
    return Admission::Held;
}

void BlockingReloads::published(const QString &playlist, const media::LowLatencyPosition &at)
{
    std::list<Held> ready;
    for (auto it = m_held.begin(); it != m_held.end();) {
        const auto next = std::next(it);
        if (it->playlist == playlist && isSatisfied(it->wanted, at))
            ready.splice(ready.end(), m_held, it);
        it = next;
    }
    answerAll(ready, Outcome::Ready);
}

void BlockingReloads::expire(qint64 nowMs)
{
    std::list<Held> expired;
    for (auto it = m_held.begin(); it != m_held.end();) {
        const auto next = std::next(it);
        if (it->deadlineMs <= nowMs)
            expired.splice(expired.end(), m_held, it);
        it = next;
    }
    answerAll(expired, Outcome::Expired);
}

void BlockingReloads::drop(const QString &prefix)
{
    std::list<Held> dropped;
    for (auto it = m_held.begin(); it != m_held.end();) {
        const auto next = std::next(it);
        if (it->playlist.startsWith(prefix))
            dropped.splice(dropped.end(), m_held, it);
        it = next;
    }
    answerAll(dropped, Outcome::Dropped);
}

bool BlockingReloads::isHolding(const QString &playlist) const
{
    return std::any_of(m_held.begin(), m_held.end(),
                       [&](const Held &held) { return held.playlist == playlist; });
}

qint64 BlockingReloads::nextDeadlineMs() const
{
    qint64 earliest = -1;
    for (const Held &held : m_held)
        if (earliest < 0 || held.deadlineMs < earliest)
            earliest = held.deadlineMs;
    return earliest;
}

void BlockingReloads::answerAll(std::list<Held> &taken, Outcome outcome)
{
    for (Held &held : taken)
        held.answer(outcome);
}

} // namespace afk::server
