// HLS packaging of one rendition: MPEG-TS segments cut on keyframes (libavformat's mpegts muxer
// writing through our own AVIOContext), the live media playlists (a sliding window, replaced
// atomically) and the recording playlist of every segment (appended to).
#pragma once

#include "HeldAudio.h"
#include "LibavPtr.h"
#include "MediaIndex.h"
#include "Playlist.h"
#include "RecordingPlaylist.h"

#include <QStringList>
#include <cstdio>
#include <deque>
#include <functional>
#include <memory>

namespace afk::media {

struct CompletedSegment {
    qint64 sequence = 0;
    double durationSeconds = 0;
    qint64 bytes = 0;
};

struct HlsPackagerSettings {
    QString directory; // the rendition's folder: segment_N.ts and the playlists live there
    // Every file that gets the live media playlist (index.m3u8, and for the top rendition also
    // the stream root's stream.m3u8 — segment_N.ts resolves at both places).
    QStringList livePlaylistPaths;
    QString recordingPlaylistPath; // every segment of every run of the stream
    int segmentSeconds = 2;
    int liveWindowSeconds = 60;    // 0: the live playlists list every segment (EVENT)
    qint64 firstSequence = 0;      // N of this run's first segment_N.ts
    // Where finished segments and live playlist versions are published for the HTTP server
    // (none: files only). segmentAliasFolders: other folders the server resolves this
    // rendition's segment names in (the stream root, for the top rendition).
    std::shared_ptr<MediaIndex> mediaIndex;
    QStringList segmentAliasFolders;
};

class HlsPackager
{
public:
    explicit HlsPackager(HlsPackagerSettings settings);
    ~HlsPackager();
    HlsPackager(const HlsPackager &) = delete;
    HlsPackager &operator=(const HlsPackager &) = delete;

    bool open(const AVCodecContext &video, const AVCodecContext *audio, QString *error);
    // Video packets in the video encoder's time base; captureWallMs is when the packet's first
    // frame was captured. A keyframe at least a segment after the current segment's start
    // begins a new segment; so does a keyframe that isDiscontinuity (the source restarted),
    // marked #EXT-X-DISCONTINUITY.
    bool writeVideo(PacketPtr packet, qint64 captureWallMs, bool isDiscontinuity, QString *error);
    // Audio packets in the audio encoder's time base; held back and interleaved with video.
    bool writeAudio(PacketPtr packet, QString *error);
    // Writes what is held back, completes the last segment and ends the playlist.
    bool finish(QString *error);

    // RFC 6381 string of the video, known after the first keyframe ("avc1.64001f").
    const QString &videoCodecString() const { return m_videoCodecString; }
    std::function<void(const CompletedSegment &)> onSegmentCompleted;
    // The live media playlist's new text, each time it is written (on the packager's thread).
    std::function<void(const QByteArray &)> onLivePlaylistWritten;

private:
    static int writeToSegmentFile(void *opaque, uint8_t *data, int size);
    bool openSegmentFile(QString *error);
    bool completeSegment(qint64 endPts, QString *error);
    bool writeHeldAudio(qint64 untilPts, bool isInclusive, QString *error);
    bool writePacket(AVPacket &packet, QString *error);
    bool writeLivePlaylists(QString *error);
    QString segmentFileName(qint64 sequence) const;
    QString partialSegmentPath(qint64 sequence) const;
    void publishSegment(const QString &finalPath);

    HlsPackagerSettings m_settings;
    MediaPlaylist m_livePlaylist;
    RecordingPlaylist m_recording;
    OutputFormatPtr m_muxer;
    AVStream *m_videoStream = nullptr;
    AVStream *m_audioStream = nullptr;
    AVRational m_videoEncoderTimeBase{1, 1};
    AVRational m_audioEncoderTimeBase{1, 1};
    HeldAudio m_heldAudio; // in the audio stream's time base
    std::FILE *m_segmentFile = nullptr;
    bool m_isWriteFailed = false;
    bool m_isFinished = false;
    qint64 m_sequence = 0;
    qint64 m_segmentStartPts = AV_NOPTS_VALUE; // video stream time base
    qint64 m_segmentWallMs = 0;
    qint64 m_segmentBytes = 0;
    QByteArray m_segmentData;             // the segment's bytes too, when there is a mediaIndex
    std::deque<QString> m_publishedAliases; // to remove from the index at the end
    bool m_isSegmentDiscontinuity = false;
    qint64 m_videoEndPts = AV_NOPTS_VALUE;     // end of the latest video frame written
    QString m_videoCodecString;
};

} // namespace afk::media
