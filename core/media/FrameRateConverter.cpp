#include "FrameRateConverter.h"

namespace afk::media {

FrameRateConverter::FrameRateConverter(int fpsNumerator, int fpsDenominator, int maxGapSeconds)
    : m_fpsNumerator(fpsNumerator), m_fpsDenominator(fpsDenominator),
      m_maxGapSlots(qint64(maxGapSeconds) * fpsNumerator / fpsDenominator)
{
}

qint64 FrameRateConverter::slotOf(qint64 ptsUs) const
{
    // Round to the nearest slot: a frame a little early or late still takes its own slot.
    const qint64 scaled = ptsUs * m_fpsNumerator;
    const qint64 divisor = qint64(m_fpsDenominator) * 1000000;
    const qint64 half = divisor / 2;
    return (scaled >= 0 ? scaled + half : scaled - half) / divisor - m_slotOffset;
}

FrameRateConverter::Placement FrameRateConverter::place(qint64 ptsUs)
{
    qint64 slot = slotOf(ptsUs);
    if (slot < m_nextSlot)
        return {m_nextSlot, 0};
    if (slot - m_nextSlot > m_maxGapSlots) {
        m_slotOffset += slot - m_nextSlot;
        slot = m_nextSlot;
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
