#include "VideoScaler.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

namespace afk::media {
namespace {

int swsFlags(ScaleFilter filter)
{
    switch (filter) {
    case ScaleFilter::Bicubic:
        return SWS_BICUBIC;
    case ScaleFilter::Lanczos:
        return SWS_LANCZOS;
    case ScaleFilter::Bilinear:
        return SWS_BILINEAR;
    case ScaleFilter::Area:
        return SWS_AREA;
    }
    return SWS_BICUBIC;
}

} // namespace

FramePtr VideoScaler::scale(const AVFrame &input, QString *error)
{
    if (input.width == m_width && input.height == m_height && input.format == AV_PIX_FMT_YUV420P)
        return cloneFrame(input);

    m_context.reset(sws_getCachedContext(m_context.release(), input.width, input.height,
                                         AVPixelFormat(input.format), m_width, m_height,
                                         AV_PIX_FMT_YUV420P, swsFlags(m_filter), nullptr,
                                         nullptr, nullptr));
    if (!m_context) {
        *error = QStringLiteral("cannot scale %1x%2 (%3) to %4x%5")
                     .arg(input.width)
                     .arg(input.height)
                     .arg(QString::fromUtf8(av_get_pix_fmt_name(AVPixelFormat(input.format))))
                     .arg(m_width)
                     .arg(m_height);
        return nullptr;
    }
    FramePtr output = m_pool.get();
    if (!output) {
        *error = QStringLiteral("out of memory for a %1x%2 frame").arg(m_width).arg(m_height);
        return nullptr;
    }
    const int result = sws_scale_frame(m_context.get(), output.get(), &input);
    if (result < 0) {
        *error = QStringLiteral("scaling failed: %1").arg(avErrorText(result));
        return nullptr;
    }
    const int copied = av_frame_copy_props(output.get(), &input);
    if (copied < 0) {
        *error = QStringLiteral("cannot copy frame properties: %1").arg(avErrorText(copied));
        return nullptr;
    }
    return output;
}

} // namespace afk::media
