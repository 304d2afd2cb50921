#include "CloudinarySignature.h"

#include <QCryptographicHash>
#include <algorithm>

namespace afk::restream {

QString cloudinarySignature(const CloudinaryParameters &parameters, const QString &apiSecret)
{
    static const QStringList unsigned_{QStringLiteral("file"), QStringLiteral("cloud_name"),
                                       QStringLiteral("resource_type"), QStringLiteral("api_key")};
    CloudinaryParameters signedParameters;
    for (const auto &parameter : parameters) {
        if (!parameter.second.isEmpty() && !unsigned_.contains(parameter.first))
            signedParameters << parameter;
    }
    std::sort(signedParameters.begin(), signedParameters.end(),
              [](const auto &a, const auto &b) { return a.first < b.first; });
    QStringList pairs;
    for (const auto &parameter : signedParameters)
        pairs << parameter.first + u'=' + parameter.second;
    const QByteArray toSign = (pairs.join(u'&') + apiSecret).toUtf8();
    return QString::fromLatin1(QCryptographicHash::hash(toSign, QCryptographicHash::Sha1).toHex());
}

} // namespace afk::restream
