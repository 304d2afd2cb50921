// afk-encoder-delay-bench: what x264's lookahead and B-frames cost an LL-HLS part in latency
// (frames the encoder holds before a frame's packet comes out) and in CPU, and what they buy in
// quality (x264's own PSNR at the same VBV bitrate), for the studio's 720p rung settings.
// Usage: afk-encoder-delay-bench [frames]   (default 600: 20 s at 30 fps)
#include <QCoreApplication>
#include <QString>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <vector>
#include <ctime>
#include <random>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/imgutils.h>
}

namespace {

constexpr int width = 1280;
constexpr int height = 720;
constexpr int framesPerSecond = 30;

struct Variant {
    const char *name;
    const char *x264Params; // appended to the studio's own
    int threads;
};

// x264's "PSNR Mean Y:…" summary, caught from the log; nothing else is printed.
double lastPsnr = NAN;

void catchPsnr(void *, int, const char *format, va_list arguments)
{
    char line[1024];
    vsnprintf(line, sizeof line, format, arguments);
    if (const char *mean = strstr(line, "PSNR Mean Y:"))
        lastPsnr = atof(mean + strlen("PSNR Mean Y:"));
}

struct Result {
    int maxFramesHeld = 0;
    double cpuSeconds = 0;
    double psnr = 0;
    double kbps = 0;
};

double processCpuSeconds()
{
    timespec now{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return double(now.tv_sec) + double(now.tv_nsec) / 1e9;
}

// Moving content with detail: a scrolling gradient, a moving box and a band of fixed noise
// texture that pans (detail a real camera pan has, which motion search can follow).
void paint(AVFrame *frame, int index, const std::vector<uint8_t> &texture)
{
    for (int y = 0; y < height; ++y) {
        uint8_t *row = frame->data[0] + y * frame->linesize[0];
        for (int x = 0; x < width; ++x)
            row[x] = uint8_t((x + y + index * 4) & 0xff);
    }
    const int boxX = (index * 9) % (width - 200);
    for (int y = 200; y < 400; ++y)
        for (int x = boxX; x < boxX + 200; ++x)
            frame->data[0][y * frame->linesize[0] + x] = 235;
    for (int y = 500; y < 620; ++y)
        for (int x = 0; x < width; ++x)
            frame->data[0][y * frame->linesize[0] + x] =
                texture[size_t(y - 500) * 2 * width + size_t((x + index * 3) % (2 * width))];
    for (int plane = 1; plane < 3; ++plane)
        for (int y = 0; y < height / 2; ++y)
            for (int x = 0; x < width / 2; ++x)
                frame->data[plane][y * frame->linesize[plane] + x] =
                    uint8_t(128 + 40 * std::sin((x + index * (plane == 1 ? 2 : 3)) / 40.0));
}

bool run(const Variant &variant, int frames, Result *result)
{
    const AVCodec *codec = avcodec_find_encoder_by_name("libx264");
    AVCodecContext *encoder = codec ? avcodec_alloc_context3(codec) : nullptr;
    if (!encoder)
        return false;
    // The studio's 720p rung (VideoEncoder.cpp, Ladder.cpp): 2 s GOP, VBV, no scene-cut.
    encoder->width = width;
    encoder->height = height;
    encoder->pix_fmt = AV_PIX_FMT_YUV420P;
    encoder->time_base = AVRational{1, framesPerSecond};
    encoder->framerate = AVRational{framesPerSecond, 1};
    encoder->gop_size = encoder->keyint_min = 2 * framesPerSecond;
    encoder->bit_rate = 2500 * 1000;
    encoder->rc_max_rate = 2675 * 1000;
    encoder->rc_buffer_size = 3750 * 1000;
    encoder->thread_count = variant.threads;
    encoder->flags |= AV_CODEC_FLAG_PSNR; // x264 measures itself, against its input
    const QByteArray params =
        QStringLiteral("keyint=60:min-keyint=60:scenecut=0:open-gop=0%1%2")
            .arg(*variant.x264Params ? ":" : "", variant.x264Params)
            .toUtf8();
    AVDictionary *options = nullptr;
    av_dict_set(&options, "preset", "veryfast", 0);
    av_dict_set(&options, "forced-idr", "1", 0);
    av_dict_set(&options, "x264-params", params.constData(), 0);
    const int opened = avcodec_open2(encoder, codec, &options);
    av_dict_free(&options);
    if (opened < 0)
        return false;

    AVFrame *frame = av_frame_alloc();
    frame->format = AV_PIX_FMT_YUV420P;
    frame->width = width;
    frame->height = height;
    av_frame_get_buffer(frame, 0);
    AVPacket *packet = av_packet_alloc();
    std::mt19937 random(42);
    std::uniform_int_distribution<int> noise(16, 235);
    std::vector<uint8_t> texture(size_t(120) * 2 * width);
    for (uint8_t &value : texture)
        value = uint8_t(noise(random));
    qint64 bytes = 0;
    int sent = 0;
    int received = 0;
    double cpu = 0;
    const auto drain = [&] {
        while (avcodec_receive_packet(encoder, packet) == 0) {
            ++received;
            bytes += packet->size;
            av_packet_unref(packet);
        }
    };
    for (int index = 0; index < frames; ++index) {
        av_frame_make_writable(frame);
        paint(frame, index, texture); // not timed
        frame->pts = index;
        const double before = processCpuSeconds();
        avcodec_send_frame(encoder, frame);
        ++sent;
        drain();
        cpu += processCpuSeconds() - before;
        result->maxFramesHeld = std::max(result->maxFramesHeld, sent - received);
    }
    const double before = processCpuSeconds();
    avcodec_send_frame(encoder, nullptr);
    drain();
    cpu += processCpuSeconds() - before;
    result->cpuSeconds = cpu;
    result->kbps = bytes * 8.0 / 1000.0 / (double(frames) / framesPerSecond);
    av_packet_free(&packet);
    av_frame_free(&frame);
    lastPsnr = NAN;
    avcodec_free_context(&encoder); // x264 logs its PSNR summary here
    result->psnr = lastPsnr;
    return true;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    av_log_set_callback(catchPsnr);
    const int frames = argc > 1 ? std::max(60, atoi(argv[1])) : 600;
    const Variant variants[] = {
        {"veryfast (bframes 3, rc-lookahead 10), 1 thread", "", 1},
        {"rc-lookahead=0 (no mb-tree)", "rc-lookahead=0", 1},
        {"bframes=0", "bframes=0", 1},
        {"bframes=0, rc-lookahead=0", "bframes=0:rc-lookahead=0", 1},
        {"rc-lookahead=3", "rc-lookahead=3", 1},
        {"veryfast, 2 frame threads, x264's own sync-lookahead (4)", "", 2},
        {"rc-lookahead=3, 2 frame threads", "rc-lookahead=3", 2},
        // Threaded lookahead (x264's sync-lookahead, on by default with frame threads) buffers
        // frames for throughput only: the top rung without it (as shipped), or with less.
        {"veryfast, 2 frame threads, sync-lookahead=0 (top rung)", "sync-lookahead=0", 2},
        {"veryfast, 2 frame threads, sync-lookahead=1", "sync-lookahead=1", 2},
        {"rc-lookahead=8, 2 frame threads, sync-lookahead=0", "rc-lookahead=8:sync-lookahead=0", 2},
        {"rc-lookahead=6, 2 frame threads, sync-lookahead=0", "rc-lookahead=6:sync-lookahead=0", 2},
        // Sliced threads: each frame cut in two slices encoded at once, no frame-thread delay
        // and no threaded lookahead; lookahead, mb-tree and B-frames stay.
        {"veryfast, 2 sliced threads", "sliced-threads=1", 2},
        {"bframes=0, rc-lookahead=0, sliced threads (zerolatency)",
         "bframes=0:rc-lookahead=0:sliced-threads=1:sync-lookahead=0", 2},
        // The first row again: how much of its CPU was the process warming up.
        {"veryfast, 1 thread (again, last)", "", 1},
    };
    std::printf(
        "| x264 settings (720p, 2500k VBV, %d frames) | frames held | latency (ms) | CPU (s) "
        "| Y PSNR (dB) | kbit/s |\n|---|---|---|---|---|---|\n",
        frames);
    // An optional second argument runs only the variants whose name contains it.
    const QString only = argc > 2 ? QString::fromLocal8Bit(argv[2]) : QString();
    for (const Variant &variant : variants) {
        if (!only.isEmpty() && !QString::fromLatin1(variant.name).contains(only))
            continue;
        Result result;
        if (!run(variant, frames, &result)) {
            std::fprintf(stderr, "cannot encode with %s\n", variant.name);
            return 1;
        }
        std::printf("| %s | %d | %.0f | %.2f | %.2f | %.0f |\n", variant.name,
                    result.maxFramesHeld, result.maxFramesHeld * 1000.0 / framesPerSecond,
                    result.cpuSeconds, result.psnr, result.kbps);
        std::fflush(stdout);
    }
    return 0;
}
