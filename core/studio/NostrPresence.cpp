#include "NostrPresence.h"

#include "StudioPaths.h"
#include "KeyStore.h"
#include "LiveAnnouncer.h"
#include "LiveChat.h"
#include "Nip19.h"
#include "RelayPool.h"
#include "Stream.h"

#include <cstdio>

namespace afk::studio {

NostrPresence::NostrPresence(const nostr::Secp256k1Context &context, NostrOptions options,
                             QObject *parent)
    : QObject(parent), m_context(context), m_options(std::move(options))
{
}

NostrPresence::~NostrPresence()
{
    // Chats and announcers talk to the pool when they go: delete them while it still exists.
    qDeleteAll(m_chats);
    m_chats.clear();
    qDeleteAll(m_announcers);
    m_announcers.clear();
}

bool NostrPresence::start(const KeyPasswordProvider &passwordProvider, QString *error)
{
    nostr::KeyStore store(m_context, configDir());
    if (!store.load(error))
        return false;
    const std::optional<nostr::Identity> identity =
        m_options.identity.isEmpty() ? store.active() : store.find(m_options.identity);
    if (!identity) {
        *error = m_options.identity.isEmpty()
                     ? QStringLiteral("--relay needs a Nostr identity: run afk-studio keys generate")
                     : QStringLiteral("--identity %1: no such key (see afk-studio keys list)")
                           .arg(m_options.identity);
        return false;
    }
    const QString password = passwordProvider(error);
    if (password.isEmpty())
        return false;
    std::optional<nostr::KeyPair> keyPair = store.unlock(identity->npub, password, error);
    if (!keyPair)
        return false;
    m_keyPair = std::make_unique<nostr::KeyPair>(std::move(*keyPair));

    m_pool = std::make_unique<nostr::RelayPool>(m_context);
    m_pool->setKeyPair(m_keyPair.get()); // NIP-42 AUTH
    for (const QString &url : m_options.relayUrls)
        if (!m_pool->addRelay(url, error))
            return false;
    m_pool->start();
    return true;
}

void NostrPresence::setDescription(const QString &summary, const QString &imageUrl,
                                   const QStringList &hashtags)
{
    m_options.summary = summary;
    m_options.imageUrl = imageUrl;
    m_options.hashtags = hashtags;
}

QString NostrPresence::npub() const
{
    return m_keyPair ? nostr::Nip19::encodeNpub(m_keyPair->publicKey()) : QString();
}

QString NostrPresence::ownStreamingUrl(const QString &streamKey) const
{
    return QStringLiteral("%1/livestream/%2/%3")
        .arg(m_options.publicBaseUrl, streamKey, m_options.announcedPlaylist);
}

void NostrPresence::setStreamingUrl(const QString &streamKey, const QString &url)
{
    if (session::LiveAnnouncer *announcer = m_announcers.value(streamKey))
        announcer->setStreamingUrl(url.isEmpty() ? ownStreamingUrl(streamKey) : url);
}

QString NostrPresence::publicKeyHex() const
{
    return m_keyPair ? m_keyPair->publicKey().toHex() : QString();
}

void NostrPresence::announce(session::Stream &stream)
{
    if (!m_pool)
        return;
    if (session::LiveAnnouncer *previous = m_announcers.value(stream.key())) {
        if (previous->status() != nostr::LiveStatus::Ended)
            return; // this run is announced already
        // A new run of the key: the same addressable event (d = key) goes live again.
        forget(stream.key());
    }
    nostr::LiveEvent description;
    description.title = m_options.title.isEmpty() ? stream.metadata().title : m_options.title;
    description.summary = m_options.summary;
    description.imageUrl = m_options.imageUrl;
    description.hashtags = m_options.hashtags;
    description.streamingUrl = ownStreamingUrl(stream.key());
    description.relays = m_options.relayUrls;
    nostr::LiveEventPublisherOptions publisherOptions;
    publisherOptions.viewerCountIntervalMs = m_options.viewerCountIntervalMs;
    publisherOptions.refreshIntervalMs = m_options.refreshIntervalMs;
    auto *announcer = new session::LiveAnnouncer(stream, *m_pool, *m_keyPair, description,
                                                 publisherOptions, this);
    m_announcers.insert(stream.key(), announcer);
    const QString streamKey = stream.key();
    connect(announcer, &session::LiveAnnouncer::wentLive, this, [this, streamKey](const QString &naddr) {
        emit streamAnnounced(streamKey, naddr);
    });
    auto *chat = new nostr::LiveChat(*m_pool, *m_keyPair, streamKey,
                                     nostr::LiveChat::defaultMaxMessages, this);
    m_chats.insert(streamKey, chat);
    chat->start();
}

void NostrPresence::forget(const QString &streamKey)
{
    // Both talk to the pool as they go (a chat closes its subscription): delete them now, while
    // the pool exists.
    delete m_chats.take(streamKey);
    delete m_announcers.take(streamKey);
}

nostr::LiveChat *NostrPresence::chat(const QString &streamKey) const
{
    return m_chats.value(streamKey);
}

void NostrPresence::setViewerCount(const QString &streamKey, int viewerCount)
{
    if (session::LiveAnnouncer *announcer = m_announcers.value(streamKey))
        announcer->setViewerCount(viewerCount);
}

int NostrPresence::pendingEventCount() const
{
    int pending = 0;
    if (m_pool)
        for (const nostr::RelayStatus &status : m_pool->status())
            pending += status.pendingCount;
    return pending;
}

QJsonArray NostrPresence::relayStatus() const
{
    QJsonArray relays;
    if (m_pool)
        for (const nostr::RelayStatus &status : m_pool->status())
            relays.append(status.toJson());
    return relays;
}

} // namespace afk::studio
