#include "CaptureSource.h"

#include "VideoFrameConversion.h"

#include <QDateTime>
#include <QVideoFrame>
#include <chrono>

namespace afk::media {
namespace {

// Half a second of pictures at 30 fps: a slow ladder drops the oldest instead of stalling the
// device (the pipeline's own input queue is the main buffer).
constexpr int queueCapacity = 15;

qint64 steadyNowUs()
{
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

} // namespace

CaptureSource::CaptureSource(QString description, QSize size, double framesPerSecond)
    : m_queue(queueCapacity)
{
    m_info.hasVideo = true;
    m_info.width = size.width();
    m_info.height = size.height();
    m_info.framesPerSecond = framesPerSecond;
    m_info.isLive = true;
    m_info.description = std::move(description);
}

bool CaptureSource::pushVideoFrame(const QVideoFrame &frame)
{
    QString error;
    FramePtr picture = toAVFrame(frame, &error);
    if (!picture) {
        std::lock_guard lock(m_errorMutex);
        m_lastError = error;
        return false;
    }
    // Timed on arrival: devices' own clocks differ, and the ladder needs one steady timeline.
    const qint64 nowUs = steadyNowUs();
    qint64 expected = -1;
    m_originUs.compare_exchange_strong(expected, nowUs);
    picture->pts = nowUs - m_originUs.load();
    return m_queue.pushDroppingOldest(
        TimedFrame{std::move(picture), QDateTime::currentMSecsSinceEpoch()},
        [](const TimedFrame &) { return true; });
}

void CaptureSource::failDevice(const QString &error)
{
    {
        std::lock_guard lock(m_errorMutex);
        m_deviceError = error;
    }
    m_queue.close();
}

QString CaptureSource::lastError() const
{
    std::lock_guard lock(m_errorMutex);
    return m_lastError;
}

bool CaptureSource::open(QString *error)
{
    {
        std::lock_guard lock(m_errorMutex);
        if (!m_deviceError.isEmpty()) {
            *error = m_deviceError;
            return false;
        }
    }
    if (m_info.width <= 0 || m_info.height <= 0) {
        *error = QStringLiteral("%1: the picture size is unknown").arg(m_info.description);
        return false;
    }
    return true;
}

bool CaptureSource::run(FrameSink &sink, const std::atomic<bool> &stopRequested, QString *error)
{
    while (std::optional<TimedFrame> frame = m_queue.pop()) {
        if (stopRequested || !sink.pushVideo(std::move(*frame)))
            break;
    }
    std::lock_guard lock(m_errorMutex);
    if (m_deviceError.isEmpty())
        return true;
    *error = m_deviceError;
    return false;
}

} // namespace afk::media
