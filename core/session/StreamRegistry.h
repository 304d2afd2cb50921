// All streams of this studio run, by key: creation (within the caps), lookup, ending, and the
// records of ended streams until their retention runs out.
#pragma once

#include "Stream.h"

#include <QHash>
#include <QObject>
#include <functional>

namespace afk::session {

// Settings every new stream's pipeline takes.
struct EncodingDefaults {
    QList<media::Rendition> ladder;
    int segmentSeconds = 2;
    QString x264Preset = QStringLiteral("veryfast");
    int audioBitrateKbps = 128;
    int x264Threads = 0;
    int liveWindowSeconds = 60;
    media::ScaleFilter scaleFilter = media::defaultScaleFilter;
    double partSeconds = 0.333; // LL-HLS parts; 0: no LL-HLS presentation
    std::shared_ptr<media::MediaIndex> mediaIndex; // shared with the HTTP server
    bool videoPassthrough = false; // --rtmp-passthrough
};

// Caps and timeouts of the registry (flags of the same names).
struct StreamLimits {
    int maxStreams = 16;                 // --max-streams: active streams at once
    int mediaTimeoutMs = 30000;          // a new stream with no media this long ends
    int recordRetentionMs = 3600 * 1000; // --record-retention: an ended stream's record stays
    int maxRecords = 1024;               // ended records kept at most (the oldest go first)
};

class StreamRegistry : public QObject
{
    Q_OBJECT
public:
    StreamRegistry(storage::StreamStore store, EncodingDefaults defaults,
                   StreamLimits limits = {}, QObject *parent = nullptr);
    ~StreamRegistry() override;

    const storage::StreamStore &store() const { return m_store; }
    const EncodingDefaults &defaults() const { return m_defaults; }
    // Settings of the streams created from now on.
    void setDefaults(const EncodingDefaults &defaults) { m_defaults = defaults; }
    const StreamLimits &limits() const { return m_limits; }

    // The stream of a key: active, or the record of an ended one; nullptr when unknown.
    Stream *find(const QString &streamKey) const;
    QList<Stream *> streams() const;
    QList<Stream *> activeStreams() const;
    // Who may publish to and stop the key's stream (empty: nobody claimed it).
    QString ownerOf(const QString &streamKey) const;

    // A new stream waiting for media, owned by ownerId. Refused while a stream with that key is
    // active, and at the --max-streams cap. The record of an ended run of that key is replaced;
    // its files stay (the new run continues the recording).
    Stream *createStream(const QString &streamKey, const QString &ownerId, const QString &userId,
                         const QString &title, QString *error);
    // createStream + startMedia with the default encoding settings.
    Stream *startStream(const QString &streamKey, const QString &userId, const QString &title,
                        std::unique_ptr<media::MediaSource> source, QString *error);

    // A chunk of a browser host's recording (or of an RTMP publisher's FLV) for an active stream
    // (see Stream::ingestChunk).
    bool ingest(const QString &streamKey, const QByteArray &chunk, QString *error,
                media::ByteStreamSource::Container container
                = media::ByteStreamSource::Container::WebM);

    // Ends every active stream; allStreamsEnded() follows (at once if none is active).
    void stopAll();

    // Extra outputs (an RTMP push, …) for the pipelines of the streams started from now on; the
    // provider answers per stream key and may give an empty factory.
    using PacketSinkProvider = std::function<media::EncodedPacketSinkFactory(const QString &)>;
    void setPacketSinkProvider(PacketSinkProvider provider)
    {
        m_packetSinkProvider = std::move(provider);
    }

signals:
    void streamStarted(afk::session::Stream *stream);
    void streamEnded(afk::session::Stream *stream);
    void allStreamsEnded();
    // The record of an ended stream is gone (retention or the record cap): whatever else is kept
    // per key (owners, rooms, announcers, chats) goes with it. The Stream is deleted after.
    void streamEvicted(const QString &streamKey);

private:
    void onStreamEnded(Stream *stream);
    void evict(Stream *stream);
    void evictOldestRecords(int keep);
    media::PipelineConfig pipelineConfig(const QString &streamKey) const;

    PacketSinkProvider m_packetSinkProvider;
    storage::StreamStore m_store;
    EncodingDefaults m_defaults;
    StreamLimits m_limits;
    QHash<QString, Stream *> m_streams; // children of this object
    bool m_isStopping = false;
};

} // namespace afk::session
