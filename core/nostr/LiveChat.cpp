#include "LiveChat.h"

#include "KeyPair.h"
#include "LiveEvent.h"
#include "Nip19.h"
#include "RelayPool.h"

#include <QDateTime>
#include <QDebug>
#include <QJsonArray>
#include <QJsonObject>

#include <algorithm>

namespace afk::nostr {
namespace {

bool isOlder(const Event &a, const Event &b)
{
    return a.createdAt != b.createdAt ? a.createdAt < b.createdAt : a.id < b.id;
}

bool hasAddressTag(const Event &event, const QString &address)
{
    return std::any_of(event.tags.cbegin(), event.tags.cend(), [&](const QStringList &tag) {
        return tag.size() >= 2 && tag.at(0) == u"a" && tag.at(1) == address;
    });
}

} // namespace

LiveChat::LiveChat(RelayPool &pool, const KeyPair &hostKeyPair, const QString &identifier,
                   qsizetype maxMessages, QObject *parent)
    : QObject(parent), m_pool(&pool), m_keyPair(&hostKeyPair), m_identifier(identifier),
      m_maxMessages(std::max<qsizetype>(1, maxMessages))
{
    LiveEvent live;
    live.identifier = identifier;
    m_address = live.address(hostKeyPair.publicKey());
    connect(m_pool, &RelayPool::eventReceived, this,
            [this](const QString &subscriptionId, const Event &event, const QString &) {
                if (subscriptionId != m_subscriptionId)
                    return;
                QString reason;
                if (!addEvent(event, &reason) && !reason.isEmpty())
                    qWarning().noquote()
                        << "[nostr] chat" << m_identifier << "refused event" << event.id.toHex()
                        << "from" << Nip19::encodeNpub(event.pubkey) << ":" << reason;
            });
    // The pool publishes everything (live events too): only our kept messages concern the chat.
    connect(m_pool, &RelayPool::publishFailed, this,
            [this](const QString &relayUrl, const EventId &id, const QString &reason) {
                if (!m_ids.contains(id))
                    return;
                const bool isOurs = std::any_of(m_messages.cbegin(), m_messages.cend(),
                                                [&](const Event &event) {
                                                    return event.id == id &&
                                                           event.pubkey == hostPublicKey();
                                                });
                if (isOurs)
                    emit sendFailed(relayUrl, reason);
            });
}

LiveChat::~LiveChat()
{
    stop();
}

void LiveChat::start()
{
    if (!m_subscriptionId.isEmpty())
        return;
    const QJsonObject filter{
        {QStringLiteral("kinds"), QJsonArray{Kind}},
        {QStringLiteral("#a"), QJsonArray{m_address}},
        {QStringLiteral("limit"), double(m_maxMessages)},
    };
    m_subscriptionId = m_pool->subscribe({filter});
}

void LiveChat::stop()
{
    if (m_subscriptionId.isEmpty())
        return;
    m_pool->unsubscribe(m_subscriptionId);
    m_subscriptionId.clear();
}

const PublicKey &LiveChat::hostPublicKey() const
{
    return m_keyPair->publicKey();
}

const Secp256k1Context &LiveChat::context() const
{
    return m_keyPair->context();
}

QList<Event> LiveChat::messages(std::optional<qint64> sinceSeconds) const
{
    if (!sinceSeconds)
        return m_messages;
    QList<Event> recent;
    for (const Event &event : m_messages)
        if (event.createdAt >= *sinceSeconds)
            recent.append(event);
    return recent;
}

bool LiveChat::addEvent(const Event &event, QString *reason)
{
    const auto refuse = [reason](const QString &text) {
        if (reason)
            *reason = text;
        return false;
    };
    if (m_ids.contains(event.id))
        return false; // a duplicate is not a refusal
    if (event.kind != Kind)
        return refuse(
            QStringLiteral("kind %1 is not a chat message (%2)").arg(event.kind).arg(Kind));
    if (!hasAddressTag(event, m_address))
        return refuse(QStringLiteral("no a tag naming %1").arg(m_address));
    const qsizetype contentBytes = event.content.toUtf8().size();
    if (contentBytes > maxContentBytes)
        return refuse(QStringLiteral("content of %1 bytes is over the %2-byte limit")
                          .arg(contentBytes)
                          .arg(maxContentBytes));
    QString verifyError;
    if (!event.verify(m_keyPair->context(), &verifyError))
        return refuse(QStringLiteral("does not verify: ") + verifyError);

    const auto position = std::upper_bound(m_messages.begin(), m_messages.end(), event, isOlder);
    if (m_messages.size() >= m_maxMessages && position == m_messages.begin())
        return false; // older than everything kept: it would be the one dropped
    m_messages.insert(position, event);
    m_ids.insert(event.id);
    while (m_messages.size() > m_maxMessages)
        m_ids.remove(m_messages.takeFirst().id);
    emit messageAdded(event);
    return true;
}

std::optional<Event> LiveChat::makeMessage(const QString &text, qint64 createdAtSeconds,
                                           QString *error) const
{
    const auto refuse = [error](const QString &reason) {
        if (error)
            *error = reason;
        return std::nullopt;
    };
    if (text.trimmed().isEmpty())
        return refuse(QStringLiteral("a chat message cannot be empty"));
    const qsizetype bytes = text.toUtf8().size();
    if (bytes > maxContentBytes)
        return refuse(QStringLiteral("a chat message is at most %1 bytes (this one has %2)")
                          .arg(maxContentBytes)
                          .arg(bytes));
    Event event;
    event.kind = Kind;
    event.createdAt = createdAtSeconds;
    event.tags = {QStringList{QStringLiteral("a"), m_address, relayHint(), QStringLiteral("root")}};
    event.content = text;
    if (!event.sign(*m_keyPair, error))
        return std::nullopt;
    return event;
}

std::optional<Event> LiveChat::send(const QString &text, QString *error)
{
    std::optional<Event> event = makeMessage(text, QDateTime::currentSecsSinceEpoch(), error);
    if (!event)
        return std::nullopt;
    addEvent(*event);
    m_pool->publish(*event);
    return event;
}

QString LiveChat::relayHint() const
{
    const QStringList urls = m_pool->relayUrls();
    return urls.isEmpty() ? QString() : urls.first();
}

} // namespace afk::nostr
