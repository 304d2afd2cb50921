#include "SigV4Signer.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QMessageAuthenticationCode>
#include <algorithm>
#include <map>

namespace afk::storage {
namespace {

bool isUnreserved(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
           || c == '.' || c == '_' || c == '~';
}

// Header values are trimmed and runs of spaces collapse to one (the suite's
// get-header-value-trim case).
QByteArray canonicalHeaderValue(const QByteArray &value)
{
    return value.simplified();
}

// Lowercase names, sorted; repeated names join their values with ',' in the order given.
std::map<QByteArray, QByteArray> canonicalHeaders(const SigV4Pairs &headers)
{
    std::map<QByteArray, QByteArray> byName;
    for (const auto &[name, value] : headers) {
        QByteArray &joined = byName[name.toLower()];
        if (!joined.isEmpty())
            joined += ',';
        joined += canonicalHeaderValue(value);
    }
    return byName;
}

QByteArray hmac(const QByteArray &key, const QByteArray &message)
{
    return QMessageAuthenticationCode::hash(message, key, QCryptographicHash::Sha256);
}

} // namespace

SigV4Signer::SigV4Signer(QByteArray accessKeyId, QByteArray secretAccessKey, QByteArray region,
                         QByteArray service)
    : m_accessKeyId(std::move(accessKeyId)), m_secretAccessKey(std::move(secretAccessKey)),
      m_region(std::move(region)), m_service(std::move(service))
{
}

QByteArray SigV4Signer::uriEncode(const QByteArray &utf8, bool isSlashKept)
{
    static const char hexDigits[] = "0123456789ABCDEF";
    QByteArray encoded;
    encoded.reserve(utf8.size() * 3);
    for (const char c : utf8) {
        if (isUnreserved(c) || (isSlashKept && c == '/')) {
            encoded += c;
            continue;
        }
        const auto byte = static_cast<unsigned char>(c);
        encoded += '%';
        encoded += hexDigits[byte >> 4];
        encoded += hexDigits[byte & 0xf];
    }
    return encoded;
}

QByteArray SigV4Signer::sha256Hex(const QByteArray &data)
{
    return QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex();
}

QByteArray SigV4Signer::amzDateOf(qint64 msSinceEpoch)
{
    return QDateTime::fromMSecsSinceEpoch(msSinceEpoch, Qt::UTC)
        .toString(QStringLiteral("yyyyMMdd'T'HHmmss'Z'"))
        .toLatin1();
}

QByteArray SigV4Signer::signedHeaderNames(const SigV4Request &request) const
{
    QByteArrayList names;
    for (const auto &entry : canonicalHeaders(request.headers))
        names << entry.first;
    return names.join(';');
}

QByteArray SigV4Signer::canonicalRequest(const SigV4Request &request) const
{
    QByteArray path = uriEncode(request.path.toUtf8(), true);
    if (path.isEmpty())
        path = "/";
    // Sorted by encoded name, then encoded value.
    QList<QPair<QByteArray, QByteArray>> query;
    for (const auto &[name, value] : request.query)
        query.append({uriEncode(name, false), uriEncode(value, false)});
    std::sort(query.begin(), query.end());
    QByteArrayList queryParts;
    for (const auto &[name, value] : query)
        queryParts << name + '=' + value;

    QByteArray text = request.method + '\n' + path + '\n' + queryParts.join('&') + '\n';
    for (const auto &[name, value] : canonicalHeaders(request.headers))
        text += name + ':' + value + '\n';
    text += '\n' + signedHeaderNames(request) + '\n' + request.payloadSha256Hex;
    return text;
}

QByteArray SigV4Signer::credentialScope(const SigV4Request &request) const
{
    return request.amzDate.left(8) + '/' + m_region + '/' + m_service + "/aws4_request";
}

QByteArray SigV4Signer::stringToSign(const SigV4Request &request) const
{
    return "AWS4-HMAC-SHA256\n" + request.amzDate + '\n' + credentialScope(request) + '\n'
           + sha256Hex(canonicalRequest(request));
}

QByteArray SigV4Signer::signatureHex(const SigV4Request &request) const
{
    const QByteArray dateKey = hmac("AWS4" + m_secretAccessKey, request.amzDate.left(8));
    const QByteArray regionKey = hmac(dateKey, m_region);
    const QByteArray serviceKey = hmac(regionKey, m_service);
    const QByteArray signingKey = hmac(serviceKey, "aws4_request");
    return hmac(signingKey, stringToSign(request)).toHex();
}

QByteArray SigV4Signer::authorization(const SigV4Request &request) const
{
    return "AWS4-HMAC-SHA256 Credential=" + m_accessKeyId + '/' + credentialScope(request)
           + ", SignedHeaders=" + signedHeaderNames(request) + ", Signature="
           + signatureHex(request);
}

} // namespace afk::storage
