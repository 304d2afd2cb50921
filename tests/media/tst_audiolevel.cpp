// The audio meter's numbers: peak and RMS in dBFS of known signals in the sample formats sources
// deliver (the test pattern's planar float, a microphone's packed integers).
#include "AudioLevel.h"
#include "LibavPtr.h"

#include <QTest>
#include <cmath>

extern "C" {
#include <libavutil/channel_layout.h>
}

using namespace afk::media;

namespace {

// A sine of amplitude (1 = full scale) over whole periods in every channel.
FramePtr makeSine(AVSampleFormat format, int channels, double amplitude)
{
    FramePtr frame = allocFrame();
    frame->format = format;
    frame->nb_samples = 960; // 20 periods of a 1 kHz sine at 48 kHz
    frame->sample_rate = 48000;
    av_channel_layout_default(&frame->ch_layout, channels);
    if (av_frame_get_buffer(frame.get(), 0) < 0)
        return nullptr;
    const bool isPlanar = av_sample_fmt_is_planar(format);
    for (int index = 0; index < frame->nb_samples; ++index) {
        const double value = amplitude * std::sin(2 * M_PI * 1000 * index / 48000.0);
        for (int channel = 0; channel < channels; ++channel) {
            const int plane = isPlanar ? channel : 0;
            const int slot = isPlanar ? index : index * channels + channel;
            switch (av_get_packed_sample_fmt(format)) {
            case AV_SAMPLE_FMT_S16:
                reinterpret_cast<int16_t *>(frame->extended_data[plane])[slot] =
                    int16_t(std::lround(value * 32767));
                break;
            case AV_SAMPLE_FMT_FLT:
                reinterpret_cast<float *>(frame->extended_data[plane])[slot] = float(value);
                break;
            case AV_SAMPLE_FMT_U8:
                frame->extended_data[plane][slot] = uint8_t(std::lround(128 + value * 127));
                break;
            default:
                qFatal("no writer for this format in the test");
            }
        }
    }
    return frame;
}

} // namespace

class TestAudioLevel : public QObject
{
    Q_OBJECT
private slots:
    void sineLevels_data();
    void sineLevels();
    void silenceIsTheFloor();
    void unknownFormatLeavesTheLevel();
};

void TestAudioLevel::sineLevels_data()
{
    QTest::addColumn<int>("format");
    QTest::addColumn<int>("channels");
    QTest::addColumn<double>("amplitude");
    // The test pattern's tone: 0.25 in planar float stereo.
    QTest::newRow("fltp stereo, test pattern") << int(AV_SAMPLE_FMT_FLTP) << 2 << 0.25;
    QTest::newRow("s16 stereo, full scale") << int(AV_SAMPLE_FMT_S16) << 2 << 1.0;
    QTest::newRow("s16 mono, -20 dB") << int(AV_SAMPLE_FMT_S16) << 1 << 0.1;
    QTest::newRow("flt mono, -6 dB") << int(AV_SAMPLE_FMT_FLT) << 1 << 0.5;
    QTest::newRow("u8 stereo, -6 dB") << int(AV_SAMPLE_FMT_U8) << 2 << 0.5;
}

void TestAudioLevel::sineLevels()
{
    QFETCH(int, format);
    QFETCH(int, channels);
    QFETCH(double, amplitude);
    const FramePtr frame = makeSine(AVSampleFormat(format), channels, amplitude);
    QVERIFY(frame);
    AudioLevel level;
    QVERIFY(measureAudioLevel(*frame, &level));
    // A sine's RMS is its peak / √2: 3.01 dB below. 8-bit samples are coarse: a wider margin.
    const double tolerance = format == AV_SAMPLE_FMT_U8 ? 0.2 : 0.02;
    const double peakDbfs = 20 * std::log10(amplitude);
    QVERIFY2(std::abs(level.peakDbfs - peakDbfs) < tolerance,
             qPrintable(QString::number(level.peakDbfs)));
    QVERIFY2(std::abs(level.rmsDbfs - (peakDbfs - 3.0103)) < tolerance,
             qPrintable(QString::number(level.rmsDbfs)));
}

void TestAudioLevel::silenceIsTheFloor()
{
    const FramePtr frame = makeSine(AV_SAMPLE_FMT_FLTP, 2, 0.0);
    QVERIFY(frame);
    AudioLevel level{0, 0};
    QVERIFY(measureAudioLevel(*frame, &level));
    QCOMPARE(level.peakDbfs, AudioLevel::silenceDbfs);
    QCOMPARE(level.rmsDbfs, AudioLevel::silenceDbfs);
    QCOMPARE(amplitudeToDbfs(1e-9), AudioLevel::silenceDbfs);
}

void TestAudioLevel::unknownFormatLeavesTheLevel()
{
    FramePtr frame = makeSine(AV_SAMPLE_FMT_S16, 1, 0.5);
    QVERIFY(frame);
    frame->format = AV_SAMPLE_FMT_S64; // not one a source delivers
    AudioLevel level{-10, -13};
    QVERIFY(!measureAudioLevel(*frame, &level));
    QCOMPARE(level.peakDbfs, -10.0);
    QCOMPARE(level.rmsDbfs, -13.0);
}

QTEST_GUILESS_MAIN(TestAudioLevel)
#include "tst_audiolevel.moc"
