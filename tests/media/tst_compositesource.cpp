// The compositor as the devices feed it (no camera or microphone here): known-colour QVideoFrames
// pushed into CaptureSources (the camera's sink interface) come out composed — the overlay's
// colour in its picture-in-picture rectangle, the main picture around it — at one size, on a
// steady clock that a live layout switch or a stalled input does not disturb; and a microphone's
// 44.1 kHz mono PCM comes out of the whole pipeline as 48 kHz stereo AAC at its level, in place of
// the test pattern's tone.
#include "CaptureSource.h"
#include "CompositeSource.h"
#include "Pipeline.h"
#include "TestPatternSource.h"

#include <QAudioFormat>
#include <QDeadlineTimer>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QVideoFrame>
#include <QVideoFrameFormat>
#include <cmath>
#include <mutex>
#include <thread>

using namespace afk::media;

namespace {

struct Yuv {
    uint8_t y, u, v;
};
constexpr Yuv red{81, 90, 240};
constexpr Yuv blue{41, 240, 110};

QVideoFrame solidFrame(QSize size, Yuv colour)
{
    QVideoFrame frame(QVideoFrameFormat(size, QVideoFrameFormat::Format_YUV420P));
    if (!frame.map(QVideoFrame::WriteOnly))
        qFatal("cannot map a test frame");
    const uint8_t values[3] = {colour.y, colour.u, colour.v};
    for (int plane = 0; plane < frame.planeCount(); ++plane)
        std::memset(frame.bits(plane), values[plane], size_t(frame.mappedBytes(plane)));
    frame.unmap();
    return frame;
}

Yuv pixelAt(const AVFrame &frame, QPoint point)
{
    const int x = point.x();
    const int y = point.y();
    return {frame.data[0][y * frame.linesize[0] + x],
            frame.data[1][(y / 2) * frame.linesize[1] + x / 2],
            frame.data[2][(y / 2) * frame.linesize[2] + x / 2]};
}

bool isNear(Yuv actual, Yuv expected)
{
    return std::abs(actual.y - expected.y) <= 2 && std::abs(actual.u - expected.u) <= 2 &&
           std::abs(actual.v - expected.v) <= 2;
}

QByteArray describe(Yuv colour)
{
    return QByteArray("YUV ") + QByteArray::number(colour.y) + ' ' + QByteArray::number(colour.u) +
           ' ' + QByteArray::number(colour.v);
}

class CollectingSink : public FrameSink
{
public:
    bool pushVideo(TimedFrame frame) override
    {
        std::lock_guard lock(mutex);
        frames.push_back(std::move(frame.frame));
        return true;
    }
    bool pushAudio(TimedFrame frame) override
    {
        std::lock_guard lock(mutex);
        audio.push_back(std::move(frame.frame));
        return true;
    }
    size_t frameCount()
    {
        std::lock_guard lock(mutex);
        return frames.size();
    }
    const AVFrame &frame(size_t index)
    {
        std::lock_guard lock(mutex);
        return *frames.at(index);
    }

    std::mutex mutex;
    std::vector<FramePtr> frames;
    std::vector<FramePtr> audio;
};

// Runs a source on a thread of its own until stop().
class Runner
{
public:
    Runner(MediaSource &source, FrameSink &sink)
        : m_thread([this, &source, &sink] {
              isOk = source.run(sink, m_stop, &error);
              isDone = true;
          })
    {
    }
    ~Runner() { stop(); }
    void stop()
    {
        m_stop = true;
        if (m_thread.joinable())
            m_thread.join();
    }

    bool isOk = false;
    QString error;
    std::atomic<bool> isDone{false}; // run() returned by itself

private:
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
};

// The highest |sample| per channel of every audio frame in a segment, decoded with libav.
QList<double> audioPeaks(const QString &path, int *sampleRate, QString *error)
{
    AVFormatContext *raw = nullptr;
    if (avformat_open_input(&raw, path.toUtf8().constData(), nullptr, nullptr) < 0) {
        *error = QStringLiteral("cannot open ") + path;
        return {};
    }
    InputFormatPtr input(raw);
    avformat_find_stream_info(input.get(), nullptr);
    const int stream = av_find_best_stream(input.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
    if (stream < 0) {
        *error = QStringLiteral("no audio in ") + path;
        return {};
    }
    const AVCodecParameters *parameters = input->streams[stream]->codecpar;
    *sampleRate = parameters->sample_rate;
    CodecContextPtr decoder(avcodec_alloc_context3(avcodec_find_decoder(parameters->codec_id)));
    avcodec_parameters_to_context(decoder.get(), parameters);
    if (avcodec_open2(decoder.get(), nullptr, nullptr) < 0) {
        *error = QStringLiteral("cannot decode the audio");
        return {};
    }
    QList<double> peaks(parameters->ch_layout.nb_channels, 0.0);
    PacketPtr packet = allocPacket();
    FramePtr frame = allocFrame();
    while (av_read_frame(input.get(), packet.get()) >= 0) {
        if (packet->stream_index == stream &&
            avcodec_send_packet(decoder.get(), packet.get()) >= 0) {
            while (avcodec_receive_frame(decoder.get(), frame.get()) >= 0) {
                for (int channel = 0;
                     channel < peaks.size() && channel < frame->ch_layout.nb_channels; ++channel) {
                    const auto *samples =
                        reinterpret_cast<const float *>(frame->extended_data[channel]);
                    for (int index = 0; index < frame->nb_samples; ++index)
                        peaks[channel] = std::max(peaks[channel], double(std::abs(samples[index])));
                }
            }
        }
        av_packet_unref(packet.get());
    }
    return peaks;
}

} // namespace

class TestCompositeSource : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase() { av_log_set_level(AV_LOG_ERROR); }
    void overlayPlacementParsesAndFits();
    void overlayIsDrawnInItsCorner();
    void layoutSwitchKeepsSizeAndClock();
    void failingOverlayEndsWithItsReason();
    void microphoneReplacesTheToneInThePipeline();
};

void TestCompositeSource::overlayPlacementParsesAndFits()
{
    CompositeLayout layout;
    QString error;
    QVERIFY(CompositeLayout::parseOverlay(QString(), &layout, &error));
    QCOMPARE(layout.corner, CompositeLayout::Corner::BottomRight);
    QCOMPARE(layout.overlayWidth, 0.25);
    QVERIFY(CompositeLayout::parseOverlay(QStringLiteral("top-left,0.3"), &layout, &error));
    QCOMPARE(layout.corner, CompositeLayout::Corner::TopLeft);
    QCOMPARE(layout.overlayWidth, 0.3);
    for (const char *bad : {"middle", "top-left,2", "top-left,", "top-left,0.3,1", "top-left,x"}) {
        const CompositeLayout before = layout;
        QVERIFY2(!CompositeLayout::parseOverlay(QString::fromLatin1(bad), &layout, &error), bad);
        QVERIFY(!error.isEmpty());
        QCOMPARE(layout, before);
    }
    QVERIFY(CompositeLayout::parseOverlay(QStringLiteral("bottom-right,0.25"), &layout, &error));
    // 25 % of 1280 = 320 wide, 4:3 → 240 high; 2 % margin = 24 (even).
    QCOMPARE(layout.overlayRect(QSize(1280, 720), QSize(640, 480)), QRect(936, 456, 320, 240));
    layout.corner = CompositeLayout::Corner::TopLeft;
    QCOMPARE(layout.overlayRect(QSize(1280, 720), QSize(640, 480)), QRect(24, 24, 320, 240));
    // A tall overlay is shrunk to fit the height.
    layout.overlayWidth = 0.9;
    const QRect tall = layout.overlayRect(QSize(1280, 720), QSize(480, 640));
    QVERIFY(QRect(0, 0, 1280, 720).contains(tall));
    QCOMPARE(tall.height(), 720 - 2 * 24);
    // Letterboxed and pillarboxed, centred, even.
    QCOMPARE(CompositeLayout::fittedRect(QSize(1280, 720), QSize(640, 480)),
             QRect(160, 0, 960, 720));
    QCOMPARE(CompositeLayout::fittedRect(QSize(1280, 720), QSize(1920, 1080)),
             QRect(0, 0, 1280, 720));
    QCOMPARE(CompositeLayout::fittedRect(QSize(640, 480), QSize(1280, 720)),
             QRect(0, 60, 640, 360));
}

void TestCompositeSource::overlayIsDrawnInItsCorner()
{
    auto main = std::make_unique<CaptureSource>(QStringLiteral("screen"), QSize(320, 180), 30);
    auto overlay = std::make_unique<CaptureSource>(QStringLiteral("camera"), QSize(160, 120), 30);
    CaptureSource &screen = *main;
    CaptureSource &camera = *overlay;
    CompositeLayout layout;
    QString error;
    QVERIFY(CompositeLayout::parseOverlay(QStringLiteral("top-left,0.3"), &layout, &error));
    CompositeSource composite(std::move(main), std::move(overlay), nullptr, layout);
    QVERIFY2(composite.open(&error), qPrintable(error));
    QCOMPARE(composite.info().width, 320);
    QCOMPARE(composite.info().height, 180);
    QVERIFY(!composite.info().hasAudio);
    QVERIFY(
        composite.info().description.contains(QStringLiteral("picture-in-picture top-left 30%")));

    CollectingSink sink;
    Runner runner(composite, sink);
    QVERIFY(screen.pushVideoFrame(solidFrame(QSize(320, 180), red)));
    QVERIFY(camera.pushVideoFrame(solidFrame(QSize(160, 120), blue)));
    // Frames before the inputs' first pictures are black; wait for one with both.
    const QRect pip = layout.overlayRect(QSize(320, 180), QSize(160, 120));
    QCOMPARE(pip, QRect(6, 6, 96, 72));
    QTRY_VERIFY_WITH_TIMEOUT(
        sink.frameCount() > 0 &&
            isNear(pixelAt(sink.frame(sink.frameCount() - 1), pip.center()), blue),
        20000);
    const AVFrame &frame = sink.frame(sink.frameCount() - 1);
    QCOMPARE(frame.format, int(AV_PIX_FMT_YUV420P));
    for (const QPoint inside : {pip.topLeft() + QPoint(2, 2), pip.bottomRight() - QPoint(2, 2)})
        QVERIFY2(isNear(pixelAt(frame, inside), blue), describe(pixelAt(frame, inside)));
    for (const QPoint outside : {QPoint(2, 2), QPoint(pip.right() + 4, pip.center().y()),
                                 QPoint(pip.center().x(), pip.bottom() + 4), QPoint(300, 170)})
        QVERIFY2(isNear(pixelAt(frame, outside), red), describe(pixelAt(frame, outside)));
    runner.stop();
    QVERIFY2(runner.isOk, qPrintable(runner.error));
}

void TestCompositeSource::layoutSwitchKeepsSizeAndClock()
{
    auto main = std::make_unique<CaptureSource>(QStringLiteral("screen"), QSize(320, 180), 30);
    auto overlay = std::make_unique<CaptureSource>(QStringLiteral("camera"), QSize(160, 120), 30);
    CaptureSource &screen = *main;
    CaptureSource &camera = *overlay;
    CompositeSource composite(std::move(main), std::move(overlay), nullptr, CompositeLayout{});
    QString error;
    QVERIFY2(composite.open(&error), qPrintable(error));
    CollectingSink sink;
    Runner runner(composite, sink);
    // One picture each, then nothing: both inputs stall, their last pictures stay.
    QVERIFY(screen.pushVideoFrame(solidFrame(QSize(320, 180), red)));
    QVERIFY(camera.pushVideoFrame(solidFrame(QSize(160, 120), blue)));
    const QRect pip = CompositeLayout{}.overlayRect(QSize(320, 180), QSize(160, 120));
    QTRY_VERIFY_WITH_TIMEOUT(
        sink.frameCount() > 0 &&
            isNear(pixelAt(sink.frame(sink.frameCount() - 1), pip.center()), blue),
        20000);

    // Each layout shows from the next frame on: wait two frames past the switch, check the last.
    const auto switchTo = [&](CompositeLayout::Scene scene) {
        CompositeLayout layout;
        layout.scene = scene;
        composite.setLayout(layout);
        const size_t switchedAt = sink.frameCount();
        QDeadlineTimer deadline(20000);
        while (sink.frameCount() < switchedAt + 2 && !deadline.hasExpired())
            QTest::qWait(20);
        if (sink.frameCount() < switchedAt + 2)
            qFatal("no frames after a layout switch");
        return &sink.frame(sink.frameCount() - 1);
    };
    const AVFrame *screenOnly = switchTo(CompositeLayout::Scene::MainOnly);
    QVERIFY2(isNear(pixelAt(*screenOnly, pip.center()), red),
             describe(pixelAt(*screenOnly, pip.center())));
    // The 4:3 camera pillarboxed in the 16:9 output: blue in the middle, black at the sides.
    const AVFrame *cameraOnly = switchTo(CompositeLayout::Scene::OverlayOnly);
    QVERIFY(isNear(pixelAt(*cameraOnly, QPoint(160, 90)), blue));
    QVERIFY2(isNear(pixelAt(*cameraOnly, QPoint(4, 90)), Yuv{16, 128, 128}),
             describe(pixelAt(*cameraOnly, QPoint(4, 90))));
    const AVFrame *bars = switchTo(CompositeLayout::Scene::TestPattern);
    QVERIFY(isNear(pixelAt(*bars, QPoint(10, 90)), Yuv{180, 128, 128})); // white
    QVERIFY(isNear(pixelAt(*bars, QPoint(310, 90)), Yuv{35, 212, 114})); // blue
    const AVFrame *back = switchTo(CompositeLayout::Scene::PictureInPicture);
    QVERIFY(isNear(pixelAt(*back, pip.center()), blue));
    runner.stop();
    QVERIFY2(runner.isOk, qPrintable(runner.error));

    // One size and one clock throughout: every pts one frame period (in microseconds) after the
    // one before, from 0.
    QCOMPARE(composite.skippedFrames(), 0);
    for (size_t index = 0; index < sink.frames.size(); ++index) {
        const AVFrame &frame = *sink.frames[index];
        QCOMPARE(frame.width, 320);
        QCOMPARE(frame.height, 180);
        QCOMPARE(frame.pts, qint64(index) * 1000000 / 30);
    }
}

void TestCompositeSource::failingOverlayEndsWithItsReason()
{
    auto overlay = std::make_unique<CaptureSource>(QStringLiteral("camera"), QSize(160, 120), 30);
    CaptureSource &camera = *overlay;
    CompositeSource composite(std::make_unique<TestPatternSource>(320, 180), std::move(overlay),
                              nullptr, CompositeLayout{});
    QString error;
    QVERIFY2(composite.open(&error), qPrintable(error));
    QVERIFY(composite.info().hasAudio); // the test pattern's tone, with no microphone
    CollectingSink sink;
    Runner runner(composite, sink);
    QTRY_VERIFY_WITH_TIMEOUT(sink.frameCount() >= 3, 20000);
    camera.failDevice(QStringLiteral("camera: unplugged"));
    QTRY_VERIFY_WITH_TIMEOUT(runner.isDone, 20000);
    runner.stop();
    QVERIFY(!runner.isOk);
    QCOMPARE(runner.error, QStringLiteral("overlay: camera: unplugged"));

    // A device that failed before the start refuses open(), named.
    auto broken = std::make_unique<CaptureSource>(QStringLiteral("microphone"));
    broken->failDevice(QStringLiteral("no microphone found"));
    CompositeSource withBrokenMicrophone(std::make_unique<TestPatternSource>(320, 180), nullptr,
                                         std::move(broken), CompositeLayout{});
    QVERIFY(!withBrokenMicrophone.open(&error));
    QCOMPARE(error, QStringLiteral("microphone: no microphone found"));
}

void TestCompositeSource::microphoneReplacesTheToneInThePipeline()
{
    QTemporaryDir dir;
    auto microphone = std::make_unique<CaptureSource>(QStringLiteral("microphone"));
    CaptureSource &sound = *microphone;
    PipelineConfig config;
    QString error;
    config.ladder = parseLadder(QStringLiteral("240p"), &error);
    config.segmentSeconds = 1;
    config.outputDir = dir.path();
    config.x264Preset = QStringLiteral("ultrafast");
    Pipeline pipeline(config, std::make_unique<CompositeSource>(
                                  std::make_unique<TestPatternSource>(426, 240), nullptr,
                                  std::move(microphone), CompositeLayout{}));
    QSignalSpy started(&pipeline, &Pipeline::started);
    QSignalSpy segments(&pipeline, &Pipeline::segmentCompleted);
    QSignalSpy finished(&pipeline, &Pipeline::finished);
    QVERIFY2(pipeline.start(&error), qPrintable(error));
    QVERIFY(started.wait(30000));
    QVERIFY(pipeline.sourceInfo().hasAudio);

    // A microphone's odd format: 44.1 kHz mono 16-bit, a 1 kHz sine at 90 % of full scale,
    // 100 ms at a time like a device's buffers, about three seconds in all.
    QAudioFormat format;
    format.setSampleRate(44100);
    format.setChannelCount(1);
    format.setSampleFormat(QAudioFormat::Int16);
    constexpr int chunkSamples = 4410;
    qint64 written = 0;
    for (int chunk = 0; chunk < 30 && finished.isEmpty(); ++chunk) {
        QByteArray pcm(chunkSamples * 2, '\0');
        auto *samples = reinterpret_cast<qint16 *>(pcm.data());
        for (int index = 0; index < chunkSamples; ++index, ++written)
            samples[index] =
                qint16(std::lround(0.9 * 32767 * std::sin(2 * M_PI * 1000 * written / 44100.0)));
        QVERIFY(sound.pushAudioSamples(pcm, format));
        QTest::qWait(100);
    }
    QVERIFY(std::abs(sound.audioPeak() - 0.9f) < 0.01f); // the level meter
    QTRY_VERIFY_WITH_TIMEOUT(segments.size() >= 2, 60000);
    pipeline.stop();
    QVERIFY(finished.wait(60000));
    QCOMPARE(finished.first().first().toString(), QString());

    // The second segment (the first may start before the sound did): 48 kHz stereo, the
    // microphone's level on both channels, well above the test pattern's tone (25 %).
    int sampleRate = 0;
    const QList<double> peaks =
        audioPeaks(dir.path() + QStringLiteral("/240p/segment_1.ts"), &sampleRate, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(sampleRate, 48000);
    QCOMPARE(peaks.size(), 2);
    for (const double peak : peaks)
        QVERIFY2(peak > 0.5 && peak < 1.0, qPrintable(QString::number(peak)));
}

QTEST_GUILESS_MAIN(TestCompositeSource)
#include "tst_compositesource.moc"
