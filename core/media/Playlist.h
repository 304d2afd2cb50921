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

// An EVENT media playlist: segments are only appended; end() adds #EXT-X-ENDLIST.
class MediaPlaylist
{
public:
    explicit MediaPlaylist(int targetDurationSeconds);

    void append(const PlaylistSegment &segment);
    void end() { m_isEnded = true; }
    bool isEnded() const { return m_isEnded; }
    const QList<PlaylistSegment> &segments() const { return m_segments; }
    QByteArray text() const;

private:
    int m_targetDurationSeconds;
    QList<PlaylistSegment> m_segments;
    bool m_isEnded = false;
};

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
