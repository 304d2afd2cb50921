// Cloudinary's signed upload API as an UploadTarget (--cloudinary-mode upload): the UploadQueue
// sends every segment and playlist through CloudinaryUploader.
//
// Every object is a raw resource whose public id is the queue's object key with its extension
// ("livestream/<key>/720p/segment_3.ts"): raw files are served back byte for byte from
// <delivery>/<cloud>/raw/upload/<public id>, so the playlists' relative URIs resolve beside them.
// A video resource would drop the extension from the public id and live under video/upload, where
// Cloudinary may transcode it: the playlists would name objects that do not exist.
#pragma once

#include "CloudinaryCredentials.h"
#include "CloudinaryUploader.h"
#include "UploadTarget.h"

namespace afk::restream {

class CloudinaryTarget : public storage::UploadTarget
{
    Q_OBJECT
public:
    // credentials.apiBase is where uploads go; deliveryBase where viewers fetch.
    CloudinaryTarget(CloudinaryCredentials credentials, QString deliveryBase,
                     QObject *parent = nullptr);

    // https://res.cloudinary.com for Cloudinary's own API; a stand-in API (tests) serves both.
    static QString deliveryBaseFor(const QString &apiBase);
    // The public id of an object key (the key itself: raw public ids keep the extension).
    static QString publicIdOf(const QString &objectKey);
    // Signed upload parameters beyond public_id and timestamp: invalidate=true for playlists.
    static CloudinaryParameters extraParametersOf(const QString &objectKey);
    // <delivery>/<cloud>/raw/upload: the base of every object's public URL.
    static QString rawDeliveryBase(const QString &deliveryBase, const QString &cloudName);
    // How an uploader outcome counts for the queue; what names the object in the message.
    static storage::UploadResult resultOf(const CloudinaryUploadOutcome &outcome,
                                          const QString &what);

    QString name() const override { return QStringLiteral("cloudinary"); }
    QString publicUrl(const QString &objectKey) const override;
    void put(const storage::UploadObject &object, DoneCallback done) override;
    // Cloudinary objects are kept (--r2-retain-hours is R2's); the queue never asks for this.
    void remove(const QString &objectKey, DoneCallback done) override;

private:
    CloudinaryUploader m_uploader;
    QString m_rawDeliveryBase;
};

} // namespace afk::restream
