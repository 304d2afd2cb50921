// Keeps a NIP-53 live event up to date on a relay pool: live → refreshes and viewer counts
// (rate-limited) → ended. Never publishes a deletion.
#pragma once

#include "Event.h"
#include "LiveEvent.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

namespace afk::nostr
{

class KeyPair;
class RelayPool;

struct LiveEventPublisherOptions {
    // Viewer-count changes are republished at most this often (the latest count wins).
    int viewerCountIntervalMs = 30000;
    // While live, the event is republished at least this often (clients may treat a live event
    // not updated for an hour as ended).
    int refreshIntervalMs = 5 * 60 * 1000;
};

// Each published event is signed with the key pair and gets created_at = max(now, previous + 1),
// so a relay keeping the newest addressable event always keeps the latest state.
class LiveEventPublisher : public QObject
{
    Q_OBJECT

public:
    // The pool and the key pair are not owned and must outlive the publisher. The description's
    // status, starts, ends and counts are managed here from now on.
    LiveEventPublisher(RelayPool &pool, const KeyPair &keyPair, const LiveEvent &description,
                       const LiveEventPublisherOptions &options = {}, QObject *parent = nullptr);

    // Title, summary, image, hashtags, streaming / recording URLs, relays: republished at the next
    // publish (call refresh() to publish now). Identifier, status, times and counts are kept.
    void setDescription(const LiveEvent &description);

    // Publishes status planned (only before goLive). False if already live or ended.
    bool publishPlanned();
    // Publishes status live with starts = now (unless set), starts the refresh timer. False if
    // already live or ended.
    bool goLive();
    // Records the counts (total defaults to the largest current count seen) and, while live,
    // republishes them no more than once per viewerCountIntervalMs. No-op if unchanged.
    void setViewerCount(int current, std::optional<int> total = std::nullopt);
    // Republishes the current state now (while planned or live).
    bool refresh();
    // Publishes status ended with ends = now (and recording when set); stops the timers. False if
    // already ended or never published.
    bool end(const QString &recordingUrl = {});

    const LiveEvent &liveEvent() const { return m_live; }
    LiveStatus status() const { return m_live.status; }
    // The last event published (empty before the first).
    const Event &lastEvent() const { return m_lastEvent; }
    // NIP-19 naddr of this live event (kind 30311, our pubkey, d, relays).
    QString naddr() const;
    // "30311:<pubkey>:<d>".
    QString address() const;

signals:
    // Each signed event as it is handed to the pool.
    void published(const afk::nostr::Event &event);

private:
    bool publishNow();
    void onViewerCountTimer();

    RelayPool *m_pool;
    const KeyPair *m_keyPair;
    LiveEvent m_live;
    LiveEventPublisherOptions m_options;
    Event m_lastEvent;
    bool m_hasPublished = false;
    QTimer m_refreshTimer;
    QTimer m_viewerCountTimer;
    QElapsedTimer m_sinceLastPublish;
    bool m_hasUnpublishedCounts = false;
};

} // namespace afk::nostr
