#include "IngestAuth.h"

#include "Event.h"

#include <QByteArray>
#include <QCryptographicHash>

namespace afk::server {
namespace {

bool fail(QString *error, const QString &message)
{
    if (error)
        *error = message;
    return false;
}

int defaultPort(const QString &scheme)
{
    if (scheme == u"ws" || scheme == u"http")
        return 80;
    if (scheme == u"wss" || scheme == u"https")
        return 443;
    return -1;
}

} // namespace

IngestAuth::IngestAuth(const nostr::Secp256k1Context &context, IngestOptions options)
    : m_context(context), m_options(std::move(options))
{
    for (QString &pubkey : m_options.allowedPubkeys)
        pubkey = pubkey.toLower();
}

QString IngestAuth::urlIdentity(const QUrl &url)
{
    QString identity = url.host(QUrl::FullyEncoded).toLower();
    if (identity.contains(u':'))
        identity = u'[' + identity + u']'; // IPv6
    const int port = url.port();
    if (port >= 0 && port != defaultPort(url.scheme().toLower()))
        identity += u':' + QString::number(port);
    QString path = url.path(QUrl::FullyEncoded);
    while (path.endsWith(u'/'))
        path.chop(1);
    return identity + path;
}

std::optional<QString> IngestAuth::verifyAuthorization(QStringView authorization,
                                                       const QUrl &connectedUrl, qint64 nowSeconds,
                                                       QString *error) const
{
    return verify(authorization, connectedUrl, u"GET", nullptr, nowSeconds, error);
}

std::optional<QString> IngestAuth::verifyHttpAuthorization(QStringView authorization,
                                                           const QUrl &requestUrl,
                                                           QStringView method,
                                                           const QByteArray &body,
                                                           qint64 nowSeconds, QString *error) const
{
    return verify(authorization, requestUrl, method, &body, nowSeconds, error);
}

std::optional<QString> IngestAuth::verify(QStringView authorization, const QUrl &connectedUrl,
                                          QStringView method, const QByteArray *body,
                                          qint64 nowSeconds, QString *error) const
{
    const QStringView trimmed = authorization.trimmed();
    static const QString scheme = QStringLiteral("Nostr");
    if (!trimmed.startsWith(scheme, Qt::CaseInsensitive) ||
        (trimmed.size() > scheme.size() && !trimmed.at(scheme.size()).isSpace())) {
        fail(error, QStringLiteral("authorization must be 'Nostr <base64 NIP-98 event>'"));
        return std::nullopt;
    }
    const QByteArray encoded = trimmed.mid(scheme.size()).trimmed().toLatin1();
    if (encoded.isEmpty() || encoded.size() > 64 * 1024) {
        fail(error, QStringLiteral("authorization token is empty or too long"));
        return std::nullopt;
    }
    auto decoded = QByteArray::fromBase64Encoding(
        encoded, QByteArray::Base64Encoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        decoded = QByteArray::fromBase64Encoding(
            encoded, QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded || decoded.decoded.isEmpty()) {
        fail(error, QStringLiteral("authorization token is not base64"));
        return std::nullopt;
    }

    QString eventError;
    const std::optional<nostr::Event> event =
        nostr::Event::fromJsonBytes(decoded.decoded, &eventError);
    if (!event) {
        fail(error, QStringLiteral("authorization is not a Nostr event: ") + eventError);
        return std::nullopt;
    }
    if (event->kind != nip98Kind) {
        fail(error, QStringLiteral("authorization event has kind %1, not %2")
                        .arg(event->kind)
                        .arg(nip98Kind));
        return std::nullopt;
    }
    if (event->createdAt < nowSeconds - maxClockSkewSeconds ||
        event->createdAt > nowSeconds + maxClockSkewSeconds) {
        fail(error, QStringLiteral("authorization event created_at is %1 s from now (at most %2 s "
                                   "allowed)")
                        .arg(event->createdAt - nowSeconds)
                        .arg(maxClockSkewSeconds));
        return std::nullopt;
    }
    const QStringList urlTag = event->firstTag(QStringLiteral("u"));
    if (urlTag.size() < 2) {
        fail(error, QStringLiteral("authorization event has no u tag"));
        return std::nullopt;
    }
    const QUrl taggedUrl(urlTag.at(1), QUrl::StrictMode);
    if (!taggedUrl.isValid() || urlIdentity(taggedUrl) != urlIdentity(connectedUrl)) {
        fail(error, QStringLiteral("authorization u tag '%1' does not name this server's %2")
                        .arg(urlTag.at(1).left(200), urlIdentity(connectedUrl)));
        return std::nullopt;
    }
    const QStringList methodTag = event->firstTag(QStringLiteral("method"));
    if (methodTag.size() < 2 ||
        QStringView(methodTag.at(1)).compare(method, Qt::CaseInsensitive) != 0) {
        fail(error, QStringLiteral("authorization method tag must be %1").arg(method.toString()));
        return std::nullopt;
    }
    const QStringList payloadTag = event->firstTag(QStringLiteral("payload"));
    if (body && payloadTag.size() >= 2) {
        const QString bodyHash = QString::fromLatin1(
            QCryptographicHash::hash(*body, QCryptographicHash::Sha256).toHex());
        if (payloadTag.at(1).toLower() != bodyHash) {
            fail(error, QStringLiteral("authorization payload tag is not the SHA-256 of the body"));
            return std::nullopt;
        }
    }
    QString verifyError;
    if (!event->verify(m_context, &verifyError)) {
        fail(error, QStringLiteral("authorization event does not verify: ") + verifyError);
        return std::nullopt;
    }
    return event->pubkey.toHex();
}

bool IngestAuth::mayPublish(const QString &authenticatedPubkey, const QString &authError,
                            const QString &userId, QString *publisherId, QString *error) const
{
    QString identity;
    if (!authenticatedPubkey.isEmpty()) {
        if (userId.toLower() != authenticatedPubkey)
            return fail(error, QStringLiteral("userId does not match the authenticated pubkey"));
        identity = authenticatedPubkey;
    } else if (m_options.isOpenIngest) {
        if (userId.isEmpty() || userId.size() > 256)
            return fail(error, QStringLiteral("start-stream needs a userId"));
        identity = userId;
    } else {
        return fail(error,
                    QStringLiteral("authentication required: ") +
                        (authError.isEmpty()
                             ? QStringLiteral("connect with a NIP-98 event (kind 27235) in the "
                                              "Socket.IO auth {authorization: \"Nostr <base64>\"}")
                             : authError));
    }
    if (!m_options.allowedPubkeys.isEmpty() &&
        !m_options.allowedPubkeys.contains(identity.toLower()))
        return fail(error,
                    QStringLiteral("%1 is not allowed to publish here").arg(identity.left(64)));
    *publisherId = identity;
    return true;
}

} // namespace afk::server
