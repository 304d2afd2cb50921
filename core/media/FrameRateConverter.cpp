#include "FrameRateConverter.h"

namespace afk::media {

FrameRateConverter::FrameRateConverter(int fpsNumerator, int fpsDenominator, int maxGapSeconds,
                                       int maxLagSeconds)
    : m_fpsNumerator(fpsNumerator), m_fpsDenominator(fpsDenominator),
      m_maxGapSlots(qint64(maxGapSeconds) * fpsNumerator / fpsDenominator),
      m_maxLagSlots(qint64(maxLagSeconds) * fpsNumerator / fpsDenominator)
{
}

qint64 FrameRateConverter::sourceSlotOf(qint64 ptsUs) const
{
    // Round to the nearest slot: a frame a little early or late still takes its own slot.
    // 128 bits: a garbage timestamp near the 64-bit limit times the rate must not overflow.
    const __int128 scaled = __int128(ptsUs) * m_fpsNumerator;
    const __int128 divisor = __int128(m_fpsDenominator) * 1000000;
    const __int128 half = divisor / 2;
    return qint64((scaled >= 0 ? scaled + half : scaled - half) / divisor);
}

bool FrameRateConverter::isContinuous(qint64 jumpSlots) const
{
    return jumpSlots <= m_maxGapSlots && jumpSlots >= -m_maxLagSlots;
}

FrameRateConverter::Placement FrameRateConverter::place(qint64 ptsUs)
{
    const qint64 sourceSlot = sourceSlotOf(ptsUs);
    // Back on the timeline from before the last discontinuity: that was one bad timestamp, and
    // the frames go on where they were instead of being shifted (or frozen) by it.
    if (m_offsetBeforeDiscontinuity
        && isContinuous(sourceSlot - *m_offsetBeforeDiscontinuity - m_nextSlot))
        m_slotOffset = *m_offsetBeforeDiscontinuity;
    m_offsetBeforeDiscontinuity.reset();

    qint64 slot = sourceSlot - m_slotOffset;
    const qint64 jump = slot - m_nextSlot;
    if (!isContinuous(jump)) {
        // Rebase rather than fill an hour with repeats, or skip every frame until the
        // timestamps catch up again after a reset.
        m_offsetBeforeDiscontinuity = m_slotOffset;
        m_slotOffset += jump;
        slot = m_nextSlot;
    } else if (jump < 0) {
        return {m_nextSlot, 0};
    }
    Placement placement{m_nextSlot, int(slot - m_nextSlot + 1)};
    m_nextSlot = slot + 1;
    return placement;
}

qint64 FrameRateConverter::slotTimeUs(qint64 slot) const
{
    return (slot + m_slotOffset) * m_fpsDenominator * 1000000 / m_fpsNumerator;
}

} // namespace afk::media
