#include "DemuxDecoder.h"

namespace afk::media {

bool DemuxDecoder::open(const QString &name, AVIOContext *io, QString *error)
{
    return openInput(name, io, nullptr, {}, error);
}

bool DemuxDecoder::openAs(const char *formatName, const QString &name, AVIOContext *io,
                          QString *error)
{
    const AVInputFormat *format = av_find_input_format(formatName);
    if (!format) {
        *error = QStringLiteral("this FFmpeg has no %1 input").arg(QString::fromLatin1(formatName));
        return false;
    }
    return openInput(name, io, format, {}, error);
}

bool DemuxDecoder::openDevice(const char *formatName, const QString &url,
                              const QList<std::pair<QByteArray, QByteArray>> &options,
                              QString *error)
{
    const AVInputFormat *format = av_find_input_format(formatName);
    if (!format) {
        *error = QStringLiteral("this FFmpeg has no %1 input").arg(QString::fromLatin1(formatName));
        return false;
    }
    return openInput(url, nullptr, format, options, error);
}

bool DemuxDecoder::openInput(const QString &name, AVIOContext *io, const AVInputFormat *format,
                             const QList<std::pair<QByteArray, QByteArray>> &options,
                             QString *error)
{
    m_name = name;
    AVFormatContext *rawInput = avformat_alloc_context();
    if (!rawInput) {
        *error = QStringLiteral("out of memory");
        return false;
    }
    if (io) {
        rawInput->pb = io;
        rawInput->flags |= AVFMT_FLAG_CUSTOM_IO;
    }
    Dictionary deviceOptions; // what the input does not take is freed with it
    for (const auto &[key, value] : options) {
        if (!deviceOptions.set(key.constData(), value.constData())) {
            avformat_free_context(rawInput);
            *error = QStringLiteral("out of memory");
            return false;
        }
    }
    // avformat_open_input frees the context itself on failure.
    int result = avformat_open_input(&rawInput, io ? nullptr : name.toUtf8().constData(), format,
                                     deviceOptions.address());
    if (result < 0) {
        *error = QStringLiteral("cannot open %1: %2").arg(name, avErrorText(result));
        return false;
    }
    m_input.reset(rawInput);
    result = avformat_find_stream_info(m_input.get(), nullptr);
    if (result < 0) {
        *error = QStringLiteral("cannot read the streams of %1: %2").arg(name, avErrorText(result));
        return false;
    }
    m_videoStream = av_find_best_stream(m_input.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
    m_audioStream = av_find_best_stream(m_input.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
    if (m_videoStream < 0 && m_audioStream < 0) {
        *error = QStringLiteral("%1 has neither video nor audio").arg(name);
        return false;
    }
    if (m_videoStream >= 0 && !openDecoder(m_videoStream, &m_videoDecoder, error))
        return false;
    if (m_audioStream >= 0 && !openDecoder(m_audioStream, &m_audioDecoder, error))
        return false;

    if (m_videoStream >= 0) {
        const AVStream *video = m_input->streams[m_videoStream];
        m_facts.hasVideo = true;
        m_facts.width = video->codecpar->width;
        m_facts.height = video->codecpar->height;
        // Only the average rate is trusted: WebM's r_frame_rate is often its 1 ms time base.
        const AVRational rate = video->avg_frame_rate;
        const double framesPerSecond = rate.num > 0 && rate.den > 0 ? av_q2d(rate) : 0;
        m_facts.framesPerSecond = framesPerSecond >= 1 && framesPerSecond <= 240 ? framesPerSecond : 0;
        if (m_facts.width <= 0 || m_facts.height <= 0) {
            *error = QStringLiteral("%1: the video size is unknown").arg(name);
            return false;
        }
    }
    m_facts.hasAudio = m_audioStream >= 0;
    m_decoded = allocFrame();
    return true;
}

bool DemuxDecoder::openDecoder(int streamIndex, CodecContextPtr *decoder, QString *error)
{
    const AVCodecParameters *parameters = m_input->streams[streamIndex]->codecpar;
    const AVCodec *codec = avcodec_find_decoder(parameters->codec_id);
    if (!codec) {
        *error = QStringLiteral("%1: no decoder for %2")
                     .arg(m_name, QString::fromUtf8(avcodec_get_name(parameters->codec_id)));
        return false;
    }
    decoder->reset(avcodec_alloc_context3(codec));
    if (!*decoder) {
        *error = QStringLiteral("out of memory");
        return false;
    }
    int result = avcodec_parameters_to_context(decoder->get(), parameters);
    if (result >= 0) {
        (*decoder)->pkt_timebase = m_input->streams[streamIndex]->time_base;
        // Two decode threads: enough to keep ahead of the encoders on two cores.
        (*decoder)->thread_count = 2;
        result = avcodec_open2(decoder->get(), codec, nullptr);
    }
    if (result < 0) {
        *error = QStringLiteral("%1: cannot open the %2 decoder: %3")
                     .arg(m_name, QString::fromUtf8(codec->name), avErrorText(result));
        return false;
    }
    return true;
}

bool DemuxDecoder::decode(AVCodecContext &decoder, const AVPacket *packet, bool isVideo,
                          const FrameHandler &handler)
{
    int result = avcodec_send_packet(&decoder, packet);
    if (result < 0 && result != AVERROR_EOF) {
        // A damaged packet costs that packet, not the stream.
        qWarning("[media] %s: skipping a packet the decoder refused: %s", qPrintable(m_name),
                 qPrintable(avErrorText(result)));
        return true;
    }
    while (true) {
        result = avcodec_receive_frame(&decoder, m_decoded.get());
        if (result == AVERROR(EAGAIN) || result == AVERROR_EOF)
            return true;
        if (result < 0) {
            qWarning("[media] %s: skipping an undecodable frame: %s", qPrintable(m_name),
                     qPrintable(avErrorText(result)));
            return true;
        }
        FramePtr frame = allocFrame();
        av_frame_move_ref(frame.get(), m_decoded.get());
        if (frame->best_effort_timestamp == AV_NOPTS_VALUE)
            continue; // nothing to place it by
        const qint64 timestampUs =
            av_rescale_q(frame->best_effort_timestamp, decoder.pkt_timebase, AV_TIME_BASE_Q);
        if (m_originUs == AV_NOPTS_VALUE)
            m_originUs = timestampUs;
        frame->pts = timestampUs - m_originUs;
        if (frame->pts < 0)
            continue; // before the start (e.g. codec delay priming)
        if (!handler(std::move(frame), isVideo))
            return false;
    }
}

const AVCodecParameters *DemuxDecoder::videoParameters() const
{
    return m_videoStream >= 0 ? m_input->streams[m_videoStream]->codecpar : nullptr;
}

bool DemuxDecoder::handOverVideoPacket(const AVPacket &packet)
{
    const AVRational timeBase = m_input->streams[m_videoStream]->time_base;
    const qint64 dts = packet.dts != AV_NOPTS_VALUE ? packet.dts : packet.pts;
    if (dts == AV_NOPTS_VALUE)
        return true; // nothing to place it by; the decoder still gets it
    PacketPtr copy = clonePacket(packet);
    copy->dts = av_rescale_q(dts, timeBase, AV_TIME_BASE_Q) - m_originUs;
    copy->pts = packet.pts != AV_NOPTS_VALUE
                    ? av_rescale_q(packet.pts, timeBase, AV_TIME_BASE_Q) - m_originUs
                    : copy->dts;
    copy->duration = av_rescale_q(packet.duration, timeBase, AV_TIME_BASE_Q);
    copy->time_base = AV_TIME_BASE_Q;
    return m_videoPacketHandler(std::move(copy));
}

DemuxDecoder::RunResult DemuxDecoder::run(const std::atomic<bool> &stopRequested,
                                          const FrameHandler &handler, QString *error)
{
    PacketPtr packet = allocPacket();
    while (!stopRequested.load()) {
        const int result = av_read_frame(m_input.get(), packet.get());
        if (result == AVERROR_EOF || (result < 0 && avio_feof(m_input->pb)))
            break;
        if (result < 0) {
            *error = QStringLiteral("%1: read failed: %2").arg(m_name, avErrorText(result));
            return RunResult::Failed;
        }
        bool isOk = true;
        if (m_videoPacketHandler && m_originUs == AV_NOPTS_VALUE && packet->dts != AV_NOPTS_VALUE
            && (packet->stream_index == m_videoStream || packet->stream_index == m_audioStream))
            m_originUs = av_rescale_q(packet->dts, m_input->streams[packet->stream_index]->time_base,
                                      AV_TIME_BASE_Q);
        if (packet->stream_index == m_videoStream && m_videoPacketHandler
            && m_originUs != AV_NOPTS_VALUE)
            isOk = handOverVideoPacket(*packet);
        if (!isOk) {
            av_packet_unref(packet.get());
            return RunResult::Stopped;
        }
        if (packet->stream_index == m_videoStream)
            isOk = decode(*m_videoDecoder, packet.get(), true, handler);
        else if (packet->stream_index == m_audioStream)
            isOk = decode(*m_audioDecoder, packet.get(), false, handler);
        av_packet_unref(packet.get());
        if (!isOk)
            return RunResult::Stopped;
    }
    if (stopRequested.load())
        return RunResult::Stopped;
    // Drain the decoders' delayed frames.
    for (auto [decoder, isVideo] : {std::pair{m_videoDecoder.get(), true},
                                    std::pair{m_audioDecoder.get(), false}}) {
        if (decoder && !this->decode(*decoder, nullptr, isVideo, handler))
            return RunResult::Stopped;
    }
    return RunResult::Ended;
}

} // namespace afk::media
