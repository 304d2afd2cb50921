#include "CloudinaryUploader.h"

#include "CloudinarySignature.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QHttpMultiPart>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkReply>
#include <QPointer>
#include <QThreadPool>

namespace afk::restream {
namespace {

QHttpPart formField(const QString &name, const QByteArray &value)
{
    QHttpPart part;
    part.setHeader(QNetworkRequest::ContentDispositionHeader,
                   QStringLiteral("form-data; name=\"%1\"").arg(name));
    part.setBody(value);
    return part;
}

// Cloudinary answers errors as {"error":{"message":"…"}}.
QString errorMessageOf(const QByteArray &body)
{
    const QJsonObject error = QJsonDocument::fromJson(body).object().value(u"error").toObject();
    return error.value(u"message").toString();
}

} // namespace

CloudinaryUploader::CloudinaryUploader(CloudinaryCredentials credentials, QObject *parent)
    : QObject(parent), m_credentials(std::move(credentials))
{
}

void CloudinaryUploader::upload(const QString &filePath, const QString &publicId,
                                ResourceType resourceType,
                                std::function<void(const CloudinaryUploadOutcome &)> done)
{
    QPointer<CloudinaryUploader> self = this;
    QThreadPool::globalInstance()->start([self, filePath, publicId, resourceType, done] {
        QFile file(filePath);
        const bool isRead = file.open(QIODevice::ReadOnly);
        const QByteArray content = isRead ? file.readAll() : QByteArray();
        const QString readError = isRead ? QString() : file.errorString();
        QMetaObject::invokeMethod(
            self,
            [self, filePath, publicId, resourceType, done, content, readError] {
                if (!self)
                    return;
                if (!readError.isEmpty()) {
                    CloudinaryUploadOutcome outcome;
                    outcome.kind = CloudinaryUploadOutcome::Kind::Fatal;
                    outcome.message = QStringLiteral("cannot read %1: %2").arg(filePath, readError);
                    done(outcome);
                    return;
                }
                self->uploadContent(content, QFileInfo(filePath).fileName(), publicId,
                                    resourceType, done);
            },
            Qt::QueuedConnection);
    });
}

void CloudinaryUploader::uploadContent(const QByteArray &content, const QString &fileName,
                                       const QString &publicId, ResourceType resourceType,
                                       std::function<void(const CloudinaryUploadOutcome &)> done,
                                       const CloudinaryParameters &extraParameters)
{
    const QString timestamp = QString::number(QDateTime::currentSecsSinceEpoch());
    const CloudinaryParameters parameters =
        CloudinaryParameters{{QStringLiteral("public_id"), publicId},
                             {QStringLiteral("timestamp"), timestamp}}
        + extraParameters;
    auto *form = new QHttpMultiPart(QHttpMultiPart::FormDataType);
    QHttpPart filePart;
    filePart.setHeader(QNetworkRequest::ContentDispositionHeader,
                       QStringLiteral("form-data; name=\"file\"; filename=\"%1\"").arg(fileName));
    filePart.setHeader(QNetworkRequest::ContentTypeHeader, "application/octet-stream");
    filePart.setBody(content);
    form->append(filePart);
    form->append(formField(QStringLiteral("api_key"), m_credentials.apiKey.toUtf8()));
    form->append(formField(QStringLiteral("public_id"), publicId.toUtf8()));
    form->append(formField(QStringLiteral("timestamp"), timestamp.toUtf8()));
    for (const auto &[name, value] : extraParameters)
        form->append(formField(name, value.toUtf8()));
    form->append(formField(QStringLiteral("signature"),
                           cloudinarySignature(parameters, m_credentials.apiSecret).toUtf8()));

    const QString type =
        resourceType == ResourceType::Raw ? QStringLiteral("raw") : QStringLiteral("video");
    QNetworkRequest request(QUrl(QStringLiteral("%1/v1_1/%2/%3/upload")
                                     .arg(m_credentials.apiBase, m_credentials.cloudName, type)));
    request.setTransferTimeout(m_transferTimeoutMs);
    QNetworkReply *reply = m_network.post(request, form);
    form->setParent(reply);
    connect(reply, &QNetworkReply::finished, this, [reply, done] {
        reply->deleteLater();
        CloudinaryUploadOutcome outcome;
        outcome.httpStatus = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QByteArray body = reply->readAll();
        const int status = outcome.httpStatus;
        if (status >= 200 && status < 300) {
            outcome.kind = CloudinaryUploadOutcome::Kind::Done;
            outcome.secureUrl =
                QJsonDocument::fromJson(body).object().value(u"secure_url").toString();
            done(outcome);
            return;
        }
        const QString serverMessage = errorMessageOf(body);
        if (status == 0) {
            // No answer: refused, reset or timed out. The network may come back.
            outcome.kind = CloudinaryUploadOutcome::Kind::Retry;
            outcome.message = reply->errorString();
        } else if (status >= 500 || status == 420 || status == 429 || status == 408) {
            // The service's trouble or its rate limit (420 is Cloudinary's): later may work.
            outcome.kind = CloudinaryUploadOutcome::Kind::Retry;
            outcome.message = QStringLiteral("HTTP %1 %2").arg(status).arg(serverMessage);
        } else {
            // 400 (bad request), 401/403 (credentials), 404 (no such cloud): the same request
            // would fail again.
            outcome.kind = CloudinaryUploadOutcome::Kind::Fatal;
            outcome.message = QStringLiteral("HTTP %1 %2").arg(status).arg(serverMessage);
        }
        outcome.message = outcome.message.trimmed();
        done(outcome);
    });
}

} // namespace afk::restream
