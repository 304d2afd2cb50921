#include "RtmpPushSink.h"

#include "RtmpPushTarget.h"
#include "RtmpUrl.h"

#include <QRandomGenerator>
#include <algorithm>
#include <cstring>

extern "C" {
#include <libavutil/opt.h>
}

namespace afk::restream {
namespace {

constexpr AVRational flvTimeBase{1, 1000};
// A connection that stayed up this long resets the backoff: the next failure is a new incident.
constexpr qint64 stableConnectionMs = 30000;

// The SPS and PPS NAL units (with their start codes) of an Annex B keyframe: our x264 repeats
// them before every IDR instead of in a global header, and the flv muxer wants them as extradata
// for its AVC sequence header (it converts an Annex B extradata to avcC itself).
QByteArray parameterSetsOf(const AVPacket &keyframe)
{
    const uint8_t *data = keyframe.data;
    const int size = keyframe.size;
    QByteArray sets;
    int start = -1;
    const auto flush = [&](int end) {
        if (start < 0)
            return;
        const int type = data[start] & 0x1f;
        if (type == 7 || type == 8) // SPS, PPS
            sets += QByteArray("\0\0\0\1", 4) +
                    QByteArray(reinterpret_cast<const char *>(data + start), end - start);
    };
    for (int i = 0; i + 2 < size; ++i) {
        if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1) {
            // A four-byte start code leaves a zero at the end of the previous unit.
            flush(i > 0 && data[i - 1] == 0 ? i - 1 : i);
            start = i + 3;
            i += 2;
        }
    }
    flush(size);
    return sets;
}

} // namespace

// One RTMP connection: the flv muxer writing into FFmpeg's rtmp protocol.
class RtmpPushSink::Connection
{
public:
    ~Connection() { close(false); }

    bool open(RtmpPushSink &sink, const QString &url, const AVPacket &firstKeyframe, QString *error)
    {
        AVFormatContext *raw = nullptr;
        int result = avformat_alloc_output_context2(&raw, nullptr, "flv", nullptr);
        if (result < 0) {
            *error = QStringLiteral("cannot set up the flv muxer: ") + media::avErrorText(result);
            return false;
        }
        m_muxer.reset(raw);
        m_muxer->interrupt_callback = AVIOInterruptCB{&RtmpPushSink::interruptCallback, &sink};
        m_video = avformat_new_stream(m_muxer.get(), nullptr);
        if (!m_video ||
            avcodec_parameters_copy(m_video->codecpar, sink.m_videoParameters.get()) < 0) {
            *error = QStringLiteral("out of memory");
            return false;
        }
        const QByteArray sets = parameterSetsOf(firstKeyframe);
        if (sets.isEmpty()) {
            *error = QStringLiteral("the keyframe carries no SPS/PPS");
            return false;
        }
        m_video->codecpar->extradata =
            static_cast<uint8_t *>(av_mallocz(size_t(sets.size()) + AV_INPUT_BUFFER_PADDING_SIZE));
        if (!m_video->codecpar->extradata) {
            *error = QStringLiteral("out of memory");
            return false;
        }
        std::memcpy(m_video->codecpar->extradata, sets.constData(), size_t(sets.size()));
        m_video->codecpar->extradata_size = int(sets.size());
        m_video->time_base = flvTimeBase;
        if (sink.m_audioParameters) {
            m_audio = avformat_new_stream(m_muxer.get(), nullptr);
            if (!m_audio ||
                avcodec_parameters_copy(m_audio->codecpar, sink.m_audioParameters.get()) < 0) {
                *error = QStringLiteral("out of memory");
                return false;
            }
            m_audio->time_base = flvTimeBase;
        }
        media::Dictionary options;
        // rw_timeout bounds each socket operation as well (µs); the interrupt callback bounds
        // the whole connect, which may take several round trips.
        const QByteArray timeoutUs = QByteArray::number(qint64(sink.m_settings.ioTimeoutMs) * 1000);
        options.set("rw_timeout", timeoutUs.constData());
        sink.m_ioDeadlineMs = sink.m_clock.elapsed() + sink.m_settings.ioTimeoutMs;
        result = avio_open2(&m_muxer->pb, url.toUtf8().constData(), AVIO_FLAG_WRITE,
                            &m_muxer->interrupt_callback, options.address());
        if (result < 0) {
            *error = QStringLiteral("cannot connect: ") + media::avErrorText(result);
            return false;
        }
        media::Dictionary muxerOptions;
        // The output is a live stream: no seeking back to fill in duration and size at the end.
        muxerOptions.set("flvflags", "no_duration_filesize");
        sink.m_ioDeadlineMs = sink.m_clock.elapsed() + sink.m_settings.ioTimeoutMs;
        result = avformat_write_header(m_muxer.get(), muxerOptions.address());
        if (result < 0) {
            *error = QStringLiteral("the server refused the stream: ") + media::avErrorText(result);
            return false;
        }
        m_isHeaderWritten = true;
        // Timestamps restart from zero on every connection (a new publish to the server).
        m_originMs = av_rescale_q(firstKeyframe.dts, sink.m_videoTimeBase, flvTimeBase);
        return true;
    }

    // False on an error (*error says which); packets before the origin are skipped.
    bool write(RtmpPushSink &sink, QueuedPacket &queued, QString *error)
    {
        AVStream *stream = queued.isVideo ? m_video : m_audio;
        if (!stream)
            return true;
        AVPacket &packet = *queued.packet;
        av_packet_rescale_ts(&packet, queued.isVideo ? sink.m_videoTimeBase : sink.m_audioTimeBase,
                             flvTimeBase);
        packet.pts -= m_originMs;
        packet.dts -= m_originMs;
        if (packet.dts < 0)
            return true; // audio from just before the first keyframe
        packet.stream_index = stream->index;
        sink.m_ioDeadlineMs = sink.m_clock.elapsed() + sink.m_settings.ioTimeoutMs;
        const int result = av_interleaved_write_frame(m_muxer.get(), &packet);
        if (result < 0) {
            *error = QStringLiteral("the connection failed: ") + media::avErrorText(result);
            return false;
        }
        return true;
    }

    qint64 bytesSent() const { return m_muxer && m_muxer->pb ? avio_tell(m_muxer->pb) : 0; }

    void close(bool isClean)
    {
        if (!m_muxer)
            return;
        if (isClean && m_isHeaderWritten)
            av_write_trailer(m_muxer.get());
        if (m_muxer->pb)
            avio_closep(&m_muxer->pb);
        m_muxer.reset();
    }

private:
    media::OutputFormatPtr m_muxer;
    AVStream *m_video = nullptr;
    AVStream *m_audio = nullptr;
    qint64 m_originMs = 0;
    bool m_isHeaderWritten = false;
};

RtmpPushSink::RtmpPushSink(std::shared_ptr<RtmpPushTarget> target, RtmpPushSettings settings)
    : m_target(std::move(target)), m_settings(settings)
{
    m_clock.start();
}

RtmpPushSink::~RtmpPushSink()
{
    {
        std::lock_guard lock(m_mutex);
        m_isFinishing = true;
    }
    // After finish() the queue drains within its budget (the interrupt callback enforces it);
    // without one there is nothing to wait for.
    if (m_finishDeadlineMs == 0)
        m_isAborted = true;
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join();
}

bool RtmpPushSink::open(const AVCodecContext &video, const AVCodecContext *audio, QString *error)
{
    if (video.codec_id != AV_CODEC_ID_H264 || (audio && audio->codec_id != AV_CODEC_ID_AAC)) {
        *error = QStringLiteral("RTMP push carries H.264 and AAC only");
        return false;
    }
    m_videoParameters.reset(avcodec_parameters_alloc());
    if (!m_videoParameters ||
        avcodec_parameters_from_context(m_videoParameters.get(), &video) < 0) {
        *error = QStringLiteral("out of memory");
        return false;
    }
    m_videoTimeBase = video.time_base;
    if (audio) {
        m_audioParameters.reset(avcodec_parameters_alloc());
        if (!m_audioParameters ||
            avcodec_parameters_from_context(m_audioParameters.get(), audio) < 0) {
            *error = QStringLiteral("out of memory");
            return false;
        }
        m_audioTimeBase = audio->time_base;
    }
    m_thread = std::thread([this] { run(); });
    return true;
}

void RtmpPushSink::writeVideo(const AVPacket &packet, qint64, bool)
{
    enqueue(packet, true);
}

void RtmpPushSink::writeAudio(const AVPacket &packet)
{
    enqueue(packet, false);
}

void RtmpPushSink::finish()
{
    {
        std::lock_guard lock(m_mutex);
        m_isFinishing = true;
    }
    m_finishDeadlineMs = m_clock.elapsed() + m_settings.finishBudgetMs;
    m_wake.notify_all();
}

void RtmpPushSink::enqueue(const AVPacket &packet, bool isVideo)
{
    const bool isKeyframe = isVideo && (packet.flags & AV_PKT_FLAG_KEY);
    qint64 dropped = 0;
    {
        std::lock_guard lock(m_mutex);
        if (m_isFinishing)
            return;
        if (m_isWaitingForKeyframe && !isKeyframe) {
            ++dropped;
        } else {
            m_isWaitingForKeyframe = false;
            const qint64 before = qint64(m_queue.size());
            while (!m_queue.empty() && (int(m_queue.size()) >= m_settings.maxQueuedPackets ||
                                        m_queuedBytes + packet.size > m_settings.maxQueuedBytes))
                dropOldestGop();
            dropped += before - qint64(m_queue.size());
            if (m_isWaitingForKeyframe && !isKeyframe) {
                ++dropped;
            } else {
                m_isWaitingForKeyframe = false;
                // A reference to the encoder's buffer, never a copy of the data.
                m_queue.push_back(QueuedPacket{media::clonePacket(packet), isVideo, isKeyframe});
                m_queuedBytes += packet.size;
            }
        }
    }
    if (dropped > 0)
        m_target->addDropped(dropped);
    m_wake.notify_one();
}

void RtmpPushSink::dropOldestGop()
{
    // The oldest GOP with the audio queued among it: up to (not including) the next keyframe.
    // With no later keyframe queued everything goes, and the queue restarts at the next one.
    auto next = std::find_if(m_queue.begin() + 1, m_queue.end(),
                             [](const QueuedPacket &queued) { return queued.isKeyframe; });
    if (next == m_queue.end())
        m_isWaitingForKeyframe = true;
    for (auto it = m_queue.begin(); it != next; ++it)
        m_queuedBytes -= it->packet->size;
    m_queue.erase(m_queue.begin(), next);
}

qint64 RtmpPushSink::dropBeforeNewestKeyframe()
{
    std::lock_guard lock(m_mutex);
    auto newest = std::find_if(m_queue.rbegin(), m_queue.rend(),
                               [](const QueuedPacket &queued) { return queued.isKeyframe; });
    const auto end = newest == m_queue.rend() ? m_queue.end() : std::prev(newest.base());
    const qint64 dropped = end - m_queue.begin();
    for (auto it = m_queue.begin(); it != end; ++it)
        m_queuedBytes -= it->packet->size;
    m_queue.erase(m_queue.begin(), end);
    if (m_queue.empty() && !m_isFinishing)
        m_isWaitingForKeyframe = true;
    return dropped;
}

int RtmpPushSink::interruptCallback(void *opaque)
{
    auto *sink = static_cast<RtmpPushSink *>(opaque);
    const qint64 now = sink->m_clock.elapsed();
    const qint64 finishDeadline = sink->m_finishDeadlineMs;
    return sink->m_isAborted || now > sink->m_ioDeadlineMs ||
           (finishDeadline > 0 && now > finishDeadline);
}

bool RtmpPushSink::waitFor(int milliseconds)
{
    std::unique_lock lock(m_mutex);
    m_wake.wait_for(lock, std::chrono::milliseconds(milliseconds),
                    [this] { return m_isFinishing; });
    return !m_isFinishing;
}

void RtmpPushSink::run()
{
    int failures = 0;
    while (!m_isAborted) {
        const QString url = m_target->url();
        if (url.isEmpty()) {
            // Cloudinary's ingest is not known yet: nothing to keep meanwhile.
            m_target->setState(QStringLiteral("waiting-for-url"));
            m_target->addDropped(dropBeforeNewestKeyframe());
            if (!waitFor(250))
                break;
            continue;
        }
        // Start at the newest keyframe: what queued up while disconnected is stale.
        m_target->addDropped(dropBeforeNewestKeyframe());
        media::PacketPtr firstKeyframe;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_isFinishing || !m_queue.empty(); });
            if (m_queue.empty())
                break; // finishing with nothing left to send
            firstKeyframe = media::clonePacket(*m_queue.front().packet);
        }
        m_target->setState(QStringLiteral("connecting"));
        QString error;
        Connection connection;
        QElapsedTimer connected;
        if (connection.open(*this, url, *firstKeyframe, &error)) {
            m_target->addConnection();
            m_target->setState(QStringLiteral("live"));
            m_target->setError(QString());
            connected.start();
            if (pump(connection, &error)) {
                connection.close(true);
                break; // finished, everything sent
            }
            connection.close(false);
            if (connected.elapsed() > stableConnectionMs)
                failures = 0;
        }
        // libav's messages name the failure, never the URL; the target is shown redacted.
        m_target->setError(error);
        {
            std::lock_guard lock(m_mutex);
            if (m_isFinishing)
                break;
        }
        const int exponent = std::min(failures++, 5);
        const int delay = std::min(m_settings.maxBackoffMs, m_settings.firstBackoffMs << exponent);
        // Jitter spreads the reconnects of many studios after a server restart.
        const int jittered = delay / 2 + int(QRandomGenerator::global()->bounded(delay / 2 + 1));
        m_target->setState(QStringLiteral("backoff"));
        if (!waitFor(jittered))
            break;
    }
    m_target->setState(QStringLiteral("ended"));
}

bool RtmpPushSink::pump(Connection &connection, QString *error)
{
    QElapsedTimer rateClock;
    rateClock.start();
    qint64 bytesAtLastRate = connection.bytesSent();
    qint64 totalBefore = m_target->status().bytesSent;
    while (true) {
        QueuedPacket queued;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait_for(lock, std::chrono::milliseconds(250),
                            [this] { return m_isFinishing || !m_queue.empty(); });
            if (m_queue.empty() && m_isFinishing)
                return true;
            if (!m_queue.empty()) {
                queued = std::move(m_queue.front());
                m_queue.pop_front();
                m_queuedBytes -= queued.packet->size;
            }
        }
        if (m_isAborted) {
            *error = QStringLiteral("stopped");
            return false;
        }
        if (queued.packet && !connection.write(*this, queued, error))
            return false;
        if (rateClock.elapsed() >= 1000) {
            const qint64 bytes = connection.bytesSent();
            m_target->setThroughput(totalBefore + bytes,
                                    double(bytes - bytesAtLastRate) * 1000.0 / rateClock.elapsed());
            bytesAtLastRate = bytes;
            rateClock.restart();
        }
    }
}

} // namespace afk::restream
