// A live source whose pictures and sound capture devices push in from their own threads: the
// camera's QVideoSink, the microphone's QAudioSource (and the same interface in tests). Pushing
// never blocks a device: a full queue drops its oldest picture and counts it; sound is never
// dropped.
#pragma once

#include "BoundedQueue.h"
#include "MediaSource.h"

#include <QSize>

class QAudioFormat;
class QVideoFrame;

namespace afk::media {

class CaptureSource : public MediaSource
{
public:
    // size and framesPerSecond: what the device was set up to deliver (the ladder is fitted to
    // size; pictures of another size are scaled like any source's).
    CaptureSource(QString description, QSize size, double framesPerSecond, bool hasAudio = false);
    // Sound only (a microphone beside another source's pictures).
    explicit CaptureSource(QString description);

    // Any thread. False when the picture could not be read or the source has finished.
    bool pushVideoFrame(const QVideoFrame &frame);
    // Interleaved PCM (8/16/32-bit integer or float, any rate and channel count) from the
    // microphone. Any thread. False when the format is not one libav knows.
    bool pushAudioSamples(const QByteArray &pcm, const QAudioFormat &format);
    // Peak level of the latest sound, 0 (silence) to 1 (full scale), for a level meter.
    float audioPeak() const { return m_audioPeak; }
    // The device went away: run() ends once the queued pictures are delivered.
    void finish() { m_queue.close(); }
    // The device failed (any thread): open() refuses, or run() ends, with this reason.
    void failDevice(const QString &error);
    qint64 droppedFrames() const { return m_queue.droppedCount(); }
    QString lastError() const;

    bool open(QString *error) override;
    void interrupt() override { m_queue.close(); }
    const SourceInfo &info() const override { return m_info; }
    bool run(FrameSink &sink, const std::atomic<bool> &stopRequested, QString *error) override;

private:
    struct Item {
        TimedFrame timed;
        bool isVideo = true;
    };
    SourceInfo m_info;
    BoundedQueue<Item> m_queue;
    std::atomic<qint64> m_audioSamples{0}; // sent so far: the next sound's pts
    std::atomic<float> m_audioPeak{0};
    std::atomic<qint64> m_originUs{-1};
    mutable std::mutex m_errorMutex;
    QString m_lastError;
    QString m_deviceError; // guarded by m_errorMutex
};

} // namespace afk::media
