// A set of relays used together: publish to all, subscribe on all, one status list.
#pragma once

#include "Event.h"
#include "EventId.h"
#include "RelayStatus.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QSet>
#include <QString>
#include <QStringList>

namespace afk::nostr
{

class KeyPair;
class RelayConnection;
class Secp256k1Context;

// Owns one RelayConnection per relay URL. Lives in one thread, like its connections. A publish
// counts per relay (publishAccepted / publishFailed); an event a subscription receives from
// several relays is delivered once.
class RelayPool : public QObject
{
    Q_OBJECT

public:
    // The context must outlive the pool.
    explicit RelayPool(const Secp256k1Context &context, const RelayOptions &options = {},
                       QObject *parent = nullptr);
    ~RelayPool() override;

    // The key for NIP-42 AUTH on every relay (nullptr: none). Not owned: it must outlive the pool
    // or be replaced first.
    void setKeyPair(const KeyPair *keyPair);

    // Adds a ws:// or wss:// relay (connected at once if the pool is started). False (reason in
    // *error) for an unusable URL; true without change for one already there.
    bool addRelay(const QString &url, QString *error = nullptr);
    void removeRelay(const QString &url);
    // In the order they were added, as given to addRelay (normalised by QUrl).
    QStringList relayUrls() const;

    void start();
    void stop();
    bool isStarted() const { return m_isStarted; }

    // Sends the event to every relay (each keeps it pending until its OK).
    void publish(const Event &event);

    // REQ on every relay (and on relays added later). An empty id picks a fresh one. Returns the
    // id used.
    QString subscribe(const QList<QJsonObject> &filters, const QString &subscriptionId = {});
    void unsubscribe(const QString &subscriptionId);

    QList<RelayStatus> status() const;
    // An array of RelayStatus::toJson() objects, for /status.
    QJsonArray statusJson() const;

signals:
    void publishAccepted(const QString &relayUrl, const afk::nostr::EventId &id,
                         const QString &message);
    void publishFailed(const QString &relayUrl, const afk::nostr::EventId &id,
                       const QString &reason);
    // Verified events, each id at most once per subscription whatever relay sent it.
    void eventReceived(const QString &subscriptionId, const afk::nostr::Event &event,
                       const QString &relayUrl);
    void endOfStoredEvents(const QString &subscriptionId, const QString &relayUrl);
    void subscriptionClosed(const QString &subscriptionId, const QString &relayUrl,
                            const QString &reason);
    void noticeReceived(const QString &relayUrl, const QString &message);
    void relayStateChanged(const QString &relayUrl, afk::nostr::RelayState state);

private:
    void wire(RelayConnection *connection, const QString &url);

    const Secp256k1Context *m_context;
    RelayOptions m_options;
    const KeyPair *m_keyPair = nullptr;
    bool m_isStarted = false;
    QList<RelayConnection *> m_connections; // children of the pool
    QHash<QString, QJsonArray> m_subscriptions;
    QHash<QString, QSet<EventId>> m_seen; // per subscription, for de-duplication
    quint64 m_nextSubscriptionNumber = 1;
};

} // namespace afk::nostr
