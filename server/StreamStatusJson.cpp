#include "StreamStatusJson.h"

#include "Stream.h"
#include "StreamStore.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>

namespace afk::server
{
namespace
{

constexpr qint64 maxManifestBytes = 1024 * 1024;
constexpr int maxListedFiles = 1000;

struct ManifestFacts {
    bool exists = false;
    bool hasSegments = false; // a URI line ending ".ts", what the PWA checks before playing
    bool hasEndList = false;
    QJsonValue content = QJsonValue::Null;
};

ManifestFacts readManifest(const QString &path)
{
    ManifestFacts facts;
    const QFileInfo info(path);
    if (!info.isFile() || info.isSymLink())
        return facts;
    facts.exists = true;
    if (info.size() > maxManifestBytes)
        return facts;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return facts;
    const QString text = QString::fromUtf8(file.read(maxManifestBytes));
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

QJsonArray listFiles(const QString &dir)
{
    QJsonArray files;
    const QStringList names =
        QDir(dir).entryList(QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    for (const QString &name : names) {
        if (files.size() >= maxListedFiles)
            break;
        files.append(name);
    }
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

QJsonObject buildStreamStatus(const storage::StreamStore &store, const QString &streamKey,
                              const session::Stream *stream, int httpViewers)
{
    const QString dir = store.streamDir(streamKey);
    const bool hasStreamDir = !dir.isEmpty() && QFileInfo(dir).isDir();
    const ManifestFacts manifest =
        hasStreamDir ? readManifest(dir + QStringLiteral("/stream.m3u8")) : ManifestFacts{};

    storage::StreamMetadata metadata;
    bool hasMetadata = false;
    if (stream) {
        metadata = stream->metadata();
        hasMetadata = true;
    } else if (hasStreamDir) {
        hasMetadata = store.readMetadata(streamKey, &metadata);
    }

    const bool isActive = stream && stream->isActive();
    const bool isEnded =
        manifest.hasEndList || (stream ? stream->state() == session::Stream::State::Ended
                                       : hasMetadata && metadata.endedAtMs > 0);

    QJsonValue streamData = QJsonValue::Null;
    if (isActive) {
        const bool isLive = stream->state() == session::Stream::State::Live;
        streamData = QJsonObject{
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
            QJsonObject data = streamData.toObject();
            data.insert(QStringLiteral("ingest"),
                        QJsonObject{
                            {QStringLiteral("bytesReceived"), ingest.bytesReceived},
                            {QStringLiteral("bytesBuffered"), qint64(ingest.bytesBuffered)},
                            {QStringLiteral("bufferLimitBytes"),
                             qint64(media::ByteStreamSource::defaultMaxBufferedBytes)},
                            {QStringLiteral("recorderRestarts"), ingest.restartCount},
                        });
            streamData = data;
        }
    }

    const QJsonObject local{
        {QStringLiteral("isActive"), isActive},
        {QStringLiteral("manifestExists"), manifest.exists},
        {QStringLiteral("streamDirExists"), hasStreamDir},
        {QStringLiteral("streamData"), streamData},
        {QStringLiteral("files"), hasStreamDir ? listFiles(dir) : QJsonArray{}},
        {QStringLiteral("manifestContent"), manifest.content},
    };
    const QJsonObject overall{
        {QStringLiteral("isActive"), isActive},
        {QStringLiteral("hasManifest"), manifest.exists},
        {QStringLiteral("hasStreamDir"), hasStreamDir},
        {QStringLiteral("hasVideoContent"),
         manifest.exists && manifest.hasSegments && !manifest.hasEndList},
        {QStringLiteral("isEnded"), isEnded},
    };
    return QJsonObject{
        {QStringLiteral("streamId"), streamKey},
        {QStringLiteral("local"), local},
        {QStringLiteral("cloudinary"), QJsonObject{{QStringLiteral("configured"), false}}},
        {QStringLiteral("overall"), overall},
        {QStringLiteral("stats"),
         stream ? QJsonValue(pipelineStatsToJson(stream->stats())) : QJsonValue::Null},
    };
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
