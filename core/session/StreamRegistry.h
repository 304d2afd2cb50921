// All streams of this studio run, by key: creation, lookup, ending, and retention of old ones.
#pragma once

#include "Stream.h"

#include <QHash>
#include <QObject>

namespace afk::session {

// Settings every new stream's pipeline takes.
struct EncodingDefaults {
    QList<media::Rendition> ladder;
    int segmentSeconds = 2;
    QString x264Preset = QStringLiteral("veryfast");
    int audioBitrateKbps = 128;
    int x264Threads = 0;
    media::ScaleFilter scaleFilter = media::defaultScaleFilter;
};

class StreamRegistry : public QObject
{
    Q_OBJECT
public:
    StreamRegistry(storage::StreamStore store, EncodingDefaults defaults, QObject *parent = nullptr);
    ~StreamRegistry() override;

    const storage::StreamStore &store() const { return m_store; }
    const EncodingDefaults &defaults() const { return m_defaults; }

    Stream *find(const QString &streamKey) const;
    QList<Stream *> streams() const;
    QList<Stream *> activeStreams() const;

    // A new stream waiting for media. Refused while a stream with that key is active; an ended
    // stream of that key is replaced (its old files are removed).
    Stream *createStream(const QString &streamKey, const QString &userId, const QString &title,
                         QString *error);
    // createStream + startMedia with the default encoding settings.
    Stream *startStream(const QString &streamKey, const QString &userId, const QString &title,
                        std::unique_ptr<media::MediaSource> source, QString *error);

    // A chunk of a browser host's recording for an active stream (see Stream::ingestChunk).
    bool ingest(const QString &streamKey, const QByteArray &chunk, QString *error);

    // Ends every active stream; allStreamsEnded() follows (at once if none is active).
    void stopAll();

signals:
    void streamStarted(afk::session::Stream *stream);
    void streamEnded(afk::session::Stream *stream);
    void allStreamsEnded();

private:
    void onStreamEnded(Stream *stream);
    media::PipelineConfig pipelineConfig() const;

    storage::StreamStore m_store;
    EncodingDefaults m_defaults;
    QHash<QString, Stream *> m_streams; // children of this object
    bool m_isStopping = false;
};

} // namespace afk::session
