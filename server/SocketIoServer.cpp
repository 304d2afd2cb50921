#include "SocketIoServer.h"

#include "Stream.h"
#include "StreamPaths.h"
#include "StreamRegistry.h"

#include <QAbstractHttpServer>
#include <QDateTime>
#include <QWebSocket>

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

} // namespace

SocketIoServer::SocketIoServer(QAbstractHttpServer &httpServer, session::StreamRegistry &registry,
                               const nostr::Secp256k1Context &context,
                               SocketIoServerOptions options, QObject *parent)
    : QObject(parent), m_httpServer(httpServer), m_registry(registry),
      m_auth(context, options.ingest), m_options(std::move(options))
{
    connect(&m_httpServer, &QAbstractHttpServer::newWebSocketConnection, this,
            &SocketIoServer::takePendingConnections);
}

SocketIoServer::~SocketIoServer() = default;

void SocketIoServer::takePendingConnections()
{
    SocketIoSessionOptions sessionOptions;
    sessionOptions.pingIntervalMs = m_options.pingIntervalMs;
    sessionOptions.pingTimeoutMs = m_options.pingTimeoutMs;
    sessionOptions.connectTimeoutMs = m_options.connectTimeoutMs;
    sessionOptions.maxMessageBytes = m_options.ingest.maxMessageBytes;
    while (m_httpServer.hasPendingWebSocketConnections()) {
        std::unique_ptr<QWebSocket> socket = m_httpServer.nextPendingWebSocketConnection();
        if (!socket)
            continue;
        auto *session = new SocketIoSession(std::move(socket), sessionOptions, this);
        m_sessions.insert(session->engineSid(), session);
        connect(session, &SocketIoSession::connected, this, &SocketIoServer::onConnected);
        connect(session, &SocketIoSession::eventReceived, this, &SocketIoServer::onEvent);
        connect(session, &SocketIoSession::closed, this, &SocketIoServer::onClosed);
        session->start();
    }
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
    for (const QString &streamKey : m_rooms.leaveAll(sid))
        notifyViewerCount(streamKey, QStringLiteral("viewer-left"));
    for (Publication &publication : m_publications)
        if (publication.publisherSid == sid)
            publication.publisherSid.clear();
    session->deleteLater();
}

QJsonObject SocketIoServer::refuse(SocketIoSession *session, const QString &error)
{
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
    const QString owner = m_owners.value(streamKey);
    if (!owner.isEmpty() && owner != publisherId)
        return refuse(session,
                      QStringLiteral("stream key %1 belongs to another publisher").arg(streamKey));

    QJsonObject payload{{keyStreamKey, streamKey},
                        {QStringLiteral("status"), QStringLiteral("broadcasting")}};
    auto existing = m_publications.find(streamKey);
    if (existing != m_publications.end() && existing->stream && existing->stream->isActive()) {
        // The owner again (a reconnect): this connection takes the stream over.
        existing->publisherSid = session->engineSid();
        existing->idleTimer->start();
        session->setPublisherId(publisherId);
        payload.insert(QStringLiteral("message"), QStringLiteral("already broadcasting; resumed"));
        session->emitEvent(QStringLiteral("stream-started"), payload);
        return payload;
    }
    if (m_publications.size() >= m_options.ingest.maxPublishers)
        return refuse(session, QStringLiteral("too many publishers (at most %1 at once)")
                                   .arg(m_options.ingest.maxPublishers));

    session::Stream *stream = m_registry.find(streamKey);
    if (stream && stream->isActive()) {
        // A stream created over HTTP (POST /livestream/:id/start) waits for this publisher.
        const QString creator = stream->metadata().userId;
        const bool isClaimable =
            stream->state() == session::Stream::State::WaitingForMedia &&
            (creator.isEmpty() || creator == u"anonymous" || creator == userId);
        if (!isClaimable)
            return refuse(session, QStringLiteral("stream %1 is already active").arg(streamKey));
    } else {
        stream = m_registry.createStream(streamKey, userId, {}, &error);
        if (!stream)
            return refuse(session, error);
    }

    m_owners.insert(streamKey, publisherId);
    Publication publication;
    publication.publisherId = publisherId;
    publication.publisherSid = session->engineSid();
    publication.stream = stream;
    publication.idleTimer = new QTimer(this);
    publication.idleTimer->setSingleShot(true);
    publication.idleTimer->setInterval(m_options.idleTimeoutMs);
    connect(publication.idleTimer, &QTimer::timeout, this, [this, streamKey] {
        const auto it = m_publications.constFind(streamKey);
        if (it == m_publications.constEnd() || !it->stream)
            return;
        qCInfo(lcSocketIo).noquote() << "[socket.io] stream" << streamKey << "had no data for"
                                     << m_options.idleTimeoutMs << "ms: ending it";
        it->stream->stop();
    });
    publication.idleTimer->start();
    m_publications.insert(streamKey, publication);
    session->setPublisherId(publisherId);
    watchStream(stream);
    qCInfo(lcSocketIo).noquote() << "[socket.io]" << session->peer() << "publishes" << streamKey
                                 << "as" << publisherId;
    emit publishStarted(streamKey, publisherId, request.value(QStringLiteral("announce")).toBool());
    session->emitEvent(QStringLiteral("stream-started"), payload);
    return payload;
}

bool SocketIoServer::isOwner(const SocketIoSession *session, const QString &streamKey) const
{
    const QString owner = m_owners.value(streamKey);
    if (owner.isEmpty())
        return false;
    return session->publisherId() == owner || session->authenticatedPubkey() == owner;
}

QJsonObject SocketIoServer::streamData(SocketIoSession *session, const QJsonObject &request,
                                       const SocketIoPacket &packet)
{
    const QString streamKey = request.value(keyStreamKey).toString();
    const auto publication = m_publications.find(streamKey);
    if (publication == m_publications.end() || !publication->stream ||
        !publication->stream->isActive())
        return refuse(session, QStringLiteral("Stream not found"));
    // With open ingest there is no proof of identity to recognise a reconnected publisher by:
    // a connection sending a key's data while that key's publisher is gone takes its place (the
    // PWA's client reconnects and goes on sending without a new start-stream).
    const bool isOrphanedOpenStream = m_options.ingest.isOpenIngest
                                      && publication->publisherSid.isEmpty()
                                      && session->authenticatedPubkey().isEmpty();
    if (isOrphanedOpenStream && session->publisherId().isEmpty())
        session->setPublisherId(m_owners.value(streamKey));
    if (!isOwner(session, streamKey))
        return refuse(session, QStringLiteral("not the publisher of stream %1").arg(streamKey));
    // The owner's latest connection (a reconnect may go on without a new start-stream) is the
    // one that hears about viewers and the end.
    publication->publisherSid = session->engineSid();
    if (publication->stream->state() == session::Stream::State::Ending)
        return refuse(session, QStringLiteral("stream %1 is ending").arg(streamKey));
    const std::optional<QByteArray> chunk =
        packet.attachmentFor(request.value(QStringLiteral("chunk")));
    if (!chunk)
        return refuse(session,
                      QStringLiteral("stream-data needs its chunk as a binary attachment"));
    ++m_chunksReceived;
    publication->idleTimer->start();
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
    session::Stream *stream =
        storage::isValidStreamKey(streamKey) ? m_registry.find(streamKey) : nullptr;
    if (!stream || !stream->isActive())
        return refuse(session, QStringLiteral("Stream not found"));
    const QString sid = session->engineSid();
    const bool isNew = !m_rooms.contains(streamKey, sid);
    if (isNew && m_rooms.viewerCount(streamKey) >= m_options.ingest.maxViewersPerStream)
        return refuse(session, QStringLiteral("stream %1 is full (at most %2 viewers)")
                                   .arg(streamKey)
                                   .arg(m_options.ingest.maxViewersPerStream));
    const int viewerCount = m_rooms.join(streamKey, sid);
    watchStream(stream);
    const QJsonObject payload = viewerCountPayload(streamKey, viewerCount);
    session->emitEvent(QStringLiteral("stream-joined"), payload);
    if (isNew)
        notifyViewerCount(streamKey, QStringLiteral("viewer-joined"));
    return payload;
}

QJsonObject SocketIoServer::leaveStream(SocketIoSession *session, const QJsonObject &request)
{
    const QString streamKey = request.value(keyStreamKey).toString();
    if (m_rooms.leave(streamKey, session->engineSid()))
        notifyViewerCount(streamKey, QStringLiteral("viewer-left"));
    return viewerCountPayload(streamKey, m_rooms.viewerCount(streamKey));
}

QJsonObject SocketIoServer::endStream(SocketIoSession *session, const QJsonObject &request)
{
    const QString streamKey = request.value(keyStreamKey).toString();
    const auto publication = m_publications.find(streamKey);
    if (publication == m_publications.end() || !publication->stream ||
        !publication->stream->isActive())
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
    const auto publication = m_publications.find(streamKey);
    if (publication != m_publications.end() && publication->stream == stream) {
        publication->idleTimer->deleteLater();
        m_publications.erase(publication);
    }
}

void SocketIoServer::notifyViewerCount(const QString &streamKey, const QString &event)
{
    const int viewerCount = m_rooms.viewerCount(streamKey);
    if (session::Stream *stream = m_registry.find(streamKey); stream && stream->isActive())
        stream->setViewerCount(viewerCount);
    const auto publication = m_publications.constFind(streamKey);
    if (publication == m_publications.constEnd() || publication->publisherSid.isEmpty())
        return;
    if (SocketIoSession *publisher = m_sessions.value(publication->publisherSid))
        publisher->emitEvent(event, viewerCountPayload(streamKey, viewerCount));
}

void SocketIoServer::emitToRoom(const QString &streamKey, const QString &event,
                                const QJsonObject &payload)
{
    QStringList sids = m_rooms.viewers(streamKey);
    const auto publication = m_publications.constFind(streamKey);
    if (publication != m_publications.constEnd() && !publication->publisherSid.isEmpty() &&
        !sids.contains(publication->publisherSid))
        sids << publication->publisherSid;
    for (const QString &sid : sids)
        if (SocketIoSession *session = m_sessions.value(sid))
            session->emitEvent(event, payload);
}

} // namespace afk::server
