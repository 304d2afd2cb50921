#include "TestPatternSource.h"

#include <QDateTime>
#include <QTime>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

extern "C" {
#include <libavutil/channel_layout.h>
}

namespace afk::media {
namespace {

constexpr int audioSampleRate = 48000;
constexpr int audioFrameSamples = 1024;

// 5x7 glyphs, one byte per row, bit 4 = leftmost pixel.
struct Glyph {
    char character;
    quint8 rows[7];
};
constexpr Glyph glyphs[] = {
    {'0', {0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e}},
    {'1', {0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e}},
    {'2', {0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f}},
    {'3', {0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e}},
    {'4', {0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02}},
    {'5', {0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e}},
    {'6', {0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e}},
    {'7', {0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}},
    {'8', {0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e}},
    {'9', {0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c}},
    {':', {0x00, 0x0c, 0x0c, 0x00, 0x0c, 0x0c, 0x00}},
    {'.', {0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x0c}},
    {'#', {0x0a, 0x0a, 0x1f, 0x0a, 0x1f, 0x0a, 0x0a}},
    {' ', {0, 0, 0, 0, 0, 0, 0}},
};

const Glyph *glyphFor(char character)
{
    for (const Glyph &glyph : glyphs)
        if (glyph.character == character)
            return &glyph;
    return nullptr;
}

// Writes text into the luma plane, each font pixel a scale×scale block, white on black.
void drawText(AVFrame &frame, int left, int top, int scale, const QByteArray &text)
{
    const int cellWidth = 6 * scale;
    for (int index = 0; index < text.size(); ++index) {
        const Glyph *glyph = glyphFor(text[index]);
        if (!glyph)
            continue;
        for (int row = 0; row < 7 * scale; ++row) {
            const int y = top + row;
            if (y < 0 || y >= frame.height)
                continue;
            quint8 *line = frame.data[0] + qsizetype(y) * frame.linesize[0];
            for (int column = 0; column < cellWidth; ++column) {
                const int x = left + index * cellWidth + column;
                if (x < 0 || x >= frame.width)
                    continue;
                const int glyphColumn = column / scale;
                const bool isOn = glyphColumn < 5
                                  && (glyph->rows[row / scale] & (0x10 >> glyphColumn));
                line[x] = isOn ? 235 : 16;
            }
        }
    }
}

void fillRect(AVFrame &frame, int left, int top, int width, int height, quint8 y, quint8 u, quint8 v)
{
    const int right = std::min(frame.width, left + width);
    const int bottom = std::min(frame.height, top + height);
    for (int row = std::max(0, top); row < bottom; ++row)
        std::fill_n(frame.data[0] + qsizetype(row) * frame.linesize[0] + std::max(0, left),
                    std::max(0, right - std::max(0, left)), y);
    for (int row = std::max(0, top) / 2; row < bottom / 2; ++row) {
        const int chromaLeft = std::max(0, left) / 2;
        const int chromaWidth = std::max(0, right / 2 - chromaLeft);
        std::fill_n(frame.data[1] + qsizetype(row) * frame.linesize[1] + chromaLeft, chromaWidth, u);
        std::fill_n(frame.data[2] + qsizetype(row) * frame.linesize[2] + chromaLeft, chromaWidth, v);
    }
}

} // namespace

TestPatternSource::TestPatternSource(int width, int height, int framesPerSecond, bool isRealtime,
                                     int maxDurationSeconds)
    : m_framesPerSecond(framesPerSecond), m_maxDurationSeconds(maxDurationSeconds),
      m_framePool(AV_PIX_FMT_YUV420P, width, height)
{
    m_info.hasVideo = true;
    m_info.width = width;
    m_info.height = height;
    m_info.framesPerSecond = framesPerSecond;
    m_info.hasAudio = true;
    m_info.isLive = isRealtime;
    m_info.description = QStringLiteral("test pattern %1x%2@%3").arg(width).arg(height).arg(framesPerSecond);
}

bool TestPatternSource::open(QString *error)
{
    if (m_info.width < 64 || m_info.height < 64 || m_info.width % 2 || m_info.height % 2
        || m_framesPerSecond < 1 || m_framesPerSecond > 120) {
        *error = QStringLiteral("test pattern size must be even and at least 64x64, 1-120 fps");
        return false;
    }
    return true;
}

FramePtr TestPatternSource::makeVideoFrame(qint64 frameIndex, qint64 wallMs)
{
    FramePtr frame = m_framePool.get();
    if (!frame)
        return nullptr;

    // BT.601 limited-range colour bars: white, yellow, cyan, green, magenta, red, blue.
    static constexpr quint8 bars[7][3] = {{235, 128, 128}, {210, 16, 146}, {170, 166, 16},
                                          {145, 54, 34},   {106, 202, 222}, {81, 90, 240},
                                          {41, 240, 110}};
    const int barsHeight = frame->height * 2 / 3;
    for (int bar = 0; bar < 7; ++bar) {
        const int left = (frame->width * bar / 7) & ~1;
        const int right = (frame->width * (bar + 1) / 7) & ~1;
        fillRect(*frame, left, 0, right - left, barsHeight, bars[bar][0], bars[bar][1], bars[bar][2]);
    }
    fillRect(*frame, 0, barsHeight, frame->width, frame->height - barsHeight, 16, 128, 128);

    // A box sweeping across the bars, one width every four seconds, flashing white on the second.
    const int boxSize = (frame->height / 6) & ~1;
    const qint64 period = 4LL * m_framesPerSecond;
    const int boxLeft = int((frame->width - boxSize) * (frameIndex % period) / period) & ~1;
    const bool isSecondStart = frameIndex % m_framesPerSecond < 3;
    fillRect(*frame, boxLeft, barsHeight / 2 - boxSize / 2, boxSize, boxSize,
             isSecondStart ? 235 : 16, 128, 128);

    const int scale = std::max(1, frame->height / 120);
    const QByteArray clock = QDateTime::fromMSecsSinceEpoch(wallMs).time()
                                 .toString(QStringLiteral("HH:mm:ss.zzz")).toLatin1();
    const int textTop = barsHeight + scale * 4;
    drawText(*frame, scale * 4, textTop, scale, clock);
    drawText(*frame, scale * 4, textTop + scale * 10, scale, "#" + QByteArray::number(frameIndex));
    return frame;
}

FramePtr TestPatternSource::makeAudioFrame(qint64 firstSample) const
{
    FramePtr frame = allocFrame();
    frame->format = AV_SAMPLE_FMT_FLTP;
    frame->sample_rate = audioSampleRate;
    frame->nb_samples = audioFrameSamples;
    av_channel_layout_default(&frame->ch_layout, 2);
    if (av_frame_get_buffer(frame.get(), 0) < 0)
        return nullptr;
    auto *left = reinterpret_cast<float *>(frame->data[0]);
    auto *right = reinterpret_cast<float *>(frame->data[1]);
    for (int i = 0; i < audioFrameSamples; ++i) {
        const qint64 sample = firstSample + i;
        // 880 Hz for the first 100 ms of every second (it lines up with the box flash), else 440.
        const bool isBeep = sample % audioSampleRate < audioSampleRate / 10;
        const double frequency = isBeep ? 880.0 : 440.0;
        const double phase = 2.0 * M_PI * frequency * double(sample % audioSampleRate) / audioSampleRate;
        left[i] = right[i] = float(0.25 * std::sin(phase));
    }
    frame->pts = firstSample;
    return frame;
}

bool TestPatternSource::run(FrameSink &sink, const std::atomic<bool> &stopRequested, QString *error)
{
    using Clock = std::chrono::steady_clock;
    const Clock::time_point startTime = Clock::now();
    const qint64 startWallMs = QDateTime::currentMSecsSinceEpoch();
    qint64 frameIndex = 0;
    qint64 nextSample = 0;
    while (!stopRequested.load()) {
        // Emit whichever of the next video frame and next audio frame is due first.
        const qint64 videoDueUs = frameIndex * 1000000 / m_framesPerSecond;
        const qint64 audioDueUs = nextSample * 1000000 / audioSampleRate;
        const qint64 dueUs = std::min(videoDueUs, audioDueUs);
        if (m_maxDurationSeconds > 0 && dueUs >= qint64(m_maxDurationSeconds) * 1000000)
            break;
        if (m_info.isLive)
            std::this_thread::sleep_until(startTime + std::chrono::microseconds(dueUs));
        const qint64 wallMs = startWallMs + dueUs / 1000;
        if (audioDueUs <= videoDueUs) {
            FramePtr audio = makeAudioFrame(nextSample);
            if (!audio) {
                *error = QStringLiteral("test pattern: out of memory for an audio frame");
                return false;
            }
            nextSample += audioFrameSamples;
            if (!sink.pushAudio({std::move(audio), wallMs}))
                break;
        } else {
            FramePtr video = makeVideoFrame(frameIndex, wallMs);
            if (!video) {
                *error = QStringLiteral("test pattern: out of memory for a video frame");
                return false;
            }
            video->pts = videoDueUs;
            ++frameIndex;
            if (!sink.pushVideo({std::move(video), wallMs}))
                break;
        }
    }
    return true;
}

} // namespace afk::media
