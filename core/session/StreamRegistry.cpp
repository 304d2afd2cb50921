#include "StreamRegistry.h"

#include <QDateTime>
#include <QPointer>
#include <QTimer>
#include <algorithm>

namespace afk::session {

StreamRegistry::StreamRegistry(storage::StreamStore store, EncodingDefaults defaults,
                               StreamLimits limits, QObject *parent)
    : QObject(parent), m_store(std::move(store)), m_defaults(std::move(defaults)),
      m_limits(limits)
{
}

StreamRegistry::~StreamRegistry() = default;

Stream *StreamRegistry::find(const QString &streamKey) const
{
    return m_streams.value(streamKey, nullptr);
}

QList<Stream *> StreamRegistry::streams() const
{
    return m_streams.values();
}

QList<Stream *> StreamRegistry::activeStreams() const
{
    QList<Stream *> active;
    for (Stream *stream : m_streams)
        if (stream->isActive())
            active << stream;
    return active;
}

QString StreamRegistry::ownerOf(const QString &streamKey) const
{
    const Stream *stream = find(streamKey);
    return stream ? stream->ownerId() : QString();
}

Stream *StreamRegistry::createStream(const QString &streamKey, const QString &ownerId,
                                     const QString &userId, const QString &title, QString *error)
{
    if (m_store.streamDir(streamKey).isEmpty()) {
        *error = QStringLiteral("invalid stream key (allowed: 1-64 of A-Z a-z 0-9 _ -)");
        return nullptr;
    }
    if (m_isStopping) {
        *error = QStringLiteral("the studio is shutting down");
        return nullptr;
    }
    Stream *previous = find(streamKey);
    if (previous && previous->isActive()) {
        *error = QStringLiteral("stream %1 is already active").arg(streamKey);
        return nullptr;
    }
    if (activeStreams().size() >= m_limits.maxStreams) {
        *error = QStringLiteral("too many streams: at most %1 at once (--max-streams)")
                     .arg(m_limits.maxStreams);
        return nullptr;
    }
    if (previous) {
        // The new run takes the key over; the old run's files stay for its recording.
        m_streams.remove(streamKey);
        previous->deleteLater();
    }
    evictOldestRecords(m_limits.maxRecords - 1);

    storage::StreamMetadata metadata;
    metadata.streamKey = streamKey;
    metadata.ownerId = ownerId;
    metadata.userId = userId;
    metadata.title = title;
    metadata.startedAtMs = QDateTime::currentMSecsSinceEpoch();
    auto *stream = new Stream(std::move(metadata), m_store, m_limits.mediaTimeoutMs, this);
    m_streams.insert(streamKey, stream);
    connect(stream, &Stream::ended, this, [this, stream] { onStreamEnded(stream); });
    emit streamStarted(stream);
    return stream;
}

Stream *StreamRegistry::startStream(const QString &streamKey, const QString &userId,
                                    const QString &title, std::unique_ptr<media::MediaSource> source,
                                    QString *error)
{
    Stream *stream = createStream(streamKey, QString(), userId, title, error);
    if (!stream)
        return nullptr;
    if (!stream->startMedia(std::move(source), pipelineConfig(streamKey), error)) {
        stream->stop();
        return nullptr;
    }
    return stream;
}

media::PipelineConfig StreamRegistry::pipelineConfig(const QString &streamKey) const
{
    media::PipelineConfig config;
    config.ladder = m_defaults.ladder;
    config.segmentSeconds = m_defaults.segmentSeconds;
    config.x264Preset = m_defaults.x264Preset;
    config.audioBitrateKbps = m_defaults.audioBitrateKbps;
    config.x264Threads = m_defaults.x264Threads;
    config.liveWindowSeconds = m_defaults.liveWindowSeconds;
    config.scaleFilter = m_defaults.scaleFilter;
    if (m_packetSinkProvider)
        config.packetSinks = m_packetSinkProvider(streamKey);
    config.lowLatencyPartSeconds = m_defaults.partSeconds;
    config.mediaIndex = m_defaults.mediaIndex;
    config.videoPassthrough = m_defaults.videoPassthrough;
    return config;
}

bool StreamRegistry::ingest(const QString &streamKey, const QByteArray &chunk, QString *error,
                            media::ByteStreamSource::Container container)
{
    Stream *stream = find(streamKey);
    if (!stream || !stream->isActive()) {
        *error = QStringLiteral("Stream not found");
        return false;
    }
    return stream->ingestChunk(chunk, pipelineConfig(streamKey), error, container);
}

void StreamRegistry::stopAll()
{
    m_isStopping = true;
    const QList<Stream *> active = activeStreams();
    if (active.isEmpty()) {
        emit allStreamsEnded();
        return;
    }
    for (Stream *stream : active)
        stream->stop({}, true);
}

void StreamRegistry::onStreamEnded(Stream *stream)
{
    emit streamEnded(stream);
    if (m_isStopping && activeStreams().isEmpty())
        emit allStreamsEnded();
    QPointer<Stream> ended = stream;
    QTimer::singleShot(m_limits.recordRetentionMs, this, [this, ended] {
        // Gone already when a new run of the key replaced it.
        if (ended && !ended->isActive() && find(ended->key()) == ended)
            evict(ended);
    });
}

void StreamRegistry::evict(Stream *stream)
{
    const QString streamKey = stream->key();
    m_streams.remove(streamKey);
    emit streamEvicted(streamKey);
    stream->deleteLater();
}

void StreamRegistry::evictOldestRecords(int keep)
{
    QList<Stream *> records;
    for (Stream *stream : std::as_const(m_streams))
        if (!stream->isActive())
            records << stream;
    if (records.size() <= keep)
        return;
    std::sort(records.begin(), records.end(), [](const Stream *a, const Stream *b) {
        return a->metadata().endedAtMs < b->metadata().endedAtMs;
    });
    for (qsizetype index = 0; index < records.size() - std::max(keep, 0); ++index)
        evict(records[index]);
}

} // namespace afk::session
