#include "Stream.h"

#include <QDateTime>
#include <QDebug>
#include <QThreadPool>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace afk::session {
namespace {

// Frames and encoder buffers are freed by threads that have ended; glibc keeps such memory in
// their arenas instead of giving it back, so an ended stream's ~200 MB would stay in the RSS.
// malloc_trim walks every arena (it takes a lock per arena): done off the event loop.
void returnFreedMemoryToSystem()
{
#if defined(__GLIBC__)
    QThreadPool::globalInstance()->start([] { malloc_trim(0); });
#endif
}

} // namespace

Stream::Stream(storage::StreamMetadata metadata, const storage::StreamStore &store,
               int mediaTimeoutMs, QObject *parent)
    : QObject(parent), m_metadata(std::move(metadata)), m_store(store)
{
    saveMetadata();
    if (mediaTimeoutMs > 0) {
        m_mediaTimeout.setSingleShot(true);
        m_mediaTimeout.setInterval(mediaTimeoutMs);
        connect(&m_mediaTimeout, &QTimer::timeout, this, [this, mediaTimeoutMs] {
            if (m_state == State::WaitingForMedia && !m_pipeline)
                finish(QStringLiteral("no media within %1 s of the start").arg(mediaTimeoutMs / 1000));
        });
        m_mediaTimeout.start();
    }
}

Stream::~Stream() = default;

QString Stream::stateName() const
{
    switch (m_state) {
    case State::WaitingForMedia:
        return m_isReconnecting ? QStringLiteral("reconnecting") : QStringLiteral("waiting");
    case State::Live:
        return m_isReconnecting ? QStringLiteral("reconnecting") : QStringLiteral("live");
    case State::Ending:
        return QStringLiteral("ending");
    case State::Ended:
        return QStringLiteral("ended");
    case State::Invalid:
        break;
    }
    return QStringLiteral("invalid");
}

QString Stream::topRenditionName() const
{
    return m_metadata.renditionNames.isEmpty() ? QString() : m_metadata.renditionNames.first();
}

media::PipelineStats Stream::stats() const
{
    return m_pipeline ? m_pipeline->stats() : m_finalStats;
}

QByteArray Stream::livePlaylist() const
{
    return m_pipeline ? m_pipeline->livePlaylist() : m_finalPlaylist;
}

bool Stream::startMedia(std::unique_ptr<media::MediaSource> source, media::PipelineConfig config,
                        QString *error)
{
    if (m_state != State::WaitingForMedia || m_pipeline) {
        *error = QStringLiteral("stream %1 is %2, not waiting for media").arg(key(), stateName());
        return false;
    }
    config.outputDir = directory();
    if (config.lowLatencyPartSeconds > 0) {
        media::LowLatencySettings lowLatency;
        lowLatency.directory = directory() + QStringLiteral("/ll");
        lowLatency.partSeconds = config.lowLatencyPartSeconds;
        lowLatency.segmentSeconds = config.segmentSeconds;
        lowLatency.liveWindowSeconds = config.liveWindowSeconds;
        lowLatency.audioBitrateKbps = config.audioBitrateKbps;
        lowLatency.mediaIndex = config.mediaIndex;
        m_lowLatency = std::make_shared<media::LowLatencyPresentation>(lowLatency);
        config.packetSinks = m_lowLatency->sinkFactory(std::move(config.packetSinks));
    }
    auto pipeline = std::make_unique<media::Pipeline>(std::move(config), std::move(source));
    connect(pipeline.get(), &media::Pipeline::started, this, &Stream::onPipelineStarted);
    connect(pipeline.get(), &media::Pipeline::segmentCompleted, this, [this](qint64 count) {
        m_segmentCount = count;
        emit segmentCompleted(count);
    });
    connect(pipeline.get(), &media::Pipeline::finished, this, &Stream::finish);
    if (!pipeline->start(error))
        return false;
    m_mediaTimeout.stop();
    m_pipeline = std::move(pipeline);
    return true;
}

void Stream::onPipelineStarted()
{
    m_metadata.sourceDescription = m_pipeline->sourceInfo().description;
    m_metadata.renditionNames.clear();
    for (const media::Rendition &rendition : m_pipeline->renditions())
        m_metadata.renditionNames << rendition.name;
    if (m_state == State::WaitingForMedia)
        m_state = State::Live;
    saveMetadata();
    emit started();
}

bool Stream::ingestChunk(const QByteArray &chunk, const media::PipelineConfig &config,
                         QString *error, media::ByteStreamSource::Container container)
{
    const bool isFlv = container == media::ByteStreamSource::Container::Flv;
    if (m_state != State::WaitingForMedia && m_state != State::Live) {
        *error = QStringLiteral("stream %1 is %2").arg(key(), stateName());
        return false;
    }
    if (!m_pipeline) {
        auto source = std::make_unique<media::ByteStreamSource>(
            (isFlv ? QStringLiteral("RTMP stream %1") : QStringLiteral("browser stream %1"))
                .arg(key()),
            media::ByteStreamSource::defaultMaxBufferedBytes, container);
        media::ByteStreamSource *ingestSource = source.get();
        if (!startMedia(std::move(source), config, error))
            return false;
        m_ingestSource = ingestSource;
    }
    if (!m_ingestSource || m_ingestSource->container() != container) {
        *error = QStringLiteral("stream %1 encodes another source").arg(key());
        return false;
    }
    return m_ingestSource->append(chunk, error);
}

IngestCounters Stream::ingestCounters() const
{
    if (!m_ingestSource)
        return m_finalIngest;
    return IngestCounters{m_ingestSource->bytesReceived(), m_ingestSource->bytesBuffered(),
                          m_ingestSource->restartCount()};
}

namespace
{
qint64 framesEncodedByAll(const media::PipelineStats &stats)
{
    qint64 frames = 0;
    for (const media::RenditionStats &rendition : stats.renditions)
        frames += rendition.framesEncoded;
    return frames;
}
} // namespace

void Stream::stop(const QString &reason, bool isShuttingDown)
{
    if (m_state == State::Ending && isShuttingDown)
        m_isShutdownDrain = true; // a drain already under way is cut at its next check
    if (!isActive() || m_state == State::Ending)
        return;
    m_stopReason = reason;
    if (!m_pipeline || !m_pipeline->isRunning()) {
        finish({});
        return;
    }
    const bool wasLive = m_state == State::Live;
    m_state = State::Ending;
    if (m_ingestSource && wasLive) {
        // Encode what the host already sent (see stop's comment).
        m_ingestSource->finishInput();
        m_isShutdownDrain = isShuttingDown;
        watchDrain(framesEncodedByAll(m_pipeline->stats()), 0);
        return;
    }
    m_pipeline->stop();
}

void Stream::watchDrain(qint64 framesEncodedBefore, int waitedMs)
{
    QTimer::singleShot(drainStallMs, this, [this, framesEncodedBefore, waitedMs] {
        if (!m_pipeline || !m_pipeline->isRunning())
            return;
        const qint64 framesEncoded = framesEncodedByAll(m_pipeline->stats());
        const int waited = waitedMs + drainStallMs;
        if (m_isShutdownDrain || framesEncoded == framesEncodedBefore || waited >= drainLimitMs) {
            if (waited >= drainLimitMs)
                qWarning().noquote() << "[stream]" << key() << "still encoding its publisher's"
                                     << "media after" << waited / 1000 << "s: ending it now";
            m_pipeline->stop();
            return;
        }
        watchDrain(framesEncoded, waited);
    });
}

void Stream::finish(const QString &error)
{
    if (m_state == State::Ended)
        return;
    m_state = State::Ended;
    m_isReconnecting = false;
    m_mediaTimeout.stop();
    m_lastError = error.isEmpty() ? m_stopReason : error;
    m_metadata.endedAtMs = QDateTime::currentMSecsSinceEpoch();
    releasePipeline();
    saveMetadata();
    if (!error.isEmpty())
        qWarning().noquote() << "[stream]" << key() << "ended with an error:" << error;
    emit ended(error);
}

void Stream::releasePipeline()
{
    if (!m_pipeline)
        return;
    m_finalStats = m_pipeline->stats();
    m_finalStats.isRunning = false;
    m_finalStats.inputFps = m_finalStats.outputFps = m_finalStats.encoderSpeed = 0;
    m_finalIngest = ingestCounters();
    m_finalPlaylist = m_pipeline->livePlaylist();
    m_finalIngest.bytesBuffered = 0;
    m_ingestSource = nullptr;
    // finish() may run inside the pipeline's own finished() signal: delete it once that returns.
    media::Pipeline *pipeline = m_pipeline.release();
    QObject::connect(pipeline, &QObject::destroyed, &returnFreedMemoryToSystem);
    pipeline->deleteLater();
}

void Stream::saveMetadata()
{
    QString error;
    if (!m_store.writeMetadata(m_metadata, &error))
        qWarning().noquote() << "[stream]" << error;
}

} // namespace afk::session
