// One stream: its metadata, folder, media pipeline (while it runs) and viewers. Once ended, its
// pipeline is released and what stays is a small record (metadata, times, final counters) until
// the registry evicts it.
#pragma once

#include "ByteStreamSource.h"
#include "LowLatencyPresentation.h"
#include "Pipeline.h"
#include "StreamStore.h"

#include <QObject>
#include <QTimer>
#include <memory>

namespace afk::session {

// The counters of a browser host's recording (zero for other sources).
struct IngestCounters {
    qint64 bytesReceived = 0;
    qsizetype bytesBuffered = 0;
    int restartCount = 0;
};

class Stream : public QObject
{
    Q_OBJECT
public:
    // waiting for media → live → ending → ended; a stream may also end straight from waiting.
    enum class State { Invalid = 0, WaitingForMedia, Live, Ending, Ended };

    // mediaTimeoutMs: a stream that gets no media this long after creation ends with that
    // reason (0: wait for ever).
    Stream(storage::StreamMetadata metadata, const storage::StreamStore &store,
           int mediaTimeoutMs = 0, QObject *parent = nullptr);
    ~Stream() override;

    const QString &key() const { return m_metadata.streamKey; }
    const storage::StreamMetadata &metadata() const { return m_metadata; }
    const QString &ownerId() const { return m_metadata.ownerId; }
    // The first publisher of a stream created without an owner becomes its owner.
    void claim(const QString &ownerId)
    {
        if (m_metadata.ownerId.isEmpty())
            m_metadata.ownerId = ownerId;
    }
    QString directory() const { return m_store.streamDir(key()); }
    State state() const { return m_state; }
    bool isActive() const { return m_state != State::Ended && m_state != State::Invalid; }
    // "waiting", "live", "reconnecting" (live or waiting while its publisher is away),
    // "ending", "ended".
    QString stateName() const;
    // Rendition whose media playlist is stream.m3u8 and whose segments are segment_N.ts.
    QString topRenditionName() const;
    qint64 segmentCount() const { return m_segmentCount; }
    // Live counters while the pipeline runs; the last ones once it is released.
    media::PipelineStats stats() const;
    const QString &lastError() const { return m_lastError; }
    bool hasPipeline() const { return m_pipeline != nullptr; }
    // stream.m3u8 as last written, from memory (empty before the first segment).
    QByteArray livePlaylist() const;
    // The source picture for a preview while the pipeline runs; null otherwise.
    const media::PreviewTap *preview() const
    {
        return m_pipeline ? &m_pipeline->preview() : nullptr;
    }
    // The LL-HLS presentation of the current (or last) run; nullptr without LL-HLS.
    std::shared_ptr<media::LowLatencyPresentation> lowLatency() const { return m_lowLatency; }

    int viewerCount() const { return m_viewerCount; }
    void setViewerCount(int viewerCount) { m_viewerCount = viewerCount; }
    // The publisher dropped its connection and may come back (shown as "reconnecting").
    bool isReconnecting() const { return m_isReconnecting; }
    void setReconnecting(bool isReconnecting) { m_isReconnecting = isReconnecting; }

    // Starts encoding the source into the stream's folder. The stream must be waiting for media;
    // it is live once started() is emitted (the source may first wait for data), or ends with
    // the reason the source could not open.
    bool startMedia(std::unique_ptr<media::MediaSource> source, media::PipelineConfig config,
                    QString *error);
    // Ends the stream: the pipeline finishes its segment and ends every playlist; ended() follows
    // (at once when there is no pipeline). reason is kept as lastError() when not empty.
    // An ingest stream first encodes what its publisher already sent: for as long as the encoders
    // make progress (a ladder behind real time may hold many seconds), up to drainLimitMs; a
    // stalled pipeline is stopped after drainStallMs. isShuttingDown caps the drain at
    // drainStallMs so the studio's exit is never held.
    void stop(const QString &reason = {}, bool isShuttingDown = false);
    static constexpr int drainStallMs = 3000;
    static constexpr int drainLimitMs = 60000;

    // Bytes of a browser host's WebM recording (or an RTMP publisher's FLV). The first chunk
    // starts the pipeline (with a ByteStreamSource fed by the following ones). False with the
    // reason when the stream is not taking media of that container or its buffer is full.
    bool ingestChunk(const QByteArray &chunk, const media::PipelineConfig &config, QString *error,
                     media::ByteStreamSource::Container container
                     = media::ByteStreamSource::Container::WebM);
    IngestCounters ingestCounters() const;

signals:
    void started();
    void segmentCompleted(qint64 segmentCount);
    // After this the pipeline is released (its encoders, pools and queues freed).
    void ended(const QString &error);

private:
    void onPipelineStarted();
    void finish(const QString &error);
    void watchDrain(qint64 framesEncodedBefore, int waitedMs);
    void releasePipeline();
    void saveMetadata();

    storage::StreamMetadata m_metadata;
    const storage::StreamStore &m_store;
    State m_state = State::WaitingForMedia;
    // Before m_pipeline: its packagers share it, and the pipeline's threads end first.
    std::shared_ptr<media::LowLatencyPresentation> m_lowLatency;
    std::unique_ptr<media::Pipeline> m_pipeline;
    media::ByteStreamSource *m_ingestSource = nullptr; // owned by m_pipeline
    media::PipelineStats m_finalStats;
    IngestCounters m_finalIngest;
    QByteArray m_finalPlaylist;
    QTimer m_mediaTimeout;
    QString m_stopReason;
    bool m_isShutdownDrain = false;
    qint64 m_segmentCount = 0;
    int m_viewerCount = 0;
    bool m_isReconnecting = false;
    QString m_lastError;
};

} // namespace afk::session
