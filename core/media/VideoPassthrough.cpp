#include "VideoPassthrough.h"

#include <QDebug>
#include <cmath>

extern "C" {
#include <libavcodec/bsf.h>
#include <libavutil/pixdesc.h>
}

namespace afk::media {
namespace {

// profile_idc values whose 4:2:0 8-bit streams every HLS player decodes (constrained baseline
// is baseline with a flag).
bool isPlayableProfile(int profile)
{
    return profile == FF_PROFILE_H264_BASELINE || profile == FF_PROFILE_H264_CONSTRAINED_BASELINE
           || profile == FF_PROFILE_H264_MAIN || profile == FF_PROFILE_H264_HIGH;
}

} // namespace

VideoPassthrough::VideoPassthrough() = default;

VideoPassthrough::~VideoPassthrough()
{
    av_bsf_free(&m_filter);
}

QString VideoPassthrough::refusal(const SourceInfo &source, const Rendition &top,
                                  int framesPerSecond)
{
    if (!source.videoCodec)
        return QStringLiteral("the source offers no compressed video to copy");
    const AVCodecParameters &video = *source.videoCodec;
    if (video.codec_id != AV_CODEC_ID_H264)
        return QStringLiteral("the video is %1, not H.264")
            .arg(QString::fromUtf8(avcodec_get_name(video.codec_id)));
    if (video.extradata_size < 7 || video.extradata[0] != 1)
        return QStringLiteral("no AVC sequence header (SPS/PPS) arrived before the video");
    if (!isPlayableProfile(video.profile))
        return QStringLiteral("H.264 profile %1 is not one every player decodes (baseline, main, high)")
            .arg(video.profile);
    if (video.format != AV_PIX_FMT_YUV420P && video.format != AV_PIX_FMT_YUVJ420P)
        return QStringLiteral("the picture format is %1, not 8-bit 4:2:0")
            .arg(QString::fromUtf8(av_get_pix_fmt_name(AVPixelFormat(video.format))));
    if (video.width != top.width || video.height != top.height)
        return QStringLiteral("the video is %1x%2, the top rung %3 is %4x%5")
            .arg(video.width).arg(video.height).arg(top.name).arg(top.width).arg(top.height);
    // The copied frames keep their own timing: it must be the grid the other rungs are on.
    if (source.framesPerSecond <= 0)
        return QStringLiteral("the publisher did not say its frame rate (onMetaData framerate)");
    if (std::abs(source.framesPerSecond - framesPerSecond) > 0.01 * framesPerSecond)
        return QStringLiteral("the video is %1 fps, the ladder %2 fps")
            .arg(source.framesPerSecond, 0, 'f', 2)
            .arg(framesPerSecond);
    return {};
}

bool VideoPassthrough::open(const AVCodecParameters &source, int framesPerSecond, QString *error)
{
    m_context.reset(avcodec_alloc_context3(nullptr));
    const AVBitStreamFilter *toAnnexB = av_bsf_get_by_name("h264_mp4toannexb");
    if (!m_context || !toAnnexB) {
        *error = m_context ? QStringLiteral("this FFmpeg has no h264_mp4toannexb filter")
                           : QStringLiteral("out of memory");
        return false;
    }
    // No extradata: like libx264's output, the parameter sets travel in the keyframes.
    AVCodecContext &context = *m_context;
    context.codec_type = AVMEDIA_TYPE_VIDEO;
    context.codec_id = AV_CODEC_ID_H264;
    context.width = source.width;
    context.height = source.height;
    context.pix_fmt = AV_PIX_FMT_YUV420P;
    context.profile = source.profile;
    context.level = source.level;
    context.sample_aspect_ratio = source.sample_aspect_ratio.num > 0 ? source.sample_aspect_ratio
                                                                     : AVRational{1, 1};
    context.time_base = AVRational{1, framesPerSecond};
    context.framerate = AVRational{framesPerSecond, 1};
    context.bit_rate = source.bit_rate;

    int result = av_bsf_alloc(toAnnexB, &m_filter);
    if (result >= 0)
        result = avcodec_parameters_copy(m_filter->par_in, &source);
    if (result >= 0) {
        m_filter->time_base_in = context.time_base;
        result = av_bsf_init(m_filter);
    }
    if (result < 0) {
        *error = QStringLiteral("cannot set up the H.264 copy: %1").arg(avErrorText(result));
        return false;
    }
    return true;
}

bool VideoPassthrough::convert(PacketPtr packet, std::vector<PacketPtr> *out, QString *error)
{
    int result = av_bsf_send_packet(m_filter, packet.get());
    if (result < 0) {
        // A damaged packet costs that packet, not the rung (as with a decoded source).
        qWarning("[media] skipping a copied H.264 packet: %s", qPrintable(avErrorText(result)));
        return true;
    }
    while (result >= 0) {
        PacketPtr converted = allocPacket();
        result = av_bsf_receive_packet(m_filter, converted.get());
        if (result == AVERROR(EAGAIN) || result == AVERROR_EOF)
            return true;
        if (result >= 0)
            out->push_back(std::move(converted));
    }
    *error = QStringLiteral("the publisher's H.264 could not be copied: %1").arg(avErrorText(result));
    return false;
}

} // namespace afk::media
