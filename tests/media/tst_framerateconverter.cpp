// Constant-frame-rate placement of source timestamps: on-time, jittered, late, gaps, jumps.
#include "FrameRateConverter.h"

#include <QTest>
#include <limits>

using namespace afk::media;

class TestFrameRateConverter : public QObject
{
    Q_OBJECT
private slots:
    void steadySourceFillsEachSlotOnce();
    void jitterStillTakesOwnSlot();
    void fastSourceFramesAreSkippedAsLate();
    void gapIsFilledWithRepeats();
    void hugeJumpIsClosedUp();
    void fractionalRate();
    void singleOutlierCostsNoLaterFrames_data();
    void singleOutlierCostsNoLaterFrames();
    void outlierWithinGapBoundIsFilledThenFlows();
    void resetToZeroKeepsFramesFlowing();
    void largeForwardJumpKeepsFramesFlowing();
    void smallLagIsStillLate();
};

void TestFrameRateConverter::steadySourceFillsEachSlotOnce()
{
    FrameRateConverter converter(30, 1);
    for (qint64 frame = 0; frame < 300; ++frame) {
        const auto placement = converter.place(frame * 1000000 / 30);
        QCOMPARE(placement.firstSlot, frame);
        QCOMPARE(placement.slotCount, 1);
    }
    QCOMPARE(converter.nextSlot(), 300);
}

void TestFrameRateConverter::jitterStillTakesOwnSlot()
{
    FrameRateConverter converter(30, 1);
    const qint64 jitterUs[] = {0, 12000, -15000, 9000, -4000, 16000};
    for (qint64 frame = 0; frame < 6; ++frame) {
        const auto placement = converter.place(frame * 33333 + jitterUs[frame]);
        QCOMPARE(placement.slotCount, 1);
        QCOMPARE(placement.firstSlot, frame);
    }
}

void TestFrameRateConverter::fastSourceFramesAreSkippedAsLate()
{
    FrameRateConverter converter(30, 1);
    int placed = 0;
    for (qint64 frame = 0; frame < 60; ++frame) // 60 fps into 30 fps
        placed += converter.place(frame * 1000000 / 60).slotCount;
    QCOMPARE(placed, 30);
}

void TestFrameRateConverter::gapIsFilledWithRepeats()
{
    FrameRateConverter converter(30, 1);
    QCOMPARE(converter.place(0).slotCount, 1);
    const auto placement = converter.place(200000); // 200 ms later: slot 6
    QCOMPARE(placement.firstSlot, 1);
    QCOMPARE(placement.slotCount, 6);
    QCOMPARE(placement.duplicateCount(), 5);
}

void TestFrameRateConverter::hugeJumpIsClosedUp()
{
    FrameRateConverter converter(30, 1, 10);
    converter.place(0);
    const auto jump = converter.place(3600LL * 1000000); // an hour later
    QCOMPARE(jump.firstSlot, 1);
    QCOMPARE(jump.slotCount, 1);
    // The timeline continues from the new origin.
    const auto next = converter.place(3600LL * 1000000 + 33334);
    QCOMPARE(next.firstSlot, 2);
    QCOMPARE(next.slotCount, 1);
}

void TestFrameRateConverter::fractionalRate()
{
    FrameRateConverter converter(30000, 1001);
    for (qint64 frame = 0; frame < 1000; ++frame) {
        const qint64 ptsUs = frame * 1001 * 1000000 / 30000;
        QCOMPARE(converter.place(ptsUs).slotCount, 1);
    }
    QCOMPARE(converter.slotTimeUs(30), 1001000);
}

namespace {
constexpr qint64 frameUs(qint64 frame) { return frame * 1000000 / 30; }
} // namespace

void TestFrameRateConverter::singleOutlierCostsNoLaterFrames_data()
{
    QTest::addColumn<qint64>("outlierUs");
    QTest::newRow("an hour ahead") << 3600LL * 1000000;
    QTest::newRow("back to 0") << qint64(0);
    QTest::newRow("far in the past") << -3600LL * 1000000;
    QTest::newRow("near the 64-bit limit") << std::numeric_limits<qint64>::max() / 2;
}

// Frame 150 of a 10 s 30 fps stream carries a bad timestamp. Every frame still takes exactly one
// slot, in order (the outlier its own), and the frames after it continue the grid.
void TestFrameRateConverter::singleOutlierCostsNoLaterFrames()
{
    QFETCH(qint64, outlierUs);
    FrameRateConverter converter(30, 1);
    for (qint64 frame = 0; frame < 300; ++frame) {
        const qint64 ptsUs = frame == 150 ? outlierUs : frameUs(frame);
        const auto placement = converter.place(ptsUs);
        QCOMPARE(placement.firstSlot, frame);
        QCOMPARE(placement.slotCount, 1);
    }
}

// 5 s ahead is within the gap bound, as a stalled source would be: the gap is filled; the frames
// after it, now 5 s behind the grid, are a discontinuity and continue after the filled slots.
void TestFrameRateConverter::outlierWithinGapBoundIsFilledThenFlows()
{
    FrameRateConverter converter(30, 1);
    for (qint64 frame = 0; frame < 150; ++frame)
        converter.place(frameUs(frame));
    const auto outlier = converter.place(frameUs(300));
    QCOMPARE(outlier.firstSlot, 150);
    QCOMPARE(outlier.slotCount, 151);
    for (qint64 frame = 151; frame < 300; ++frame) {
        const auto placement = converter.place(frameUs(frame));
        QCOMPARE(placement.firstSlot, frame + 150);
        QCOMPARE(placement.slotCount, 1);
    }
}

// The source restarts its clock at 0 after 60 s: the frames after the reset keep coming, one slot
// each, right after the last slot before it (not skipped as late for a minute).
void TestFrameRateConverter::resetToZeroKeepsFramesFlowing()
{
    FrameRateConverter converter(30, 1);
    qint64 slot = 0;
    for (qint64 frame = 0; frame < 1800; ++frame, ++slot)
        QCOMPARE(converter.place(frameUs(frame)).firstSlot, slot);
    for (qint64 frame = 0; frame < 300; ++frame, ++slot) {
        const auto placement = converter.place(frameUs(frame));
        QCOMPARE(placement.firstSlot, slot);
        QCOMPARE(placement.slotCount, 1);
    }
    QCOMPARE(converter.nextSlot(), 2100);
}

// The clock leaps 5 minutes ahead and stays there: closed up, then steady from the new origin.
void TestFrameRateConverter::largeForwardJumpKeepsFramesFlowing()
{
    FrameRateConverter converter(30, 1);
    for (qint64 frame = 0; frame < 300; ++frame)
        converter.place(frameUs(frame));
    const qint64 leapUs = 300LL * 1000000;
    for (qint64 frame = 300; frame < 600; ++frame) {
        const auto placement = converter.place(leapUs + frameUs(frame));
        QCOMPARE(placement.firstSlot, frame);
        QCOMPARE(placement.slotCount, 1);
    }
    QCOMPARE(converter.nextSlot(), 600);
}

// Less than the lag bound behind the grid is an ordinary late frame: skipped, grid unchanged.
void TestFrameRateConverter::smallLagIsStillLate()
{
    FrameRateConverter converter(30, 1);
    for (qint64 frame = 0; frame < 100; ++frame)
        converter.place(frameUs(frame));
    QCOMPARE(converter.place(frameUs(80)).slotCount, 0);
    const auto next = converter.place(frameUs(100));
    QCOMPARE(next.firstSlot, 100);
    QCOMPARE(next.slotCount, 1);
}

QTEST_APPLESS_MAIN(TestFrameRateConverter)
#include "tst_framerateconverter.moc"
