// One stream's media pipeline: source thread → bounded queues → encode thread (decode once,
// scale to each rung, one x264 per rung, one shared AAC) → HLS packagers writing to disk.
#pragma once

#include "EncodedPacketSink.h"
#include "Ladder.h"
#include "MediaIndex.h"
#include "MediaSource.h"
#include "PipelineStats.h"
#include "PreviewTap.h"
#include "ScaleFilter.h"

#include <QObject>
#include <atomic>
#include <memory>
#include <thread>

namespace afk::media {

struct PipelineConfig {
    QList<Rendition> ladder;        // requested rungs; fitted to the source on start
    int segmentSeconds = 2;
    QString outputDir;              // the stream's folder
    QString x264Preset = QStringLiteral("veryfast");
    int audioBitrateKbps = 128;
    int x264Threads = 0;            // per rendition; 0: two for the top rung, one for the rest
    int liveWindowSeconds = 60;     // of the live media playlists; 0: they list every segment
    ScaleFilter scaleFilter = defaultScaleFilter; // for every rung, from the source
    EncodedPacketSinkFactory packetSinks; // extra outputs per rung (LL-HLS, RTMP push), or none
    double lowLatencyPartSeconds = 0;     // LL-HLS part length (--part-seconds); 0: no LL-HLS
    std::shared_ptr<MediaIndex> mediaIndex; // where the packagers publish for the server, or none
    // --rtmp-passthrough: a source that offers its H.264 (RTMP) at the top rung's size and the
    // ladder's frame rate has that rung copied, not encoded.
    bool videoPassthrough = false;
};

class PipelineWorker;

class Pipeline : public QObject
{
    Q_OBJECT
public:
    Pipeline(PipelineConfig config, std::unique_ptr<MediaSource> source, QObject *parent = nullptr);
    ~Pipeline() override;

    // Checks the settings and prepares the output folder, then, on a thread of its own, opens
    // the source (which may wait for data), fits the ladder and opens the encoders: started()
    // follows, or finished() with the reason it could not start.
    bool start(QString *error);
    // Asks the source to stop; the current segment is finished and every playlist ended.
    // finished() follows.
    void stop();

    // From start() until finished().
    bool isRunning() const { return m_isStarted && !m_isFinished; }
    // Valid once started() was emitted.
    const QList<Rendition> &renditions() const { return m_renditions; }
    const SourceInfo &sourceInfo() const;
    PipelineStats stats() const;
    // stream.m3u8 as last written (empty before the first segment).
    QByteArray livePlaylist() const;
    // The source picture for a preview, any thread (see PreviewTap: produced while asked for).
    const PreviewTap &preview() const { return m_preview; }

signals:
    // The source is open and encoding has begun; renditions() and sourceInfo() are known.
    void started();
    // A segment of the top rendition became servable (all renditions have it too).
    void segmentCompleted(qint64 segmentsProduced);
    // Threads are done; playlists carry #EXT-X-ENDLIST. error is empty on a clean end.
    void finished(const QString &error);

private:
    void launch(); // on m_launcher
    void finish(const QString &error);

    PipelineConfig m_config;
    std::unique_ptr<MediaSource> m_source;
    QList<Rendition> m_renditions;
    PreviewTap m_preview; // outlives m_worker, which feeds it
    std::shared_ptr<PipelineWorker> m_worker; // set on this object's thread once launched
    std::thread m_launcher;
    std::atomic<bool> m_isStopRequested{false};
    bool m_isStarted = false;
    bool m_isFinished = false;
};

} // namespace afk::media
