// Pushes one rendition's already-encoded packets to an RTMP server: libavformat's flv muxer over
// FFmpeg's rtmp protocol, on a thread of its own, so a slow or dead server never holds up the
// encoder. Packets wait in a bounded queue; when it overflows the oldest whole GOP goes (never
// single packets, which would break decoding until the next keyframe). A lost connection is
// retried with exponential backoff and jitter; every connection starts at a keyframe with
// timestamps from zero, continuous from there.
#pragma once

#include "EncodedPacketSink.h"
#include "LibavPtr.h"

#include <QElapsedTimer>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

namespace afk::restream {

class RtmpPushTarget;

struct CodecParametersDeleter {
    void operator()(AVCodecParameters *parameters) const { avcodec_parameters_free(&parameters); }
};
using CodecParametersPtr = std::unique_ptr<AVCodecParameters, CodecParametersDeleter>;

struct RtmpPushSettings {
    int maxQueuedPackets = 1024; // about 13 s of 30 fps video with its audio
    qint64 maxQueuedBytes = 16 * 1024 * 1024;
    int ioTimeoutMs = 10000;   // connect, or one write, longer than this fails
    int finishBudgetMs = 2500; // draining at the end never holds a shutdown longer
    int firstBackoffMs = 1000;
    int maxBackoffMs = 30000;
};

class RtmpPushSink : public media::EncodedPacketSink
{
public:
    RtmpPushSink(std::shared_ptr<RtmpPushTarget> target, RtmpPushSettings settings = {});
    ~RtmpPushSink() override;

    bool open(const AVCodecContext &video, const AVCodecContext *audio, QString *error) override;
    void writeVideo(const AVPacket &packet, qint64 captureWallMs, bool isDiscontinuity) override;
    void writeAudio(const AVPacket &packet) override;
    void finish() override;

private:
    struct QueuedPacket {
        media::PacketPtr packet;
        bool isVideo = false;
        bool isKeyframe = false;
    };
    // Everything below runs on the push thread.
    class Connection;

    void enqueue(const AVPacket &packet, bool isVideo);
    void dropOldestGop(); // with m_mutex held
    qint64 dropBeforeNewestKeyframe();
    void run();
    bool pump(Connection &connection, QString *error);
    bool waitFor(int milliseconds); // false when the sink is finishing or going away
    static int interruptCallback(void *opaque);

    std::shared_ptr<RtmpPushTarget> m_target;
    RtmpPushSettings m_settings;
    CodecParametersPtr m_videoParameters;
    CodecParametersPtr m_audioParameters; // null without audio
    AVRational m_videoTimeBase{};
    AVRational m_audioTimeBase{};

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<QueuedPacket> m_queue;
    qint64 m_queuedBytes = 0;
    bool m_isWaitingForKeyframe = true; // after an overflow that left no keyframe queued
    bool m_isFinishing = false;

    QElapsedTimer m_clock;
    std::atomic<qint64> m_ioDeadlineMs{0};
    std::atomic<qint64> m_finishDeadlineMs{0}; // 0: not finishing
    std::atomic<bool> m_isAborted{false};
    std::thread m_thread;
};

} // namespace afk::restream
