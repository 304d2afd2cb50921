#include "FileSource.h"

#include <QDateTime>
#include <QFileInfo>
#include <chrono>
#include <thread>

namespace afk::media {

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
    if (!m_decoder.open(m_path, nullptr, error))
        return false;
    const DemuxDecoder::StreamFacts &facts = m_decoder.facts();
    if (!facts.hasVideo) {
        *error = QStringLiteral("%1 has no video stream").arg(m_path);
        return false;
    }
    m_info.hasVideo = true;
    m_info.width = facts.width;
    m_info.height = facts.height;
    m_info.framesPerSecond = facts.framesPerSecond;
    m_info.hasAudio = facts.hasAudio;
    m_info.isLive = m_isRealtime;
    m_info.description = QStringLiteral("file %1").arg(fileInfo.fileName());
    return true;
}

bool FileSource::run(FrameSink &sink, const std::atomic<bool> &stopRequested, QString *error)
{
    using Clock = std::chrono::steady_clock;
    const Clock::time_point startTime = Clock::now();
    const qint64 startWallMs = QDateTime::currentMSecsSinceEpoch();
    const auto deliver = [&](FramePtr frame, bool isVideo) {
        const qint64 ptsUs = frame->pts;
        if (m_isRealtime) // paced like a live source: each frame at its own time
            std::this_thread::sleep_until(startTime + std::chrono::microseconds(ptsUs));
        const qint64 wallMs = startWallMs + ptsUs / 1000;
        if (isVideo)
            return sink.pushVideo({std::move(frame), wallMs});
        frame->pts = av_rescale_q(ptsUs, AV_TIME_BASE_Q, AVRational{1, frame->sample_rate});
        return sink.pushAudio({std::move(frame), wallMs});
    };
    return m_decoder.run(stopRequested, deliver, error) != DemuxDecoder::RunResult::Failed;
}

} // namespace afk::media
