// The top rung copied from the source's own H.264 (an RTMP publisher's, --rtmp-passthrough)
// instead of decoded, scaled and encoded again: whether a source qualifies, and the copy itself.
// The publisher's AVCC packets leave as Annex B with its SPS/PPS before every keyframe — what
// libx264 hands the other rungs — so the packagers and extra sinks treat both alike, and the
// codec string comes from the publisher's own SPS.
#pragma once

#include "Ladder.h"
#include "LibavPtr.h"
#include "MediaSource.h"

#include <vector>

struct AVBSFContext;

namespace afk::media {

class VideoPassthrough
{
public:
    VideoPassthrough();
    ~VideoPassthrough();
    VideoPassthrough(const VideoPassthrough &) = delete;
    VideoPassthrough &operator=(const VideoPassthrough &) = delete;

    // Empty when the source's video can stand in for the top rung (H.264 a browser plays, at
    // the rung's size and the ladder's frame rate); else why not, for the log.
    static QString refusal(const SourceInfo &source, const Rendition &top, int framesPerSecond);

    bool open(const AVCodecParameters &source, int framesPerSecond, QString *error);
    // What the packagers and sinks open with in place of an encoder's context: H.264 at the
    // source's size, time base one frame.
    const AVCodecContext *context() const { return m_context.get(); }
    // packet: timestamps already in frames (the context's time base). Appends the Annex B
    // packets to *out.
    bool convert(PacketPtr packet, std::vector<PacketPtr> *out, QString *error);

private:
    CodecContextPtr m_context;
    AVBSFContext *m_filter = nullptr;
};

} // namespace afk::media
