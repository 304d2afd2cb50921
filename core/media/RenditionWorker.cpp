#include "RenditionWorker.h"

#include <QDebug>

namespace afk::media {

int RenditionWorker::queueCapacity(bool isLive)
{
    // Items are video frames and AAC packets (~47 a second beside 30 frames).
    // Not live (a file read faster than real time): the queue is always full, each 720p frame
    // in it is 1.4 MB, and x264 keeps its own queue (lookahead, B-frames, frame threads), so
    // two or three frames waiting keep an encoder busy while the ladder thread scales the next.
    // Live: half a second, so that an encoder slowed for a moment (a loaded machine) does not
    // push back to the input queue, which then drops frames; at real time it stays near empty.
    return isLive ? 48 : 6;
}

RenditionWorker::RenditionWorker(Rendition rendition, VideoEncoderSettings settings,
                                 HlsPackagerSettings packaging, int queueCapacity)
    : m_rendition(std::move(rendition)), m_settings(std::move(settings)),
      m_packager(std::move(packaging)),
      m_queue(queueCapacity)
{
    m_packager.onSegmentCompleted = [this](const CompletedSegment &segment) {
        m_bytesWritten += segment.bytes;
        ++m_segmentsWritten;
        {
            std::lock_guard lock(m_mutex);
            m_lastSegmentKbps = segment.durationSeconds > 0
                                    ? segment.bytes * 8.0 / 1000.0 / segment.durationSeconds
                                    : 0;
        }
        if (onSegmentCompleted)
            onSegmentCompleted(segment, m_packager.videoCodecString());
    };
    // Kept in memory so that status answers never read the file.
    m_packager.onLivePlaylistWritten = [this](const QByteArray &text) {
        std::lock_guard lock(m_mutex);
        m_livePlaylist = text;
    };
}

RenditionWorker::~RenditionWorker()
{
    finishInput();
    join();
}

void RenditionWorker::addPacketSink(std::shared_ptr<EncodedPacketSink> sink)
{
    m_sinks.push_back(std::move(sink));
}

void RenditionWorker::setPassthrough(const AVCodecParameters &source)
{
    m_passthroughSource = &source;
}

const AVCodecContext *RenditionWorker::videoContext() const
{
    return isPassthrough() ? m_passthrough.context() : m_encoder.context();
}

bool RenditionWorker::open(const AVCodecContext *audioEncoder, QString *error)
{
    const bool isVideoReady =
        isPassthrough() ? m_passthrough.open(*m_passthroughSource, m_settings.framesPerSecond, error)
                        : m_encoder.open(m_rendition, m_settings, error);
    if (!isVideoReady || !m_packager.open(*videoContext(), audioEncoder, error))
        return false;
    // A sink is an extra: one that cannot open is left out and the TS presentation goes on.
    std::erase_if(m_sinks, [&](const std::shared_ptr<EncodedPacketSink> &sink) {
        QString sinkError;
        if (sink->open(*videoContext(), audioEncoder, &sinkError))
            return false;
        qWarning().noquote() << QStringLiteral("%1: an extra output could not open: %2")
                                    .arg(m_rendition.name, sinkError);
        return true;
    });
    return true;
}

void RenditionWorker::finishSinks()
{
    for (const auto &sink : m_sinks)
        sink->finish();
    m_sinks.clear();
}

void RenditionWorker::start()
{
    m_thread = std::thread([this] { run(); });
}

void RenditionWorker::pushVideo(FramePtr frame, qint64 captureWallMs, bool isDiscontinuity)
{
    m_queue.push(Item{std::move(frame), captureWallMs, isDiscontinuity, nullptr, nullptr});
}

void RenditionWorker::pushAudio(PacketPtr packet)
{
    m_queue.push(Item{nullptr, 0, false, std::move(packet), nullptr});
}

void RenditionWorker::pushVideoPacket(PacketPtr packet, qint64 captureWallMs)
{
    m_queue.push(Item{nullptr, captureWallMs, false, nullptr, std::move(packet)});
}

void RenditionWorker::finishInput()
{
    m_queue.close();
}

void RenditionWorker::join()
{
    if (m_thread.joinable())
        m_thread.join();
}

QByteArray RenditionWorker::livePlaylist() const
{
    std::lock_guard lock(m_mutex);
    return m_livePlaylist;
}

QString RenditionWorker::error() const
{
    std::lock_guard lock(m_mutex);
    return m_error;
}

RenditionStats RenditionWorker::stats() const
{
    RenditionStats stats;
    stats.name = m_rendition.name;
    stats.width = m_rendition.width;
    stats.height = m_rendition.height;
    stats.framesEncoded = m_framesEncoded;
    stats.bytesWritten = m_bytesWritten;
    stats.segmentsWritten = m_segmentsWritten;
    stats.isPassthrough = isPassthrough();
    std::lock_guard lock(m_mutex);
    stats.lastSegmentKbps = m_lastSegmentKbps;
    return stats;
}

void RenditionWorker::fail(const QString &error)
{
    m_isFailed = true;
    std::lock_guard lock(m_mutex);
    m_error = QStringLiteral("%1: %2").arg(m_rendition.name, error);
}

void RenditionWorker::run()
{
    QString error;
    while (std::optional<Item> item = m_queue.pop()) {
        // After a failure keep draining, so the ladder thread never blocks on a dead worker.
        if (!m_isFailed && !handle(*item, &error))
            fail(error);
    }
    if (!m_isFailed
        && ((!isPassthrough() && !m_encoder.encode(nullptr, &m_encoded, &error))
            || !writeEncodedPackets(&error) || !m_packager.finish(&error)))
        fail(error);
    finishSinks();
}

bool RenditionWorker::handle(Item &item, QString *error)
{
    if (item.audioPacket) {
        for (const auto &sink : m_sinks)
            sink->writeAudio(*item.audioPacket);
        return m_packager.writeAudio(std::move(item.audioPacket), error);
    }
    if (item.videoPacket) {
        std::vector<PacketPtr> converted;
        if (!m_passthrough.convert(std::move(item.videoPacket), &converted, error))
            return false;
        for (PacketPtr &packet : converted) {
            ++m_framesEncoded;
            if (!writeVideoPacket(std::move(packet), item.captureWallMs, false, error))
                return false;
        }
        return true;
    }
    m_pendingFrames.emplace(item.videoFrame->pts, PendingFrame{item.captureWallMs, item.isDiscontinuity});
    return m_encoder.encode(item.videoFrame.get(), &m_encoded, error) && writeEncodedPackets(error);
}

bool RenditionWorker::writeEncodedPackets(QString *error)
{
    for (PacketPtr &packet : m_encoded) {
        ++m_framesEncoded;
        PendingFrame frame;
        const auto found = m_pendingFrames.find(packet->pts);
        if (found != m_pendingFrames.end()) {
            frame = found->second;
            // B-frames leave the encoder out of order; a keyframe closes the GOP before it.
            const bool isKeyframe = packet->flags & AV_PKT_FLAG_KEY;
            m_pendingFrames.erase(isKeyframe ? m_pendingFrames.begin() : found, std::next(found));
        }
        if (!writeVideoPacket(std::move(packet), frame.captureWallMs, frame.isDiscontinuity,
                              error)) {
            m_encoded.clear();
            return false;
        }
    }
    m_encoded.clear();
    return true;
}

bool RenditionWorker::writeVideoPacket(PacketPtr packet, qint64 captureWallMs,
                                       bool isDiscontinuity, QString *error)
{
    for (const auto &sink : m_sinks)
        sink->writeVideo(*packet, captureWallMs, isDiscontinuity);
    return m_packager.writeVideo(std::move(packet), captureWallMs, isDiscontinuity, error);
}

} // namespace afk::media
