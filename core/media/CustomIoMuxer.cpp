#include "CustomIoMuxer.h"

namespace afk::media {
namespace {

// libavformat hands the callback this much at a time.
constexpr int muxerBufferBytes = 64 * 1024;

} // namespace

bool openCustomIoMuxer(const char *formatName, const QString &label, void *opaque,
                       int (*write)(void *opaque, uint8_t *data, int size),
                       const AVCodecContext &video, AVRational videoTimeBase,
                       const AVCodecContext *audio, AVRational audioTimeBase,
                       CustomIoMuxer *muxer, QString *error)
{
    AVFormatContext *rawMuxer = nullptr;
    const int result = avformat_alloc_output_context2(&rawMuxer, nullptr, formatName, nullptr);
    if (result < 0) {
        *error = QStringLiteral("cannot create the %1 muxer: %2").arg(label, avErrorText(result));
        return false;
    }
    muxer->context.reset(rawMuxer);
    AvMemoryPtr buffer(static_cast<unsigned char *>(av_malloc(muxerBufferBytes)));
    AVIOContext *io = buffer ? avio_alloc_context(buffer.get(), muxerBufferBytes, 1, opaque,
                                                  nullptr, write, nullptr)
                             : nullptr;
    if (!io) {
        *error = QStringLiteral("out of memory");
        return false;
    }
    buffer.release(); // the AVIO context owns it now
    muxer->context->pb = io;
    muxer->context->flags |= AVFMT_FLAG_CUSTOM_IO;

    muxer->videoStream = avformat_new_stream(muxer->context.get(), nullptr);
    if (!muxer->videoStream
        || avcodec_parameters_from_context(muxer->videoStream->codecpar, &video) < 0) {
        *error = QStringLiteral("cannot add the video stream to the %1 muxer").arg(label);
        return false;
    }
    muxer->videoStream->time_base = videoTimeBase;
    if (audio) {
        muxer->audioStream = avformat_new_stream(muxer->context.get(), nullptr);
        if (!muxer->audioStream
            || avcodec_parameters_from_context(muxer->audioStream->codecpar, audio) < 0) {
            *error = QStringLiteral("cannot add the audio stream to the %1 muxer").arg(label);
            return false;
        }
        muxer->audioStream->time_base = audioTimeBase;
    }
    return true;
}

} // namespace afk::media
