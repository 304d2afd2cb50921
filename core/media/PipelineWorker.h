// The threads of one pipeline: the source thread, the ladder thread (constant frame rate,
// scaling to each rung, the one AAC encoder) and one RenditionWorker per rung; plus the segment
// bookkeeping that announces a segment once every rendition has it.
#pragma once

#include "AudioEncoder.h"
#include "AudioLevel.h"
#include "BoundedQueue.h"
#include "FrameRateConverter.h"
#include "Pipeline.h"
#include "PreviewTap.h"
#include "RenditionWorker.h"
#include "VideoPassthrough.h"
#include "VideoScaler.h"

#include <functional>

namespace afk::media {

class PipelineWorker : public FrameSink
{
public:
    struct Callbacks {
        std::function<void(qint64 segmentsProduced)> segmentCompleted; // any thread
        std::function<void(const QString &error)> finished;            // ladder thread, last
    };

    PipelineWorker(const PipelineConfig &config, MediaSource &source,
                   const QList<Rendition> &renditions, int framesPerSecond, Callbacks callbacks);
    ~PipelineWorker() override;

    // Before start(): the ladder thread offers every source picture to preview (owned by the
    // Pipeline, which outlives this).
    void setPreviewTap(PreviewTap *preview) { m_preview = preview; }
    bool open(QString *error);
    void start();
    void requestStop() { m_isStopRequested = true; }
    bool isRunning() const { return m_isRunning; }
    void join();
    PipelineStats stats() const;
    // Items (video and audio frames) the source may queue ahead of the ladder thread.
    static int inputQueueCapacity(bool isLive, int framesPerSecond);
    // The top rendition's live media playlist (stream.m3u8) as last written.
    QByteArray topLivePlaylist() const;

    bool pushVideo(TimedFrame frame) override;
    bool pushAudio(TimedFrame frame) override;
    bool wantsVideoPackets() const override { return m_isPassthrough; }
    bool pushVideoPacket(TimedPacket packet) override;

private:
    struct InputItem {
        TimedFrame timed;
        bool isVideo = false;
        TimedPacket copied; // a source packet for the passthrough rung (then no frame)
    };
    void runSource();
    void runLadder();
    bool handleVideo(TimedFrame &timed, QString *error);
    bool handleAudio(const AVFrame &frame, QString *error);
    void handleCopiedPacket(TimedPacket &copied);
    // The slot of the encoded rungs' next keyframe in a passthrough ladder, or -1: they follow
    // the publisher's keyframes, so every rung's segments end on the same frames.
    qint64 passthroughKeyframeSlot(const AVFrame &frame,
                                   const FrameRateConverter::Placement &placement);
    void noteCopiedKeyframe(qint64 slot);
    void distributeAudio(std::vector<PacketPtr> &packets);
    void onSegmentCompleted(int renditionIndex, const CompletedSegment &segment,
                            const QString &videoCodecString);
    void writeMasterPlaylist();
    void updateRates();

    const PipelineConfig &m_config;
    MediaSource &m_source;
    QList<Rendition> m_renditions;
    int m_framesPerSecond;
    int m_gopFrames;
    qint64 m_gopPhase = 0; // keyframes fall on slots ≡ phase (mod GOP); a restart moves it
    // --rtmp-passthrough: empty when the top rung copies the source's H.264; else why not.
    QString m_passthroughRefusal;
    bool m_isPassthrough = false;
    Callbacks m_callbacks;
    PreviewTap *m_preview = nullptr;

    BoundedQueue<InputItem> m_input;
    FrameRateConverter m_frameRateConverter;
    std::vector<VideoScaler> m_scalers;
    std::unique_ptr<AudioEncoder> m_audioEncoder;
    std::vector<std::unique_ptr<RenditionWorker>> m_workers;
    std::thread m_sourceThread;
    std::thread m_ladderThread;
    std::atomic<bool> m_isStopRequested{false};
    std::atomic<bool> m_isRunning{false};
    QString m_sourceError; // written by the source thread before it closes the input queue

    // Passthrough, ladder thread only.
    bool m_hasCopiedKeyframe = false;        // packets before the first keyframe are dropped
    qint64 m_lastCopiedDts = AV_NOPTS_VALUE; // slots
    qint64 m_lastCopiedKeySlot = AV_NOPTS_VALUE;
    qint64 m_lastForcedKeySlot = AV_NOPTS_VALUE;
    bool m_isGopWarned = false;

    // Segment bookkeeping, shared by the rendition threads.
    mutable std::mutex m_segmentMutex;
    std::vector<qint64> m_segmentsPerRendition;
    std::vector<QString> m_codecStrings;
    qint64 m_segmentsAnnounced = 0;
    bool m_isMasterWritten = false;
    // The passthrough rung's measured bitrate (its TS segments, audio included): its BANDWIDTH.
    qint64 m_copiedBytes = 0;
    double m_copiedSeconds = 0;
    qint64 m_copiedPeakBitsPerSecond = 0;
    qint64 m_advertisedCopiedPeak = 0;

    // Counters read by stats() from any thread.
    std::atomic<qint64> m_videoFramesIn{0};
    std::atomic<qint64> m_audioFramesIn{0};
    std::atomic<qint64> m_videoFramesDuplicated{0};
    std::atomic<qint64> m_videoFramesLate{0};
    std::atomic<qint64> m_videoFramesOut{0};
    std::atomic<double> m_inputFps{0};
    std::atomic<double> m_outputFps{0};
    std::atomic<double> m_encoderSpeed{0};
    std::atomic<double> m_audioPeakDbfs{AudioLevel::silenceDbfs};
    std::atomic<double> m_audioRmsDbfs{AudioLevel::silenceDbfs};
    std::atomic<qint64> m_audioLevelAtUs{0};
    // Rate window, ladder thread only.
    qint64 m_rateWindowStartUs = 0;
    qint64 m_rateWindowFramesIn = 0;
    qint64 m_rateWindowFramesOut = 0;
};

} // namespace afk::media
