#include "LiveAnnouncer.h"

#include "Stream.h"

namespace afk::session {

LiveAnnouncer::LiveAnnouncer(Stream &stream, nostr::RelayPool &pool, const nostr::KeyPair &keyPair,
                             nostr::LiveEvent description,
                             const nostr::LiveEventPublisherOptions &options, QObject *parent)
    : QObject(parent)
{
    description.identifier = stream.key();
    m_publisher = std::make_unique<nostr::LiveEventPublisher>(pool, keyPair, description, options);
    // Never announced before viewers can play: the first servable segment is the moment.
    connect(&stream, &Stream::segmentCompleted, this, [this](qint64 segmentCount) {
        if (segmentCount >= 1 && m_publisher->status() == nostr::LiveStatus::Planned
            && m_publisher->goLive())
            emit wentLive(m_publisher->naddr());
    });
    // What was streamed stays playable: recording.m3u8 beside the master lists every segment
    // (the live playlists keep only the newest).
    static const QString master = QStringLiteral("/master.m3u8");
    QString recordingUrl = description.streamingUrl;
    if (recordingUrl.endsWith(master))
        recordingUrl = recordingUrl.chopped(master.size()) + QStringLiteral("/recording.m3u8");
    connect(&stream, &Stream::ended, this, [this, &stream, recordingUrl] {
        if (m_publisher->end(stream.segmentCount() > 0 ? recordingUrl : QString()))
            emit ended();
    });
}

LiveAnnouncer::~LiveAnnouncer() = default;

void LiveAnnouncer::setViewerCount(int viewerCount)
{
    m_publisher->setViewerCount(viewerCount);
}

void LiveAnnouncer::setStreamingUrl(const QString &url)
{
    nostr::LiveEvent description = m_publisher->liveEvent();
    if (description.streamingUrl == url)
        return;
    description.streamingUrl = url;
    m_publisher->setDescription(description);
    if (m_publisher->status() == nostr::LiveStatus::Live)
        m_publisher->refresh();
}

} // namespace afk::session
