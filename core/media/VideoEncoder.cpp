#include "VideoEncoder.h"

namespace afk::media {

bool VideoEncoder::open(const Rendition &rendition, const VideoEncoderSettings &settings,
                        QString *error)
{
    const AVCodec *codec = avcodec_find_encoder_by_name("libx264");
    if (!codec) {
        *error = QStringLiteral("this FFmpeg build has no libx264 encoder");
        return false;
    }
    m_encoder.reset(avcodec_alloc_context3(codec));
    if (!m_encoder) {
        *error = QStringLiteral("out of memory");
        return false;
    }
    AVCodecContext &encoder = *m_encoder;
    encoder.width = rendition.width;
    encoder.height = rendition.height;
    encoder.pix_fmt = AV_PIX_FMT_YUV420P;
    encoder.time_base = AVRational{1, settings.framesPerSecond};
    encoder.framerate = AVRational{settings.framesPerSecond, 1};
    encoder.sample_aspect_ratio = AVRational{1, 1};
    if (settings.gopFrames > 0) {
        encoder.gop_size = settings.gopFrames;
        encoder.keyint_min = settings.gopFrames;
    }
    encoder.bit_rate = qint64(rendition.videoBitrateKbps) * 1000;
    encoder.rc_max_rate = qint64(rendition.maxBitrateKbps) * 1000;
    encoder.rc_buffer_size = rendition.bufferSizeKbits * 1000;
    encoder.thread_count = settings.threadCount;
    encoder.color_range = AVCOL_RANGE_MPEG;

    // No scene-cut keyframes and closed GOPs: every segment starts with an IDR frame on the
    // same frame index in every rendition.
    QByteArray x264Params =
        (settings.gopFrames > 0
             ? QStringLiteral("keyint=%1:min-keyint=%1:scenecut=0:open-gop=0").arg(settings.gopFrames)
             : QStringLiteral("keyint=infinite:scenecut=0:open-gop=0"))
            .toUtf8();
    // With frame threads x264 buffers B-frames + 1 more frames for its threaded lookahead
    // (sync-lookahead): 133 ms more before an LL-HLS part can have them, for no quality. Without
    // it the ladder's CPU and PSNR measured the same (README, "Low-Latency HLS").
    if (settings.threadCount > 1)
        x264Params += ":sync-lookahead=0";
    Dictionary options;
    if (!options.set("preset", settings.preset.toUtf8().constData())
        || !options.set("forced-idr", "1") || !options.set("x264-params", x264Params.constData())) {
        *error = QStringLiteral("out of memory");
        return false;
    }
    const int result = avcodec_open2(m_encoder.get(), codec, options.address());
    if (result < 0) {
        *error = QStringLiteral("cannot open libx264 for %1: %2").arg(rendition.name, avErrorText(result));
        return false;
    }
    return true;
}

bool VideoEncoder::encode(AVFrame *frame, std::vector<PacketPtr> *packets, QString *error)
{
    int result = avcodec_send_frame(m_encoder.get(), frame);
    if (result < 0 && !(frame == nullptr && result == AVERROR_EOF)) {
        *error = QStringLiteral("H.264 encoding failed: %1").arg(avErrorText(result));
        return false;
    }
    while (true) {
        PacketPtr packet = allocPacket();
        result = avcodec_receive_packet(m_encoder.get(), packet.get());
        if (result == AVERROR(EAGAIN) || result == AVERROR_EOF)
            return true;
        if (result < 0) {
            *error = QStringLiteral("H.264 encoding failed: %1").arg(avErrorText(result));
            return false;
        }
        // The time base is one frame; libx264 leaves the duration unset.
        if (packet->duration <= 0)
            packet->duration = 1;
        packets->push_back(std::move(packet));
    }
}

} // namespace afk::media
