// A Cloudinary account as the studio uses it: the cloud name (a flag) and the API key and secret
// (AFK_CLOUDINARY_API_KEY / AFK_CLOUDINARY_API_SECRET or the credential store, see
// storage::resolveCredentials: never a flag, a log line, a URL or /status).
#pragma once

#include <QString>

namespace afk::restream {

struct CloudinaryCredentials {
    QString cloudName;
    QString apiKey;
    QString apiSecret;
    QString apiBase = QStringLiteral("https://api.cloudinary.com"); // --cloudinary-api-base

    // The key and secret from the environment only (tools without a key store); false with
    // *error naming the missing variable.
    static bool fromEnvironment(CloudinaryCredentials *credentials, QString *error);
    // "Basic base64(key:secret)", the Live Streaming API's authentication.
    QByteArray basicAuthorization() const;
};

} // namespace afk::restream
