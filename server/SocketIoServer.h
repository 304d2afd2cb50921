// The Socket.IO v4 ingest and viewer-room server of afk-protocol.md on the embedded HTTP server's
// WebSocket upgrades: start-stream / stream-data / end-stream from publishers (NIP-98 checked by
// IngestAuth), join-stream / leave-stream from viewers, and the events back to them.
#pragma once

#include "IngestAuth.h"
#include "SocketIoSession.h"
#include "StreamRooms.h"
#include "WebSocketHandshake.h"
#include "WebSocketLoop.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <functional>
#include <memory>

namespace afk::session {
class Stream;
class StreamRegistry;
} // namespace afk::session

namespace afk::server {

class HttpApi;

struct SocketIoServerOptions {
    IngestOptions ingest;
    int pingIntervalMs = 25000;
    int pingTimeoutMs = 20000;
    int connectTimeoutMs = 45000;
    // A published stream with no stream-data for this long is stopped (--idle-timeout).
    int idleTimeoutMs = 30000;
    // A publisher whose connection dropped has this long to come back before its stream ends
    // (--reconnect-grace); the stream shows "reconnecting" meanwhile.
    int reconnectGraceMs = 10000;
    // Socket.IO connections at once, in all and from one remote address.
    int maxClients = 10000;
    int maxClientsPerAddress = 256;
    // Rooms of keys that have no stream yet (viewers who came before their host), and how long
    // such a room waits for its host.
    int maxWaitingRooms = 256;
    int waitingRoomTimeoutMs = 10 * 60 * 1000;
};

class SocketIoServer : public QObject
{
    Q_OBJECT
public:
    // From this many viewers on, a room's publisher hears viewer-joined / viewer-left at most
    // once per viewerCountIntervalMs, with the count then (10,000 joins are not 10,000 events).
    static constexpr int viewerEventsCoalesceFrom = 100;
    static constexpr int viewerCountIntervalMs = 1000;

    // Where the media of stream-data goes: the chunk's bytes in order, per stream key. False with
    // *error refuses the chunk (the publisher gets a stream-error). Called on this object's thread.
    using IngestSink =
        std::function<bool(const QString &streamKey, const QByteArray &chunk, QString *error)>;

    // A viewer that leaves this much of what it was sent unread is dropped (a slow reader must
    // not make the studio keep every room event for it).
    static constexpr qint64 maxBacklogBytes = 1024 * 1024;

    // Takes every WebSocket upgrade of the Engine.IO path on httpServer (setWebSocketTaker) and
    // serves it on its own WebSocketLoop. httpServer, registry and context must outlive this
    // object.
    SocketIoServer(HttpApi &httpServer, session::StreamRegistry &registry,
                   const nostr::Secp256k1Context &context, SocketIoServerOptions options,
                   QObject *parent = nullptr);
    ~SocketIoServer() override;

    // Unset (the default): chunks of owned streams are counted and dropped without an error.
    void setIngestSink(IngestSink sink) { m_ingestSink = std::move(sink); }

    const SocketIoServerOptions &options() const { return m_options; }
    int connectionCount() const { return int(m_sessions.size()); }
    int publisherCount() const { return int(m_publications.size()); }
    int waitingRoomCount() const { return int(m_waitingRooms.size()); }
    qint64 chunksReceived() const { return m_chunksReceived; }
    qint64 chunksDropped() const { return m_chunksDropped; } // no ingest sink set

signals:
    // A publisher's start-stream was accepted (publisherId: its pubkey, or userId in open ingest).
    // isAnnounceRequested: the host asked the studio to announce the stream on Nostr
    // (start-stream's optional "announce": true; the PWA publishes its own event by default).
    void publishStarted(const QString &streamKey, const QString &publisherId,
                        bool isAnnounceRequested);

private:
    struct Publication {
        QString publisherId;
        QString publisherSid; // the connection that last started it (empty once it left)
        QPointer<session::Stream> stream;
        QTimer *idleTimer = nullptr;  // child of this server
        QTimer *graceTimer = nullptr; // runs while the publisher is away
    };

    static SocketIoSessionOptions sessionOptions(const SocketIoServerOptions &options);
    WebSocketTake takeWebSocket(WebSocketUpgrade &upgrade);
    void onConnected(SocketIoSession *session);
    void onEvent(SocketIoSession *session, const SocketIoPacket &packet);
    void onClosed(SocketIoSession *session);

    // Each returns the payload of the answer (also sent as the ack when the client asked).
    QJsonObject startStream(SocketIoSession *session, const QJsonObject &request);
    QJsonObject streamData(SocketIoSession *session, const QJsonObject &request,
                           const SocketIoPacket &packet);
    QJsonObject joinStream(SocketIoSession *session, const QJsonObject &request);
    QJsonObject leaveStream(SocketIoSession *session, const QJsonObject &request);
    QJsonObject endStream(SocketIoSession *session, const QJsonObject &request);

    QJsonObject refuse(SocketIoSession *session, const QString &error);
    Publication *publicationOf(const QString &streamKey);
    void publisherAway(const QString &streamKey);
    void publisherBack(Publication &publication, SocketIoSession *session);
    void dropPublication(const QString &streamKey, session::Stream *stream);
    void expireWaitingRooms();
    void watchStream(session::Stream *stream);
    void onStreamEnded(session::Stream *stream);
    void notifyViewerCount(const QString &streamKey, const QString &event);
    void flushViewerCount(const QString &streamKey);
    void sendViewerCount(const QString &streamKey, const QString &event);
    void emitToRoom(const QString &streamKey, const QString &event, const QJsonObject &payload);
    // sid's connection, if it can still be written to, for WebSocketLoop::sendToMany.
    void addBroadcastTarget(std::vector<WebSocketConnection *> &targets, const QString &sid) const;
    bool isOwner(const SocketIoSession *session, const QString &streamKey) const;

    HttpApi &m_httpServer;
    session::StreamRegistry &m_registry;
    IngestAuth m_auth;
    SocketIoServerOptions m_options;
    IngestSink m_ingestSink;
    SocketIoSessionOptions m_sessionOptions;
    // The deadlines of every session (the sessions are deleted before it, see the destructor).
    SocketIoTimeouts m_timeouts;
    QHash<QString, SocketIoSession *> m_sessions; // by socket (or engine) sid; children
    QHash<QString, Publication> m_publications;   // active streams published here, by key
    QHash<session::Stream *, QString> m_watched;  // streams whose signals reach us -> key
    StreamRooms m_rooms;                          // viewers by engine sid
    QHash<QString, qint64> m_waitingRooms;        // key without a stream -> when it opened (ms)
    QTimer m_waitingRoomSweep;
    QHash<QHostAddress, int> m_clientsByAddress;
    struct ViewerCountNotice {
        qint64 lastSentMs = -1;
        QString pendingEvent; // viewer-joined or viewer-left, while a coalesced one is due
    };
    QHash<QString, ViewerCountNotice> m_viewerCountNotices; // by stream key
    QElapsedTimer m_clock;
    // After the sessions (destroyed first): the connections outlive them for their close.
    WebSocketLoop m_webSockets;
    qint64 m_chunksReceived = 0;
    qint64 m_chunksDropped = 0;
};

} // namespace afk::server
