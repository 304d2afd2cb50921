#include "CompositeSource.h"

#include "VideoScaler.h"

#include <QDateTime>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>

extern "C" {
#include <libavutil/imgutils.h>
}

namespace afk::media {
namespace {

using Clock = std::chrono::steady_clock;

// Beyond this the output does not catch up frame by frame (a suspended machine, a debugger):
// it skips to the clock, and the pipeline's frame-rate converter fills the gap.
constexpr auto maximumLag = std::chrono::seconds(1);
// The longest sleep between checks of the stop flag.
constexpr auto longestWait = std::chrono::milliseconds(50);

// The fallback when the main input does not say its size.
constexpr QSize defaultSize(1280, 720);

// Black in limited-range YUV (what swscale makes of RGB black).
constexpr uint8_t blackLuma = 16;
constexpr uint8_t neutralChroma = 128;

void fill(AVFrame &frame, uint8_t luma, uint8_t blue, uint8_t red, const QRect &area)
{
    const uint8_t values[3] = {luma, blue, red};
    for (int plane = 0; plane < 3; ++plane) {
        const int shift = plane == 0 ? 0 : 1;
        const int width = area.width() >> shift;
        for (int row = area.y() >> shift; row < (area.y() + area.height()) >> shift; ++row)
            std::memset(frame.data[plane] + qsizetype(row) * frame.linesize[plane] +
                            (area.x() >> shift),
                        values[plane], size_t(width));
    }
}

// 75 % colour bars (white, yellow, cyan, green, magenta, red, blue), BT.601 limited range.
void drawColourBars(AVFrame &frame)
{
    struct Yuv {
        uint8_t y, u, v;
    };
    static constexpr Yuv bars[] = {{180, 128, 128}, {162, 44, 142}, {131, 156, 44}, {112, 72, 58},
                                   {84, 184, 198},  {65, 100, 212}, {35, 212, 114}};
    constexpr int barCount = int(std::size(bars));
    for (int index = 0; index < barCount; ++index) {
        const int left = (frame.width * index / barCount) & ~1;
        const int right =
            index + 1 == barCount ? frame.width : (frame.width * (index + 1) / barCount) & ~1;
        fill(frame, bars[index].y, bars[index].u, bars[index].v,
             QRect(left, 0, right - left, frame.height));
    }
}

} // namespace

// One input: runs its source on a thread of its own and keeps only its latest picture (a source
// faster than the output, or an output that stalls, never queues pictures up); forwards its sound
// when it is the output's.
class CompositeSource::Input : public FrameSink
{
public:
    Input(QString role, std::unique_ptr<MediaSource> source)
        : role(std::move(role)), source(std::move(source))
    {
    }

    void start(FrameSink *audioSink, const std::atomic<bool> &stopRequested)
    {
        m_audioSink = audioSink;
        m_thread = std::thread([this, &stopRequested] {
            QString error;
            const bool isOk = source->run(*this, stopRequested, &error);
            std::lock_guard lock(m_mutex);
            m_error = isOk ? QString() : (error.isEmpty() ? QStringLiteral("failed") : error);
            m_hasEnded = true;
        });
    }
    void join()
    {
        if (m_thread.joinable())
            m_thread.join();
    }

    bool pushVideo(TimedFrame frame) override
    {
        std::lock_guard lock(m_mutex);
        m_newest = std::move(frame.frame);
        ++m_newestSequence;
        return true;
    }
    bool pushAudio(TimedFrame frame) override
    {
        return m_audioSink ? m_audioSink->pushAudio(std::move(frame)) : true;
    }

    bool hasEnded(QString *error) const
    {
        std::lock_guard lock(m_mutex);
        *error = m_error;
        return m_hasEnded;
    }

    // Compositor thread: takes the newest picture, if any came; the size of the one to draw
    // (invalid before the first).
    QSize refresh()
    {
        if (FramePtr newer = takeNewer(&m_latestSequence))
            m_latest = std::move(newer);
        return m_latest ? QSize(m_latest->width, m_latest->height) : QSize();
    }
    // Compositor thread: the latest picture as 4:2:0 of size, scaled once per picture and size
    // (an output faster than its input draws the same scaled picture again). Null with *error.
    const AVFrame *scaledTo(QSize size, QString *error)
    {
        if (m_scaled && m_scaledSequence == m_latestSequence && m_scaledSize == size)
            return m_scaled.get();
        if (!m_scaler || m_scaledSize != size) {
            // Bicubic: the ladder scales this picture once more, with its own filter.
            m_scaler.emplace(size.width(), size.height(), ScaleFilter::Bicubic);
            m_scaledSize = size;
        }
        m_scaled = m_scaler->scale(*m_latest, error);
        m_scaledSequence = m_latestSequence;
        return m_scaled.get();
    }

    const QString role; // "overlay", for errors
    std::unique_ptr<MediaSource> source;

private:
    // The picture the sources' threads hand over, and the compositor thread's copies of it.
    FramePtr takeNewer(qint64 *sequence)
    {
        std::lock_guard lock(m_mutex);
        if (!m_newest || m_newestSequence == *sequence)
            return nullptr;
        *sequence = m_newestSequence;
        return cloneFrame(*m_newest);
    }

    FrameSink *m_audioSink = nullptr;
    std::thread m_thread;
    mutable std::mutex m_mutex;
    FramePtr m_newest;           // guarded by m_mutex
    qint64 m_newestSequence = 0; // guarded by m_mutex
    bool m_hasEnded = false;     // guarded by m_mutex
    QString m_error;             // guarded by m_mutex
    FramePtr m_latest;           // compositor thread from here on
    qint64 m_latestSequence = 0;
    std::optional<VideoScaler> m_scaler;
    QSize m_scaledSize;
    FramePtr m_scaled;
    qint64 m_scaledSequence = -1;
};

CompositeSource::CompositeSource(std::unique_ptr<MediaSource> main,
                                 std::unique_ptr<MediaSource> overlay,
                                 std::unique_ptr<MediaSource> sound, const CompositeLayout &layout,
                                 Settings settings)
    : m_layout(std::make_shared<SharedLayout>(layout)), m_settings(settings)
{
    m_inputs.push_back(std::make_unique<Input>(QStringLiteral("main"), std::move(main)));
    m_main = m_inputs.back().get();
    if (overlay) {
        m_inputs.push_back(std::make_unique<Input>(QStringLiteral("overlay"), std::move(overlay)));
        m_overlay = m_inputs.back().get();
    }
    if (sound) {
        m_inputs.push_back(std::make_unique<Input>(QStringLiteral("microphone"), std::move(sound)));
        m_sound = m_inputs.back().get();
    }
}

CompositeSource::~CompositeSource()
{
    stopInputs();
}

bool CompositeSource::open(QString *error)
{
    QStringList parts;
    for (auto &input : m_inputs) {
        QString inputError;
        if (!input->source->open(&inputError)) {
            *error = input.get() == m_main ? inputError
                                           : QStringLiteral("%1: %2").arg(input->role, inputError);
            return false;
        }
        parts << input->source->info().description;
    }
    const SourceInfo &main = m_main->source->info();
    QSize size = m_settings.size;
    if (size.isEmpty())
        size = main.hasVideo && main.width > 0 && main.height > 0 ? QSize(main.width, main.height)
                                                                  : defaultSize;
    // Even sizes: 4:2:0 chroma, and what every rung of the ladder is fitted to.
    size = QSize(std::max(16, size.width() & ~1), std::max(16, size.height() & ~1));
    m_pool.emplace(AV_PIX_FMT_YUV420P, size.width(), size.height());
    m_testPattern = m_pool->get();
    if (!m_testPattern) {
        *error = QStringLiteral("out of memory for a %1x%2 picture")
                     .arg(size.width())
                     .arg(size.height());
        return false;
    }
    drawColourBars(*m_testPattern);
    m_info.hasVideo = true;
    m_info.width = size.width();
    m_info.height = size.height();
    m_info.framesPerSecond = m_settings.framesPerSecond;
    m_info.hasAudio = m_sound ? m_sound->source->info().hasAudio : main.hasAudio;
    m_info.isLive = true;
    m_info.description = QStringLiteral("%1 (%2x%3, %4)")
                             .arg(parts.join(QStringLiteral(" + ")))
                             .arg(size.width())
                             .arg(size.height())
                             .arg(layout().description());
    return true;
}

void CompositeSource::interrupt()
{
    m_isInputStopRequested = true;
    for (auto &input : m_inputs)
        input->source->interrupt();
}

void CompositeSource::stopInputs()
{
    interrupt();
    for (auto &input : m_inputs)
        input->join();
}

std::optional<QString> CompositeSource::inputsEnding(bool *isFailure) const
{
    for (const auto &input : m_inputs) {
        QString error;
        if (!input->hasEnded(&error))
            continue;
        if (!error.isEmpty()) {
            *isFailure = true;
            return input.get() == m_main ? error : QStringLiteral("%1: %2").arg(input->role, error);
        }
        // A file as the main picture is done when it ends; an overlay that ends keeps its last
        // picture, a microphone that ends leaves silence.
        if (input.get() == m_main) {
            *isFailure = false;
            return QString();
        }
    }
    return std::nullopt;
}

bool CompositeSource::run(FrameSink &sink, const std::atomic<bool> &stopRequested, QString *error)
{
    for (auto &input : m_inputs) {
        const bool isSoundOurs = m_sound ? input.get() == m_sound : input.get() == m_main;
        input->start(isSoundOurs ? &sink : nullptr, m_isInputStopRequested);
    }
    const int framesPerSecond = std::max(1, m_settings.framesPerSecond);
    const auto period = std::chrono::duration<double>(1.0 / framesPerSecond);
    const Clock::time_point origin = Clock::now();
    qint64 frameIndex = 0;
    bool isOk = true;
    while (!stopRequested) {
        const Clock::time_point due =
            origin + std::chrono::duration_cast<Clock::duration>(period * double(frameIndex));
        const Clock::time_point now = Clock::now();
        if (now < due) {
            std::this_thread::sleep_for(std::min<Clock::duration>(due - now, longestWait));
            continue;
        }
        if (now - due > maximumLag) {
            const qint64 caughtUp = qint64(std::chrono::duration<double>(now - origin) / period);
            m_skippedFrames += caughtUp - frameIndex;
            frameIndex = caughtUp;
        }
        bool isFailure = false;
        if (const std::optional<QString> ending = inputsEnding(&isFailure)) {
            if (isFailure) {
                *error = *ending;
                isOk = false;
            }
            break;
        }
        FramePtr frame = compose(m_layout->get(), error);
        if (!frame) {
            isOk = false;
            break;
        }
        // Microseconds on the output's own clock: the same period whatever the inputs do.
        frame->pts = frameIndex * 1000000 / framesPerSecond;
        ++frameIndex;
        if (!sink.pushVideo({std::move(frame), QDateTime::currentMSecsSinceEpoch()}))
            break;
    }
    stopInputs();
    return isOk;
}

FramePtr CompositeSource::compose(const CompositeLayout &layout, QString *error)
{
    if (layout.scene == CompositeLayout::Scene::TestPattern)
        return cloneFrame(*m_testPattern);
    FramePtr output = m_pool->get();
    if (!output) {
        *error = QStringLiteral("out of memory for a composed picture");
        return nullptr;
    }
    const QSize size(output->width, output->height);
    fill(*output, blackLuma, neutralChroma, neutralChroma, QRect(QPoint(0, 0), size));
    // Camera only shows the overlay input full-frame (letterboxed); without one, the main input.
    Input &full =
        layout.scene == CompositeLayout::Scene::OverlayOnly && m_overlay ? *m_overlay : *m_main;
    // An input with no picture yet leaves its place black.
    if (const QSize fullSize = full.refresh(); fullSize.isValid()) {
        if (!drawInput(full, CompositeLayout::fittedRect(size, fullSize), *output, error))
            return nullptr;
    }
    if (layout.scene == CompositeLayout::Scene::PictureInPicture && m_overlay) {
        if (const QSize overlaySize = m_overlay->refresh(); overlaySize.isValid()) {
            if (!drawInput(*m_overlay, layout.overlayRect(size, overlaySize), *output, error))
                return nullptr;
        }
    }
    return output;
}

bool CompositeSource::drawInput(Input &input, const QRect &target, AVFrame &output, QString *error)
{
    if (target.isEmpty())
        return true;
    const AVFrame *picture = input.scaledTo(target.size(), error);
    if (!picture)
        return false;
    for (int plane = 0; plane < 3; ++plane) {
        const int shift = plane == 0 ? 0 : 1;
        av_image_copy_plane(output.data[plane] +
                                qsizetype(target.y() >> shift) * output.linesize[plane] +
                                (target.x() >> shift),
                            output.linesize[plane], picture->data[plane], picture->linesize[plane],
                            target.width() >> shift, target.height() >> shift);
    }
    return true;
}

} // namespace afk::media
