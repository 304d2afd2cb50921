// Cloudinary's signed upload API for one file at a time (cloudinary.com/documentation/
// image_upload_api_reference): POST <api base>/v1_1/<cloud>/<raw|video>/upload, multipart form
// with file, api_key, timestamp, public_id and signature. A queue calls it per file and acts on
// the outcome: done, retry later, or a fatal error that retrying cannot fix.
#pragma once

#include "CloudinaryCredentials.h"
#include "CloudinarySignature.h"

#include <QNetworkAccessManager>
#include <QObject>
#include <functional>

namespace afk::restream {

struct CloudinaryUploadOutcome {
    enum class Kind { Done, Retry, Fatal };
    Kind kind = Kind::Fatal;
    QString message;    // why it failed (never a secret); empty when done
    QString secureUrl;  // where the object is served, when done
    int httpStatus = 0; // 0: no HTTP answer (network error, timeout)
};

class CloudinaryUploader : public QObject
{
    Q_OBJECT
public:
    enum class ResourceType { Raw, Video };

    explicit CloudinaryUploader(CloudinaryCredentials credentials, QObject *parent = nullptr);

    // Reads the file off the event loop, uploads it and calls done (on this object's thread)
    // exactly once.
    void upload(const QString &filePath, const QString &publicId, ResourceType resourceType,
                std::function<void(const CloudinaryUploadOutcome &)> done);

    // Uploads bytes already in memory (the upload queue read them) as fileName; done is called
    // exactly once, later. extraParameters (e.g. invalidate=true) are sent and signed too.
    void uploadContent(const QByteArray &content, const QString &fileName, const QString &publicId,
                       ResourceType resourceType,
                       std::function<void(const CloudinaryUploadOutcome &)> done,
                       const CloudinaryParameters &extraParameters = {});

    // How long one upload may take before it counts as a timeout (retry).
    void setTransferTimeoutMs(int milliseconds) { m_transferTimeoutMs = milliseconds; }

private:

    CloudinaryCredentials m_credentials;
    QNetworkAccessManager m_network;
    int m_transferTimeoutMs = 120000;
};

} // namespace afk::restream
