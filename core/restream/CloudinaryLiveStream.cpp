#include "CloudinaryLiveStream.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkReply>

namespace afk::restream {
namespace {

constexpr int requestTimeoutMs = 15000;

} // namespace

CloudinaryLiveStream::CloudinaryLiveStream(CloudinaryCredentials credentials, QObject *parent)
    : QObject(parent), m_credentials(std::move(credentials))
{
}

QNetworkReply *CloudinaryLiveStream::send(const QByteArray &verb, const QString &path,
                                          const QByteArray &body)
{
    QNetworkRequest request(QUrl(QStringLiteral("%1/v2/video/%2/live_streams%3")
                                     .arg(m_credentials.apiBase, m_credentials.cloudName, path)));
    request.setRawHeader("Authorization", m_credentials.basicAuthorization());
    if (!body.isEmpty())
        request.setHeader(QNetworkRequest::ContentTypeHeader, "application/json");
    request.setTransferTimeout(requestTimeoutMs);
    QNetworkReply *reply = m_network.sendCustomRequest(request, verb, body);
    reply->setParent(this);
    return reply;
}

QString CloudinaryLiveStream::errorOf(QNetworkReply *reply, const QByteArray &body)
{
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QString message = QJsonDocument::fromJson(body)
                                .object()
                                .value(u"error")
                                .toObject()
                                .value(u"message")
                                .toString();
    if (status == 0)
        return reply->errorString();
    return QStringLiteral("HTTP %1 %2").arg(status).arg(message).trimmed();
}

void CloudinaryLiveStream::fail(const QString &error, bool isRetryable)
{
    m_state = QStringLiteral("failed");
    m_lastError = error;
    emit failed(error, isRetryable);
}

void CloudinaryLiveStream::create(const CloudinaryLiveStreamSettings &settings)
{
    m_state = QStringLiteral("creating");
    const QJsonObject body{
        {QStringLiteral("name"), settings.name},
        {QStringLiteral("input"), QJsonObject{{QStringLiteral("type"), QStringLiteral("rtmp")}}},
        {QStringLiteral("idle_timeout_sec"), settings.idleTimeoutSeconds},
        {QStringLiteral("max_runtime_sec"), settings.maxRuntimeSeconds},
    };
    QNetworkReply *reply =
        send("POST", QString(), QJsonDocument(body).toJson(QJsonDocument::Compact));
    connect(reply, &QNetworkReply::finished, this, [this, reply] {
        reply->deleteLater();
        const QByteArray body = reply->readAll();
        if (reply->error() != QNetworkReply::NoError) {
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            // No answer, the service's trouble or its rate limit (420 is Cloudinary's) may pass;
            // credentials and bad requests will not.
            const bool isRetryable = status == 0 || status >= 500 || status == 420 || status == 429;
            fail(QStringLiteral("cannot create the Cloudinary live stream: ") +
                     errorOf(reply, body),
                 isRetryable);
            return;
        }
        const QJsonObject data = QJsonDocument::fromJson(body).object().value(u"data").toObject();
        const QJsonObject input = data.value(u"input").toObject();
        m_id = data.value(u"id").toString();
        for (const QJsonValue &output : data.value(u"outputs").toArray()) {
            if (output.toObject().value(u"type").toString() == u"hls") {
                m_hlsUrl = output.toObject().value(u"uri").toString();
                break;
            }
        }
        const QString uri = input.value(u"uri").toString();
        const QString streamKey = input.value(u"stream_key").toString();
        if (m_id.isEmpty() || uri.isEmpty() || streamKey.isEmpty()) {
            fail(QStringLiteral("the Cloudinary answer has no id, input.uri or input.stream_key"),
                 false);
            return;
        }
        const QString ingestUrl = (uri.endsWith(u'/') ? uri : uri + u'/') + streamKey;
        QNetworkReply *activation = send("POST", u'/' + m_id + QStringLiteral("/activate"));
        connect(activation, &QNetworkReply::finished, this, [this, activation, ingestUrl] {
            activation->deleteLater();
            const QByteArray activationBody = activation->readAll();
            // A stream that could not be activated by hand may still start on input: push anyway,
            // and say what went wrong.
            if (activation->error() != QNetworkReply::NoError)
                m_lastError = QStringLiteral("cannot activate the Cloudinary live stream: ") +
                              errorOf(activation, activationBody);
            m_state = QStringLiteral("active");
            emit created(ingestUrl, m_hlsUrl);
        });
    });
}

void CloudinaryLiveStream::end()
{
    if (m_id.isEmpty() || m_state == u"ending" || m_state == u"ended") {
        m_state = QStringLiteral("ended");
        emit ended();
        return;
    }
    m_state = QStringLiteral("ending");
    QNetworkReply *idle = send("POST", u'/' + m_id + QStringLiteral("/idle"));
    connect(idle, &QNetworkReply::finished, this, [this, idle] {
        idle->deleteLater();
        const QByteArray idleBody = idle->readAll();
        if (idle->error() != QNetworkReply::NoError)
            m_lastError = QStringLiteral("cannot idle the Cloudinary live stream: ") +
                          errorOf(idle, idleBody);
        QNetworkReply *removal = send("DELETE", u'/' + m_id);
        connect(removal, &QNetworkReply::finished, this, [this, removal] {
            removal->deleteLater();
            const QByteArray removalBody = removal->readAll();
            if (removal->error() != QNetworkReply::NoError)
                m_lastError = QStringLiteral("cannot delete the Cloudinary live stream: ") +
                              errorOf(removal, removalBody);
            m_state = QStringLiteral("ended");
            emit ended();
        });
    });
}

} // namespace afk::restream
