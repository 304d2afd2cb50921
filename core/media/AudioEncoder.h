// The one AAC encoder of a pipeline: any input audio → 48 kHz stereo AAC-LC, 1024-sample frames,
// continuous timestamps. Its packets are shared by every rendition.
#pragma once

#include "LibavPtr.h"

#include <vector>

namespace afk::media {

class AudioEncoder
{
public:
    static constexpr int sampleRate = 48000;

    AudioEncoder() = default;
    AudioEncoder(const AudioEncoder &) = delete;
    AudioEncoder &operator=(const AudioEncoder &) = delete;

    bool open(int bitrateKbps, QString *error);
    // frame->pts is in samples at the frame's own rate, from the stream origin. Appends the
    // packets it completes (time base 1/48000) to *packets.
    bool encode(const AVFrame &frame, std::vector<PacketPtr> *packets, QString *error);
    // Encodes what is buffered and drains the encoder.
    bool flush(std::vector<PacketPtr> *packets, QString *error);

    const AVCodecContext *context() const { return m_encoder.get(); }

private:
    bool ensureResampler(const AVFrame &frame, QString *error);
    bool encodeFromFifo(int sampleCount, std::vector<PacketPtr> *packets, QString *error);
    bool drainPackets(std::vector<PacketPtr> *packets, QString *error);

    CodecContextPtr m_encoder;
    SwrPtr m_resampler;
    AudioFifoPtr m_fifo;
    int m_inputRate = 0;
    int m_inputFormat = -1;
    ChannelLayout m_inputLayout;
    qint64 m_nextPts = AV_NOPTS_VALUE;
};

} // namespace afk::media
