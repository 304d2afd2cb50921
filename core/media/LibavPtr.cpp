#include "LibavPtr.h"

#include <new>

namespace afk::media {

void OutputFormatDeleter::operator()(AVFormatContext *context) const
{
    if (!context)
        return;
    if (context->pb && (context->flags & AVFMT_FLAG_CUSTOM_IO)) {
        av_freep(&context->pb->buffer);
        avio_context_free(&context->pb);
    }
    avformat_free_context(context);
}

void IoContextDeleter::operator()(AVIOContext *io) const
{
    if (!io)
        return;
    av_freep(&io->buffer);
    avio_context_free(&io);
}

FramePtr allocFrame()
{
    FramePtr frame(av_frame_alloc());
    if (!frame)
        throw std::bad_alloc();
    return frame;
}

PacketPtr allocPacket()
{
    PacketPtr packet(av_packet_alloc());
    if (!packet)
        throw std::bad_alloc();
    return packet;
}

PacketPtr clonePacket(const AVPacket &packet)
{
    PacketPtr copy(av_packet_clone(&packet));
    if (!copy)
        throw std::bad_alloc();
    return copy;
}

FramePtr cloneFrame(const AVFrame &frame)
{
    FramePtr copy(av_frame_clone(&frame));
    if (!copy)
        throw std::bad_alloc();
    return copy;
}

QString avErrorText(int errorCode)
{
    char text[AV_ERROR_MAX_STRING_SIZE] = {};
    av_strerror(errorCode, text, sizeof text);
    return QStringLiteral("%1 (%2)").arg(QString::fromUtf8(text)).arg(errorCode);
}

} // namespace afk::media
