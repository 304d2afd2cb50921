#include "RelayPool.h"

#include "RelayConnection.h"

#include <QRandomGenerator>
#include <QUrl>

namespace afk::nostr
{

namespace
{

// Bounds the de-duplication memory of a long subscription (a chat): past this, start over.
constexpr qsizetype MaxSeenPerSubscription = 20000;

} // namespace

RelayPool::RelayPool(const Secp256k1Context &context, const RelayOptions &options, QObject *parent)
    : QObject(parent), m_context(&context), m_options(options)
{
}

RelayPool::~RelayPool()
{
    // Connections are children; delete them first so none signals into a half-destroyed pool.
    qDeleteAll(m_connections);
}

void RelayPool::setKeyPair(const KeyPair *keyPair)
{
    m_keyPair = keyPair;
    for (RelayConnection *connection : m_connections)
        connection->setKeyPair(keyPair);
}

bool RelayPool::addRelay(const QString &url, QString *error)
{
    const QUrl parsed(url.trimmed(), QUrl::StrictMode);
    if (!RelayConnection::isUsableUrl(parsed, error))
        return false;
    for (RelayConnection *connection : m_connections)
        if (connection->url() == parsed)
            return true;
    auto *connection = new RelayConnection(parsed, *m_context, m_options, this);
    connection->setKeyPair(m_keyPair);
    m_connections.append(connection);
    wire(connection, connection->status().url);
    for (auto it = m_subscriptions.cbegin(); it != m_subscriptions.cend(); ++it)
        connection->subscribe(it.key(), it.value());
    if (m_isStarted)
        connection->start();
    return true;
}

void RelayPool::removeRelay(const QString &url)
{
    const QUrl parsed(url.trimmed(), QUrl::StrictMode);
    for (qsizetype i = 0; i < m_connections.size(); ++i) {
        if (m_connections[i]->url() == parsed) {
            delete m_connections.takeAt(i);
            return;
        }
    }
}

QStringList RelayPool::relayUrls() const
{
    QStringList urls;
    for (const RelayConnection *connection : m_connections)
        urls.append(connection->status().url);
    return urls;
}

void RelayPool::start()
{
    m_isStarted = true;
    for (RelayConnection *connection : m_connections)
        connection->start();
}

void RelayPool::stop()
{
    m_isStarted = false;
    for (RelayConnection *connection : m_connections)
        connection->stop();
}

void RelayPool::publish(const Event &event)
{
    for (RelayConnection *connection : m_connections)
        connection->publish(event);
}

QString RelayPool::subscribe(const QList<QJsonObject> &filters, const QString &subscriptionId)
{
    QString id = subscriptionId;
    if (id.isEmpty()) {
        id = QStringLiteral("afk-%1-%2")
                 .arg(m_nextSubscriptionNumber++)
                 .arg(QRandomGenerator::global()->generate(), 8, 16, QLatin1Char('0'));
    }
    QJsonArray filterArray;
    for (const QJsonObject &filter : filters)
        filterArray.append(filter);
    m_subscriptions.insert(id, filterArray);
    m_seen.remove(id);
    for (RelayConnection *connection : m_connections)
        connection->subscribe(id, filterArray);
    return id;
}

void RelayPool::unsubscribe(const QString &subscriptionId)
{
    m_subscriptions.remove(subscriptionId);
    m_seen.remove(subscriptionId);
    for (RelayConnection *connection : m_connections)
        connection->unsubscribe(subscriptionId);
}

QList<RelayStatus> RelayPool::status() const
{
    QList<RelayStatus> list;
    for (const RelayConnection *connection : m_connections)
        list.append(connection->status());
    return list;
}

QJsonArray RelayPool::statusJson() const
{
    QJsonArray array;
    for (const RelayConnection *connection : m_connections)
        array.append(connection->status().toJson());
    return array;
}

void RelayPool::wire(RelayConnection *connection, const QString &url)
{
    connect(connection, &RelayConnection::eventAccepted, this,
            [this, url](const EventId &id, const QString &message) {
                emit publishAccepted(url, id, message);
            });
    connect(connection, &RelayConnection::eventRejected, this,
            [this, url](const EventId &id, const QString &reason) {
                emit publishFailed(url, id, reason);
            });
    connect(connection, &RelayConnection::eventReceived, this,
            [this, url](const QString &subscriptionId, const Event &event) {
                if (!m_subscriptions.contains(subscriptionId))
                    return;
                QSet<EventId> &seen = m_seen[subscriptionId];
                if (seen.contains(event.id))
                    return;
                if (seen.size() >= MaxSeenPerSubscription)
                    seen.clear();
                seen.insert(event.id);
                emit eventReceived(subscriptionId, event, url);
            });
    connect(connection, &RelayConnection::endOfStoredEvents, this,
            [this, url](const QString &subscriptionId) {
                emit endOfStoredEvents(subscriptionId, url);
            });
    connect(connection, &RelayConnection::subscriptionClosed, this,
            [this, url](const QString &subscriptionId, const QString &reason) {
                emit subscriptionClosed(subscriptionId, url, reason);
            });
    connect(connection, &RelayConnection::noticeReceived, this,
            [this, url](const QString &message) { emit noticeReceived(url, message); });
    connect(connection, &RelayConnection::stateChanged, this,
            [this, url](RelayState state) { emit relayStateChanged(url, state); });
}

} // namespace afk::nostr
