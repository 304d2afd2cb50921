// A consumer of one rendition's encoded packets beside its TS packager: another muxer over the
// same packets (LL-HLS in CMAF, an RTMP push), so a second presentation never costs an encode.
#pragma once

#include "Ladder.h"

#include <QString>
#include <functional>
#include <memory>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
}

namespace afk::media {

class EncodedPacketSink
{
public:
    virtual ~EncodedPacketSink() = default;
    // On the rendition's thread, once its encoders are open (audio may be null: no audio track).
    // A sink that fails to open is dropped with a logged reason; the rendition goes on.
    virtual bool open(const AVCodecContext &video, const AVCodecContext *audio, QString *error) = 0;
    // Called on the rendition's thread in decode order, video in the video encoder's time base and
    // audio in the audio encoder's; the packet stays the caller's (av_packet_ref to keep it).
    // Must not block: a slow consumer queues with a bound and counts what it drops.
    virtual void writeVideo(const AVPacket &packet, qint64 captureWallMs, bool isDiscontinuity) = 0;
    virtual void writeAudio(const AVPacket &packet) = 0;
    // No more packets (end of stream, or the rendition failed).
    virtual void finish() = 0;
};

// Makes the extra sinks of one rendition (index 0 is the top rung); may return none.
using EncodedPacketSinkFactory = std::function<std::vector<std::shared_ptr<EncodedPacketSink>>(
    const Rendition &rendition, int renditionIndex)>;

} // namespace afk::media
