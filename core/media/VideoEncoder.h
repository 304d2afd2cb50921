// One libx264 encoder of one rendition: constant frame rate, fixed GOP with no scene-cut
// keyframes, so keyframes fall on the same frames in every rendition.
#pragma once

#include "Ladder.h"
#include "LibavPtr.h"

#include <vector>

namespace afk::media {

struct VideoEncoderSettings {
    int framesPerSecond = 30;
    int gopFrames = 60;     // segment duration × fps; 0: keyframes only where the frames ask
                            // (pict_type I), as beside a copied rung
    QString preset = QStringLiteral("veryfast");
    int threadCount = 1;
};

class VideoEncoder
{
public:
    bool open(const Rendition &rendition, const VideoEncoderSettings &settings, QString *error);
    // frame->pts is the output frame index; nullptr drains the encoder. Appends finished
    // packets (time base 1/fps) to *packets.
    bool encode(AVFrame *frame, std::vector<PacketPtr> *packets, QString *error);

    const AVCodecContext *context() const { return m_encoder.get(); }

private:
    CodecContextPtr m_encoder;
};

} // namespace afk::media
