#include "RtmpIngest.h"

#include "StreamRegistry.h"

#include <QDebug>

namespace afk::studio {
namespace {

QByteArray labelValue(const QString &value)
{
    QByteArray escaped = value.toUtf8();
    escaped.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
    return escaped;
}

void family(QByteArray &text, const char *name, const char *type, const char *help)
{
    text += QByteArray("# HELP ") + name + ' ' + help + "\n# TYPE " + name + ' ' + type + '\n';
}

} // namespace

RtmpIngest::RtmpIngest(const StudioOptions &options, session::StreamRegistry &registry,
                       QObject *parent)
    : QObject(parent), m_options(options), m_registry(registry)
{
}

RtmpIngest::~RtmpIngest()
{
    // Its sessions end their publishers (as unpublished) while the registry still exists.
    m_server.reset();
}

quint16 RtmpIngest::port() const
{
    return m_server ? m_server->port() : 0;
}

bool RtmpIngest::start(QString *error, QString *warning)
{
    server::RtmpKeyBook keys;
    if (!m_options.rtmpKeyFile.isEmpty() && !keys.load(m_options.rtmpKeyFile, error))
        return false;
    keys.setOpenIngest(m_options.isOpenIngest);
    server::RtmpPublishHandler handler;
    handler.begin = [this](const QString &streamId, const QString &, QString *beginError) {
        return beginPublisher(streamId, beginError);
    };
    handler.media = [this](const QString &streamId, const QByteArray &flv, QString *mediaError) {
        return takeMedia(streamId, flv, mediaError);
    };
    handler.end = [this](const QString &streamId, const QString &reason, bool isUnpublished) {
        endPublisher(streamId, reason, isUnpublished);
    };
    server::RtmpServerOptions serverOptions;
    // A publisher that sends nothing this long is gone (then it may reconnect within the grace).
    serverOptions.idleTimeoutMs = m_options.idleTimeoutSeconds * 1000;
    auto server =
        std::make_unique<server::RtmpServer>(serverOptions, std::move(keys), std::move(handler));
    QString listenError;
    if (!server->listen(m_options.bindAddress, m_options.rtmpPort, &listenError)) {
        if (m_options.isRtmpPortExplicit) {
            *error = listenError + QStringLiteral(" (--rtmp-port %1; 0 turns RTMP ingest off)")
                                       .arg(m_options.rtmpPort);
            return false;
        }
        *warning = listenError +
                   QStringLiteral(": RTMP ingest is off (the default port %1 is taken; choose "
                                  "another with --rtmp-port, or 0 to silence this)")
                       .arg(m_options.rtmpPort);
        return true;
    }
    m_server = std::move(server);
    return true;
}

QString RtmpIngest::issueKey(const QString &streamId, const QString &ownerId)
{
    if (!m_server)
        return {};
    if (m_keyOwners.size() >= server::RtmpKeyBook::maxIssuedKeys && !m_keyOwners.contains(streamId))
        m_keyOwners.erase(m_keyOwners.begin());
    if (!ownerId.isEmpty())
        m_keyOwners.insert(streamId, ownerId);
    return m_server->issueKey(streamId);
}

QList<server::RtmpPublisherStats> RtmpIngest::publishers() const
{
    return m_server ? m_server->publishers() : QList<server::RtmpPublisherStats>();
}

bool RtmpIngest::beginPublisher(const QString &streamId, QString *error)
{
    if (m_publishing.contains(streamId)) {
        *error = QStringLiteral("stream %1 already has a live RTMP publisher").arg(streamId);
        return false;
    }
    session::Stream *stream = m_registry.find(streamId);
    if (stream && stream->isActive()) {
        if (stream->state() == session::Stream::State::Ending) {
            *error = QStringLiteral("stream %1 is ending").arg(streamId);
            return false;
        }
        if (QTimer *grace = m_awaitingReconnect.take(streamId)) {
            // OBS's auto-reconnect: the same stream goes on. The new session's FLV header
            // restarts the demuxer, its timestamps continue after #EXT-X-DISCONTINUITY.
            delete grace;
            stream->setReconnecting(false);
            qInfo().noquote() << "[rtmp] stream" << streamId << "publisher reconnected";
        } else if (stream->hasPipeline()) {
            *error = QStringLiteral("stream %1 is live from another source").arg(streamId);
            return false;
        }
        // Else the stream waits for media (POST /start, as the PWA's OBS mode does first):
        // this publisher brings it.
    } else {
        // The owner is who asked for the key; for keys of the key file "rtmp", no pubkey: Socket.IO
        // hosts cannot take the stream over.
        const QString owner = m_keyOwners.value(streamId, QStringLiteral("rtmp"));
        if (!m_registry.createStream(streamId, owner, owner == u"rtmp" ? QString() : owner, {},
                                     error))
            return false;
    }
    m_publishing.insert(streamId);
    return true;
}

server::RtmpPublishHandler::MediaOutcome
RtmpIngest::takeMedia(const QString &streamId, const QByteArray &flv, QString *error)
{
    using Outcome = server::RtmpPublishHandler::MediaOutcome;
    if (m_registry.ingest(streamId, flv, error, media::ByteStreamSource::Container::Flv))
        return Outcome::Taken;
    // A live stream that refuses bytes has a full buffer (the ladder is slower than the
    // publisher for now); any other refusal (ended, ending, not FLV) ends the publisher.
    const session::Stream *stream = m_registry.find(streamId);
    const bool isFull = stream && stream->state() == session::Stream::State::Live &&
                        stream->ingestCounters().bytesBuffered > 0;
    return isFull ? Outcome::Dropped : Outcome::Refused;
}

void RtmpIngest::endPublisher(const QString &streamId, const QString &reason, bool isUnpublished)
{
    m_publishing.remove(streamId);
    session::Stream *stream = m_registry.find(streamId);
    if (!stream || !stream->isActive())
        return;
    const int graceMs = m_options.reconnectGraceSeconds * 1000;
    if (isUnpublished || graceMs == 0 || !stream->hasPipeline()) {
        stream->stop(reason);
        return;
    }
    stream->setReconnecting(true);
    auto *grace = new QTimer(this);
    grace->setSingleShot(true);
    connect(grace, &QTimer::timeout, this, [this, streamId, reason, graceMs] {
        if (QTimer *expired = m_awaitingReconnect.take(streamId))
            expired->deleteLater();
        session::Stream *away = m_registry.find(streamId);
        if (away && away->isActive() && !m_publishing.contains(streamId))
            away->stop(QStringLiteral("the RTMP publisher did not come back within %1 s (%2)")
                           .arg(graceMs / 1000)
                           .arg(reason));
    });
    delete m_awaitingReconnect.take(streamId);
    m_awaitingReconnect.insert(streamId, grace);
    grace->start(graceMs);
    qInfo().noquote() << "[rtmp] stream" << streamId << "publisher gone (" + reason + "): waiting"
                      << graceMs / 1000 << "s for it to reconnect";
}

QJsonObject RtmpIngest::statusJson(const QString &streamId) const
{
    for (const server::RtmpPublisherStats &publisher : publishers()) {
        if (publisher.streamId != streamId)
            continue;
        return QJsonObject{
            {QStringLiteral("rtmp"),
             QJsonObject{
                 {QStringLiteral("publishing"), true},
                 {QStringLiteral("remoteAddress"), publisher.remoteAddress},
                 {QStringLiteral("kilobitsPerSecondIn"),
                  qRound(publisher.kilobitsPerSecondIn * 10) / 10.0},
                 {QStringLiteral("framesPerSecondIn"),
                  qRound(publisher.framesPerSecondIn * 10) / 10.0},
                 {QStringLiteral("bytesIn"), double(publisher.bytesIn)},
                 {QStringLiteral("videoFramesIn"), double(publisher.videoFramesIn)},
                 {QStringLiteral("videoFramesDropped"), double(publisher.videoFramesDropped)},
                 {QStringLiteral("publishingSeconds"), double(publisher.publishingMs / 1000)},
             }}};
    }
    if (m_awaitingReconnect.contains(streamId))
        return QJsonObject{
            {QStringLiteral("rtmp"), QJsonObject{{QStringLiteral("publishing"), false},
                                                 {QStringLiteral("awaitingReconnect"), true}}}};
    return {};
}

QByteArray RtmpIngest::metricsText() const
{
    if (!m_server)
        return {};
    QByteArray text;
    family(text, "afk_rtmp_connections", "gauge", "Open RTMP ingest connections.");
    text += "afk_rtmp_connections " + QByteArray::number(m_server->connectionCount()) + '\n';
    const QList<server::RtmpPublisherStats> all = publishers();
    family(text, "afk_rtmp_publishers", "gauge", "RTMP publishers on a stream.");
    text += "afk_rtmp_publishers " + QByteArray::number(all.size()) + '\n';
    if (all.isEmpty())
        return text;
    QByteArray info, bitrate, fps, bytes, frames, dropped;
    for (const server::RtmpPublisherStats &publisher : all) {
        const QByteArray stream = "stream=\"" + labelValue(publisher.streamId) + '"';
        const QByteArray label = '{' + stream + "} ";
        info += "afk_rtmp_publisher_info{" + stream + ",remote=\"" +
                labelValue(publisher.remoteAddress) + "\"} 1\n";
        bitrate += "afk_rtmp_in_bits_per_second" + label +
                   QByteArray::number(qRound64(publisher.kilobitsPerSecondIn * 1000)) + '\n';
        fps += "afk_rtmp_in_frames_per_second" + label +
               QByteArray::number(publisher.framesPerSecondIn, 'f', 1) + '\n';
        bytes += "afk_rtmp_in_bytes_total" + label + QByteArray::number(publisher.bytesIn) + '\n';
        frames += "afk_rtmp_in_video_frames_total" + label +
                  QByteArray::number(publisher.videoFramesIn) + '\n';
        dropped += "afk_rtmp_dropped_video_frames_total" + label +
                   QByteArray::number(publisher.videoFramesDropped) + '\n';
    }
    family(text, "afk_rtmp_publisher_info", "gauge", "An RTMP publisher and its remote address.");
    text += info;
    family(text, "afk_rtmp_in_bits_per_second", "gauge", "Media bitrate an RTMP publisher sends.");
    text += bitrate;
    family(text, "afk_rtmp_in_frames_per_second", "gauge", "Video frames an RTMP publisher sends.");
    text += fps;
    family(text, "afk_rtmp_in_bytes_total", "counter", "Media bytes from an RTMP publisher.");
    text += bytes;
    family(text, "afk_rtmp_in_video_frames_total", "counter",
           "Video frames from an RTMP publisher.");
    text += frames;
    family(text, "afk_rtmp_dropped_video_frames_total", "counter",
           "Video frames of an RTMP publisher dropped while the stream's ingest buffer was full.");
    text += dropped;
    return text;
}

QString RtmpIngest::statsText(const QString &streamId) const
{
    for (const server::RtmpPublisherStats &publisher : publishers())
        if (publisher.streamId == streamId)
            return QStringLiteral("rtmp publisher %1, in %2 kb/s %3 fps, dropped %4")
                .arg(publisher.remoteAddress)
                .arg(qRound(publisher.kilobitsPerSecondIn))
                .arg(publisher.framesPerSecondIn, 0, 'f', 1)
                .arg(publisher.videoFramesDropped);
    if (m_awaitingReconnect.contains(streamId))
        return QStringLiteral("rtmp publisher away, waiting for it to reconnect");
    return {};
}

} // namespace afk::studio
