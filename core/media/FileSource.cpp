#include "FileSource.h"

#include <QDateTime>
#include <QFileInfo>
#include <chrono>
#include <thread>

namespace afk::media {
namespace {

qint64 steadyNowUs()
{
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

} // namespace

FileSource::FileSource(QString path, bool isRealtime)
    : m_path(std::move(path)), m_isRealtime(isRealtime)
{
}

bool FileSource::open(QString *error)
{
    const QFileInfo fileInfo(m_path);
    if (!fileInfo.isFile() || !fileInfo.isReadable()) {
        *error = QStringLiteral("cannot read %1: no such readable file").arg(m_path);
        return false;
    }
    AVFormatContext *rawInput = nullptr;
    int result = avformat_open_input(&rawInput, m_path.toUtf8().constData(), nullptr, nullptr);
    if (result < 0) {
        *error = QStringLiteral("cannot open %1: %2").arg(m_path, avErrorText(result));
        return false;
    }
    m_input.reset(rawInput);
    result = avformat_find_stream_info(m_input.get(), nullptr);
    if (result < 0) {
        *error = QStringLiteral("cannot read streams of %1: %2").arg(m_path, avErrorText(result));
        return false;
    }
    m_videoStream = av_find_best_stream(m_input.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
    m_audioStream = av_find_best_stream(m_input.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
    if (m_videoStream < 0) {
        *error = QStringLiteral("%1 has no video stream").arg(m_path);
        return false;
    }
    if (!openDecoder(m_videoStream, &m_videoDecoder, error))
        return false;
    if (m_audioStream >= 0 && !openDecoder(m_audioStream, &m_audioDecoder, error))
        return false;

    const AVStream *video = m_input->streams[m_videoStream];
    m_info.hasVideo = true;
    m_info.width = video->codecpar->width;
    m_info.height = video->codecpar->height;
    AVRational rate = video->avg_frame_rate.num > 0 ? video->avg_frame_rate : video->r_frame_rate;
    m_info.framesPerSecond = rate.num > 0 && rate.den > 0 ? av_q2d(rate) : 0;
    m_info.hasAudio = m_audioStream >= 0;
    m_info.isLive = m_isRealtime;
    m_info.description = QStringLiteral("file %1").arg(fileInfo.fileName());
    if (m_info.width <= 0 || m_info.height <= 0) {
        *error = QStringLiteral("%1: video size unknown").arg(m_path);
        return false;
    }
    m_decoded = allocFrame();
    return true;
}

bool FileSource::openDecoder(int streamIndex, CodecContextPtr *decoder, QString *error)
{
    const AVCodecParameters *parameters = m_input->streams[streamIndex]->codecpar;
    const AVCodec *codec = avcodec_find_decoder(parameters->codec_id);
    if (!codec) {
        *error = QStringLiteral("%1: no decoder for %2")
                     .arg(m_path, QString::fromUtf8(avcodec_get_name(parameters->codec_id)));
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
                     .arg(m_path, QString::fromUtf8(codec->name), avErrorText(result));
        return false;
    }
    return true;
}

void FileSource::pace(qint64 mediaUs) const
{
    if (!m_isRealtime)
        return;
    const qint64 waitUs = m_startSteadyUs + mediaUs - steadyNowUs();
    if (waitUs > 0)
        std::this_thread::sleep_for(std::chrono::microseconds(waitUs));
}

bool FileSource::decodeAndPush(AVCodecContext &decoder, const AVPacket *packet, bool isVideo,
                               FrameSink &sink, QString *error)
{
    int result = avcodec_send_packet(&decoder, packet);
    if (result < 0 && result != AVERROR_EOF) {
        // A damaged packet costs that packet, not the stream.
        qWarning("[media] %s: skipping a packet the decoder refused: %s", qPrintable(m_path),
                 qPrintable(avErrorText(result)));
        return true;
    }
    const AVRational timeBase = decoder.pkt_timebase;
    while (true) {
        result = avcodec_receive_frame(&decoder, m_decoded.get());
        if (result == AVERROR(EAGAIN) || result == AVERROR_EOF)
            return true;
        if (result < 0) {
            *error = QStringLiteral("%1: decoding failed: %2").arg(m_path, avErrorText(result));
            return false;
        }
        FramePtr frame = allocFrame();
        av_frame_move_ref(frame.get(), m_decoded.get());
        const qint64 timestamp = frame->best_effort_timestamp;
        if (timestamp == AV_NOPTS_VALUE)
            continue; // nothing to place it by
        qint64 ptsUs = av_rescale_q(timestamp, timeBase, AV_TIME_BASE_Q);
        if (m_originUs == AV_NOPTS_VALUE)
            m_originUs = ptsUs;
        ptsUs -= m_originUs;
        if (ptsUs < 0)
            continue; // before the start (e.g. codec delay priming)
        pace(ptsUs);
        const qint64 wallMs = m_startWallMs + ptsUs / 1000;
        if (isVideo) {
            frame->pts = ptsUs;
            if (!sink.pushVideo({std::move(frame), wallMs}))
                return false;
        } else {
            frame->pts = av_rescale_q(ptsUs, AV_TIME_BASE_Q, AVRational{1, frame->sample_rate});
            if (!sink.pushAudio({std::move(frame), wallMs}))
                return false;
        }
    }
}

bool FileSource::run(FrameSink &sink, const std::atomic<bool> &stopRequested, QString *error)
{
    m_startWallMs = QDateTime::currentMSecsSinceEpoch();
    m_startSteadyUs = steadyNowUs();
    PacketPtr packet = allocPacket();
    while (!stopRequested.load()) {
        const int result = av_read_frame(m_input.get(), packet.get());
        if (result == AVERROR_EOF)
            break;
        if (result < 0) {
            *error = QStringLiteral("%1: read failed: %2").arg(m_path, avErrorText(result));
            return false;
        }
        bool isAccepted = true;
        if (packet->stream_index == m_videoStream)
            isAccepted = decodeAndPush(*m_videoDecoder, packet.get(), true, sink, error);
        else if (packet->stream_index == m_audioStream)
            isAccepted = decodeAndPush(*m_audioDecoder, packet.get(), false, sink, error);
        av_packet_unref(packet.get());
        if (!isAccepted)
            return error->isEmpty();
    }
    if (stopRequested.load())
        return true;
    // Drain the decoders' delayed frames.
    if (!decodeAndPush(*m_videoDecoder, nullptr, true, sink, error))
        return error->isEmpty();
    if (m_audioDecoder && !decodeAndPush(*m_audioDecoder, nullptr, false, sink, error))
        return error->isEmpty();
    return true;
}

} // namespace afk::media
