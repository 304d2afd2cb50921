#include "PreviewTap.h"

#include <chrono>

namespace afk::media {
namespace {

// A watcher polls several times a second; two seconds without one means nobody looks.
constexpr qint64 watcherTimeoutMs = 2000;

qint64 steadyNowMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

} // namespace

QSize PreviewTap::previewSize(int width, int height)
{
    if (width <= 0 || height <= 0)
        return {};
    const int shownWidth = std::min(width, maxWidth) & ~1;
    const int shownHeight = std::max(2, int(qint64(height) * shownWidth / width) & ~1);
    return {std::max(2, shownWidth), shownHeight};
}

QImage PreviewTap::latest(qint64 *sequence) const
{
    m_lastRequestMs = steadyNowMs();
    std::lock_guard lock(m_mutex);
    if (sequence)
        *sequence = m_sequence;
    return m_latest;
}

void PreviewTap::offer(const AVFrame &frame, qint64 nowUs)
{
    const qint64 lastRequestMs = m_lastRequestMs;
    if (lastRequestMs < 0 || steadyNowMs() - lastRequestMs > watcherTimeoutMs)
        return;
    if (m_lastImageUs != 0 && nowUs - m_lastImageUs < intervalMs * 1000)
        return;
    const QSize size = previewSize(frame.width, frame.height);
    if (size.isEmpty())
        return;
    // Bilinear: a preview a few hundred pixels wide shows no difference to the ladder's filter,
    // at a fraction of its cost.
    m_context.reset(sws_getCachedContext(
        m_context.release(), frame.width, frame.height, AVPixelFormat(frame.format), size.width(),
        size.height(), AV_PIX_FMT_RGB32, SWS_BILINEAR, nullptr, nullptr, nullptr));
    if (!m_context)
        return; // a format swscale cannot read: the preview keeps its last image
    // A new image each time: the GUI may still hold (and paint) the previous one.
    QImage image(size, QImage::Format_RGB32);
    if (image.isNull())
        return;
    uint8_t *const planes[4] = {image.bits(), nullptr, nullptr, nullptr};
    const int strides[4] = {int(image.bytesPerLine()), 0, 0, 0};
    if (sws_scale(m_context.get(), frame.data, frame.linesize, 0, frame.height, planes, strides) <=
        0)
        return;
    m_lastImageUs = nowUs;
    std::lock_guard lock(m_mutex);
    m_latest = std::move(image);
    ++m_sequence;
}

} // namespace afk::media
