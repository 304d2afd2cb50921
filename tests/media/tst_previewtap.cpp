// The live preview's picture: made only while someone looks, at most ~15 a second, at most 640
// wide with the source's aspect ratio, and showing the source's colours.
#include "PreviewTap.h"

#include <QTest>

using namespace afk::media;

namespace {

// A 1280x720 YUV frame: the left half pure red, the right half pure blue (BT.601 limited range).
FramePtr makeRedBlueFrame()
{
    FramePtr frame = allocFrame();
    frame->format = AV_PIX_FMT_YUV420P;
    frame->width = 1280;
    frame->height = 720;
    if (av_frame_get_buffer(frame.get(), 0) < 0)
        return nullptr;
    for (int y = 0; y < 720; ++y)
        for (int x = 0; x < 1280; ++x)
            frame->data[0][y * frame->linesize[0] + x] = x < 640 ? 81 : 41;
    for (int y = 0; y < 360; ++y) {
        for (int x = 0; x < 640; ++x) {
            frame->data[1][y * frame->linesize[1] + x] = x < 320 ? 90 : 240;
            frame->data[2][y * frame->linesize[2] + x] = x < 320 ? 240 : 110;
        }
    }
    return frame;
}

constexpr qint64 secondUs = 1000000;

} // namespace

class TestPreviewTap : public QObject
{
    Q_OBJECT
private slots:
    void nothingWhileNobodyLooks();
    void pictureOfTheSource();
    void atMostOneImagePerInterval();
    void previewSizeKeepsAspect();
};

void TestPreviewTap::nothingWhileNobodyLooks()
{
    const FramePtr frame = makeRedBlueFrame();
    QVERIFY(frame);
    PreviewTap tap;
    tap.offer(*frame, 10 * secondUs);
    // Nobody asked before the frame came: no work was done for it.
    qint64 sequence = -1;
    QVERIFY(tap.latest(&sequence).isNull());
    QCOMPARE(sequence, 0);
}

void TestPreviewTap::pictureOfTheSource()
{
    const FramePtr frame = makeRedBlueFrame();
    QVERIFY(frame);
    PreviewTap tap;
    tap.latest(); // a watcher
    tap.offer(*frame, 10 * secondUs);
    qint64 sequence = 0;
    const QImage image = tap.latest(&sequence);
    QCOMPARE(sequence, 1);
    QCOMPARE(image.size(), QSize(640, 360));
    const QColor left = image.pixelColor(160, 180);
    const QColor right = image.pixelColor(480, 180);
    QVERIFY2(left.red() > 200 && left.green() < 60 && left.blue() < 60, qPrintable(left.name()));
    QVERIFY2(right.blue() > 200 && right.red() < 60 && right.green() < 60,
             qPrintable(right.name()));
}

void TestPreviewTap::atMostOneImagePerInterval()
{
    const FramePtr frame = makeRedBlueFrame();
    QVERIFY(frame);
    PreviewTap tap;
    tap.latest();
    // 30 frames a second for one second of media time: about 15 images, never one per frame.
    for (int index = 0; index < 30; ++index)
        tap.offer(*frame, 10 * secondUs + index * secondUs / 30);
    qint64 sequence = 0;
    tap.latest(&sequence);
    QVERIFY2(sequence >= 10 && sequence <= 16, qPrintable(QString::number(sequence)));
}

void TestPreviewTap::previewSizeKeepsAspect()
{
    QCOMPARE(PreviewTap::previewSize(1920, 1080), QSize(640, 360));
    QCOMPARE(PreviewTap::previewSize(320, 240), QSize(320, 240));
    QCOMPARE(PreviewTap::previewSize(1080, 1920), QSize(640, 1136)); // portrait: width-bound
    QCOMPARE(PreviewTap::previewSize(0, 720), QSize());
}

QTEST_GUILESS_MAIN(TestPreviewTap)
#include "tst_previewtap.moc"
