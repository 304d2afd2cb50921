// The chat of one NIP-53 live event: kind-1311 messages whose a tag names the live event's
// address, read from a relay pool and sent as the host.
#pragma once

#include "Event.h"
#include "EventId.h"
#include "PublicKey.h"

#include <QList>
#include <QObject>
#include <QSet>
#include <QString>

#include <optional>

namespace afk::nostr {

class KeyPair;
class RelayPool;
class Secp256k1Context;

// Keeps the newest maxMessages messages, each id once, ordered by created_at (then id). An event
// is kept only if it is kind 1311, verifies, has an a tag equal to address() and content of at
// most maxContentBytes (UTF-8); refusals are logged with a "[nostr]" prefix. Lives in the pool's
// thread.
class LiveChat : public QObject
{
    Q_OBJECT

public:
    static constexpr int Kind = 1311;
    static constexpr qsizetype defaultMaxMessages = 500;
    static constexpr qsizetype maxContentBytes = 8 * 1024;

    // The pool and the key pair (the host's: it signs what send() sends and its public key is
    // the author of the live event) are not owned and must outlive the chat. identifier is the
    // live event's d tag (the stream key).
    LiveChat(RelayPool &pool, const KeyPair &hostKeyPair, const QString &identifier,
             qsizetype maxMessages = defaultMaxMessages, QObject *parent = nullptr);
    ~LiveChat() override;

    // REQ {"kinds":[1311],"#a":[address()],"limit":maxMessages} on the pool (once).
    void start();
    // CLOSE of that subscription.
    void stop();
    // The pool subscription's id (empty when not started).
    const QString &subscriptionId() const { return m_subscriptionId; }

    // "30311:<host pubkey hex>:<identifier>".
    const QString &address() const { return m_address; }
    const QString &identifier() const { return m_identifier; }
    const PublicKey &hostPublicKey() const;
    // The host key pair's context (what verifies incoming events).
    const Secp256k1Context &context() const;

    // The kept messages, oldest first; with sinceSeconds, only those with created_at >= it.
    QList<Event> messages(std::optional<qint64> sinceSeconds = std::nullopt) const;

    // Checks and keeps one event (what the subscription delivers). True if it was kept; false
    // for a duplicate, a refused event (reason in *reason) or one older than everything kept
    // while the chat is full.
    bool addEvent(const Event &event, QString *reason = nullptr);

    // The kind-1311 message the host would send now: tags [["a", address(), relayHint, "root"]],
    // content = text, signed with the host key. nullopt (reason in *error) for empty or oversize
    // text.
    std::optional<Event> makeMessage(const QString &text, qint64 createdAtSeconds,
                                     QString *error = nullptr) const;
    // makeMessage(now), kept here and published on the pool. nullopt (reason in *error) if the
    // text is refused.
    std::optional<Event> send(const QString &text, QString *error = nullptr);

    // The relay hint of sent messages (default: the pool's first relay).
    QString relayHint() const;

signals:
    // Each message as it is kept (received or sent).
    void messageAdded(const afk::nostr::Event &event);
    // A relay refused (OK false) a message this chat sent.
    void sendFailed(const QString &relayUrl, const QString &reason);

private:
    RelayPool *m_pool;
    const KeyPair *m_keyPair;
    QString m_identifier;
    QString m_address;
    qsizetype m_maxMessages;
    QString m_subscriptionId;
    QList<Event> m_messages; // oldest first
    QSet<EventId> m_ids;     // ids in m_messages
};

} // namespace afk::nostr
