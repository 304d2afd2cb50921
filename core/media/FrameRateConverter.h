// Maps source frame timestamps (any, possibly variable rate) onto a constant-rate slot grid, so
// that every rendition gets the same frames and keyframes land on the same slots.
#pragma once

#include <QtGlobal>

namespace afk::media {

class FrameRateConverter
{
public:
    struct Placement {
        qint64 firstSlot = 0; // output frame index of the first slot this frame fills
        int slotCount = 0;    // 0: the frame is late (its slot already passed) and is skipped
        int duplicateCount() const { return slotCount > 1 ? slotCount - 1 : 0; }
    };

    // framesPerSecond as a rational (num/den); maxGapSeconds: a jump larger than this is a
    // discontinuity of the source and is closed up instead of filled with repeated frames.
    FrameRateConverter(int fpsNumerator, int fpsDenominator, int maxGapSeconds = 10);

    // ptsUs: microseconds since the stream's origin.
    Placement place(qint64 ptsUs);
    qint64 nextSlot() const { return m_nextSlot; }
    // Microseconds since the origin at which a slot starts.
    qint64 slotTimeUs(qint64 slot) const;

private:
    qint64 slotOf(qint64 ptsUs) const;

    int m_fpsNumerator;
    int m_fpsDenominator;
    qint64 m_maxGapSlots;
    qint64 m_nextSlot = 0;
    qint64 m_slotOffset = 0; // slots removed by closed-up discontinuities
};

} // namespace afk::media
