#include "SocketIoServer.h"

#include "HttpApi.h"
#include "Stream.h"
#include "StreamPaths.h"
#include "StreamRegistry.h"

#include <QDateTime>

#include <algorithm>
#include <utility>

namespace afk::server {
namespace {

const QString keyStreamKey = QStringLiteral("streamKey");
const QString keyViewerCount = QStringLiteral("viewerCount");

QJsonObject streamKeyPayload(const QString &streamKey)
{
    return QJsonObject{{keyStreamKey, streamKey}};
}

QJsonObject viewerCountPayload(const QString &streamKey, int viewerCount)
{
    return QJsonObject{{keyStreamKey, streamKey}, {keyViewerCount, viewerCount}};
}

// Engine.IO's default path, the only one a WebSocket upgrade is taken on.
bool isSocketIoTarget(QByteArrayView target)
{
    const qsizetype query = target.indexOf('?');
    const QByteArrayView path = query < 0 ? target : target.first(query);
    return path == "/socket.io" || path.startsWith("/socket.io/");
}

// Qt's WebSocket limit used to sit well above ours, so that an oversized message still reaches
// the session and is answered with a stream-error; only absurd sizes are cut by the transport.
qint64 transportLimitBytes(qint64 maxMessageBytes)
{
    return qMax(4 * maxMessageBytes, maxMessageBytes + 8 * 1024 * 1024);
}

WebSocketLoopOptions webSocketOptions(const SocketIoServerOptions &options)
{
    WebSocketLoopOptions webSockets;
    webSockets.maxMessageBytes = transportLimitBytes(options.ingest.maxMessageBytes);
    webSockets.maxBacklogBytes = SocketIoServer::maxBacklogBytes;
    return webSockets;
}

} // namespace

SocketIoServer::SocketIoServer(HttpApi &httpServer, session::StreamRegistry &registry,
                               const nostr::Secp256k1Context &context,
                               SocketIoServerOptions options, QObject *parent)
    : QObject(parent), m_httpServer(httpServer), m_registry(registry),
      m_auth(context, options.ingest), m_options(std::move(options)),
      m_sessionOptions(sessionOptions(m_options)), m_timeouts(m_sessionOptions, m_webSockets),
      m_webSockets(webSocketOptions(m_options),
                   [server = QPointer<HttpApi>(&httpServer)] {
                       if (server)
                           server->releaseWebSocket();
                   })
{
    m_httpServer.setWebSocketTaker(
        [this](WebSocketUpgrade &upgrade) { return takeWebSocket(upgrade); });
    // Viewers may wait in a stream's room before its host starts: every stream's events reach
    // its room, whoever started it (Socket.IO, HTTP, the studio's own source).
    connect(&m_registry, &session::StreamRegistry::streamStarted, this,
            &SocketIoServer::watchStream);
    connect(&m_registry, &session::StreamRegistry::streamEvicted, this,
            [this](const QString &streamKey) {
                m_rooms.clear(streamKey);
                m_waitingRooms.remove(streamKey);
                m_viewerCountNotices.remove(streamKey);
            });
    connect(&m_waitingRoomSweep, &QTimer::timeout, this, &SocketIoServer::expireWaitingRooms);
    m_clock.start();
    m_waitingRoomSweep.start(std::clamp(m_options.waitingRoomTimeoutMs / 4, 250, 30000));
}

SocketIoServer::~SocketIoServer()
{
    m_httpServer.setWebSocketTaker({});
    // Sessions are children, which QObject deletes after the members: they must go before
    // m_timeouts, which holds their addresses. Unheard: their closed() would reach a server
    // halfway through its destruction.
    const QList<SocketIoSession *> sessions =
        findChildren<SocketIoSession *>(Qt::FindDirectChildrenOnly);
    for (SocketIoSession *session : sessions)
        session->disconnect(this);
    qDeleteAll(sessions);
}

SocketIoSessionOptions SocketIoServer::sessionOptions(const SocketIoServerOptions &options)
{
    SocketIoSessionOptions sessionOptions;
    sessionOptions.pingIntervalMs = options.pingIntervalMs;
    sessionOptions.pingTimeoutMs = options.pingTimeoutMs;
    sessionOptions.connectTimeoutMs = options.connectTimeoutMs;
    sessionOptions.maxMessageBytes = options.ingest.maxMessageBytes;
    return sessionOptions;
}

WebSocketTake SocketIoServer::takeWebSocket(WebSocketUpgrade &upgrade)
{
    WebSocketTake take;
    if (!isSocketIoTarget(upgrade.head.target))
        return take; // Qt answers 404
    QString error;
    const std::optional<QByteArray> answer = webSocketHandshakeAnswer(upgrade.head, &error);
    if (!answer) {
        take.outcome = WebSocketTake::Outcome::Refused;
        take.message = error;
        return take;
    }
    take.outcome = WebSocketTake::Outcome::Taken;
    const int descriptor = std::exchange(upgrade.descriptor, -1);
    WebSocketConnection *connection = m_webSockets.adopt(descriptor, *answer, upgrade.early);
    if (!connection) {
        m_httpServer.releaseWebSocket(); // counted by the gate, closed at once
        return take;
    }
    const QByteArray requestUrl = "ws://" + upgrade.head.value("Host").toByteArray() +
                                  upgrade.head.target;
    auto *session = new SocketIoSession(connection, requestUrl, upgrade.peer, upgrade.peerPort,
                                        m_sessionOptions, m_timeouts, this);
    m_sessions.insert(session->engineSid(), session);
    const int fromAddress = ++m_clientsByAddress[session->peerAddress()];
    if (m_sessions.size() > m_options.maxClients)
        session->refuseConnect(QStringLiteral("too many connections: at most %1 at once")
                                   .arg(m_options.maxClients));
    else if (fromAddress > m_options.maxClientsPerAddress)
        session->refuseConnect(
            QStringLiteral("too many connections from your address: at most %1 at once")
                .arg(m_options.maxClientsPerAddress));
    connect(session, &SocketIoSession::connected, this, &SocketIoServer::onConnected);
    connect(session, &SocketIoSession::eventReceived, this, &SocketIoServer::onEvent);
    connect(session, &SocketIoSession::closed, this, &SocketIoServer::onClosed);
    session->start();
    return take;
}

void SocketIoServer::onConnected(SocketIoSession *session)
{
    QString authorization =
        session->connectAuth().value(QStringLiteral("authorization")).toString();
    if (authorization.isEmpty())
        authorization = session->queryValue(QStringLiteral("authorization"));
    if (!authorization.isEmpty()) {
        QString error;
        const std::optional<QString> pubkey = m_auth.verifyAuthorization(
            authorization, session->requestUrl(), QDateTime::currentSecsSinceEpoch(), &error);
        session->setAuthentication(pubkey.value_or(QString()), error);
        if (pubkey)
            qCInfo(lcSocketIo).noquote()
                << "[socket.io]" << session->peer() << "authenticated as" << *pubkey;
        else
            qCInfo(lcSocketIo).noquote()
                << "[socket.io]" << session->peer() << "NIP-98 refused:" << error;
    }
    session->emitEvent(QStringLiteral("channel-join"),
                       QJsonObject{{QStringLiteral("channel"), QStringLiteral("general")},
                                   {QStringLiteral("nickname"), QStringLiteral("system")}});
}

void SocketIoServer::onEvent(SocketIoSession *session, const SocketIoPacket &packet)
{
    const QString name = packet.eventName();
    const QJsonObject request = packet.eventArguments().at(0).toObject();
    QJsonObject answer;
    if (name == u"start-stream") {
        answer = startStream(session, request);
    } else if (name == u"stream-data") {
        answer = streamData(session, request, packet);
    } else if (name == u"join-stream") {
        answer = joinStream(session, request);
    } else if (name == u"leave-stream") {
        answer = leaveStream(session, request);
    } else if (name == u"end-stream") {
        answer = endStream(session, request);
    } else {
        qCDebug(lcSocketIo).noquote()
            << "[socket.io]" << session->peer() << "ignored unknown event" << name.left(64);
        return;
    }
    if (packet.ackId && !session->isClosing())
        session->sendAck(*packet.ackId, QJsonArray{answer});
}

void SocketIoServer::onClosed(SocketIoSession *session)
{
    const QString sid = session->engineSid();
    m_sessions.remove(sid);
    const auto fromAddress = m_clientsByAddress.find(session->peerAddress());
    if (fromAddress != m_clientsByAddress.end() && --*fromAddress <= 0)
        m_clientsByAddress.erase(fromAddress);
    for (const QString &streamKey : m_rooms.leaveAll(sid))
        notifyViewerCount(streamKey, QStringLiteral("viewer-left"));
    QStringList abandoned;
    for (auto it = m_publications.cbegin(); it != m_publications.cend(); ++it)
        if (it->publisherSid == sid)
            abandoned << it.key();
    for (const QString &streamKey : abandoned)
        publisherAway(streamKey);
    session->deleteLater();
}

QJsonObject SocketIoServer::refuse(SocketIoSession *session, const QString &error)
{
    qCInfo(lcSocketIo).noquote() << "[socket.io]" << session->peer() << "refused:" << error;
    const QJsonObject payload{{QStringLiteral("error"), error}};
    session->emitEvent(QStringLiteral("stream-error"), payload);
    return payload;
}

QJsonObject SocketIoServer::startStream(SocketIoSession *session, const QJsonObject &request)
{
    const QString streamKey = request.value(keyStreamKey).toString();
    const QString userId = request.value(QStringLiteral("userId")).toString();
    if (!storage::isValidStreamKey(streamKey))
        return refuse(session,
                      QStringLiteral("invalid stream key (allowed: 1-64 of A-Z a-z 0-9 _ -)"));
    QString publisherId;
    QString error;
    if (!m_auth.mayPublish(session->authenticatedPubkey(), session->authError(), userId,
                           &publisherId, &error))
        return refuse(session, error);
    const QString owner = m_registry.ownerOf(streamKey);
    if (!owner.isEmpty() && owner != publisherId)
        return refuse(session,
                      QStringLiteral("stream key %1 belongs to another publisher").arg(streamKey));

    QJsonObject payload{{keyStreamKey, streamKey},
                        {QStringLiteral("status"), QStringLiteral("broadcasting")}};
    if (Publication *existing = publicationOf(streamKey)) {
        // The owner again (a reconnect): this connection takes the stream over.
        publisherBack(*existing, session);
        payload.insert(QStringLiteral("message"), QStringLiteral("already broadcasting; resumed"));
        session->emitEvent(QStringLiteral("stream-started"), payload);
        return payload;
    }
    if (m_publications.size() >= m_options.ingest.maxPublishers)
        return refuse(session, QStringLiteral("too many publishers: at most %1 at once")
                                   .arg(m_options.ingest.maxPublishers));

    session::Stream *stream = m_registry.find(streamKey);
    if (stream && stream->isActive()) {
        // A stream created over HTTP (POST /livestream/:id/start, by its owner) waits for this
        // publisher; any other active stream has its media already.
        if (stream->state() != session::Stream::State::WaitingForMedia || stream->hasPipeline())
            return refuse(session, QStringLiteral("stream %1 is already active").arg(streamKey));
        if (stream->ownerId().isEmpty())
            stream->claim(publisherId);
    } else {
        stream = m_registry.createStream(streamKey, publisherId, userId, {}, &error);
        if (!stream)
            return refuse(session, error);
    }

    Publication publication;
    publication.publisherId = publisherId;
    publication.publisherSid = session->engineSid();
    publication.stream = stream;
    publication.idleTimer = new QTimer(this);
    publication.idleTimer->setSingleShot(true);
    publication.idleTimer->setInterval(m_options.idleTimeoutMs);
    connect(publication.idleTimer, &QTimer::timeout, this, [this, streamKey] {
        if (Publication *idle = publicationOf(streamKey)) {
            qCInfo(lcSocketIo).noquote() << "[socket.io] stream" << streamKey << "had no data for"
                                         << m_options.idleTimeoutMs << "ms: ending it";
            idle->stream->stop(QStringLiteral("no data from the publisher for %1 s")
                                   .arg(m_options.idleTimeoutMs / 1000));
        }
    });
    publication.idleTimer->start();
    publication.graceTimer = new QTimer(this);
    publication.graceTimer->setSingleShot(true);
    publication.graceTimer->setInterval(m_options.reconnectGraceMs);
    connect(publication.graceTimer, &QTimer::timeout, this, [this, streamKey] {
        if (Publication *away = publicationOf(streamKey)) {
            qCInfo(lcSocketIo).noquote() << "[socket.io] the publisher of" << streamKey
                                         << "did not come back: ending it";
            away->stream->stop(QStringLiteral("the publisher left and did not reconnect within %1 s")
                                   .arg(m_options.reconnectGraceMs / 1000));
        }
    });
    m_publications.insert(streamKey, publication);
    m_waitingRooms.remove(streamKey);
    session->setPublisherId(publisherId);
    qCInfo(lcSocketIo).noquote() << "[socket.io]" << session->peer() << "publishes" << streamKey
                                 << "as" << publisherId;
    emit publishStarted(streamKey, publisherId, request.value(QStringLiteral("announce")).toBool());
    session->emitEvent(QStringLiteral("stream-started"), payload);
    return payload;
}

SocketIoServer::Publication *SocketIoServer::publicationOf(const QString &streamKey)
{
    const auto it = m_publications.find(streamKey);
    if (it == m_publications.end() || !it->stream || !it->stream->isActive())
        return nullptr;
    return &*it;
}

void SocketIoServer::publisherAway(const QString &streamKey)
{
    Publication *publication = publicationOf(streamKey);
    if (!publication)
        return;
    publication->publisherSid.clear();
    if (publication->stream->state() == session::Stream::State::Ending)
        return;
    // The PWA's host page closing its tab looks the same as a network blip: end the stream
    // after a short grace unless the publisher comes back.
    publication->stream->setReconnecting(true);
    publication->graceTimer->start();
    qCInfo(lcSocketIo).noquote() << "[socket.io] the publisher of" << streamKey << "left; waiting"
                                 << m_options.reconnectGraceMs << "ms for it to reconnect";
}

void SocketIoServer::publisherBack(Publication &publication, SocketIoSession *session)
{
    if (publication.publisherSid != session->engineSid() && publication.graceTimer->isActive())
        qCInfo(lcSocketIo).noquote() << "[socket.io]" << session->peer()
                                     << "reconnected as the publisher of"
                                     << publication.stream->key();
    publication.publisherSid = session->engineSid();
    publication.graceTimer->stop();
    publication.stream->setReconnecting(false);
    publication.idleTimer->start();
    if (session->publisherId().isEmpty())
        session->setPublisherId(publication.publisherId);
}

bool SocketIoServer::isOwner(const SocketIoSession *session, const QString &streamKey) const
{
    const QString owner = m_registry.ownerOf(streamKey);
    if (owner.isEmpty())
        return false;
    return session->publisherId() == owner || session->authenticatedPubkey() == owner;
}

QJsonObject SocketIoServer::streamData(SocketIoSession *session, const QJsonObject &request,
                                       const SocketIoPacket &packet)
{
    const QString streamKey = request.value(keyStreamKey).toString();
    Publication *publication = publicationOf(streamKey);
    if (!publication)
        return refuse(session, QStringLiteral("Stream not found"));
    // With open ingest there is no proof of identity to recognise a reconnected publisher by:
    // a connection sending a key's data while that key's publisher is gone takes its place (the
    // PWA's client reconnects and goes on sending without a new start-stream).
    const bool isOrphanedOpenStream = m_options.ingest.isOpenIngest
                                      && publication->publisherSid.isEmpty()
                                      && session->authenticatedPubkey().isEmpty();
    if (isOrphanedOpenStream && session->publisherId().isEmpty())
        session->setPublisherId(publication->publisherId);
    if (!isOwner(session, streamKey))
        return refuse(session, QStringLiteral("not the publisher of stream %1").arg(streamKey));
    // The owner's latest connection (a reconnect may go on without a new start-stream) is the
    // one that hears about viewers and the end.
    publisherBack(*publication, session);
    if (publication->stream->state() == session::Stream::State::Ending)
        return refuse(session, QStringLiteral("stream %1 is ending").arg(streamKey));
    const std::optional<QByteArray> chunk =
        packet.attachmentFor(request.value(QStringLiteral("chunk")));
    if (!chunk)
        return refuse(session,
                      QStringLiteral("stream-data needs its chunk as a binary attachment"));
    ++m_chunksReceived;
    if (!m_ingestSink) {
        ++m_chunksDropped;
    } else {
        // The sink may end the stream (and so drop the publication): nothing of it is used after.
        QString error;
        if (!m_ingestSink(streamKey, *chunk, &error))
            return refuse(session, error.isEmpty() ? QStringLiteral("chunk refused") : error);
    }
    return QJsonObject{{keyStreamKey, streamKey}, {QStringLiteral("bytes"), chunk->size()}};
}

QJsonObject SocketIoServer::joinStream(SocketIoSession *session, const QJsonObject &request)
{
    const QString streamKey = request.value(keyStreamKey).toString();
    if (!storage::isValidStreamKey(streamKey))
        return refuse(session, QStringLiteral("Stream not found"));
    session::Stream *stream = m_registry.find(streamKey);
    const bool isLive = stream && stream->isActive();
    const QString sid = session->engineSid();
    const bool isNew = !m_rooms.contains(streamKey, sid);
    if (isNew && m_rooms.viewerCount(streamKey) >= m_options.ingest.maxViewersPerStream)
        return refuse(session, QStringLiteral("stream %1 is full: at most %2 viewers")
                                   .arg(streamKey)
                                   .arg(m_options.ingest.maxViewersPerStream));
    // A viewer who comes before the host waits in the room; such rooms are capped and expire.
    if (!isLive && !m_waitingRooms.contains(streamKey)) {
        if (m_waitingRooms.size() >= m_options.maxWaitingRooms)
            return refuse(session, QStringLiteral("too many streams waiting for their host: at "
                                                  "most %1 (try again later)")
                                       .arg(m_options.maxWaitingRooms));
        m_waitingRooms.insert(streamKey, QDateTime::currentMSecsSinceEpoch());
    }
    const int viewerCount = m_rooms.join(streamKey, sid);
    QJsonObject payload = viewerCountPayload(streamKey, viewerCount);
    payload.insert(QStringLiteral("status"),
                   isLive ? stream->stateName() : QStringLiteral("waiting"));
    session->emitEvent(QStringLiteral("stream-joined"), payload);
    if (isNew)
        notifyViewerCount(streamKey, QStringLiteral("viewer-joined"));
    return payload;
}

void SocketIoServer::expireWaitingRooms()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QStringList expired;
    for (auto it = m_waitingRooms.cbegin(); it != m_waitingRooms.cend(); ++it) {
        const session::Stream *stream = m_registry.find(it.key());
        if (stream && stream->isActive())
            expired << it.key(); // its host came: the room is a stream's room now
        else if (now - it.value() >= m_options.waitingRoomTimeoutMs)
            expired << it.key();
    }
    for (const QString &streamKey : expired) {
        m_waitingRooms.remove(streamKey);
        const session::Stream *stream = m_registry.find(streamKey);
        if (stream && stream->isActive())
            continue;
        emitToRoom(streamKey, QStringLiteral("stream-error"),
                   QJsonObject{{QStringLiteral("error"),
                                QStringLiteral("stream %1 did not start within %2 s")
                                    .arg(streamKey)
                                    .arg(m_options.waitingRoomTimeoutMs / 1000)}});
        m_rooms.clear(streamKey);
    }
}

QJsonObject SocketIoServer::leaveStream(SocketIoSession *session, const QJsonObject &request)
{
    const QString streamKey = request.value(keyStreamKey).toString();
    if (m_rooms.leave(streamKey, session->engineSid()))
        notifyViewerCount(streamKey, QStringLiteral("viewer-left"));
    if (m_rooms.viewerCount(streamKey) == 0)
        m_waitingRooms.remove(streamKey);
    return viewerCountPayload(streamKey, m_rooms.viewerCount(streamKey));
}

QJsonObject SocketIoServer::endStream(SocketIoSession *session, const QJsonObject &request)
{
    const QString streamKey = request.value(keyStreamKey).toString();
    Publication *publication = publicationOf(streamKey);
    if (!publication)
        return refuse(session, QStringLiteral("Stream not found"));
    if (!isOwner(session, streamKey))
        return refuse(session, QStringLiteral("not the publisher of stream %1").arg(streamKey));
    publication->publisherSid = session->engineSid();
    qCInfo(lcSocketIo).noquote() << "[socket.io]" << session->peer() << "ends" << streamKey;
    // stream-ended reaches the room from onStreamEnded (at once when there is no pipeline).
    QPointer<session::Stream> stream = publication->stream;
    stream->stop();
    return streamKeyPayload(streamKey);
}

void SocketIoServer::watchStream(session::Stream *stream)
{
    if (m_watched.contains(stream))
        return;
    m_watched.insert(stream, stream->key());
    connect(stream, &session::Stream::started, this, [this, stream] {
        // Viewers (also those who came before the host) hear that media is coming.
        const QJsonObject payload{{keyStreamKey, stream->key()},
                                  {QStringLiteral("status"), QStringLiteral("broadcasting")}};
        const Publication *publication = publicationOf(stream->key());
        std::vector<WebSocketConnection *> targets;
        m_rooms.forEachViewer(stream->key(), [&](const QString &sid) {
            if (SocketIoSession *viewer = m_sessions.value(sid);
                viewer && (!publication || sid != publication->publisherSid))
                addBroadcastTarget(targets, sid);
        });
        m_webSockets.sendToMany(
            SocketIoSession::encodeEvent(QStringLiteral("stream-started"), payload), targets);
    });
    connect(stream, &session::Stream::segmentCompleted, this, [this, stream](qint64 segmentCount) {
        emitToRoom(stream->key(), QStringLiteral("stream-segments-updated"),
                   QJsonObject{{keyStreamKey, stream->key()},
                               {QStringLiteral("segmentCount"), segmentCount}});
    });
    connect(stream, &session::Stream::ended, this, [this, stream](const QString &error) {
        // A stream that failed (undecodable media, a full disk) tells its publisher why first.
        if (!error.isEmpty()) {
            const auto publication = m_publications.constFind(stream->key());
            if (publication != m_publications.constEnd() && publication->stream == stream)
                if (SocketIoSession *publisher = m_sessions.value(publication->publisherSid))
                    refuse(publisher, error);
        }
        onStreamEnded(stream);
    });
    connect(stream, &QObject::destroyed, this, [this, stream] { m_watched.remove(stream); });
}

void SocketIoServer::onStreamEnded(session::Stream *stream)
{
    const QString streamKey = stream->key();
    emitToRoom(streamKey, QStringLiteral("stream-ended"), streamKeyPayload(streamKey));
    m_rooms.clear(streamKey);
    m_waitingRooms.remove(streamKey);
    dropPublication(streamKey, stream);
}

void SocketIoServer::dropPublication(const QString &streamKey, session::Stream *stream)
{
    const auto publication = m_publications.find(streamKey);
    if (publication == m_publications.end() || publication->stream != stream)
        return;
    publication->idleTimer->deleteLater();
    publication->graceTimer->deleteLater();
    m_publications.erase(publication);
}

void SocketIoServer::notifyViewerCount(const QString &streamKey, const QString &event)
{
    const int viewerCount = m_rooms.viewerCount(streamKey);
    if (session::Stream *stream = m_registry.find(streamKey); stream && stream->isActive())
        stream->setViewerCount(viewerCount);
    ViewerCountNotice &notice = m_viewerCountNotices[streamKey];
    if (!notice.pendingEvent.isEmpty()) {
        notice.pendingEvent = event; // the one already due carries the count then
        return;
    }
    const qint64 now = m_clock.elapsed();
    const qint64 sinceLast =
        notice.lastSentMs < 0 ? viewerCountIntervalMs : now - notice.lastSentMs;
    if (viewerCount < viewerEventsCoalesceFrom || sinceLast >= viewerCountIntervalMs) {
        notice.lastSentMs = now;
        sendViewerCount(streamKey, event);
        if (viewerCount == 0)
            m_viewerCountNotices.remove(streamKey);
        return;
    }
    notice.pendingEvent = event;
    QTimer::singleShot(int(viewerCountIntervalMs - sinceLast), this,
                       [this, streamKey] { flushViewerCount(streamKey); });
}

void SocketIoServer::flushViewerCount(const QString &streamKey)
{
    const auto notice = m_viewerCountNotices.find(streamKey);
    if (notice == m_viewerCountNotices.end() || notice->pendingEvent.isEmpty())
        return;
    const QString event = std::exchange(notice->pendingEvent, QString());
    notice->lastSentMs = m_clock.elapsed();
    sendViewerCount(streamKey, event);
}

void SocketIoServer::sendViewerCount(const QString &streamKey, const QString &event)
{
    const auto publication = m_publications.constFind(streamKey);
    if (publication == m_publications.constEnd() || publication->publisherSid.isEmpty())
        return;
    if (SocketIoSession *publisher = m_sessions.value(publication->publisherSid))
        publisher->emitEvent(event, viewerCountPayload(streamKey, m_rooms.viewerCount(streamKey)));
}

void SocketIoServer::emitToRoom(const QString &streamKey, const QString &event,
                                const QJsonObject &payload)
{
    const QByteArray frame = SocketIoSession::encodeEvent(event, payload);
    const auto publication = m_publications.constFind(streamKey);
    const QString publisherSid =
        publication != m_publications.constEnd() ? publication->publisherSid : QString();
    bool isPublisherInRoom = false;
    std::vector<WebSocketConnection *> targets;
    targets.reserve(size_t(m_rooms.viewerCount(streamKey)) + 1);
    m_rooms.forEachViewer(streamKey, [&](const QString &sid) {
        isPublisherInRoom = isPublisherInRoom || sid == publisherSid;
        addBroadcastTarget(targets, sid);
    });
    if (!publisherSid.isEmpty() && !isPublisherInRoom)
        addBroadcastTarget(targets, publisherSid);
    m_webSockets.sendToMany(frame, targets);
}

void SocketIoServer::addBroadcastTarget(std::vector<WebSocketConnection *> &targets,
                                        const QString &sid) const
{
    if (SocketIoSession *session = m_sessions.value(sid))
        if (WebSocketConnection *target = session->broadcastTarget())
            targets.push_back(target);
}

} // namespace afk::server
