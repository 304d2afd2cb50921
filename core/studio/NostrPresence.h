// The studio on Nostr: its unlocked identity, the relay pool, and one NIP-53 announcer and one
// chat per stream it announces.
#pragma once

#include <QHash>
#include <QJsonArray>
#include <QObject>
#include <QStringList>
#include <functional>
#include <memory>
#include <optional>

namespace afk::nostr {
class KeyPair;
class LiveChat;
class RelayPool;
class Secp256k1Context;
}
namespace afk::session {
class LiveAnnouncer;
class Stream;
}

namespace afk::studio {

struct NostrOptions {
    QStringList relayUrls;
    QString identity;          // npub or name; empty: the key store's active identity
    QString keyPasswordFile;   // else AFK_KEY_PASSWORD, else a prompt (see the face's provider)
    QString title;
    QString summary;
    QString imageUrl;
    QStringList hashtags;
    QString publicBaseUrl;     // what viewers reach, e.g. https://live.example (no trailing /)
    // The playlist the live event's streaming URL names: stream.m3u8 (a media playlist with .ts
    // lines, what the AFK PWA's pre-check looks for) or master.m3u8 (ABR, --announce-playlist).
    QString announcedPlaylist = QStringLiteral("stream.m3u8");
    int viewerCountIntervalMs = 30000;
    int refreshIntervalMs = 5 * 60 * 1000;
};

class NostrPresence : public QObject
{
    Q_OBJECT
public:
    NostrPresence(const nostr::Secp256k1Context &context, NostrOptions options,
                  QObject *parent = nullptr);
    ~NostrPresence() override;

    // The password that unlocks the key store's identity (a prompt, a file, the environment: the
    // face decides); empty with *error when there is none.
    using KeyPasswordProvider = std::function<QString(QString *error)>;

    // Unlocks the identity and connects to the relays; false with a one-line *error.
    bool start(const KeyPasswordProvider &passwordProvider, QString *error);
    // Publishes the stream as live once its first segment is servable, and ended when it ends;
    // subscribes to its chat (kind 1311) at once.
    void announce(session::Stream &stream);
    // Drops the announcer and chat of a stream whose record is gone (the registry evicted it).
    void forget(const QString &streamKey);
    // The chat of an announced stream; nullptr for any other.
    nostr::LiveChat *chat(const QString &streamKey) const;
    void setViewerCount(const QString &streamKey, int viewerCount);
    // The announced stream's streaming URL becomes url (a CDN's playback URL); empty: the studio's
    // own playlist again.
    void setStreamingUrl(const QString &streamKey, const QString &url);
    // What the next announced run says of itself (the GUI's form); --summary, --image and --tag
    // are the defaults.
    void setDescription(const QString &summary, const QString &imageUrl,
                        const QStringList &hashtags);
    QString npub() const;
    // Hex public key of the studio's identity (empty before start()).
    QString publicKeyHex() const;
    // Events handed to the relays and not yet answered (OK true/false) by every one of them.
    int pendingEventCount() const;
    // Per relay: {"url","state","lastError","pending","accepted",…}.
    QJsonArray relayStatus() const;

signals:
    void streamAnnounced(const QString &streamKey, const QString &naddr);

private:
    QString ownStreamingUrl(const QString &streamKey) const;
    const nostr::Secp256k1Context &m_context;
    NostrOptions m_options;
    std::unique_ptr<nostr::KeyPair> m_keyPair;
    std::unique_ptr<nostr::RelayPool> m_pool;
    QHash<QString, session::LiveAnnouncer *> m_announcers; // children
    QHash<QString, nostr::LiveChat *> m_chats;             // children
};

} // namespace afk::studio
