// The media playlist of one Low-Latency HLS rendition (draft-pantos-hls-rfc8216bis, Apple's
// "Enabling Low-Latency HLS"): CMAF segments (seg_N.m4s) after an #EXT-X-MAP, the parts
// (part_N_M.m4s) of the newest segments as #EXT-X-PART, the segment in progress, a preload hint
// for the next part and the sibling renditions' reports. Sliding window as MediaPlaylist's.
#pragma once

#include "Playlist.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <map>
#include <optional>

namespace afk::media {

struct PlaylistPart {
    double durationSeconds = 0;
    bool isIndependent = false; // starts with a keyframe: a player may start decoding there
};

// Where a rendition's live edge is, as blocking reloads and rendition reports name it.
struct LowLatencyPosition {
    qint64 lastMsn = -1;         // segment of the newest part (-1: nothing published yet)
    int lastPart = -1;           // the newest part's index in it (-1: none yet)
    qint64 lastCompleteMsn = -1; // newest complete segment
    bool isEnded = false;        // #EXT-X-ENDLIST: nothing more will come
};

// What a server that holds only the playlist's text needs for blocking reloads (the serving
// threads answer from the media index, which has the text, not this object).
struct LowLatencyPlaylistSummary {
    LowLatencyPosition position;
    int targetDurationSeconds = 0;
    int partsPerSegment = 1;
};

struct RenditionReport {
    QString uri; // relative to the reporting playlist ("../480p/index.m3u8")
    LowLatencyPosition position;
};

class LowLatencyPlaylist
{
public:
    // Parts are listed for the segment in progress and this many complete segments before it:
    // the spec wants parts gone once they are more than three target durations from the end,
    // and players joining at PART-HOLD-BACK need only the last segment's.
    static constexpr int segmentsListingParts = 2;
    // PART-HOLD-BACK in parts: the spec's minimum, two (Apple recommends three). hls.js sits at
    // PART-HOLD-BACK behind the newest part and never speeds up to it with less than 1 s
    // buffered, so a third part is a third of a second of latency for good (README, "Low-Latency
    // HLS": 1.58 s with two, 1.86 s with three on the same machine).
    static constexpr int partHoldBackParts = 2;

    LowLatencyPlaylist(double partTargetSeconds, int segmentSeconds, int windowSeconds,
                       qint64 firstSequence);

    // A part of the segment in progress; the first part of a segment starts it
    // (programDateTimeMs: capture time of its first frame).
    void appendPart(const PlaylistPart &part, qint64 programDateTimeMs, bool isDiscontinuity);
    // The segment in progress is complete (its duration is the sum of its parts). Returns its
    // sequence number, or -1 when no part was appended.
    qint64 completeSegment();
    void end() { m_isEnded = true; }

    LowLatencyPosition position() const;
    // Segments whose parts are no longer listed (their part files may go): below this number.
    qint64 firstSequenceListingParts() const;
    double partTargetSeconds() const { return m_partTargetSeconds; }
    double partHoldBackSeconds() const { return partHoldBackParts * m_partTargetSeconds; }
    int targetDurationSeconds() const { return m_targetDurationSeconds; }
    QByteArray text(const QList<RenditionReport> &reports) const;

    // Reads back what text() wrote; nullopt when it is not such a playlist.
    static std::optional<LowLatencyPlaylistSummary> summaryOf(QByteArrayView text);

    static QString segmentUri(qint64 sequence);
    static QString partUri(qint64 sequence, int part);

private:
    QByteArray partLines(qint64 sequence) const;

    double m_partTargetSeconds;
    int m_targetDurationSeconds;
    MediaPlaylist m_segments; // the complete ones, with the window's bookkeeping
    std::map<qint64, QList<PlaylistPart>> m_parts; // of the listed segments and the one in progress
    qint64 m_currentSequence;
    qint64 m_currentDateTimeMs = 0;
    bool m_isCurrentDiscontinuity = false;
    bool m_isEnded = false;
};

} // namespace afk::media
