#include "LiveEventPublisher.h"

#include "KeyPair.h"
#include "RelayPool.h"

#include <QDateTime>
#include <QDebug>

#include <algorithm>

namespace afk::nostr
{

LiveEventPublisher::LiveEventPublisher(RelayPool &pool, const KeyPair &keyPair,
                                       const LiveEvent &description,
                                       const LiveEventPublisherOptions &options, QObject *parent)
    : QObject(parent), m_pool(&pool), m_keyPair(&keyPair), m_live(description), m_options(options)
{
    m_live.status = LiveStatus::Planned;
    m_refreshTimer.setSingleShot(true);
    m_viewerCountTimer.setSingleShot(true);
    connect(&m_refreshTimer, &QTimer::timeout, this, [this] { refresh(); });
    connect(&m_viewerCountTimer, &QTimer::timeout, this, &LiveEventPublisher::onViewerCountTimer);
}

void LiveEventPublisher::setDescription(const LiveEvent &description)
{
    m_live.title = description.title;
    m_live.summary = description.summary;
    m_live.imageUrl = description.imageUrl;
    m_live.hashtags = description.hashtags;
    m_live.streamingUrl = description.streamingUrl;
    m_live.recordingUrl = description.recordingUrl;
    m_live.relays = description.relays;
}

bool LiveEventPublisher::publishPlanned()
{
    if (m_live.status != LiveStatus::Planned)
        return false;
    return publishNow();
}

bool LiveEventPublisher::goLive()
{
    if (m_live.status != LiveStatus::Planned)
        return false;
    m_live.status = LiveStatus::Live;
    if (!m_live.startsAt)
        m_live.startsAt = QDateTime::currentSecsSinceEpoch();
    m_live.endsAt.reset();
    return publishNow();
}

void LiveEventPublisher::setViewerCount(int current, std::optional<int> total)
{
    current = std::max(0, current);
    const int newTotal =
        std::max({current, total.value_or(0), m_live.totalParticipants.value_or(0)});
    if (m_live.currentParticipants == current && m_live.totalParticipants == newTotal)
        return;
    m_live.currentParticipants = current;
    m_live.totalParticipants = newTotal;
    m_hasUnpublishedCounts = true;
    if (m_live.status != LiveStatus::Live || m_viewerCountTimer.isActive())
        return;
    const qint64 sinceLast = m_sinceLastPublish.isValid() ? m_sinceLastPublish.elapsed() : 0;
    if (!m_hasPublished || sinceLast >= m_options.viewerCountIntervalMs)
        publishNow();
    else
        m_viewerCountTimer.start(int(m_options.viewerCountIntervalMs - sinceLast));
}

void LiveEventPublisher::onViewerCountTimer()
{
    if (m_hasUnpublishedCounts && m_live.status == LiveStatus::Live)
        publishNow();
}

bool LiveEventPublisher::refresh()
{
    if (m_live.status != LiveStatus::Planned && m_live.status != LiveStatus::Live)
        return false;
    return publishNow();
}

bool LiveEventPublisher::end(const QString &recordingUrl)
{
    if (m_live.status == LiveStatus::Ended || !m_hasPublished)
        return false;
    m_live.status = LiveStatus::Ended;
    m_live.endsAt = QDateTime::currentSecsSinceEpoch();
    if (!recordingUrl.isEmpty())
        m_live.recordingUrl = recordingUrl;
    m_refreshTimer.stop();
    m_viewerCountTimer.stop();
    return publishNow();
}

QString LiveEventPublisher::naddr() const
{
    return m_live.naddr(m_keyPair->publicKey());
}

QString LiveEventPublisher::address() const
{
    return m_live.address(m_keyPair->publicKey());
}

bool LiveEventPublisher::publishNow()
{
    qint64 createdAt = QDateTime::currentSecsSinceEpoch();
    if (m_hasPublished)
        createdAt = std::max(createdAt, m_lastEvent.createdAt + 1);
    Event event = m_live.toUnsignedEvent(m_keyPair->publicKey(), createdAt);
    QString error;
    if (!event.sign(*m_keyPair, &error)) {
        qWarning().noquote() << "[nostr] cannot sign the live event:" << error;
        return false;
    }
    m_lastEvent = event;
    m_hasPublished = true;
    m_hasUnpublishedCounts = false;
    m_sinceLastPublish.start();
    m_viewerCountTimer.stop();
    if (m_live.status == LiveStatus::Live && m_options.refreshIntervalMs > 0)
        m_refreshTimer.start(m_options.refreshIntervalMs);
    qInfo().noquote() << "[nostr] publishing live event" << event.id.toHex() << "status"
                      << LiveEvent::statusName(m_live.status);
    m_pool->publish(event);
    emit published(event);
    return true;
}

} // namespace afk::nostr
