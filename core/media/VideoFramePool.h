// Reuses the buffers of same-sized video frames: a 720p frame is 1.4 MB, and fresh allocations
// at 30 fps per rung cost page faults and zeroing in the kernel.
#pragma once

#include "LibavPtr.h"

namespace afk::media {

class VideoFramePool
{
public:
    VideoFramePool(AVPixelFormat format, int width, int height);

    // A frame with buffers from the pool (contents undefined); nullptr when out of memory.
    FramePtr get();

private:
    AVPixelFormat m_format;
    int m_width;
    int m_height;
    BufferPoolPtr m_pool;
};

} // namespace afk::media
