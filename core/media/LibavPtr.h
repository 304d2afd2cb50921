// RAII owners for libav objects: every libav allocation in the project lives in one of these.
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

#include <QString>
#include <memory>
#include <utility>

namespace afk::media {

struct FrameDeleter {
    void operator()(AVFrame *frame) const { av_frame_free(&frame); }
};
struct PacketDeleter {
    void operator()(AVPacket *packet) const { av_packet_free(&packet); }
};
struct CodecContextDeleter {
    void operator()(AVCodecContext *context) const { avcodec_free_context(&context); }
};
struct InputFormatDeleter {
    void operator()(AVFormatContext *context) const { avformat_close_input(&context); }
};
// An output context whose AVIOContext (if any) was made by us with avio_alloc_context;
// the caller-owned opaque is not touched.
struct OutputFormatDeleter {
    void operator()(AVFormatContext *context) const;
};
struct SwsDeleter {
    void operator()(SwsContext *context) const { sws_freeContext(context); }
};
struct SwrDeleter {
    void operator()(SwrContext *context) const { swr_free(&context); }
};
struct AudioFifoDeleter {
    void operator()(AVAudioFifo *fifo) const { av_audio_fifo_free(fifo); }
};
struct BufferPoolDeleter {
    // The pool is freed once every buffer it lent out has come back.
    void operator()(AVBufferPool *pool) const { av_buffer_pool_uninit(&pool); }
};
// Memory from av_malloc (e.g. an AVIOContext's buffer before the context takes it).
struct AvMemoryDeleter {
    void operator()(void *memory) const { av_free(memory); }
};
// An AVIOContext made with avio_alloc_context, and the buffer it holds then.
struct IoContextDeleter {
    void operator()(AVIOContext *io) const;
};

using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;
using PacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;
using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextDeleter>;
using InputFormatPtr = std::unique_ptr<AVFormatContext, InputFormatDeleter>;
using OutputFormatPtr = std::unique_ptr<AVFormatContext, OutputFormatDeleter>;
using SwsPtr = std::unique_ptr<SwsContext, SwsDeleter>;
using SwrPtr = std::unique_ptr<SwrContext, SwrDeleter>;
using AudioFifoPtr = std::unique_ptr<AVAudioFifo, AudioFifoDeleter>;
using BufferPoolPtr = std::unique_ptr<AVBufferPool, BufferPoolDeleter>;
using AvMemoryPtr = std::unique_ptr<unsigned char, AvMemoryDeleter>;
using IoContextPtr = std::unique_ptr<AVIOContext, IoContextDeleter>;

// Options for libav calls that take AVDictionary ** (and may replace the dictionary).
class Dictionary
{
public:
    Dictionary() = default;
    Dictionary(const Dictionary &) = delete;
    Dictionary &operator=(const Dictionary &) = delete;
    ~Dictionary() { av_dict_free(&m_dictionary); }

    // False when out of memory.
    bool set(const char *key, const char *value)
    {
        return av_dict_set(&m_dictionary, key, value, 0) >= 0;
    }
    AVDictionary **address() { return &m_dictionary; }

private:
    AVDictionary *m_dictionary = nullptr;
};

// An AVChannelLayout, which may own a custom channel map.
class ChannelLayout
{
public:
    ChannelLayout() = default;
    ChannelLayout(const ChannelLayout &) = delete;
    ChannelLayout &operator=(const ChannelLayout &) = delete;
    ~ChannelLayout() { av_channel_layout_uninit(&m_layout); }

    // Negative AVERROR when out of memory (the layout is then empty).
    int copyFrom(const AVChannelLayout &source)
    {
        return av_channel_layout_copy(&m_layout, &source);
    }
    void setDefault(int channels)
    {
        av_channel_layout_uninit(&m_layout);
        av_channel_layout_default(&m_layout, channels);
    }
    const AVChannelLayout &get() const { return m_layout; }
    AVChannelLayout &get() { return m_layout; } // FFmpeg 5.1's swr_alloc_set_opts2 wants it
    void swap(ChannelLayout &other) noexcept { std::swap(m_layout, other.m_layout); }

private:
    AVChannelLayout m_layout{};
};

// Allocators that never hand out nullptr silently: they throw std::bad_alloc like `new`.
FramePtr allocFrame();
PacketPtr allocPacket();
// A new reference to the same data (refcounted buffers are shared, not copied).
PacketPtr clonePacket(const AVPacket &packet);
FramePtr cloneFrame(const AVFrame &frame);

// libav error code as readable text ("Invalid data found when processing input (-1094995529)").
QString avErrorText(int errorCode);

} // namespace afk::media
