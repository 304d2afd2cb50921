// HLS playlist text (RFC 8216 / draft-pantos-hls-rfc8216bis): media playlists and the master.
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

namespace afk::media {

struct PlaylistSegment {
    qint64 sequence = 0;          // N of segment_N.ts
    QString uri;                  // relative to the playlist
    double durationSeconds = 0;   // real duration (next start pts - this start pts)
    qint64 programDateTimeMs = 0; // wall-clock capture time of the first frame, ms since epoch
    bool isDiscontinuity = false; // the source restarted before this segment
};

// A live media playlist. With a window (windowSeconds > 0) it slides: it lists only the segments
// of the last windowSeconds (at least minimumLiveSegments), and #EXT-X-MEDIA-SEQUENCE and
// #EXT-X-DISCONTINUITY-SEQUENCE advance as segments leave, so its size and every poll of it stay
// bounded. Without one (0) it is an EVENT playlist listing every segment. end() adds
// #EXT-X-ENDLIST.
class MediaPlaylist
{
public:
    // Players start three target durations from the live edge: fewer would make them wait.
    static constexpr int minimumLiveSegments = 3;

    // firstSequence: the media sequence number announced before the first segment is listed.
    explicit MediaPlaylist(int targetDurationSeconds, int windowSeconds = 0,
                           qint64 firstSequence = 0);

    void append(const PlaylistSegment &segment);
    void end() { m_isEnded = true; }
    bool isEnded() const { return m_isEnded; }
    const QList<PlaylistSegment> &segments() const { return m_segments; }
    qint64 mediaSequence() const;
    qint64 discontinuitySequence() const { return m_discontinuitySequence; }
    QByteArray text() const;

private:
    int m_targetDurationSeconds; // grows with the longest segment ever listed: it must not shrink
    int m_windowSeconds;
    qint64 m_firstSequence;
    qint64 m_discontinuitySequence = 0;
    double m_listedSeconds = 0;
    QList<PlaylistSegment> m_segments;
    bool m_isEnded = false;
};

// The lines of one segment in a media playlist (discontinuity, date-time, duration, URI).
QByteArray mediaSegmentText(const PlaylistSegment &segment);

// The #EXT-X-TARGETDURATION a segment needs: its duration rounded to the nearest integer.
int targetDurationFor(double segmentSeconds);

struct MasterVariant {
    QString uri;
    int width = 0;
    int height = 0;
    double framesPerSecond = 0;
    qint64 peakBitsPerSecond = 0;
    qint64 averageBitsPerSecond = 0;
    QString codecs; // "avc1.64001f,mp4a.40.2"
};

QByteArray masterPlaylistText(const QList<MasterVariant> &variants);

// RFC 3339 UTC time with milliseconds, as #EXT-X-PROGRAM-DATE-TIME wants it.
QString programDateTimeText(qint64 msSinceEpoch);

// RFC 6381 codec string of an H.264 stream from its SPS, found in Annex B data
// ("avc1.PPCCLL"); empty if the data holds no SPS.
QString h264CodecString(const QByteArray &annexB);

} // namespace afk::media
