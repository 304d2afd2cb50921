// Reuses the buffers of same-sized video frames: a 720p frame is 1.4 MB, and fresh allocations
// at 30 fps per rung cost page faults and zeroing in the kernel.
#pragma once

#include "LibavPtr.h"

namespace afk::media {

struct BufferPoolDeleter {
    // The pool is freed once every buffer it lent out has come back.
    void operator()(AVBufferPool *pool) const { av_buffer_pool_uninit(&pool); }
};

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
    std::unique_ptr<AVBufferPool, BufferPoolDeleter> m_pool;
};

} // namespace afk::media
