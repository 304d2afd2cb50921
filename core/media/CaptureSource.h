// A live source whose pictures a capture device pushes in from its own thread: the camera's
// QVideoSink (and the same interface in tests). Pushing never blocks the device: a full queue
// drops its oldest picture and counts it.
#pragma once

#include "BoundedQueue.h"
#include "MediaSource.h"

#include <QSize>

class QVideoFrame;

namespace afk::media {

class CaptureSource : public MediaSource
{
public:
    // size and framesPerSecond: what the device was set up to deliver (the ladder is fitted to
    // size; pictures of another size are scaled like any source's).
    CaptureSource(QString description, QSize size, double framesPerSecond);

    // Any thread. False when the picture could not be read or the source has finished.
    bool pushVideoFrame(const QVideoFrame &frame);
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
    SourceInfo m_info;
    BoundedQueue<TimedFrame> m_queue;
    std::atomic<qint64> m_originUs{-1};
    mutable std::mutex m_errorMutex;
    QString m_lastError;
    QString m_deviceError; // guarded by m_errorMutex
};

} // namespace afk::media
