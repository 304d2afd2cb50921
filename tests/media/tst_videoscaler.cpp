// VideoScaler's picture quality: a zone plate scaled to every rung size must come close to a
// lanczos resize, so a cheaper filter (bilinear, area) cannot slip back in as the default.
#include "Ladder.h"
#include "VideoScaler.h"

#include <QTest>
#include <cmath>

using namespace afk::media;

namespace {

constexpr int sourceWidth = 1920;
constexpr int sourceHeight = 1080;
// On this zone plate (luma and chroma up to a quarter of the sampling rate) swscale scores, in dB
// against lanczos at 1280x720 / 854x480 / 640x360 / 426x240: bicubic 40.5 / 36.4 / 35.3 / 36.5,
// area 31.4 / 30.5 / 28.6 / 28.5, bilinear 28.3 / 25.9 / 26.8 / 27.6. The bound passes lanczos
// (the default) and bicubic (the ffmpeg program's) and fails the cheap ones.
constexpr double minimumPsnrDb = 33.0;

// Rings whose frequency rises from 0 at the centre to fmax cycles per sample at the corners.
FramePtr makeZonePlate()
{
    FramePtr frame = allocFrame();
    frame->format = AV_PIX_FMT_YUV420P;
    frame->width = sourceWidth;
    frame->height = sourceHeight;
    if (av_frame_get_buffer(frame.get(), 0) < 0)
        return nullptr;
    constexpr double fmax = 0.25;
    const double lumaRadius = std::hypot(sourceWidth / 2.0, sourceHeight / 2.0);
    const double lumaK = M_PI * fmax / lumaRadius;
    for (int y = 0; y < sourceHeight; ++y) {
        for (int x = 0; x < sourceWidth; ++x) {
            const double dx = x - sourceWidth / 2.0;
            const double dy = y - sourceHeight / 2.0;
            frame->data[0][y * frame->linesize[0] + x] =
                quint8(std::lround(126 + 90 * std::cos(lumaK * (dx * dx + dy * dy))));
        }
    }
    // Chroma: horizontal sweep in U, vertical sweep in V.
    const double chromaK = 2 * lumaK;
    for (int y = 0; y < sourceHeight / 2; ++y) {
        for (int x = 0; x < sourceWidth / 2; ++x) {
            const double dx = x - sourceWidth / 4.0;
            const double dy = y - sourceHeight / 4.0;
            frame->data[1][y * frame->linesize[1] + x] =
                quint8(std::lround(128 + 60 * std::cos(chromaK * dx * dx)));
            frame->data[2][y * frame->linesize[2] + x] =
                quint8(std::lround(128 + 60 * std::cos(chromaK * dy * dy)));
        }
    }
    return frame;
}

FramePtr lanczosResize(const AVFrame &input, int width, int height)
{
    SwsPtr context(sws_getContext(input.width, input.height, AVPixelFormat(input.format), width,
                                  height, AV_PIX_FMT_YUV420P, SWS_LANCZOS, nullptr, nullptr,
                                  nullptr));
    FramePtr output = allocFrame();
    output->format = AV_PIX_FMT_YUV420P;
    output->width = width;
    output->height = height;
    if (!context || av_frame_get_buffer(output.get(), 0) < 0
        || sws_scale_frame(context.get(), output.get(), &input) < 0)
        return nullptr;
    return output;
}

// Over all three planes, as ffmpeg's psnr filter reports "average".
double psnrDb(const AVFrame &a, const AVFrame &b)
{
    double squaredError = 0;
    qint64 samples = 0;
    for (int plane = 0; plane < 3; ++plane) {
        const int width = plane == 0 ? a.width : a.width / 2;
        const int height = plane == 0 ? a.height : a.height / 2;
        for (int y = 0; y < height; ++y) {
            for (int x = 0; x < width; ++x) {
                const int difference = a.data[plane][y * a.linesize[plane] + x]
                                       - b.data[plane][y * b.linesize[plane] + x];
                squaredError += difference * difference;
            }
        }
        samples += qint64(width) * height;
    }
    if (squaredError == 0)
        return INFINITY;
    return 10 * std::log10(255.0 * 255.0 * samples / squaredError);
}

} // namespace

class TestVideoScaler : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void defaultFilterIsCloseToLanczos();
    void defaultFilterIsCloseToLanczos_data() { addRungSizes(); }
    void cheapFiltersFailTheBound();
    void cheapFiltersFailTheBound_data() { addRungSizes(); }
    void filterNamesRoundTrip();

private:
    static void addRungSizes();
    double scaledPsnr(VideoScaler &scaler, int width, int height);
    FramePtr m_source;
};

void TestVideoScaler::initTestCase()
{
    m_source = makeZonePlate();
    QVERIFY(m_source);
}

void TestVideoScaler::addRungSizes()
{
    QTest::addColumn<int>("width");
    QTest::addColumn<int>("height");
    QStringList names;
    for (const RenditionPreset &preset : renditionPresets())
        names << QString::number(preset.height) + u'p';
    QString error;
    const QList<Rendition> ladder = parseLadder(names.join(u','), &error);
    QVERIFY2(!ladder.isEmpty(), qPrintable(error));
    // Every rung below the source; the one at its size is a copy, not a resize.
    for (const Rendition &rung : fitLadderToSource(ladder, sourceWidth, sourceHeight))
        if (rung.height < sourceHeight)
            QTest::addRow("%s", qPrintable(rung.name)) << rung.width << rung.height;
}

double TestVideoScaler::scaledPsnr(VideoScaler &scaler, int width, int height)
{
    QString error;
    FramePtr scaled = scaler.scale(*m_source, &error);
    if (!scaled) {
        qWarning("%s", qPrintable(error));
        return 0;
    }
    FramePtr reference = lanczosResize(*m_source, width, height);
    if (!reference || scaled->width != width || scaled->height != height)
        return 0;
    return psnrDb(*scaled, *reference);
}

void TestVideoScaler::defaultFilterIsCloseToLanczos()
{
    QFETCH(int, width);
    QFETCH(int, height);
    VideoScaler defaultScaler(width, height); // what every stream gets unless told otherwise
    VideoScaler bicubicScaler(width, height, ScaleFilter::Bicubic); // the ffmpeg program's
    for (VideoScaler *scaler : {&defaultScaler, &bicubicScaler}) {
        const double psnr = scaledPsnr(*scaler, width, height);
        QVERIFY2(psnr >= minimumPsnrDb, qPrintable(QStringLiteral("%1x%2: %3 dB, want >= %4 dB")
                                                       .arg(width)
                                                       .arg(height)
                                                       .arg(psnr, 0, 'f', 2)
                                                       .arg(minimumPsnrDb)));
    }
}

// The bound tells the filters apart: the cheap ones, which the ladder must not default to, fail it.
void TestVideoScaler::cheapFiltersFailTheBound()
{
    QFETCH(int, width);
    QFETCH(int, height);
    for (ScaleFilter filter : {ScaleFilter::Bilinear, ScaleFilter::Area}) {
        VideoScaler scaler(width, height, filter);
        const double psnr = scaledPsnr(scaler, width, height);
        QVERIFY2(psnr > 0 && psnr < minimumPsnrDb,
                 qPrintable(QStringLiteral("%1 at %2x%3: %4 dB")
                                .arg(scaleFilterName(filter))
                                .arg(width)
                                .arg(height)
                                .arg(psnr, 0, 'f', 2)));
    }
}

void TestVideoScaler::filterNamesRoundTrip()
{
    for (ScaleFilter filter : {ScaleFilter::Bicubic, ScaleFilter::Lanczos, ScaleFilter::Bilinear,
                               ScaleFilter::Area}) {
        ScaleFilter parsed = filter == ScaleFilter::Area ? ScaleFilter::Bicubic : ScaleFilter::Area;
        QVERIFY(parseScaleFilter(scaleFilterName(filter), &parsed));
        QCOMPARE(parsed, filter);
    }
    ScaleFilter untouched = ScaleFilter::Lanczos;
    QVERIFY(!parseScaleFilter(QStringLiteral("Bicubic"), &untouched));
    QVERIFY(!parseScaleFilter(QString(), &untouched));
    QCOMPARE(untouched, ScaleFilter::Lanczos);
}

QTEST_APPLESS_MAIN(TestVideoScaler)
#include "tst_videoscaler.moc"
