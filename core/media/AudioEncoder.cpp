#include "AudioEncoder.h"

extern "C" {
#include <libavutil/channel_layout.h>
}

namespace afk::media {

bool AudioEncoder::open(int bitrateKbps, QString *error)
{
    const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_AAC);
    if (!codec) {
        *error = QStringLiteral("this FFmpeg build has no AAC encoder");
        return false;
    }
    m_encoder.reset(avcodec_alloc_context3(codec));
    if (!m_encoder) {
        *error = QStringLiteral("out of memory");
        return false;
    }
    m_encoder->sample_fmt = AV_SAMPLE_FMT_FLTP;
    m_encoder->sample_rate = sampleRate;
    av_channel_layout_default(&m_encoder->ch_layout, 2);
    m_encoder->bit_rate = qint64(bitrateKbps) * 1000;
    m_encoder->time_base = AVRational{1, sampleRate};
    m_encoder->profile = FF_PROFILE_AAC_LOW;
    const int result = avcodec_open2(m_encoder.get(), codec, nullptr);
    if (result < 0) {
        *error = QStringLiteral("cannot open the AAC encoder: %1").arg(avErrorText(result));
        return false;
    }
    m_fifo.reset(av_audio_fifo_alloc(AV_SAMPLE_FMT_FLTP, 2, sampleRate));
    if (!m_fifo) {
        *error = QStringLiteral("out of memory");
        return false;
    }
    return true;
}

bool AudioEncoder::ensureResampler(const AVFrame &frame, QString *error)
{
    if (m_resampler && frame.sample_rate == m_inputRate && frame.format == m_inputFormat
        && av_channel_layout_compare(&frame.ch_layout, &m_inputLayout.get()) == 0)
        return true;
    // First frame, or the source changed its audio format mid-stream: convert from the new one.
    ChannelLayout inputLayout;
    int result = 0;
    if (frame.ch_layout.nb_channels > 0)
        result = inputLayout.copyFrom(frame.ch_layout);
    else
        inputLayout.setDefault(2);
    SwrContext *newResampler = nullptr;
    if (result >= 0)
        result = swr_alloc_set_opts2(&newResampler, &m_encoder->ch_layout, AV_SAMPLE_FMT_FLTP,
                                     sampleRate, &inputLayout.get(), AVSampleFormat(frame.format),
                                     frame.sample_rate, 0, nullptr);
    SwrPtr resampler(newResampler);
    if (result >= 0)
        result = swr_init(resampler.get());
    if (result < 0) {
        *error = QStringLiteral("cannot convert %1 Hz audio: %2")
                     .arg(frame.sample_rate)
                     .arg(avErrorText(result));
        return false;
    }
    m_resampler = std::move(resampler);
    m_inputRate = frame.sample_rate;
    m_inputFormat = frame.format;
    m_inputLayout.swap(inputLayout);
    return true;
}

bool AudioEncoder::encode(const AVFrame &frame, std::vector<PacketPtr> *packets, QString *error)
{
    if (frame.sample_rate <= 0 || frame.nb_samples <= 0)
        return true;
    if (!ensureResampler(frame, error))
        return false;
    if (m_nextPts == AV_NOPTS_VALUE)
        m_nextPts = frame.pts == AV_NOPTS_VALUE
                        ? 0
                        : av_rescale_q(frame.pts, AVRational{1, frame.sample_rate},
                                       AVRational{1, sampleRate});

    FramePtr converted = allocFrame();
    converted->format = AV_SAMPLE_FMT_FLTP;
    converted->sample_rate = sampleRate;
    int result = av_channel_layout_copy(&converted->ch_layout, &m_encoder->ch_layout);
    if (result < 0) {
        *error = QStringLiteral("out of memory for audio");
        return false;
    }
    result = swr_convert_frame(m_resampler.get(), converted.get(), &frame);
    if (result < 0) {
        *error = QStringLiteral("audio conversion failed: %1").arg(avErrorText(result));
        return false;
    }
    if (converted->nb_samples > 0
        && av_audio_fifo_write(m_fifo.get(), reinterpret_cast<void **>(converted->data),
                               converted->nb_samples) < converted->nb_samples) {
        *error = QStringLiteral("out of memory buffering audio");
        return false;
    }
    while (av_audio_fifo_size(m_fifo.get()) >= m_encoder->frame_size)
        if (!encodeFromFifo(m_encoder->frame_size, packets, error))
            return false;
    return true;
}

bool AudioEncoder::encodeFromFifo(int sampleCount, std::vector<PacketPtr> *packets, QString *error)
{
    FramePtr frame = allocFrame();
    frame->format = AV_SAMPLE_FMT_FLTP;
    frame->sample_rate = sampleRate;
    frame->nb_samples = sampleCount;
    int result = av_channel_layout_copy(&frame->ch_layout, &m_encoder->ch_layout);
    if (result >= 0)
        result = av_frame_get_buffer(frame.get(), 0);
    if (result < 0) {
        *error = QStringLiteral("out of memory for audio");
        return false;
    }
    if (av_audio_fifo_read(m_fifo.get(), reinterpret_cast<void **>(frame->data), sampleCount)
        < sampleCount) {
        *error = QStringLiteral("audio buffer underrun");
        return false;
    }
    frame->pts = m_nextPts;
    m_nextPts += sampleCount;
    result = avcodec_send_frame(m_encoder.get(), frame.get());
    if (result < 0) {
        *error = QStringLiteral("AAC encoding failed: %1").arg(avErrorText(result));
        return false;
    }
    return drainPackets(packets, error);
}

bool AudioEncoder::drainPackets(std::vector<PacketPtr> *packets, QString *error)
{
    while (true) {
        PacketPtr packet = allocPacket();
        const int result = avcodec_receive_packet(m_encoder.get(), packet.get());
        if (result == AVERROR(EAGAIN) || result == AVERROR_EOF)
            return true;
        if (result < 0) {
            *error = QStringLiteral("AAC encoding failed: %1").arg(avErrorText(result));
            return false;
        }
        packets->push_back(std::move(packet));
    }
}

bool AudioEncoder::flush(std::vector<PacketPtr> *packets, QString *error)
{
    if (!m_encoder)
        return true;
    const int remaining = m_fifo ? av_audio_fifo_size(m_fifo.get()) : 0;
    if (remaining > 0 && !encodeFromFifo(remaining, packets, error))
        return false;
    const int result = avcodec_send_frame(m_encoder.get(), nullptr);
    if (result < 0 && result != AVERROR_EOF) {
        *error = QStringLiteral("AAC flush failed: %1").arg(avErrorText(result));
        return false;
    }
    return drainPackets(packets, error);
}

} // namespace afk::media
