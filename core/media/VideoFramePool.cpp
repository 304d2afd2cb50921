#include "VideoFramePool.h"

extern "C" {
#include <libavutil/imgutils.h>
}

namespace afk::media {
namespace {

constexpr int bufferAlignment = 64; // what SIMD code in swscale and x264 likes

} // namespace

VideoFramePool::VideoFramePool(AVPixelFormat format, int width, int height)
    : m_format(format), m_width(width), m_height(height)
{
    const int size = av_image_get_buffer_size(format, width, height, bufferAlignment);
    if (size > 0)
        m_pool.reset(av_buffer_pool_init(size + bufferAlignment, nullptr));
}

FramePtr VideoFramePool::get()
{
    if (!m_pool)
        return nullptr;
    FramePtr frame = allocFrame();
    frame->format = m_format;
    frame->width = m_width;
    frame->height = m_height;
    frame->buf[0] = av_buffer_pool_get(m_pool.get());
    if (!frame->buf[0])
        return nullptr;
    // Buffers from av_malloc are aligned already; the extra room covers rounding anyway.
    if (av_image_fill_arrays(frame->data, frame->linesize, frame->buf[0]->data, m_format,
                             m_width, m_height, bufferAlignment)
        < 0)
        return nullptr;
    return frame;
}

} // namespace afk::media
