#include "CaptureSource.h"

#include "VideoFrameConversion.h"

#include <QAudioFormat>
#include <QDateTime>
#include <QVideoFrame>
#include <chrono>
#include <cmath>
#include <cstring>

namespace afk::media {
namespace {

// About a second of pictures at 30 fps (or of 20 ms sound buffers): a slow ladder drops the
// oldest picture instead of stalling the device (the pipeline's own input queue is the main
// buffer).
constexpr int queueCapacity = 32;

qint64 steadyNowUs()
{
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

} // namespace

CaptureSource::CaptureSource(QString description, QSize size, double framesPerSecond,
                             bool hasAudio)
    : m_queue(queueCapacity)
{
    m_info.hasAudio = hasAudio;
    m_info.hasVideo = true;
    m_info.width = size.width();
    m_info.height = size.height();
    m_info.framesPerSecond = framesPerSecond;
    m_info.isLive = true;
    m_info.description = std::move(description);
}

CaptureSource::CaptureSource(QString description) : m_queue(queueCapacity)
{
    m_info.hasAudio = true;
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
        Item{TimedFrame{std::move(picture), QDateTime::currentMSecsSinceEpoch()}, true},
        [](const Item &item) { return item.isVideo; });
}

bool CaptureSource::pushAudioSamples(const QByteArray &pcm, const QAudioFormat &format)
{
    AVSampleFormat sampleFormat = AV_SAMPLE_FMT_NONE;
    switch (format.sampleFormat()) {
    case QAudioFormat::UInt8: sampleFormat = AV_SAMPLE_FMT_U8; break;
    case QAudioFormat::Int16: sampleFormat = AV_SAMPLE_FMT_S16; break;
    case QAudioFormat::Int32: sampleFormat = AV_SAMPLE_FMT_S32; break;
    case QAudioFormat::Float: sampleFormat = AV_SAMPLE_FMT_FLT; break;
    default: break;
    }
    const int channels = format.channelCount();
    const int bytesPerFrame = format.bytesPerFrame();
    if (sampleFormat == AV_SAMPLE_FMT_NONE || channels < 1 || bytesPerFrame < 1
        || format.sampleRate() < 8000) {
        std::lock_guard lock(m_errorMutex);
        m_lastError = QStringLiteral("unsupported microphone format");
        return false;
    }
    const int sampleCount = int(pcm.size() / bytesPerFrame);
    if (sampleCount == 0)
        return true;
    FramePtr frame = allocFrame();
    if (!frame)
        return false;
    frame->format = sampleFormat;
    frame->sample_rate = format.sampleRate();
    av_channel_layout_default(&frame->ch_layout, channels);
    frame->nb_samples = sampleCount;
    if (av_frame_get_buffer(frame.get(), 0) < 0)
        return false;
    std::memcpy(frame->data[0], pcm.constData(), size_t(sampleCount) * size_t(bytesPerFrame));
    // Continuous sample timestamps: the AAC encoder expects no gaps from a microphone.
    frame->pts = m_audioSamples.fetch_add(sampleCount);
    float peak = 0;
    for (int index = 0; index < sampleCount * channels; ++index)
        peak = std::max(peak, std::abs(format.normalizedSampleValue(
                                  pcm.constData() + qsizetype(index) * format.bytesPerSample())));
    m_audioPeak = peak;
    return m_queue.pushDroppingOldest(
        Item{TimedFrame{std::move(frame), QDateTime::currentMSecsSinceEpoch()}, false},
        [](const Item &item) { return item.isVideo; });
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
    if (m_info.hasVideo && (m_info.width <= 0 || m_info.height <= 0)) {
        *error = QStringLiteral("%1: the picture size is unknown").arg(m_info.description);
        return false;
    }
    return true;
}

bool CaptureSource::run(FrameSink &sink, const std::atomic<bool> &stopRequested, QString *error)
{
    while (std::optional<Item> item = m_queue.pop()) {
        if (stopRequested)
            break;
        const bool isAccepted = item->isVideo ? sink.pushVideo(std::move(item->timed))
                                              : sink.pushAudio(std::move(item->timed));
        if (!isAccepted)
            break;
    }
    std::lock_guard lock(m_errorMutex);
    if (m_deviceError.isEmpty())
        return true;
    *error = m_deviceError;
    return false;
}

} // namespace afk::media
