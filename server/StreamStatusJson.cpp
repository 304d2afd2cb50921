#include "StreamStatusJson.h"

#include "Stream.h"
#include "StreamStore.h"

#include <QDateTime>
#include <QJsonArray>

namespace afk::server
{
namespace
{

struct ManifestFacts {
    bool exists = false;
    bool hasSegments = false; // a URI line ending ".ts", what the PWA checks before playing
    bool hasEndList = false;
    QJsonValue content = QJsonValue::Null;
};

// What the PWA's status checks need to know of stream.m3u8, from the text the packager last
// wrote (kept in memory: a status poll never reads the disk).
ManifestFacts manifestFacts(const QByteArray &playlist)
{
    ManifestFacts facts;
    if (playlist.isEmpty())
        return facts;
    facts.exists = true;
    const QString text = QString::fromUtf8(playlist);
    facts.content = text;
    for (QStringView line : QStringView(text).split(u'\n')) {
        line = line.trimmed();
        if (line.startsWith(u'#')) {
            if (line == u"#EXT-X-ENDLIST")
                facts.hasEndList = true;
        } else if (line.endsWith(u".ts")) {
            facts.hasSegments = true;
        }
    }
    return facts;
}

// The stream folder's top level as the pipeline lays it out (nothing is listed from disk).
QJsonArray knownFiles(const session::Stream &stream, const ManifestFacts &manifest)
{
    QJsonArray files{QStringLiteral("stream.json")};
    if (manifest.exists) {
        files.append(QStringLiteral("master.m3u8"));
        files.append(QStringLiteral("recording.m3u8"));
        files.append(QStringLiteral("stream.m3u8"));
    }
    for (const QString &rendition : stream.metadata().renditionNames)
        files.append(rendition);
    return files;
}

} // namespace

StreamUrls StreamUrls::make(const QString &hostAndPort, const QString &streamKey)
{
    const QString base = QStringLiteral("http://%1/livestream/%2/").arg(hostAndPort, streamKey);
    return StreamUrls{
        base + QStringLiteral("stream.m3u8"),
        base + QStringLiteral("master.m3u8"),
        QStringLiteral("ws://%1/socket.io/?streamKey=%2").arg(hostAndPort, streamKey),
    };
}

QJsonValue isoTime(qint64 msSinceEpoch)
{
    if (msSinceEpoch <= 0)
        return QJsonValue::Null;
    return QDateTime::fromMSecsSinceEpoch(msSinceEpoch, Qt::UTC).toString(Qt::ISODateWithMs);
}

QJsonObject pipelineStatsToJson(const media::PipelineStats &stats)
{
    QJsonArray renditions;
    for (const media::RenditionStats &rendition : stats.renditions) {
        renditions.append(QJsonObject{
            {QStringLiteral("name"), rendition.name},
            {QStringLiteral("width"), rendition.width},
            {QStringLiteral("height"), rendition.height},
            {QStringLiteral("framesEncoded"), rendition.framesEncoded},
            {QStringLiteral("bytesWritten"), rendition.bytesWritten},
            {QStringLiteral("segmentsWritten"), rendition.segmentsWritten},
            {QStringLiteral("bitrateKbps"), rendition.lastSegmentKbps},
            // Copies the RTMP publisher's H.264 instead of encoding it (--rtmp-passthrough).
            {QStringLiteral("passthrough"), rendition.isPassthrough},
        });
    }
    return QJsonObject{
        {QStringLiteral("isRunning"), stats.isRunning},
        {QStringLiteral("inputFps"), stats.inputFps},
        {QStringLiteral("outputFps"), stats.outputFps},
        {QStringLiteral("encoderSpeed"), stats.encoderSpeed},
        {QStringLiteral("mediaSeconds"), stats.mediaSeconds},
        {QStringLiteral("videoFramesIn"), stats.videoFramesIn},
        {QStringLiteral("audioFramesIn"), stats.audioFramesIn},
        {QStringLiteral("videoFramesDropped"), stats.videoFramesDropped},
        {QStringLiteral("videoFramesDuplicated"), stats.videoFramesDuplicated},
        {QStringLiteral("videoFramesLate"), stats.videoFramesLate},
        {QStringLiteral("inputQueue"),
         QJsonObject{{QStringLiteral("depth"), stats.inputQueueDepth},
                     {QStringLiteral("capacity"), stats.inputQueueCapacity}}},
        {QStringLiteral("encoderQueue"),
         QJsonObject{{QStringLiteral("depth"), stats.encoderQueueDepth},
                     {QStringLiteral("capacity"), stats.encoderQueueCapacity}}},
        {QStringLiteral("segmentsProduced"), stats.segmentsProduced},
        {QStringLiteral("renditions"), renditions},
    };
}

QJsonObject buildStreamStatus(const QString &streamKey, const session::Stream *stream,
                              int httpViewers)
{
    const ManifestFacts manifest = stream ? manifestFacts(stream->livePlaylist()) : ManifestFacts{};
    const bool isActive = stream && stream->isActive();
    const bool isEnded = stream && stream->state() == session::Stream::State::Ended;

    QJsonValue streamData = QJsonValue::Null;
    if (isActive) {
        const storage::StreamMetadata &metadata = stream->metadata();
        const bool isLive = stream->state() == session::Stream::State::Live;
        QJsonObject data{
            {QStringLiteral("userId"), metadata.userId},
            {QStringLiteral("title"), metadata.title},
            {QStringLiteral("startedAt"), isoTime(metadata.startedAtMs)},
            {QStringLiteral("viewers"), stream->viewerCount()},
            {QStringLiteral("httpViewers"), httpViewers},
            {QStringLiteral("state"), stream->stateName()},
            {QStringLiteral("segmentCount"), stream->segmentCount()},
            {QStringLiteral("renditions"), QJsonArray::fromStringList(metadata.renditionNames)},
            // Names the seed backend's clients read: media is being encoded.
            {QStringLiteral("hasFfmpegCommand"), isLive},
            {QStringLiteral("hasInputStream"), isLive},
        };
        const session::IngestCounters ingest = stream->ingestCounters();
        if (ingest.bytesReceived > 0) {
            // A browser host's recording: what arrived, what waits to be decoded (a buffer near
            // its limit means the host sends faster than the encoders keep up), restarts.
            data.insert(QStringLiteral("ingest"),
                        QJsonObject{
                            {QStringLiteral("bytesReceived"), ingest.bytesReceived},
                            {QStringLiteral("bytesBuffered"), qint64(ingest.bytesBuffered)},
                            {QStringLiteral("bufferLimitBytes"),
                             qint64(media::ByteStreamSource::defaultMaxBufferedBytes)},
                            {QStringLiteral("recorderRestarts"), ingest.restartCount},
                        });
        }
        streamData = data;
    }

    const QJsonObject local{
        {QStringLiteral("isActive"), isActive},
        {QStringLiteral("manifestExists"), manifest.exists},
        {QStringLiteral("streamDirExists"), stream != nullptr},
        {QStringLiteral("streamData"), streamData},
        {QStringLiteral("files"), stream ? knownFiles(*stream, manifest) : QJsonArray{}},
        {QStringLiteral("manifestContent"), manifest.content},
    };
    QJsonObject overall{
        {QStringLiteral("isActive"), isActive},
        {QStringLiteral("hasManifest"), manifest.exists},
        {QStringLiteral("hasStreamDir"), stream != nullptr},
        {QStringLiteral("hasVideoContent"),
         manifest.exists && manifest.hasSegments && !manifest.hasEndList},
        {QStringLiteral("isEnded"), isEnded || manifest.hasEndList},
    };
    // The LL-HLS master, relative to the stream's URL, once it lists every rendition.
    if (stream && isActive && stream->lowLatency() &&
        !stream->lowLatency()->masterPlaylist().isEmpty())
        overall.insert(QStringLiteral("lowLatencyPlaylist"), QStringLiteral("ll.m3u8"));
    QJsonObject status{
        {QStringLiteral("streamId"), streamKey},
        {QStringLiteral("local"), local},
        {QStringLiteral("cloudinary"), QJsonObject{{QStringLiteral("configured"), false}}},
        {QStringLiteral("overall"), overall},
        {QStringLiteral("stats"),
         stream ? QJsonValue(pipelineStatsToJson(stream->stats())) : QJsonValue::Null},
    };
    if (stream && isEnded && !stream->lastError().isEmpty())
        status.insert(QStringLiteral("endReason"), stream->lastError());
    return status;
}

QJsonObject activeStreamEntry(const session::Stream &stream, int httpViewers,
                              const StreamUrls &urls)
{
    const storage::StreamMetadata &metadata = stream.metadata();
    return QJsonObject{
        {QStringLiteral("streamId"), stream.key()},
        {QStringLiteral("streamKey"), stream.key()},
        {QStringLiteral("userId"), metadata.userId},
        {QStringLiteral("title"), metadata.title},
        {QStringLiteral("status"), stream.stateName()},
        {QStringLiteral("isActive"), stream.isActive()},
        {QStringLiteral("startedAt"), isoTime(metadata.startedAtMs)},
        {QStringLiteral("viewers"), stream.viewerCount()},
        {QStringLiteral("httpViewers"), httpViewers},
        {QStringLiteral("segmentCount"), stream.segmentCount()},
        {QStringLiteral("playbackUrl"), urls.playbackUrl},
        {QStringLiteral("masterPlaylistUrl"), urls.masterPlaylistUrl},
    };
}

} // namespace afk::server
