#include "CloudinaryTarget.h"

#include "UploadQueue.h"

#include <QTimer>

namespace afk::restream {

CloudinaryTarget::CloudinaryTarget(CloudinaryCredentials credentials, QString deliveryBase,
                                   QObject *parent)
    : UploadTarget(parent), m_uploader(credentials),
      m_rawDeliveryBase(rawDeliveryBase(deliveryBase, credentials.cloudName))
{
    // The queue retries on its own schedule; one stuck upload must not hold a slot for minutes.
    m_uploader.setTransferTimeoutMs(30000);
}

QString CloudinaryTarget::deliveryBaseFor(const QString &apiBase)
{
    if (apiBase == u"https://api.cloudinary.com")
        return QStringLiteral("https://res.cloudinary.com");
    return apiBase;
}

QString CloudinaryTarget::publicIdOf(const QString &objectKey)
{
    return objectKey;
}

CloudinaryParameters CloudinaryTarget::extraParametersOf(const QString &objectKey)
{
    // An overwritten object stays in Cloudinary's CDN for up to 30 days unless the upload asks
    // to invalidate it (cloudinary.com/documentation/invalidate_cached_media_assets_on_the_cdn):
    // a playlist changes under the same URL, a segment never does.
    if (storage::UploadQueue::isPlaylistPath(objectKey))
        return {{QStringLiteral("invalidate"), QStringLiteral("true")}};
    return {};
}

QString CloudinaryTarget::rawDeliveryBase(const QString &deliveryBase, const QString &cloudName)
{
    QString base = deliveryBase;
    while (base.endsWith(u'/'))
        base.chop(1);
    return base + u'/' + cloudName + QStringLiteral("/raw/upload");
}

storage::UploadResult CloudinaryTarget::resultOf(const CloudinaryUploadOutcome &outcome,
                                                 const QString &what)
{
    storage::UploadResult result;
    result.httpStatus = outcome.httpStatus;
    switch (outcome.kind) {
    case CloudinaryUploadOutcome::Kind::Done:
        result.outcome = storage::UploadResult::Outcome::Done;
        return result;
    case CloudinaryUploadOutcome::Kind::Retry:
        result.outcome = storage::UploadResult::Outcome::Retry;
        result.error = what + QStringLiteral(": ") + outcome.message;
        return result;
    case CloudinaryUploadOutcome::Kind::Fatal:
        break;
    }
    result.outcome = storage::UploadResult::Outcome::Fatal;
    const QString hint = outcome.httpStatus == 401 || outcome.httpStatus == 403
                             ? QStringLiteral(" (check AFK_CLOUDINARY_API_KEY / "
                                              "AFK_CLOUDINARY_API_SECRET or Settings → Storage)")
                         : outcome.httpStatus == 404 ? QStringLiteral(" (check --cloudinary-cloud)")
                                                     : QString();
    result.error = what + QStringLiteral(": ") + outcome.message + hint;
    return result;
}

QString CloudinaryTarget::publicUrl(const QString &objectKey) const
{
    return m_rawDeliveryBase + u'/' + publicIdOf(objectKey);
}

void CloudinaryTarget::put(const storage::UploadObject &object, DoneCallback done)
{
    const QString fileName = object.key.section(u'/', -1);
    const QString what = QStringLiteral("upload ") + object.key;
    m_uploader.uploadContent(
        object.bytes, fileName, publicIdOf(object.key), CloudinaryUploader::ResourceType::Raw,
        [what, done = std::move(done)](const CloudinaryUploadOutcome &outcome) {
            done(resultOf(outcome, what));
        },
        extraParametersOf(object.key));
}

void CloudinaryTarget::remove(const QString &objectKey, DoneCallback done)
{
    // Never from inside the call (UploadTarget's contract).
    QTimer::singleShot(0, this, [objectKey, done = std::move(done)] {
        storage::UploadResult result;
        result.outcome = storage::UploadResult::Outcome::Fatal;
        result.error = QStringLiteral("delete %1: Cloudinary objects are kept").arg(objectKey);
        done(result);
    });
}

} // namespace afk::restream
