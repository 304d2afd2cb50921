// The signature of Cloudinary's signed upload API (cloudinary.com/documentation/
// authentication_signatures): every parameter of the request except file, cloud_name,
// resource_type and api_key, sorted by name, joined as name=value with &, the API secret
// appended, SHA-1 in hex.
#pragma once

#include <QList>
#include <QPair>
#include <QString>

namespace afk::restream {

using CloudinaryParameters = QList<QPair<QString, QString>>;

// Parameters with an empty value are left out, as the SDKs do.
QString cloudinarySignature(const CloudinaryParameters &parameters, const QString &apiSecret);

} // namespace afk::restream
