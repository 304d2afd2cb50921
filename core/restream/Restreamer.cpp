#include "Restreamer.h"

#include "CloudinaryLiveStream.h"
#include "LibavLogRedaction.h"
#include "RtmpPushSink.h"
#include "RtmpUrl.h"

#include <QTimer>

namespace afk::restream {
namespace {

void redactKeyOf(const QString &url)
{
    redactFromLibavLog(rtmpUrlSecret(url));
    redactFromLibavLog(url.section(u'/', -1));
}

QJsonObject toJson(const RtmpPushStatus &status)
{
    return QJsonObject{
        {QStringLiteral("label"), status.label},
        {QStringLiteral("target"), status.target},
        {QStringLiteral("state"), status.state},
        {QStringLiteral("bytesPerSecond"), qRound64(status.bytesPerSecond)},
        {QStringLiteral("bytesSent"), status.bytesSent},
        {QStringLiteral("connections"), status.connections},
        {QStringLiteral("reconnects"), status.reconnects},
        {QStringLiteral("packetsDropped"), status.packetsDropped},
        {QStringLiteral("lastError"), status.lastError},
    };
}

} // namespace

Restreamer::Restreamer(RestreamOptions options, QObject *parent)
    : QObject(parent), m_options(std::move(options))
{
    int number = 0;
    for (const QString &url : std::as_const(m_options.rtmpPushUrls)) {
        redactKeyOf(url);
        m_targets.push_back(
            std::make_shared<RtmpPushTarget>(QStringLiteral("rtmp-push %1").arg(++number), url));
    }
    if (m_options.isCloudinaryLive) {
        redactFromLibavLog(m_options.cloudinary.apiSecret);
        m_cloudinaryTarget =
            std::make_shared<RtmpPushTarget>(QStringLiteral("cloudinary"), QString());
        m_targets.push_back(m_cloudinaryTarget);
    }
}

Restreamer::~Restreamer() = default;

media::EncodedPacketSinkFactory Restreamer::sinkFactory() const
{
    return [targets = m_targets](const media::Rendition &, int renditionIndex) {
        std::vector<std::shared_ptr<media::EncodedPacketSink>> sinks;
        if (renditionIndex != 0)
            return sinks;
        for (const auto &target : targets)
            sinks.push_back(std::make_shared<RtmpPushSink>(target));
        return sinks;
    };
}

void Restreamer::streamStarted(const QString &streamKey, const QString &title)
{
    if (!m_cloudinaryTarget)
        return;
    // Each run gets a live stream of its own: the push waits for its ingest URL.
    m_cloudinaryTarget->setUrl(QString());
    if (m_cloudinaryStream)
        m_cloudinaryStream->deleteLater();
    auto *stream = new CloudinaryLiveStream(m_options.cloudinary, this);
    m_cloudinaryStream = stream;
    CloudinaryLiveStreamSettings settings;
    settings.name = title.isEmpty() ? streamKey : title;
    connect(stream, &CloudinaryLiveStream::created, this,
            [this, stream](const QString &ingestUrl, const QString &hlsUrl) {
                --m_pendingRequests;
                redactKeyOf(ingestUrl);
                if (stream != m_cloudinaryStream) {
                    stream->end(); // the run ended while it was being created
                    return;
                }
                m_cloudinaryTarget->setUrl(ingestUrl);
                if (!stream->lastError().isEmpty())
                    emit warning(stream->lastError());
                if (!hlsUrl.isEmpty())
                    emit publicPlaybackUrlChanged(hlsUrl);
            });
    auto attempt = std::make_shared<int>(0);
    connect(stream, &CloudinaryLiveStream::failed, this,
            [this, stream, settings, attempt](const QString &error, bool isRetryable) {
                --m_pendingRequests;
                m_cloudinaryTarget->setError(error);
                if (stream != m_cloudinaryStream) {
                    stream->end(); // nothing to delete: just the ended() the run's end waits for
                    return;
                }
                emit warning(error);
                if (!isRetryable)
                    return;
                // 2, 4, 8 … 60 s while the run lasts.
                const int delayMs = std::min(60000, 2000 << std::min((*attempt)++, 5));
                QTimer::singleShot(delayMs, stream, [this, stream, settings] {
                    if (stream != m_cloudinaryStream)
                        return;
                    ++m_pendingRequests;
                    stream->create(settings);
                });
            });
    ++m_pendingRequests;
    stream->create(settings);
}

void Restreamer::streamEnded()
{
    if (!m_cloudinaryStream)
        return;
    CloudinaryLiveStream *stream = m_cloudinaryStream;
    m_cloudinaryStream = nullptr;
    m_cloudinaryTarget->setUrl(QString());
    emit publicPlaybackUrlChanged(QString());
    ++m_pendingRequests;
    connect(stream, &CloudinaryLiveStream::ended, this, [this, stream] {
        --m_pendingRequests;
        if (!stream->lastError().isEmpty())
            emit warning(stream->lastError());
        stream->deleteLater();
    });
    // One still being created is ended once Cloudinary has answered (see streamStarted).
    if (stream->state() != u"creating")
        stream->end();
}

bool Restreamer::hasPendingRequests() const
{
    return m_pendingRequests > 0;
}

QString Restreamer::publicPlaybackUrl() const
{
    return m_cloudinaryStream && m_cloudinaryStream->state() == u"active"
               ? m_cloudinaryStream->hlsUrl()
               : QString();
}

QJsonArray Restreamer::pushStatusJson() const
{
    QJsonArray targets;
    for (const auto &target : m_targets)
        targets.append(toJson(target->status()));
    return targets;
}

QJsonObject Restreamer::cloudinaryStatusJson() const
{
    if (!m_cloudinaryTarget)
        return QJsonObject{{QStringLiteral("configured"), false}};
    QJsonObject status{
        {QStringLiteral("configured"), true},
        {QStringLiteral("mode"), QStringLiteral("live")},
        {QStringLiteral("cloudName"), m_options.cloudinary.cloudName},
        {QStringLiteral("push"), toJson(m_cloudinaryTarget->status())},
    };
    if (m_cloudinaryStream) {
        status.insert(QStringLiteral("liveStreamId"), m_cloudinaryStream->id());
        status.insert(QStringLiteral("state"), m_cloudinaryStream->state());
        status.insert(QStringLiteral("playbackUrl"), m_cloudinaryStream->hlsUrl());
        status.insert(QStringLiteral("lastError"), m_cloudinaryStream->lastError());
    }
    return status;
}

QString Restreamer::statsText() const
{
    QStringList parts;
    for (const auto &target : m_targets) {
        const RtmpPushStatus status = target->status();
        parts << QStringLiteral("%1 %2 %3 KB/s reconnects %4 dropped %5")
                     .arg(status.label, status.state)
                     .arg(qRound(status.bytesPerSecond / 1000.0))
                     .arg(status.reconnects)
                     .arg(status.packetsDropped);
    }
    return parts.join(QStringLiteral("; "));
}

} // namespace afk::restream
