// AWS Signature Version 4 (HMAC-SHA256) for S3-compatible stores such as Cloudflare R2. The
// signer is pure (no clock, no network), so the published AWS test-suite vectors check every
// step: canonical request, string to sign, signature.
#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

namespace afk::storage {

using SigV4Pairs = QList<QPair<QByteArray, QByteArray>>;

struct SigV4Request {
    QByteArray method;            // "PUT"
    QString path;                 // decoded ("/bucket/livestream/k/segment_1.ts"); encoded once
    SigV4Pairs query;             // decoded names and values, in any order
    SigV4Pairs headers;           // every header to sign, host and x-amz-date included
    QByteArray payloadSha256Hex;  // lowercase hex SHA-256 of the body
    QByteArray amzDate;           // "20150830T123600Z", the X-Amz-Date header's value
};

class SigV4Signer
{
public:
    SigV4Signer(QByteArray accessKeyId, QByteArray secretAccessKey, QByteArray region,
                QByteArray service);

    QByteArray canonicalRequest(const SigV4Request &request) const;
    QByteArray stringToSign(const SigV4Request &request) const;
    QByteArray signatureHex(const SigV4Request &request) const;
    // The Authorization header's value.
    QByteArray authorization(const SigV4Request &request) const;

    // RFC 3986 percent-encoding of everything but unreserved characters; '/' kept when asked
    // (paths), encoded otherwise (query names and values).
    static QByteArray uriEncode(const QByteArray &utf8, bool isSlashKept);
    static QByteArray sha256Hex(const QByteArray &data);
    // "20150830T123600Z" for a UTC time in milliseconds since the epoch.
    static QByteArray amzDateOf(qint64 msSinceEpoch);

private:
    QByteArray credentialScope(const SigV4Request &request) const;
    QByteArray signedHeaderNames(const SigV4Request &request) const;

    QByteArray m_accessKeyId;
    QByteArray m_secretAccessKey;
    QByteArray m_region;
    QByteArray m_service;
};

} // namespace afk::storage
