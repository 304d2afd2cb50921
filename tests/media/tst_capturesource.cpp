// The capture source as a camera feeds it (no device here): QVideoFrames pushed into the same
// interface the camera's QVideoSink uses come out as AVFrames with the same pixels (shared, not
// copied, where libav has the layout), steady timestamps, and a full queue drops the oldest.
#include "CaptureSource.h"

#include <QAudioFormat>
#include <QTest>
#include <QVideoFrame>
#include <QVideoFrameFormat>
#include <thread>
#include <vector>

using namespace afk::media;

namespace {

// A CPU video frame of the given format with every byte of plane p set to fill[p].
QVideoFrame makeFrame(QVideoFrameFormat::PixelFormat format, QSize size, std::vector<uint8_t> fill)
{
    QVideoFrame frame(QVideoFrameFormat(size, format));
    if (!frame.map(QVideoFrame::WriteOnly))
        qFatal("cannot map a test frame");
    for (int plane = 0; plane < frame.planeCount(); ++plane)
        std::memset(frame.bits(plane), fill[size_t(plane)], size_t(frame.mappedBytes(plane)));
    frame.unmap();
    return frame;
}

class CollectingSink : public FrameSink
{
public:
    bool pushVideo(TimedFrame frame) override
    {
        frames.push_back(std::move(frame));
        return true;
    }
    bool pushAudio(TimedFrame frame) override
    {
        audio.push_back(std::move(frame));
        return true;
    }
    std::vector<TimedFrame> frames;
    std::vector<TimedFrame> audio;
};

CollectingSink drainAll(CaptureSource &source)
{
    CollectingSink sink;
    std::atomic<bool> stop{false};
    QString error;
    std::thread runner([&] { source.run(sink, stop, &error); });
    source.finish();
    runner.join();
    return sink;
}

std::vector<TimedFrame> drain(CaptureSource &source)
{
    return std::move(drainAll(source).frames);
}

} // namespace

class TestCaptureSource : public QObject
{
    Q_OBJECT
private slots:
    void planarAndSemiPlanarFramesKeepTheirPixels();
    void packedRgbIsShared();
    void timestampsStartAtZeroAndGrow();
    void fullQueueDropsTheOldest();
    void unknownSizeIsAnError();
    void microphoneSoundIsNeverDropped();
};

void TestCaptureSource::planarAndSemiPlanarFramesKeepTheirPixels()
{
    CaptureSource source(QStringLiteral("test camera"), QSize(320, 240), 30);
    QString error;
    QVERIFY2(source.open(&error), qPrintable(error));
    QCOMPARE(source.info().width, 320);
    QVERIFY(source.info().isLive);
    QVERIFY(source.pushVideoFrame(makeFrame(QVideoFrameFormat::Format_NV12, QSize(320, 240), {200, 90})));
    // YV12 keeps V before U: the AVFrame must still say U in plane 1.
    QVERIFY(source.pushVideoFrame(makeFrame(QVideoFrameFormat::Format_YV12, QSize(320, 240), {16, 60, 170})));
    QVERIFY(source.pushVideoFrame(makeFrame(QVideoFrameFormat::Format_YUYV, QSize(320, 240), {77})));
    const std::vector<TimedFrame> frames = drain(source);
    QCOMPARE(frames.size(), size_t(3));
    const AVFrame &nv12 = *frames[0].frame;
    QCOMPARE(nv12.format, int(AV_PIX_FMT_NV12));
    QCOMPARE(nv12.width, 320);
    QCOMPARE(nv12.height, 240);
    QCOMPARE(nv12.data[0][0], uint8_t(200));
    QCOMPARE(nv12.data[1][0], uint8_t(90));
    const AVFrame &yv12 = *frames[1].frame;
    QCOMPARE(yv12.format, int(AV_PIX_FMT_YUV420P));
    QCOMPARE(yv12.data[0][100], uint8_t(16));
    QCOMPARE(yv12.data[1][0], uint8_t(170)); // U
    QCOMPARE(yv12.data[2][0], uint8_t(60));  // V
    QCOMPARE(frames[2].frame->format, int(AV_PIX_FMT_YUYV422));
    QCOMPARE(frames[2].frame->data[0][5], uint8_t(77));
}

void TestCaptureSource::packedRgbIsShared()
{
    CaptureSource source(QStringLiteral("test camera"), QSize(64, 48), 30);
    const QVideoFrame frame = makeFrame(QVideoFrameFormat::Format_BGRA8888, QSize(64, 48), {33});
    QVERIFY(source.pushVideoFrame(frame));
    const std::vector<TimedFrame> frames = drain(source);
    QCOMPARE(frames.size(), size_t(1));
    QCOMPARE(frames[0].frame->format, int(AV_PIX_FMT_BGRA));
    QVERIFY(frames[0].frame->buf[0] != nullptr); // a reference to the mapped frame, not a copy
    QCOMPARE(frames[0].frame->data[0][3], uint8_t(33));
}

void TestCaptureSource::timestampsStartAtZeroAndGrow()
{
    CaptureSource source(QStringLiteral("test camera"), QSize(64, 48), 30);
    for (int index = 0; index < 3; ++index) {
        QVERIFY(source.pushVideoFrame(makeFrame(QVideoFrameFormat::Format_NV12, QSize(64, 48), {1, 2})));
        QTest::qWait(20);
    }
    const std::vector<TimedFrame> frames = drain(source);
    QCOMPARE(frames.size(), size_t(3));
    QCOMPARE(frames[0].frame->pts, 0);
    QVERIFY(frames[1].frame->pts >= 15000); // microseconds
    QVERIFY(frames[2].frame->pts > frames[1].frame->pts);
    QVERIFY(frames[0].captureWallMs > 0);
}

void TestCaptureSource::fullQueueDropsTheOldest()
{
    CaptureSource source(QStringLiteral("test camera"), QSize(64, 48), 30);
    for (int index = 0; index < 20; ++index)
        QVERIFY(source.pushVideoFrame(makeFrame(QVideoFrameFormat::Format_Y8, QSize(64, 48), {uint8_t(index)})));
    QCOMPARE(source.droppedFrames(), 0);
    for (int index = 20; index < 40; ++index)
        QVERIFY(source.pushVideoFrame(makeFrame(QVideoFrameFormat::Format_Y8, QSize(64, 48), {uint8_t(index)})));
    QCOMPARE(source.droppedFrames(), 8);
    const std::vector<TimedFrame> frames = drain(source);
    QCOMPARE(frames.size(), size_t(32));
    QCOMPARE(frames.front().frame->data[0][0], uint8_t(8)); // the eight oldest went
    QCOMPARE(frames.back().frame->data[0][0], uint8_t(39));
}

void TestCaptureSource::unknownSizeIsAnError()
{
    CaptureSource source(QStringLiteral("camera /dev/video9"), QSize(), 30);
    QString error;
    QVERIFY(!source.open(&error));
    QVERIFY2(error.contains(QStringLiteral("camera /dev/video9")), qPrintable(error));
}

void TestCaptureSource::microphoneSoundIsNeverDropped()
{
    CaptureSource source(QStringLiteral("test camera + microphone"), QSize(64, 48), 30, true);
    QVERIFY(source.info().hasAudio);
    QAudioFormat format;
    format.setSampleRate(44100);
    format.setChannelCount(2);
    format.setSampleFormat(QAudioFormat::Int16);
    QByteArray pcm(441 * 4, '\0');
    auto *samples = reinterpret_cast<qint16 *>(pcm.data());
    samples[1] = 16384; // one sample at half scale: the meter's peak
    // More pictures than the queue holds, sound between them: pictures go, sound stays.
    for (int index = 0; index < 40; ++index) {
        QVERIFY(source.pushVideoFrame(makeFrame(QVideoFrameFormat::Format_Y8, QSize(64, 48), {uint8_t(index)})));
        if (index % 4 == 0)
            QVERIFY(source.pushAudioSamples(pcm, format));
    }
    QVERIFY(qAbs(source.audioPeak() - 0.5f) < 0.001f);
    const CollectingSink sink = drainAll(source);
    QCOMPARE(sink.audio.size(), size_t(10));
    QVERIFY(source.droppedFrames() > 0);
    for (size_t index = 0; index < sink.audio.size(); ++index) {
        const AVFrame &frame = *sink.audio[index].frame;
        QCOMPARE(frame.format, int(AV_SAMPLE_FMT_S16));
        QCOMPARE(frame.sample_rate, 44100);
        QCOMPARE(frame.ch_layout.nb_channels, 2);
        QCOMPARE(frame.nb_samples, 441);
        QCOMPARE(frame.pts, qint64(index) * 441); // continuous, in samples
    }
    QAudioFormat unknown;
    QVERIFY(!source.pushAudioSamples(pcm, unknown));
}

QTEST_GUILESS_MAIN(TestCaptureSource)
#include "tst_capturesource.moc"
