// Announces one stream as a NIP-53 live event (kind 30311): live as soon as its first segment is
// servable, viewer counts as they change (rate-limited by the publisher), ended when it ends.
#pragma once

#include "LiveEvent.h"
#include "LiveEventPublisher.h"

#include <QObject>
#include <memory>

namespace afk::nostr {
class KeyPair;
class RelayPool;
}

namespace afk::session {

class Stream;

class LiveAnnouncer : public QObject
{
    Q_OBJECT
public:
    // description: title, summary, image, hashtags, streaming URL and relays; its identifier is
    // set to the stream key. The pool and key pair must outlive the announcer.
    LiveAnnouncer(Stream &stream, nostr::RelayPool &pool, const nostr::KeyPair &keyPair,
                  nostr::LiveEvent description,
                  const nostr::LiveEventPublisherOptions &options = {}, QObject *parent = nullptr);
    ~LiveAnnouncer() override;

    void setViewerCount(int viewerCount);
    // Where viewers play the stream (a CDN's URL replacing the studio's own); republished at once
    // while live.
    void setStreamingUrl(const QString &url);
    QString naddr() const { return m_publisher->naddr(); }
    nostr::LiveStatus status() const { return m_publisher->status(); }

signals:
    void wentLive(const QString &naddr);
    void ended();

private:
    std::unique_ptr<nostr::LiveEventPublisher> m_publisher;
};

} // namespace afk::session
