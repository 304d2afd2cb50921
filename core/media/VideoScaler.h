// Makes one rung's picture: a frame (any size and pixel format) to a YUV 4:2:0 frame of the
// rendition's size. Recreates its swscale context when the input changes mid-stream.
#pragma once

#include "ScaleFilter.h"
#include "VideoFramePool.h"

namespace afk::media {

class VideoScaler
{
public:
    VideoScaler(int width, int height, ScaleFilter filter = defaultScaleFilter)
        : m_width(width), m_height(height), m_filter(filter),
          m_pool(AV_PIX_FMT_YUV420P, width, height)
    {
    }

    // A new frame of the target size; a new reference to the input when it already is one
    // (no copy). nullptr with *error on failure.
    FramePtr scale(const AVFrame &input, QString *error);

private:
    int m_width;
    int m_height;
    ScaleFilter m_filter;
    SwsPtr m_context;
    VideoFramePool m_pool;
};

} // namespace afk::media
