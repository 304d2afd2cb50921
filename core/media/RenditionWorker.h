// One rendition's thread: H.264-encodes the frames the ladder hands it (or copies the source's
// own H.264 packets: a passthrough rung) and packages them, with the shared AAC packets, into
// HLS segments.
#pragma once

#include "BoundedQueue.h"
#include "EncodedPacketSink.h"
#include "HlsPackager.h"
#include "PipelineStats.h"
#include "VideoEncoder.h"
#include "VideoPassthrough.h"

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

namespace afk::media {

class RenditionWorker
{
public:
    // queueCapacity: items (frames, audio packets) the ladder may queue ahead of the encoder.
    RenditionWorker(Rendition rendition, VideoEncoderSettings settings,
                    HlsPackagerSettings packaging, int queueCapacity);
    static int queueCapacity(bool isLive);
    ~RenditionWorker();

    // Before open(): copy the source's video (pushVideoPacket) instead of encoding frames.
    void setPassthrough(const AVCodecParameters &source);
    bool isPassthrough() const { return m_passthroughSource != nullptr; }
    // Before open(): another consumer of this rendition's packets.
    void addPacketSink(std::shared_ptr<EncodedPacketSink> sink);
    // Opens the encoder, the packager and the sinks (audioEncoder may be null: no audio track).
    bool open(const AVCodecContext *audioEncoder, QString *error);
    void start();
    // Block while the worker's queue is full (back-pressure on the ladder thread).
    void pushVideo(FramePtr frame, qint64 captureWallMs, bool isDiscontinuity = false);
    void pushAudio(PacketPtr packet);
    // A passthrough rung's packet, timestamps in frames.
    void pushVideoPacket(PacketPtr packet, qint64 captureWallMs);
    // No more input: the worker drains, flushes and ends its playlist, then its thread ends.
    void finishInput();
    void join();

    const Rendition &rendition() const { return m_rendition; }
    QString error() const;
    RenditionStats stats() const;
    // The newest text of this rendition's live media playlist (empty before the first segment).
    QByteArray livePlaylist() const;
    int queueDepth() const { return m_queue.size(); }
    int queueCapacity() const { return m_queue.capacity(); }
    // Called on the worker thread after each segment is complete.
    std::function<void(const CompletedSegment &, const QString &videoCodecString)> onSegmentCompleted;

private:
    struct Item {
        FramePtr videoFrame;  // either a frame to encode...
        qint64 captureWallMs = 0;
        bool isDiscontinuity = false;
        PacketPtr audioPacket; // ...or an AAC packet to mux
        PacketPtr videoPacket; // ...or a source packet to copy
    };
    void run();
    bool handle(Item &item, QString *error);
    bool writeEncodedPackets(QString *error);
    bool writeVideoPacket(PacketPtr packet, qint64 captureWallMs, bool isDiscontinuity,
                          QString *error);
    const AVCodecContext *videoContext() const;
    void fail(const QString &error);
    void finishSinks();

    Rendition m_rendition;
    VideoEncoderSettings m_settings;
    VideoEncoder m_encoder;
    const AVCodecParameters *m_passthroughSource = nullptr; // the source's, outlives the worker
    VideoPassthrough m_passthrough;
    HlsPackager m_packager;
    std::vector<std::shared_ptr<EncodedPacketSink>> m_sinks;
    BoundedQueue<Item> m_queue;
    std::thread m_thread;
    std::vector<PacketPtr> m_encoded;
    struct PendingFrame {
        qint64 captureWallMs = 0;
        bool isDiscontinuity = false;
    };
    std::map<qint64, PendingFrame> m_pendingFrames; // frames inside the encoder, by pts
    bool m_isFailed = false;

    mutable std::mutex m_mutex; // guards m_error, m_lastSegmentKbps and m_livePlaylist
    QString m_error;
    double m_lastSegmentKbps = 0;
    QByteArray m_livePlaylist; // guarded by m_mutex
    std::atomic<qint64> m_framesEncoded{0};
    std::atomic<qint64> m_bytesWritten{0};
    std::atomic<qint64> m_segmentsWritten{0};
};

} // namespace afk::media
