// Constant-frame-rate placement of source timestamps: on-time, jittered, late, gaps, jumps.
#include "FrameRateConverter.h"

#include <QTest>

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

QTEST_APPLESS_MAIN(TestFrameRateConverter)
#include "tst_framerateconverter.moc"
