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

using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;
using PacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;
using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextDeleter>;
using InputFormatPtr = std::unique_ptr<AVFormatContext, InputFormatDeleter>;
using OutputFormatPtr = std::unique_ptr<AVFormatContext, OutputFormatDeleter>;
using SwsPtr = std::unique_ptr<SwsContext, SwsDeleter>;
using SwrPtr = std::unique_ptr<SwrContext, SwrDeleter>;
using AudioFifoPtr = std::unique_ptr<AVAudioFifo, AudioFifoDeleter>;

// Allocators that never hand out nullptr silently: they throw std::bad_alloc like `new`.
FramePtr allocFrame();
PacketPtr allocPacket();
// A new reference to the same data (refcounted buffers are shared, not copied).
PacketPtr clonePacket(const AVPacket &packet);
FramePtr cloneFrame(const AVFrame &frame);

// libav error code as readable text ("Invalid data found when processing input (-1094995529)").
QString avErrorText(int errorCode);

} // namespace afk::media
