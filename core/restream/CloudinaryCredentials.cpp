#include "CloudinaryCredentials.h"

#include <QtGlobal>

namespace afk::restream {

bool CloudinaryCredentials::fromEnvironment(CloudinaryCredentials *credentials, QString *error)
{
    credentials->apiKey = qEnvironmentVariable("AFK_CLOUDINARY_API_KEY");
    credentials->apiSecret = qEnvironmentVariable("AFK_CLOUDINARY_API_SECRET");
    if (credentials->apiKey.isEmpty() || credentials->apiSecret.isEmpty()) {
        *error = QStringLiteral("Cloudinary needs AFK_CLOUDINARY_API_KEY and "
                                "AFK_CLOUDINARY_API_SECRET in the environment");
        return false;
    }
    return true;
}

QByteArray CloudinaryCredentials::basicAuthorization() const
{
    return "Basic " + (apiKey + u':' + apiSecret).toUtf8().toBase64();
}

} // namespace afk::restream
