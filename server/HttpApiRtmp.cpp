// HttpApi's POST /livestream/<id>/rtmp-key: the AFK PWA's OBS mode asks it for the stream key
// and URL to paste into OBS. The answer carries the secret, so it is never cached and the key
// is never logged.
#include "HttpApi.h"

#include <QDebug>
#include <QJsonDocument>
#include <QUrl>

namespace afk::server {
namespace {

// The host of "host[:port]" (Host header form), bracketed when it is IPv6.
QString hostWithoutPort(const QString &publicHost)
{
    const QUrl url(QStringLiteral("http://") + publicHost);
    const QString host = url.host();
    if (host.isEmpty())
        return QStringLiteral("127.0.0.1");
    return host.contains(u':') ? u'[' + host + u']' : host;
}

} // namespace

HttpReply HttpApi::rtmpKeyReply(const Incoming &incoming, const QString &streamKey)
{
    if (!m_rtmpKeyIssuer)
        return HttpReply::error(501, QStringLiteral("RTMP ingest is off on this studio "
                                                    "(--rtmp-port 0, or its port was taken); "
                                                    "publish over Socket.IO (see ingest)"));
    const QByteArray body = incoming.request.body();
    if (body.size() > maxRequestBodyBytes)
        return HttpReply::error(413, QStringLiteral("request body too large"));
    // The PWA sends {streamId, publicKey}; under open ingest publicKey names the publisher.
    QJsonObject object;
    if (!body.trimmed().isEmpty()) {
        QJsonParseError parseError;
        const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
        if (parseError.error != QJsonParseError::NoError || !document.isObject())
            return HttpReply::error(400, QStringLiteral("request body must be a JSON object"));
        object = document.object();
    }
    const QJsonValue bodyStreamId = object.value(QStringLiteral("streamId"));
    if (!bodyStreamId.isUndefined() && !bodyStreamId.isNull() &&
        bodyStreamId.toString() != streamKey)
        return HttpReply::error(400, QStringLiteral("streamId in the body is not the URL's"));
    const QString userId = object.value(QStringLiteral("publicKey")).toString().left(256);
    HttpReply refusal;
    const std::optional<QString> publisherId =
        authorizeControl(incoming, streamKey, userId, &refusal);
    if (!publisherId)
        return refusal;
    const QString secret = m_rtmpKeyIssuer(streamKey, *publisherId);
    qInfo().noquote() << "[http] issued a new RTMP stream key for stream" << streamKey << "to"
                      << incoming.request.remoteAddress().toString();
    return HttpReply::json(QJsonObject{
        {QStringLiteral("streamKey"), secret},
        {QStringLiteral("rtmpUrl"), QStringLiteral("rtmp://%1:%2/live/%3")
                                        .arg(hostWithoutPort(incoming.publicHost))
                                        .arg(m_rtmpPort)
                                        .arg(secret)},
    }); // JSON answers are no-store
}

} // namespace afk::server
