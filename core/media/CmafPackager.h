// LL-HLS packaging of one rendition in CMAF: libavformat's mp4 muxer in fragmented mode
// (frag_custom: a fragment ends only when we flush it) writes through our own AVIOContext into
// memory; each flush at a part boundary is one part (moof + mdat), written as part_N_M.m4s and
// appended to seg_N.m4s, so a segment is exactly its parts one after another. Bytes before the
// first fragment (ftyp + moov) are init.mp4. Video and the shared AAC are muxed together, one
// track each: hls.js plays that without an audio rendition to keep in step.
//
// Part boundaries sit on a grid of whole frames from each segment's keyframe (the first segment's
// offset by a one-frame first part), in decode order;
// the ladder gives every rendition the same timestamps and keyframes, so parts of every
// rendition hold the same frames and share their numbers.
#pragma once

#include "EncodedPacketSink.h"
#include "HeldAudio.h"
#include "LibavPtr.h"
#include "LowLatencyPlaylist.h"

#include <QFile>
#include <map>
#include <memory>

namespace afk::media {

class LowLatencyPresentation;
class MediaIndex;

struct CmafPackagerSettings {
    QString directory; // ll/<rendition>
    int renditionIndex = 0;
    double partSeconds = 0.333;
    int segmentSeconds = 2;
    int liveWindowSeconds = 60;
    qint64 firstSequence = 0;
    // Parts and init.mp4 are published there too; whole segments are not (see completeSegment).
    std::shared_ptr<MediaIndex> mediaIndex;
};

class CmafPackager : public EncodedPacketSink
{
public:
    CmafPackager(CmafPackagerSettings settings,
                 std::shared_ptr<LowLatencyPresentation> presentation);
    ~CmafPackager() override;

    bool open(const AVCodecContext &video, const AVCodecContext *audio, QString *error) override;
    void writeVideo(const AVPacket &packet, qint64 captureWallMs, bool isDiscontinuity) override;
    void writeAudio(const AVPacket &packet) override;
    void finish() override;

private:
    static int writeToMemory(void *opaque, uint8_t *data, int size);
    bool write(AVPacket &packet, QString *error);
    bool writeHeldAudio(qint64 untilVideoTicks, bool isInclusive, QString *error);
    // Whether the open part's frames reach its end on the grid at dts (video time base).
    bool isPartDue(qint64 dts, qint64 halfFrame) const;
    // Flushes the muxer's fragment: the part that ends at endDts becomes a file.
    bool completePart(qint64 endDts, QString *error);
    bool completeSegment(QString *error);
    void removeUnlistedParts();
    void fail(const QString &error);
    QString path(const QString &name) const { return m_settings.directory + u'/' + name; }

    CmafPackagerSettings m_settings;
    std::shared_ptr<LowLatencyPresentation> m_presentation;
    LowLatencyPlaylist m_playlist;
    OutputFormatPtr m_muxer;
    AVStream *m_videoStream = nullptr;
    AVStream *m_audioStream = nullptr;
    AVRational m_videoEncoderTimeBase{1, 1};
    AVRational m_audioEncoderTimeBase{1, 1};
    HeldAudio m_heldAudio;             // in the audio stream's time base
    QByteArray m_output;               // what the muxer wrote since the last part
    bool m_hasInit = false;
    QFile m_segmentFile;               // the segment in progress, parts appended
    qint64 m_sequence = 0;
    qint64 m_segmentStartDts = AV_NOPTS_VALUE; // video stream time base
    qint64 m_partStartDts = AV_NOPTS_VALUE;
    qint64 m_partTicks = 0;
    qint64 m_frameTicks = 0;
    // The stream's first part is its keyframe alone: a player has a part to start from one part
    // sooner. The spec lets an INDEPENDENT=YES part be shorter than 85 % of PART-TARGET
    // (draft-pantos-hls-rfc8216bis, EXT-X-PART); the grid after it is whole parts again.
    bool m_isFirstSegment = false;
    qint64 m_segmentTicks = 0;
    qint64 m_segmentWallMs = 0;
    bool m_isSegmentDiscontinuity = false;
    bool m_isPartIndependent = false;
    bool m_hasCodecs = false;
    qint64 m_lastDts = AV_NOPTS_VALUE;
    qint64 m_videoEndDts = AV_NOPTS_VALUE;
    std::map<qint64, int> m_partCounts; // part files on disk, by segment
    bool m_isFailed = false;
    bool m_isFinished = false;
};

} // namespace afk::media
