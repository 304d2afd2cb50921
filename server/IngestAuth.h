// Who may publish over Socket.IO: NIP-98 proof of a pubkey (kind 27235 event, "Nostr <base64>"),
// the allow list and open-ingest switch, and the ingest limits. The NIP-98 check also guards HTTP
// routes (POST /livestream/:id/chat).
#pragma once

#include <QString>
#include <QStringList>
#include <QStringView>
#include <QUrl>

#include <optional>

namespace afk::nostr {
class Secp256k1Context;
}

namespace afk::server {

struct IngestOptions {
    // Accept publishers without a NIP-98 proof (local tests only).
    bool isOpenIngest = false;
    // Lowercase hex pubkeys; if non-empty, only these may publish.
    QStringList allowedPubkeys;
    int maxPublishers = 16;           // streams published over Socket.IO at once
    int maxViewersPerStream = 1000;   // Socket.IO viewers in one stream's room
    qint64 maxMessageBytes = 1048576; // one WebSocket message (Socket.IO's maxHttpBufferSize)
};

class IngestAuth
{
public:
    static constexpr int nip98Kind = 27235;
    static constexpr qint64 maxClockSkewSeconds = 60;

    // context must outlive this object.
    IngestAuth(const nostr::Secp256k1Context &context, IngestOptions options);

    const IngestOptions &options() const { return m_options; }

    // Verifies a NIP-98 "Authorization" value ("Nostr <base64 of the event JSON>") for a client
    // that connected to connectedUrl: kind 27235, tag u naming the same host and path (scheme and
    // query ignored), tag method GET, created_at within maxClockSkewSeconds of nowSeconds, id and
    // signature valid. Returns the lowercase hex pubkey, or nullopt with the reason in *error.
    std::optional<QString> verifyAuthorization(QStringView authorization, const QUrl &connectedUrl,
                                               qint64 nowSeconds, QString *error = nullptr) const;
    // The same checks for an HTTP request (e.g. POST /livestream/:id/chat): tag method must be
    // `method` (case-insensitive), and a payload tag, when the event has one, must be the SHA-256
    // hex of body.
    std::optional<QString> verifyHttpAuthorization(QStringView authorization,
                                                   const QUrl &requestUrl, QStringView method,
                                                   const QByteArray &body, qint64 nowSeconds,
                                                   QString *error = nullptr) const;

    // Decides whether a start-stream may go on. authenticatedPubkey is the verified pubkey of the
    // connection (empty if none; then authError says why, if a proof was offered). On success the
    // publisher identity (the pubkey, or userId under open ingest) is put in *publisherId.
    bool mayPublish(const QString &authenticatedPubkey, const QString &authError,
                    const QString &userId, QString *publisherId, QString *error) const;

    // "host[:port]/path" lowercased host, default ports dropped, without scheme, query, fragment
    // and trailing slash: what two URLs must share for a NIP-98 u tag to match.
    static QString urlIdentity(const QUrl &url);

private:
    std::optional<QString> verify(QStringView authorization, const QUrl &url, QStringView method,
                                  const QByteArray *body, qint64 nowSeconds, QString *error) const;

    const nostr::Secp256k1Context &m_context;
    IngestOptions m_options;
};

} // namespace afk::server
