// Bookkeeping of Low-Latency HLS requests held until what they ask for exists: blocking playlist
// reloads (`_HLS_msn`, `_HLS_part`, draft-pantos-hls-rfc8216bis 6.2.5.2) and requests for a part
// named by a preload hint that is still being written. A held request is only an entry here
// (its answer callback), never a thread: the packager's "part published" wakes the ones it
// satisfies, a timer answers the ones that waited too long.
#pragma once

#include "LowLatencyPlaylist.h"

#include <QString>
#include <functional>
#include <list>

namespace afk::server
{

// What a request waits for: segment msn complete (part < 0), or part `part` of segment msn —
// "or later", so a part index past the segment's end is met by the next segment's first part.
struct WantedPosition {
    qint64 msn = 0;
    int part = -1;
};

class BlockingReloads
{
public:
    // The spec's Advance Part Limit: a request more than this many parts ahead is a 400.
    static constexpr int advancePartLimit = 3;
    // Ahead by more than this many segments is a 400 too.
    static constexpr int advanceSegmentLimit = 2;

    enum class Outcome {
        Ready,   // the position exists (or the playlist ended): answer now
        Expired, // waited its bound out: answer 503
        Dropped, // the playlist went away (stream released): answer 404
    };
    using Answer = std::function<void(Outcome)>;

    enum class Admission { Ready, Held, TooFarAhead, Full };

    explicit BlockingReloads(int maxHeld) : m_maxHeld(maxHeld) {}

    static bool isSatisfied(const WantedPosition &wanted, const media::LowLatencyPosition &at);
    // partsPerSegment: how many parts a segment has (to count parts across a segment boundary).
    static bool isTooFarAhead(const WantedPosition &wanted, const media::LowLatencyPosition &at,
                              int partsPerSegment);

    // Ready: answer now (answer is not kept). Held: answer is called once, later, from
    // published(), expire() or drop(). TooFarAhead / Full: answer 400 / 503 now.
    Admission hold(const QString &playlist, const WantedPosition &wanted,
                   const media::LowLatencyPosition &at, int partsPerSegment, qint64 deadlineMs,
                   Answer answer);
    // The playlist reached `at`: every request it satisfies is answered Ready.
    void published(const QString &playlist, const media::LowLatencyPosition &at);
    // Requests whose deadline passed are answered Expired.
    void expire(qint64 nowMs);
    // Requests of every playlist that starts with prefix are answered Dropped.
    void drop(const QString &prefix);

    int heldCount() const { return int(m_held.size()); }
    // Whether a request for that playlist is held (its publisher still needs watching).
    bool isHolding(const QString &playlist) const;
    // The earliest deadline of a held request; -1 when none is held.
    qint64 nextDeadlineMs() const;

private:
    struct Held {
        QString playlist;
        WantedPosition wanted;
        qint64 deadlineMs = 0;
        Answer answer;
    };
    // Answers outside the walk over m_held: an answer may hold or publish again.
    void answerAll(std::list<Held> &taken, Outcome outcome);

    int m_maxHeld;
    std::list<Held> m_held;
};

} // namespace afk::server
