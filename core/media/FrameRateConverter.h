// Maps source frame timestamps (any, possibly variable rate) onto a constant-rate slot grid, so
// that every rendition gets the same frames and keyframes land on the same slots.
#pragma once

#include <QtGlobal>
#include <optional>

namespace afk::media {

class FrameRateConverter
{
public:
    struct Placement {
        qint64 firstSlot = 0; // output frame index of the first slot this frame fills
        int slotCount = 0;    // 0: the frame is late (its slot already passed) and is skipped
        int duplicateCount() const { return slotCount > 1 ? slotCount - 1 : 0; }
    };

    // framesPerSecond as a rational (num/den). A timestamp more than maxGapSeconds ahead of the
    // grid, or more than maxLagSeconds behind it, is a discontinuity of the source (a reset, a
    // wrap, a single bad timestamp): the grid is rebased so that frame takes the next slot and
    // the frames after it follow from there. Smaller gaps are filled with repeated frames;
    // frames less far behind are late and skipped. A frame that returns to the timeline from
    // before the discontinuity right after it undoes the rebase (a single outlier).
    FrameRateConverter(int fpsNumerator, int fpsDenominator, int maxGapSeconds = 10,
                       int maxLagSeconds = 1);

    // ptsUs: microseconds since the stream's origin.
    Placement place(qint64 ptsUs);
    qint64 nextSlot() const { return m_nextSlot; }
    // The slot a timestamp falls on with the grid as it is now, without placing a frame there
    // (a copied packet timed like the frame it decodes to).
    qint64 gridSlotOf(qint64 ptsUs) const { return sourceSlotOf(ptsUs) - m_slotOffset; }
    // Microseconds since the origin at which a slot starts.
    qint64 slotTimeUs(qint64 slot) const;

private:
    qint64 sourceSlotOf(qint64 ptsUs) const; // before any rebase
    bool isContinuous(qint64 jumpSlots) const;

    int m_fpsNumerator;
    int m_fpsDenominator;
    qint64 m_maxGapSlots;
    qint64 m_maxLagSlots;
    qint64 m_nextSlot = 0;
    qint64 m_slotOffset = 0; // source slots minus grid slots, moved by each discontinuity
    std::optional<qint64> m_offsetBeforeDiscontinuity; // set for the frame after one
};

} // namespace afk::media
