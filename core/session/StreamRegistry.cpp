#include "StreamRegistry.h"

#include <QDateTime>
#include <QDir>

namespace afk::session {

StreamRegistry::StreamRegistry(storage::StreamStore store, EncodingDefaults defaults,
                               QObject *parent)
    : QObject(parent), m_store(std::move(store)), m_defaults(std::move(defaults))
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

Stream *StreamRegistry::createStream(const QString &streamKey, const QString &userId,
                                     const QString &title, QString *error)
{
    if (m_store.streamDir(streamKey).isEmpty()) {
        *error = QStringLiteral("invalid stream key (allowed: 1-64 of A-Z a-z 0-9 _ -)");
        return nullptr;
    }
    if (m_isStopping) {
        *error = QStringLiteral("the studio is shutting down");
        return nullptr;
    }
    if (Stream *existing = find(streamKey)) {
        if (existing->isActive()) {
            *error = QStringLiteral("stream %1 is already active").arg(streamKey);
            return nullptr;
        }
        m_streams.remove(streamKey);
        existing->deleteLater();
    }
    // A new stream under an old key starts from an empty folder: stale segments must never be
    // served as part of the new stream.
    QDir(m_store.streamDir(streamKey)).removeRecursively();

    storage::StreamMetadata metadata;
    metadata.streamKey = streamKey;
    metadata.userId = userId;
    metadata.title = title;
    metadata.startedAtMs = QDateTime::currentMSecsSinceEpoch();
    auto *stream = new Stream(std::move(metadata), m_store, this);
    m_streams.insert(streamKey, stream);
    connect(stream, &Stream::ended, this, [this, stream] { onStreamEnded(stream); });
    emit streamStarted(stream);
    return stream;
}

Stream *StreamRegistry::startStream(const QString &streamKey, const QString &userId,
                                    const QString &title, std::unique_ptr<media::MediaSource> source,
                                    QString *error)
{
    Stream *stream = createStream(streamKey, userId, title, error);
    if (!stream)
        return nullptr;
    if (!stream->startMedia(std::move(source), pipelineConfig(), error)) {
        stream->stop();
        return nullptr;
    }
    return stream;
}

media::PipelineConfig StreamRegistry::pipelineConfig() const
{
    media::PipelineConfig config;
    config.ladder = m_defaults.ladder;
    config.segmentSeconds = m_defaults.segmentSeconds;
    config.x264Preset = m_defaults.x264Preset;
    config.audioBitrateKbps = m_defaults.audioBitrateKbps;
    config.x264Threads = m_defaults.x264Threads;
    config.scaleFilter = m_defaults.scaleFilter;
    return config;
}

bool StreamRegistry::ingest(const QString &streamKey, const QByteArray &chunk, QString *error)
{
    Stream *stream = find(streamKey);
    if (!stream || !stream->isActive()) {
        *error = QStringLiteral("Stream not found");
        return false;
    }
    return stream->ingestChunk(chunk, pipelineConfig(), error);
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
        stream->stop();
}

void StreamRegistry::onStreamEnded(Stream *stream)
{
    emit streamEnded(stream);
    if (m_isStopping && activeStreams().isEmpty())
        emit allStreamsEnded();
}

} // namespace afk::session
