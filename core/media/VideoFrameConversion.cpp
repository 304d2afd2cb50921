#include "VideoFrameConversion.h"

#include <QImage>
#include <QVideoFrame>

extern "C" {
#include <libavutil/imgutils.h>
}

namespace afk::media {
namespace {

// libav's name for the same memory layout; AV_PIX_FMT_NONE when there is none.
AVPixelFormat libavFormat(QVideoFrameFormat::PixelFormat format, bool *isUvSwapped)
{
    *isUvSwapped = false;
    switch (format) {
    case QVideoFrameFormat::Format_YUV420P: return AV_PIX_FMT_YUV420P;
    case QVideoFrameFormat::Format_YV12: *isUvSwapped = true; return AV_PIX_FMT_YUV420P;
    case QVideoFrameFormat::Format_YUV422P: return AV_PIX_FMT_YUV422P;
    case QVideoFrameFormat::Format_NV12: return AV_PIX_FMT_NV12;
    case QVideoFrameFormat::Format_NV21: return AV_PIX_FMT_NV21;
    case QVideoFrameFormat::Format_UYVY: return AV_PIX_FMT_UYVY422;
    case QVideoFrameFormat::Format_YUYV: return AV_PIX_FMT_YUYV422;
    case QVideoFrameFormat::Format_Y8: return AV_PIX_FMT_GRAY8;
    case QVideoFrameFormat::Format_Y16: return AV_PIX_FMT_GRAY16LE;
    case QVideoFrameFormat::Format_P010: return AV_PIX_FMT_P010LE;
    case QVideoFrameFormat::Format_P016: return AV_PIX_FMT_P016LE;
    case QVideoFrameFormat::Format_YUV420P10: return AV_PIX_FMT_YUV420P10LE;
    // Qt names packed RGB formats by their byte order in memory, as libav does.
    case QVideoFrameFormat::Format_ARGB8888: return AV_PIX_FMT_ARGB;
    case QVideoFrameFormat::Format_XRGB8888: return AV_PIX_FMT_0RGB;
    case QVideoFrameFormat::Format_BGRA8888: return AV_PIX_FMT_BGRA;
    case QVideoFrameFormat::Format_BGRX8888: return AV_PIX_FMT_BGR0;
    case QVideoFrameFormat::Format_ABGR8888: return AV_PIX_FMT_ABGR;
    case QVideoFrameFormat::Format_XBGR8888: return AV_PIX_FMT_0BGR;
    case QVideoFrameFormat::Format_RGBA8888: return AV_PIX_FMT_RGBA;
    case QVideoFrameFormat::Format_RGBX8888: return AV_PIX_FMT_RGB0;
    default: return AV_PIX_FMT_NONE;
    }
}

// Owner of a mapped QVideoFrame shared with an AVFrame's buffer.
void unmapVideoFrame(void *opaque, uint8_t *)
{
    auto *frame = static_cast<QVideoFrame *>(opaque);
    frame->unmap();
    delete frame;
}

FramePtr fromImage(const QVideoFrame &frame, QString *error)
{
    const QImage image = frame.toImage().convertToFormat(QImage::Format_RGBA8888);
    if (image.isNull()) {
        *error = QStringLiteral("cannot read a %1 video frame")
                     .arg(QVideoFrameFormat::pixelFormatToString(frame.pixelFormat()));
        return nullptr;
    }
    FramePtr output = allocFrame();
    if (!output) {
        *error = QStringLiteral("out of memory");
        return nullptr;
    }
    output->format = AV_PIX_FMT_RGBA;
    output->width = image.width();
    output->height = image.height();
    if (av_frame_get_buffer(output.get(), 0) < 0) {
        *error = QStringLiteral("out of memory for a %1x%2 frame").arg(image.width()).arg(image.height());
        return nullptr;
    }
    for (int row = 0; row < image.height(); ++row)
        std::memcpy(output->data[0] + row * output->linesize[0], image.constScanLine(row),
                    size_t(image.width()) * 4);
    return output;
}

} // namespace

FramePtr toAVFrame(const QVideoFrame &frame, QString *error)
{
    bool isUvSwapped = false;
    const AVPixelFormat format = libavFormat(frame.pixelFormat(), &isUvSwapped);
    if (format == AV_PIX_FMT_NONE || frame.handleType() != QVideoFrame::NoHandle)
        return fromImage(frame, error);

    auto *mapped = new QVideoFrame(frame);
    if (!mapped->map(QVideoFrame::ReadOnly)) {
        delete mapped;
        *error = QStringLiteral("cannot map a video frame for reading");
        return nullptr;
    }
    FramePtr output = allocFrame();
    // The buffer stands for the whole mapping; its data pointer is only a handle for the owner.
    AVBufferRef *buffer =
        output ? av_buffer_create(mapped->bits(0), mapped->mappedBytes(0), &unmapVideoFrame, mapped,
                                  AV_BUFFER_FLAG_READONLY)
               : nullptr;
    if (!buffer) {
        mapped->unmap();
        delete mapped;
        *error = QStringLiteral("out of memory");
        return nullptr;
    }
    output->buf[0] = buffer;
    output->format = format;
    output->width = mapped->width();
    output->height = mapped->height();
    for (int plane = 0; plane < mapped->planeCount() && plane < AV_NUM_DATA_POINTERS; ++plane) {
        output->data[plane] = mapped->bits(plane);
        output->linesize[plane] = mapped->bytesPerLine(plane);
    }
    if (isUvSwapped) {
        std::swap(output->data[1], output->data[2]);
        std::swap(output->linesize[1], output->linesize[2]);
    }
    return output;
}

} // namespace afk::media
