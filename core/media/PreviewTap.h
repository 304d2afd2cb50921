// The live preview of a pipeline's source picture for the desktop studio: every ~1/15 s the
// ladder thread turns its current source frame into a small RGB image, which the GUI polls.
// Latest-only (one image, replaced), and free while nobody looks: frames are converted only while
// latest() was asked for in the last two seconds, so a headless studio pays nothing.
#pragma once

#include "LibavPtr.h"

#include <QImage>
#include <atomic>
#include <mutex>

namespace afk::media {

class PreviewTap
{
public:
    static constexpr int maxWidth = 640;
    static constexpr int intervalMs = 66; // about 15 images a second

    // The newest image (null before the first) and its sequence number, which changes with each
    // new image. Any thread; keeps the tap producing.
    QImage latest(qint64 *sequence = nullptr) const;

    // Ladder thread: converts frame when an image is wanted and due. Cheap otherwise.
    void offer(const AVFrame &frame, qint64 nowUs);

    // The size a width x height picture is shown at: at most maxWidth wide, aspect kept, even.
    static QSize previewSize(int width, int height);

private:
    mutable std::mutex m_mutex;
    QImage m_latest;
    qint64 m_sequence = 0;
    mutable std::atomic<qint64> m_lastRequestMs{-1};
    qint64 m_lastImageUs = 0; // ladder thread only
    SwsPtr m_context;         // ladder thread only
};

} // namespace afk::media
