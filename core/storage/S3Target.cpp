#include "S3Target.h"

#include <QDateTime>
#include <QNetworkAccessManager>
#include <QNetworkRequest>
#include <QRegularExpression>

namespace afk::storage {
namespace {

const QByteArray emptyPayloadSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// <Code>SlowDown</Code> of an S3 error document; the rest of the body is never shown (stores
// echo the access key id and the string to sign there).
QString s3ErrorCode(const QByteArray &body)
{
    static const QRegularExpression code(QStringLiteral("<Code>([A-Za-z0-9.]{1,64})</Code>"));
    const QRegularExpressionMatch match = code.match(QString::fromUtf8(body.left(4096)));
    return match.hasMatch() ? match.captured(1) : QString();
}

QString hostHeader(const QUrl &url)
{
    const int port = url.port();
    const bool isDefaultPort = port < 0 || (url.scheme() == u"https" && port == 443)
                               || (url.scheme() == u"http" && port == 80);
    return isDefaultPort ? url.host() : url.host() + u':' + QString::number(port);
}

} // namespace

QString S3TargetConfig::problem() const
{
    QStringList missing;
    if (!endpoint.isValid() || endpoint.host().isEmpty()
        || (endpoint.scheme() != u"https" && endpoint.scheme() != u"http"))
        missing << QStringLiteral("an http(s) endpoint (--r2-endpoint or --r2-account-id)");
    if (bucket.isEmpty())
        missing << QStringLiteral("a bucket (--r2-bucket)");
    if (accessKeyId.isEmpty())
        missing << QStringLiteral("AFK_R2_ACCESS_KEY_ID");
    if (secretAccessKey.isEmpty())
        missing << QStringLiteral("AFK_R2_SECRET_ACCESS_KEY");
    if (missing.isEmpty())
        return {};
    return QStringLiteral("R2 uploads need ") + missing.join(QStringLiteral(", "));
}

S3Target::S3Target(S3TargetConfig config, QObject *parent)
    : UploadTarget(parent), m_config(std::move(config)),
      m_signer(m_config.accessKeyId, m_config.secretAccessKey, m_config.region, "s3"),
      m_network(new QNetworkAccessManager(this))
{
    // Connections to the store are kept alive between objects (one TLS handshake, not one per
    // segment).
    m_network->setAutoDeleteReplies(true);
}

S3Target::~S3Target() = default;

QString S3Target::publicUrl(const QString &objectKey) const
{
    return m_config.publicBaseUrl.isEmpty() ? QString()
                                            : m_config.publicBaseUrl + u'/' + objectKey;
}

QUrl S3Target::objectUrl(const QString &objectKey) const
{
    QUrl url = m_config.endpoint;
    QString basePath = url.path();
    while (basePath.endsWith(u'/'))
        basePath.chop(1);
    if (m_config.isVirtualHosted) {
        url.setHost(m_config.bucket + u'.' + url.host());
        url.setPath(basePath + u'/' + objectKey);
    } else {
        url.setPath(basePath + u'/' + m_config.bucket + u'/' + objectKey);
    }
    return url;
}

void S3Target::put(const UploadObject &object, DoneCallback done)
{
    SigV4Pairs headers{{"Content-Type", object.contentType}};
    if (!object.cacheControl.isEmpty())
        headers.append({"Cache-Control", object.cacheControl});
    send("PUT", object.key, object.bytes, object.sha256Hex, headers, std::move(done));
}

void S3Target::remove(const QString &objectKey, DoneCallback done)
{
    send("DELETE", objectKey, {}, emptyPayloadSha256, {}, std::move(done));
}

void S3Target::send(const QByteArray &method, const QString &objectKey, const QByteArray &body,
                    const QByteArray &sha256Hex, const SigV4Pairs &extraHeaders,
                    DoneCallback done)
{
    const QUrl url = objectUrl(objectKey);
    SigV4Request signing;
    signing.method = method;
    signing.path = url.path();
    signing.payloadSha256Hex = sha256Hex;
    signing.amzDate = SigV4Signer::amzDateOf(QDateTime::currentMSecsSinceEpoch());
    signing.headers = extraHeaders;
    signing.headers.append({"Host", hostHeader(url).toUtf8()});
    signing.headers.append({"X-Amz-Content-Sha256", sha256Hex});
    signing.headers.append({"X-Amz-Date", signing.amzDate});

    // The path goes on the wire exactly as it was signed.
    QUrl wireUrl = url;
    wireUrl.setPath(QString::fromLatin1(SigV4Signer::uriEncode(url.path().toUtf8(), true)),
                    QUrl::StrictMode);
    QNetworkRequest request(wireUrl);
    request.setTransferTimeout(m_config.requestTimeoutMs);
    for (const auto &[name, value] : signing.headers) {
        if (name != "Host")
            request.setRawHeader(name, value);
    }
    request.setRawHeader("Authorization", m_signer.authorization(signing));

    QNetworkReply *reply = m_network->sendCustomRequest(request, method, body);
    const QString what = QString::fromLatin1(method) + u' ' + objectKey;
    connect(reply, &QNetworkReply::finished, this, [reply, what, done = std::move(done)] {
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        done(classify(status, reply->error(), reply->readAll(), what));
    });
}

UploadResult S3Target::classify(int httpStatus, QNetworkReply::NetworkError networkError,
                                const QByteArray &body, const QString &what)
{
    UploadResult result;
    result.httpStatus = httpStatus;
    if (httpStatus >= 200 && httpStatus < 300) {
        result.outcome = UploadResult::Outcome::Done;
        return result;
    }
    if (httpStatus == 0) {
        // No answer: refused, reset, timed out, name not resolved — the store may come back.
        result.outcome = UploadResult::Outcome::Retry;
        const bool isTimeout = networkError == QNetworkReply::OperationCanceledError
                               || networkError == QNetworkReply::TimeoutError;
        result.error = QStringLiteral("%1: no answer from the store (%2)")
                           .arg(what, isTimeout ? QStringLiteral("timed out")
                                                : QStringLiteral("network error %1")
                                                      .arg(int(networkError)));
        return result;
    }
    const QString code = s3ErrorCode(body);
    const QString detail = code.isEmpty() ? QString() : u' ' + code;
    if (httpStatus >= 500 || httpStatus == 408 || httpStatus == 429 || code == u"SlowDown") {
        result.outcome = UploadResult::Outcome::Retry;
        result.error = QStringLiteral("%1: HTTP %2%3").arg(what).arg(httpStatus).arg(detail);
        return result;
    }
    result.outcome = UploadResult::Outcome::Fatal;
    QString hint;
    if (httpStatus == 401 || httpStatus == 403)
        hint = QStringLiteral(" (check AFK_R2_ACCESS_KEY_ID / AFK_R2_SECRET_ACCESS_KEY and the "
                              "machine's clock)");
    else if (code == u"NoSuchBucket")
        hint = QStringLiteral(" (check --r2-bucket)");
    result.error = QStringLiteral("%1: HTTP %2%3%4").arg(what).arg(httpStatus).arg(detail, hint);
    return result;
}

} // namespace afk::storage
