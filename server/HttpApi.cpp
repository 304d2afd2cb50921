#include "HttpApi.h"

#include "HlsHeaders.h"
#include "IngestAuth.h"
#include "LiveChat.h"
#include "MediaResponse.h"
#include "MediaRoute.h"
#include "Nip19.h"
#include "RequestPath.h"
#include "StreamPaths.h"
#include "StreamRegistry.h"
#include "StreamStatusJson.h"

#include <QDateTime>
#include <QDebug>
#include <QFile>
#include <QFileInfo>
#include <QHttpServerResponder>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMetaMethod>
#include <QTcpServer>
#include <QTcpSocket>
#include <QUrlQuery>
#include <algorithm>

namespace afk::server
{
namespace
{

const QByteArray readMethods = QByteArrayLiteral("GET, HEAD, OPTIONS");
const QByteArray controlCorsMethods = QByteArrayLiteral("GET, HEAD, OPTIONS, POST");
const QByteArray controlMethods = QByteArrayLiteral("POST, OPTIONS");

constexpr int maxUserIdLength = 256;
constexpr int maxTitleLength = 512;

QString nowIso()
{
    return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
}

// A Host header worth echoing into absolute URLs: host or [v6] plus an optional port.
bool isPlausibleHost(const QByteArray &host)
{
    if (host.isEmpty() || host.size() > 255)
        return false;
    return std::all_of(host.begin(), host.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '-' || c == '_' || c == ':' || c == '[' || c == ']';
    });
}

// Engine.IO's default path, the only one a WebSocket upgrade is accepted on.
bool isSocketIoPath(const QString &encodedPath)
{
    return encodedPath == u"/socket.io" || encodedPath.startsWith(u"/socket.io/");
}

// Qt 6.4 asks handleRequest about a WebSocket upgrade before it commits the handshake bytes it
// read (the socket's read transaction is still open) and then, if handleRequest returns true,
// hands the socket to its WebSocket server. Nothing may be written to such a socket.
bool isWebSocketUpgrade(const QHttpServerRequest &request, const QTcpSocket *socket)
{
    return socket->isTransactionStarted() &&
           request.value(QByteArrayLiteral("Upgrade")).compare("websocket", Qt::CaseInsensitive) ==
               0;
}

QString describeListenError(const QTcpServer &server)
{
    switch (server.serverError()) {
    case QAbstractSocket::AddressInUseError:
        return QStringLiteral("address already in use");
    case QAbstractSocket::SocketAccessError:
        return QStringLiteral("permission denied");
    case QAbstractSocket::SocketAddressNotAvailableError:
        return QStringLiteral("address not available on this host");
    default:
        break;
    }
    return server.errorString();
}

QString hostForUrl(const QHostAddress &address)
{
    return address.protocol() == QAbstractSocket::IPv6Protocol
               ? QStringLiteral("[%1]").arg(address.toString())
               : address.toString();
}

// The JSON object body of a control request; an empty body is an empty object.
bool parseJsonBody(const QByteArray &body, QJsonObject *object, QString *error)
{
    if (body.trimmed().isEmpty())
        return true;
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
        *error = QStringLiteral("request body must be a JSON object");
        return false;
    }
    *object = document.object();
    return true;
}

// An optional string member: absent or null is empty; anything else must be a short string.
bool optionalString(const QJsonObject &object, const QString &name, int maxLength, QString *value,
                    QString *error)
{
    const QJsonValue member = object.value(name);
    if (member.isUndefined() || member.isNull())
        return true;
    if (!member.isString() || member.toString().size() > maxLength) {
        *error = QStringLiteral("'%1' must be a string of at most %2 characters")
                     .arg(name)
                     .arg(maxLength);
        return false;
    }
    *value = member.toString();
    return true;
}

// The action member of a control body: absent, or exactly the expected word.
bool checkAction(const QJsonObject &object, const QString &expected, QString *error)
{
    const QJsonValue action = object.value(QStringLiteral("action"));
    if (action.isUndefined() || action.isNull() || action.toString() == expected)
        return true;
    *error = QStringLiteral("invalid action, use \"%1\"").arg(expected);
    return false;
}

} // namespace

HttpApi::HttpApi(session::StreamRegistry &registry, HttpApiOptions options, QObject *parent)
    : QAbstractHttpServer(parent), m_registry(registry), m_options(std::move(options)),
      m_media(std::make_shared<MediaLookup>(registry.store(), m_options.mediaIndex))
{
    m_clock.start();
    m_pruneTimer.setInterval(PlaybackViewerTracker::defaultWindowMs);
    connect(&m_pruneTimer, &QTimer::timeout, this, [this] { m_viewers.prune(m_clock.elapsed()); });
    m_pruneTimer.start();
    m_heldRequestTimer.setInterval(200);
    connect(&m_heldRequestTimer, &QTimer::timeout, this, [this] {
        m_heldRequests.expire(m_clock.elapsed());
        if (m_heldRequests.heldCount() == 0)
            m_heldRequestTimer.stop();
    });
}

HttpApi::~HttpApi() = default;

bool HttpApi::listen(const QHostAddress &address, quint16 port, QString *error)
{
    const QString where = QStringLiteral("%1:%2").arg(hostForUrl(address)).arg(port);
    if (m_tcpServer) {
        *error = QStringLiteral("cannot listen on %1: the server is already listening").arg(where);
        return false;
    }
    GateSettings gate;
    gate.request.maxPostBodyBytes = maxRequestBodyBytes;
    gate.corsOrigin = m_options.corsOrigin.toUtf8();
    auto *server = new GatedTcpServer(gate, m_options.maxConnections, &m_metrics, this);
    server->setListenBacklog(m_options.listenBacklog);
    if (!server->listen(address, port)) {
        *error = QStringLiteral("cannot listen on %1: %2").arg(where, describeListenError(*server));
        delete server;
        return false;
    }
    if (m_options.servingThreads >= 0) {
        MediaServingContext context;
        context.limits = gate.request;
        context.requestTimeoutMs = gate.requestTimeoutMs;
        context.idleTimeoutMs = gate.idleTimeoutMs;
        context.lingerMs = gate.lingerMs;
        context.corsOrigin = gate.corsOrigin;
        context.lookup = m_media;
        m_mediaServing = new MediaServingPool(std::move(context), m_options.servingThreads, this);
        connect(m_mediaServing, &MediaServingPool::reported, this, &HttpApi::recordMediaServing);
        server->setMediaServing(m_mediaServing);
    }
    server->setWebSocketTaker(m_webSocketTaker);
    bind(server);
    m_tcpServer = server;
    return true;
}

void HttpApi::setWebSocketTaker(WebSocketTaker taker)
{
    m_webSocketTaker = std::move(taker);
    if (auto *server = qobject_cast<GatedTcpServer *>(m_tcpServer.data()))
        server->setWebSocketTaker(m_webSocketTaker);
}

void HttpApi::releaseWebSocket()
{
    if (auto *server = qobject_cast<GatedTcpServer *>(m_tcpServer.data()))
        server->releaseWebSocket();
}

bool HttpApi::isListening() const
{
    return m_tcpServer && m_tcpServer->isListening();
}

quint16 HttpApi::serverPort() const
{
    return m_tcpServer ? m_tcpServer->serverPort() : 0;
}

int HttpApi::httpViewerCount(const QString &streamKey)
{
    if (m_mediaServing)
        m_mediaServing->collect();
    return m_viewers.viewerCount(streamKey, m_clock.elapsed());
}

bool HttpApi::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    const QString encodedPath = request.url().path(QUrl::FullyEncoded);
    if (isWebSocketUpgrade(request, socket)) {
        // true: the socket goes to whoever listens to newWebSocketConnection (the Socket.IO
        // server); false, or nobody listening: missingHandler answers.
        if (!isSocketIoPath(encodedPath))
            return false;
        static const QMetaMethod newConnection =
            QMetaMethod::fromSignal(&QAbstractHttpServer::newWebSocketConnection);
        if (isSignalConnected(newConnection))
            m_metrics.recordResponse(HttpRoute::SocketIo, 101, 0);
        return true;
    }

    Routed routed;
    if (isSocketIoPath(encodedPath)) {
        routed.route = HttpRoute::SocketIo;
        routed.reply = HttpReply::json(
            QJsonObject{{QStringLiteral("code"), 0},
                        {QStringLiteral("message"), QStringLiteral("Transport unknown")},
                        {QStringLiteral("error"),
                         QStringLiteral("only the WebSocket transport is supported "
                                        "(transports: ['websocket'])")}},
            400);
    } else {
        const RequestPath path = RequestPath::parse(encodedPath);
        if (!path.isValid()) {
            routed.route = HttpRoute::BadPath;
            routed.reply =
                HttpReply::error(400, QStringLiteral("bad request path: ") + path.error());
        } else {
            const Incoming incoming{request, request.method(), publicHost(request, socket),
                                    socket};
            routed = route(incoming, path);
            if (routed.isDeferred)
                return true;
        }
    }
    finish(request, socket, routed);
    return true;
}

void HttpApi::missingHandler(const QHttpServerRequest &request, QTcpSocket *socket)
{
    Routed routed;
    if (isWebSocketUpgrade(request, socket) &&
        isSocketIoPath(request.url().path(QUrl::FullyEncoded))) {
        routed.route = HttpRoute::SocketIo;
        routed.reply = HttpReply::error(503, QStringLiteral("the Socket.IO server is not running"));
    } else {
        routed.reply = HttpReply::error(404, QStringLiteral("not found"));
    }
    finish(request, socket, routed);
}

HttpApi::Routed HttpApi::route(const Incoming &incoming, const RequestPath &path)
{
    const QStringList &segments = path.segments();
    if (segments == QStringList{QStringLiteral("health")} ||
        segments == QStringList{QStringLiteral("livestream"), QStringLiteral("health")})
        return dispatch(incoming, HttpRoute::Health, Access::Read, [&] { return healthReply(); });
    if (segments == QStringList{QStringLiteral("metrics")})
        return dispatch(incoming, HttpRoute::Metrics, Access::Read, [&] { return metricsReply(); });
    if (segments == QStringList{QStringLiteral("livestream"), QStringLiteral("active")})
        return dispatch(incoming, HttpRoute::ActiveList, Access::Read,
                        [&] { return activeReply(incoming); });
    if (segments.isEmpty())
        return routeWebFile(incoming, QStringLiteral("index.html"));
    if (segments.size() == 2 && segments.first() == u"watch") {
        // The page reads its key from the URL: only a valid key gets one.
        if (!storage::isValidStreamKey(segments.at(1)))
            return invalidStreamKey();
        return routeWebFile(incoming, QStringLiteral("watch.html"));
    }
    if (segments.size() == 2 && segments.first() == u"assets" &&
        m_webAssets.isAsset(segments.at(1)))
        return routeWebFile(incoming, segments.at(1));
    if (segments.size() >= 3 && segments.first() == u"livestream") {
        const QString &streamKey = segments.at(1);
        if (!storage::isValidStreamKey(streamKey))
            return invalidStreamKey();
        return routeStream(incoming, streamKey, segments.mid(2));
    }
    Routed routed;
    routed.reply = HttpReply::error(404, QStringLiteral("not found"));
    return routed;
}

HttpApi::Routed HttpApi::invalidStreamKey()
{
    Routed routed;
    routed.route = HttpRoute::BadPath;
    routed.reply = HttpReply::error(
        400, QStringLiteral("invalid stream id (allowed: 1-64 of A-Z a-z 0-9 _ -)"));
    return routed;
}

HttpApi::Routed HttpApi::routeWebFile(const Incoming &incoming, const QString &name)
{
    return dispatch(incoming, HttpRoute::WebPage, Access::Read, [&] {
        const std::optional<HttpReply> reply =
            m_webAssets.reply(name, incoming.request.value(QByteArrayLiteral("If-None-Match")),
                              incoming.request.value(QByteArrayLiteral("Accept-Encoding")));
        return reply ? *reply : HttpReply::error(404, QStringLiteral("not found"));
    });
}

HttpApi::Routed HttpApi::routeStream(const Incoming &incoming, const QString &streamKey,
                                     const QStringList &rest)
{
    Routed routed;
    if (rest.size() == 1) {
        const QString &name = rest.first();
        // recording.m3u8 is the master playlist of the renditions' recordings.
        if (name == u"stream.m3u8" || name == u"master.m3u8" || name == u"recording.m3u8") {
            routed = dispatch(incoming,
                              name == u"stream.m3u8" ? HttpRoute::StreamPlaylist
                                                     : HttpRoute::MasterPlaylist,
                              Access::Read,
                              [&] { return servePlaylist(incoming, streamKey, rest); });
            routed.playbackStreamKey = streamKey;
            return routed;
        }
        if (isTopRenditionSegmentName(name)) {
            routed = dispatch(incoming, HttpRoute::Segment, Access::Read,
                              [&] { return serveTopRenditionSegment(incoming, streamKey, name); });
            routed.playbackStreamKey = streamKey;
            return routed;
        }
        if (name == u"ll.m3u8")
            return routeLowLatency(incoming, streamKey, rest);
        if (name == u"status")
            return dispatch(incoming, HttpRoute::Status, Access::Read,
                            [&] { return statusReply(streamKey); });
        if (name == u"playback")
            return dispatch(incoming, HttpRoute::StreamInfo, Access::Read,
                            [&] { return playbackReply(incoming, streamKey); });
        if (name == u"ingest")
            return dispatch(incoming, HttpRoute::StreamInfo, Access::Read,
                            [&] { return ingestReply(incoming, streamKey); });
        if (name == u"start")
            return dispatch(incoming, HttpRoute::Control, Access::Control,
                            [&] { return startReply(incoming, streamKey); });
        if (name == u"stop")
            return dispatch(incoming, HttpRoute::Control, Access::Control,
                            [&] { return stopReply(incoming, streamKey); });
        if (name == u"chat") {
            // GET lists, POST sends: OPTIONS answers as a POST route so preflights allow it.
            using Method = QHttpServerRequest::Method;
            const bool isRead = incoming.method == Method::Get || incoming.method == Method::Head;
            return dispatch(incoming, HttpRoute::Chat, isRead ? Access::Read : Access::Control,
                            [&] {
                                return isRead ? chatListReply(incoming, streamKey)
                                              : chatSendReply(incoming, streamKey);
                            });
        }
        if (name == u"rtmp-key")
            return dispatch(incoming, HttpRoute::Control, Access::Control,
                            [&] { return rtmpKeyReply(incoming, streamKey); });
    } else if (rest.size() == 2) {
        const QString &rendition = rest.at(0);
        const QString &name = rest.at(1);
        if (name.endsWith(u".m3u8") || name.endsWith(u".ts")) {
            routed = dispatch(incoming, HttpRoute::RenditionFile, Access::Read, [&] {
                return name.endsWith(u".m3u8")
                           ? servePlaylist(incoming, streamKey, rest)
                           : serveSegment(incoming, streamKey, rendition, name);
            });
            routed.playbackStreamKey = streamKey;
            return routed;
        }
    } else if (rest.size() == 3 && rest.first() == u"ll") {
        return routeLowLatency(incoming, streamKey, rest);
    }
    routed.reply = HttpReply::error(404, QStringLiteral("not found"));
    return routed;
}

HttpApi::Routed HttpApi::dispatch(const Incoming &incoming, HttpRoute route, Access access,
                                  const std::function<HttpReply()> &handler)
{
    using Method = QHttpServerRequest::Method;
    Routed routed;
    routed.route = route;
    routed.access = access;
    const Method method = incoming.method;
    if (method == Method::Options) {
        routed.reply = HttpReply::noContent();
        return routed;
    }
    const bool isAllowed = access == Access::Control
                               ? method == Method::Post
                               : method == Method::Get || method == Method::Head;
    if (!isAllowed) {
        routed.reply = HttpReply::error(405, QStringLiteral("method not allowed"));
        routed.reply.extraHeaders.append(
            {QByteArrayLiteral("Allow"), access == Access::Control ? controlMethods : readMethods});
        return routed;
    }
    routed.reply = handler();
    return routed;
}

HttpReply HttpApi::serveMedia(const Incoming &incoming, const MediaFile &file,
                             bool isPlaylist) const
{
    if (file.outcome == MediaFile::Outcome::TooLarge)
        return HttpReply::error(500, QStringLiteral("file too large to serve"));
    if (file.outcome == MediaFile::Outcome::NotFound)
        return HttpReply::error(404, isPlaylist ? QStringLiteral("playlist not found")
                                                : QStringLiteral("segment not found"));
    const QByteArray range = incoming.request.value(QByteArrayLiteral("Range"));
    const QByteArray ifNoneMatch = incoming.request.value(QByteArrayLiteral("If-None-Match"));
    const QByteArray ifRange = incoming.request.value(QByteArrayLiteral("If-Range"));
    const MediaResponse plan = MediaResponse::plan(
        file.etag, file.bytes.size(),
        MediaRequestHeaders{incoming.method == QHttpServerRequest::Method::Head, range,
                            ifNoneMatch, ifRange});
    HttpReply reply;
    if (plan.statusCode == 416) {
        reply = HttpReply::error(416, QStringLiteral("range not satisfiable: the file has %1 bytes")
                                          .arg(file.bytes.size()));
    } else {
        reply = HttpReply::content(
            plan.statusCode == 206 ? file.bytes.sliced(plan.bodyOffset, plan.bodyLength)
            : plan.statusCode == 304 ? QByteArray()
                                     : file.bytes,
            plan.statusCode == 304 ? QByteArray()
            : isPlaylist           ? playlistType
                                   : segmentType,
            isPlaylist ? playlistCache : segmentCache);
        reply.statusCode = plan.statusCode;
    }
    reply.extraHeaders.append(plan.headers);
    return reply;
}

HttpReply HttpApi::servePlaylist(const Incoming &incoming, const QString &streamKey,
                                 const QStringList &relativeSegments) const
{
    return serveMedia(incoming, m_media->find(streamKey, relativeSegments), true);
}

HttpReply HttpApi::serveSegment(const Incoming &incoming, const QString &streamKey,
                                const QString &rendition, const QString &fileName) const
{
    const QStringList relative =
        rendition.isEmpty() ? QStringList{fileName} : QStringList{rendition, fileName};
    return serveMedia(incoming, m_media->find(streamKey, relative), false);
}

HttpReply HttpApi::serveTopRenditionSegment(const Incoming &incoming, const QString &streamKey,
                                            const QString &fileName) const
{
    // With no known rendition the segments sit in the stream's folder itself (one-rendition
    // layout of older streams).
    return serveSegment(incoming, streamKey, topRenditionName(streamKey), fileName);
}

QString HttpApi::topRenditionName(const QString &streamKey) const
{
    if (const session::Stream *stream = m_registry.find(streamKey)) {
        const QString name = stream->topRenditionName();
        if (!name.isEmpty())
            return name;
    }
    storage::StreamMetadata metadata;
    if (m_registry.store().readMetadata(streamKey, &metadata) && !metadata.renditionNames.isEmpty())
        return metadata.renditionNames.first();
    return {};
}

HttpReply HttpApi::statusReply(const QString &streamKey)
{
    QJsonObject status =
        buildStreamStatus(streamKey, m_registry.find(streamKey), httpViewerCount(streamKey));
    if (m_relayStatusProvider)
        status.insert(QStringLiteral("relays"), m_relayStatusProvider());
    if (m_restreamStatusProvider) {
        const QJsonObject restream = m_restreamStatusProvider(streamKey);
        for (auto it = restream.begin(); it != restream.end(); ++it)
            status.insert(it.key(), it.value());
    }
    if (m_storageStatusProvider) {
        const QJsonObject storage = m_storageStatusProvider(streamKey);
        for (auto it = storage.begin(); it != storage.end(); ++it)
            status.insert(it.key(), it.value());
    }
    if (m_rtmpStatusProvider) {
        const QJsonObject rtmp = m_rtmpStatusProvider(streamKey);
        for (auto it = rtmp.begin(); it != rtmp.end(); ++it)
            status.insert(it.key(), it.value());
    }
    // The NIP-53 address viewers tag their chat messages with (the watch page sends through the
    // relays above).
    if (const nostr::LiveChat *chat = m_chatProvider ? m_chatProvider(streamKey) : nullptr)
        status.insert(QStringLiteral("chat"),
                      QJsonObject{{QStringLiteral("address"), chat->address()}});
    return HttpReply::json(status);
}

std::optional<QString> HttpApi::verifyPostProof(const IngestAuth &auth, const Incoming &incoming,
                                                const QByteArray &authorization, QString *error)
{
    // u must name this URL as the client reached it (the Host it sent), method POST, and the
    // body when the event carries a payload tag.
    const QUrl requestUrl(
        QStringLiteral("http://%1%2")
            .arg(incoming.publicHost, incoming.request.url().path(QUrl::FullyEncoded)));
    return auth.verifyHttpAuthorization(QString::fromLatin1(authorization), requestUrl, u"POST",
                                        incoming.request.body(),
                                        QDateTime::currentSecsSinceEpoch(), error);
}

std::optional<QString> HttpApi::authorizeControl(const Incoming &incoming,
                                                 const QString &streamKey, const QString &userId,
                                                 HttpReply *refusal) const
{
    const auto refuse = [&](const QString &reason) -> std::optional<QString> {
        qInfo().noquote() << "[http] refused" << incoming.request.url().path() << "from"
                          << incoming.request.remoteAddress().toString() << ":" << reason;
        *refusal = HttpReply::error(401, reason);
        return std::nullopt;
    };
    if (!m_controlAuth)
        return refuse(QStringLiteral("stream control is not enabled on this studio"));
    const QByteArray authorization = incoming.request.value(QByteArrayLiteral("Authorization"));
    QString pubkey;
    QString authError;
    if (!authorization.isEmpty()) {
        const std::optional<QString> verified =
            verifyPostProof(*m_controlAuth, incoming, authorization, &authError);
        if (!verified)
            return refuse(authError);
        pubkey = *verified;
    }
    // The studio's own key may start and stop any stream on it.
    if (!pubkey.isEmpty() && pubkey == m_studioPubkey)
        return pubkey;
    const IngestOptions &options = m_controlAuth->options();
    if (pubkey.isEmpty() && !options.isOpenIngest)
        return refuse(QStringLiteral("authentication required: send a NIP-98 event (kind 27235, "
                                     "u = this URL, method POST) signed by the stream's owner "
                                     "as 'Authorization: Nostr <base64>'"));
    // Under open ingest an unproven request speaks for the userId it names.
    const QString publisherId = pubkey.isEmpty() ? userId : pubkey;
    if (!options.allowedPubkeys.isEmpty() && !options.allowedPubkeys.contains(publisherId.toLower()))
        return refuse(QStringLiteral("%1 is not allowed to publish here").arg(publisherId.left(64)));
    const QString owner = m_registry.ownerOf(streamKey);
    if (!owner.isEmpty() && owner != publisherId && !options.isOpenIngest)
        return refuse(QStringLiteral("stream key %1 belongs to another publisher").arg(streamKey));
    return publisherId;
}

HttpReply HttpApi::startReply(const Incoming &incoming, const QString &streamKey)
{
    const QByteArray body = incoming.request.body();
    if (body.size() > maxRequestBodyBytes)
        return HttpReply::error(413, QStringLiteral("request body too large"));
    QJsonObject object;
    QString userId;
    QString title;
    QString description;
    QString error;
    if (!parseJsonBody(body, &object, &error) ||
        !checkAction(object, QStringLiteral("start"), &error) ||
        !optionalString(object, QStringLiteral("userId"), maxUserIdLength, &userId, &error) ||
        !optionalString(object, QStringLiteral("title"), maxTitleLength, &title, &error) ||
        !optionalString(object, QStringLiteral("description"), maxTitleLength, &description,
                        &error))
        return HttpReply::error(400, error);
    HttpReply refusal;
    const std::optional<QString> publisherId =
        authorizeControl(incoming, streamKey, userId, &refusal);
    if (!publisherId)
        return refusal;

    const StreamUrls urls = StreamUrls::make(incoming.publicHost, streamKey);
    QJsonObject answer{
        {QStringLiteral("streamId"), streamKey},
        {QStringLiteral("playbackUrl"), urls.playbackUrl},
        {QStringLiteral("ingestUrl"), urls.ingestUrl},
        {QStringLiteral("timestamp"), nowIso()},
    };
    const session::Stream *existing = m_registry.find(streamKey);
    if (existing && existing->isActive()) {
        answer.insert(QStringLiteral("status"), QStringLiteral("already_exists"));
        answer.insert(QStringLiteral("message"),
                      QStringLiteral("Stream already exists and is active"));
        return HttpReply::json(answer);
    }
    if (userId.isEmpty())
        userId = QStringLiteral("anonymous");
    // A new run keeps its key's owner; the studio's key starting a stream does not become its
    // owner; an unproven open-ingest start without a userId leaves the stream to whoever
    // publishes first.
    QString ownerId = existing ? existing->ownerId() : QString();
    if (ownerId.isEmpty() && *publisherId != m_studioPubkey)
        ownerId = *publisherId;
    if (!m_registry.createStream(streamKey, ownerId, userId, title, &error))
        return HttpReply::error(503, error);
    answer.insert(QStringLiteral("status"), QStringLiteral("created_and_started"));
    answer.insert(QStringLiteral("message"),
                  QStringLiteral("Stream created and started; waiting for media"));
    return HttpReply::json(answer);
}

HttpReply HttpApi::stopReply(const Incoming &incoming, const QString &streamKey)
{
    const QByteArray body = incoming.request.body();
    if (body.size() > maxRequestBodyBytes)
        return HttpReply::error(413, QStringLiteral("request body too large"));
    QJsonObject object;
    QString error;
    if (!parseJsonBody(body, &object, &error) ||
        !checkAction(object, QStringLiteral("stop"), &error))
        return HttpReply::error(400, error);
    HttpReply refusal;
    if (!authorizeControl(incoming, streamKey, QString(), &refusal))
        return refusal;

    QJsonObject answer{
        {QStringLiteral("streamId"), streamKey},
        {QStringLiteral("timestamp"), nowIso()},
    };
    session::Stream *stream = m_registry.find(streamKey);
    if (stream && stream->isActive() && stream->state() != session::Stream::State::Ending) {
        stream->stop();
        answer.insert(QStringLiteral("status"), QStringLiteral("stopped"));
        answer.insert(QStringLiteral("message"), QStringLiteral("Stream stopped"));
    } else {
        answer.insert(QStringLiteral("status"), QStringLiteral("already_stopped"));
        answer.insert(QStringLiteral("message"),
                      QStringLiteral("Stream was not active or already stopped"));
    }
    return HttpReply::json(answer);
}

HttpReply HttpApi::playbackReply(const Incoming &incoming, const QString &streamKey)
{
    const session::Stream *stream = m_registry.find(streamKey);
    storage::StreamMetadata metadata;
    if (!stream && !m_registry.store().readMetadata(streamKey, &metadata))
        return HttpReply::error(404, QStringLiteral("Stream not found"));
    const StreamUrls urls = StreamUrls::make(incoming.publicHost, streamKey);
    return HttpReply::json(QJsonObject{
        {QStringLiteral("streamId"), streamKey},
        {QStringLiteral("playbackUrl"), urls.playbackUrl},
        {QStringLiteral("masterPlaylistUrl"), urls.masterPlaylistUrl},
        {QStringLiteral("ingestUrl"), urls.ingestUrl},
        {QStringLiteral("status"), stream ? stream->stateName() : QStringLiteral("ended")},
        {QStringLiteral("isActive"), stream && stream->isActive()},
    });
}

HttpReply HttpApi::ingestReply(const Incoming &incoming, const QString &streamKey) const
{
    const StreamUrls urls = StreamUrls::make(incoming.publicHost, streamKey);
    return HttpReply::json(QJsonObject{
        {QStringLiteral("streamId"), streamKey},
        {QStringLiteral("ingestUrl"), urls.ingestUrl},
        {QStringLiteral("protocol"), QStringLiteral("socket.io")},
        {QStringLiteral("transport"), QStringLiteral("websocket")},
        {QStringLiteral("path"), QStringLiteral("/socket.io/")},
    });
}

namespace
{

QJsonObject chatMessageJson(const nostr::Event &event)
{
    return QJsonObject{
        {QStringLiteral("id"), event.id.toHex()},
        {QStringLiteral("pubkey"), event.pubkey.toHex()},
        {QStringLiteral("npub"), nostr::Nip19::encodeNpub(event.pubkey)},
        {QStringLiteral("createdAt"), double(event.createdAt)},
        {QStringLiteral("content"), event.content},
    };
}

} // namespace

HttpReply HttpApi::chatListReply(const Incoming &incoming, const QString &streamKey) const
{
    const nostr::LiveChat *chat = m_chatProvider ? m_chatProvider(streamKey) : nullptr;
    if (!chat)
        return HttpReply::error(404, QStringLiteral("this stream has no chat (is the studio "
                                                    "announcing it on Nostr?)"));
    std::optional<qint64> since;
    const QUrlQuery query(incoming.request.url());
    if (query.hasQueryItem(QStringLiteral("since"))) {
        bool isNumber = false;
        const qint64 value = query.queryItemValue(QStringLiteral("since")).toLongLong(&isNumber);
        if (!isNumber || value < 0)
            return HttpReply::error(400, QStringLiteral("since must be unix seconds"));
        since = value;
    }
    QJsonArray messages;
    for (const nostr::Event &event : chat->messages(since))
        messages.append(chatMessageJson(event));
    return HttpReply::json(QJsonObject{
        {QStringLiteral("streamId"), streamKey},
        {QStringLiteral("messages"), messages},
    });
}

HttpReply HttpApi::chatSendReply(const Incoming &incoming, const QString &streamKey) const
{
    nostr::LiveChat *chat = m_chatProvider ? m_chatProvider(streamKey) : nullptr;
    if (!chat)
        return HttpReply::error(404, QStringLiteral("this stream has no chat (is the studio "
                                                    "announcing it on Nostr?)"));
    const QByteArray body = incoming.request.body();
    if (body.size() > maxRequestBodyBytes)
        return HttpReply::error(413, QStringLiteral("request body too large"));

    // NIP-98: signed by the host key, for this URL and method (the body too when it says so).
    const QByteArray authorization = incoming.request.value(QByteArrayLiteral("Authorization"));
    if (authorization.isEmpty())
        return HttpReply::error(401, QStringLiteral("authentication required: send a NIP-98 "
                                                    "event (kind 27235) signed by the host key "
                                                    "as 'Authorization: Nostr <base64>'"));
    QString error;
    const std::optional<QString> pubkey = verifyPostProof(
        IngestAuth(chat->context(), IngestOptions{}), incoming, authorization, &error);
    if (!pubkey)
        return HttpReply::error(401, error);
    if (*pubkey != chat->hostPublicKey().toHex())
        return HttpReply::error(401, QStringLiteral("only the host key may send here"));

    QJsonObject object;
    if (!parseJsonBody(body, &object, &error))
        return HttpReply::error(400, error);
    const QJsonValue content = object.value(QStringLiteral("content"));
    if (!content.isString())
        return HttpReply::error(400, QStringLiteral("'content' must be a string"));
    const std::optional<nostr::Event> sent = chat->send(content.toString(), &error);
    if (!sent)
        return HttpReply::error(400, error);
    QJsonObject answer = chatMessageJson(*sent);
    answer.insert(QStringLiteral("streamId"), streamKey);
    return HttpReply::json(answer);
}

HttpReply HttpApi::healthReply() const
{
    QJsonObject health{
        {QStringLiteral("status"), QStringLiteral("ok")},
        {QStringLiteral("timestamp"), nowIso()},
        {QStringLiteral("uptimeSeconds"), double(m_clock.elapsed()) / 1000.0},
        {QStringLiteral("activeStreams"), int(m_registry.activeStreams().size())},
        {QStringLiteral("fileDescriptorLimit"), GatedTcpServer::descriptorLimit()},
        {QStringLiteral("listenBacklog"), m_tcpServer ? m_tcpServer->listenBacklogSize() : 0},
    };
    if (m_relayStatusProvider)
        health.insert(QStringLiteral("relays"), m_relayStatusProvider());
    return HttpReply::json(health);
}

HttpReply HttpApi::activeReply(const Incoming &incoming)
{
    // Only what viewers can watch: streams with media. A stream still waiting for its publisher
    // is nobody else's business (its key is not public yet).
    QList<session::Stream *> live;
    for (session::Stream *stream : m_registry.activeStreams())
        if (stream->hasPipeline() && stream->state() == session::Stream::State::Live)
            live << stream;
    std::sort(live.begin(), live.end(), [](const session::Stream *a, const session::Stream *b) {
        return a->key() < b->key();
    });
    QJsonArray streams;
    for (const session::Stream *stream : live)
        streams.append(activeStreamEntry(*stream, httpViewerCount(stream->key()),
                                         StreamUrls::make(incoming.publicHost, stream->key())));
    return HttpReply::json(QJsonObject{
        {QStringLiteral("count"), int(streams.size())},
        {QStringLiteral("streams"), streams},
    });
}

HttpReply HttpApi::metricsReply()
{
    if (m_mediaServing)
        m_mediaServing->collect();
    QList<session::Stream *> active = m_registry.activeStreams();
    std::sort(active.begin(), active.end(), [](const session::Stream *a, const session::Stream *b) {
        return a->key() < b->key();
    });
    QList<StreamMetricsSample> samples;
    samples.reserve(active.size());
    for (const session::Stream *stream : active) {
        samples.append(StreamMetricsSample{stream->key(), stream->viewerCount(),
                                           httpViewerCount(stream->key()), stream->segmentCount(),
                                           stream->stats()});
    }
    QByteArray text = m_metrics.render(samples, int(active.size()), double(m_clock.elapsed()) / 1000.0);
    if (m_extraMetricsProvider)
        text += m_extraMetricsProvider();
    return HttpReply::content(text, HttpMetrics::contentType, QByteArrayLiteral("no-store"));
}

QString HttpApi::publicHost(const QHttpServerRequest &request, const QTcpSocket *socket) const
{
    const QByteArray host = request.value(QByteArrayLiteral("Host"));
    if (isPlausibleHost(host))
        return QString::fromLatin1(host);
    return QStringLiteral("%1:%2").arg(hostForUrl(socket->localAddress())).arg(socket->localPort());
}

qint64 HttpApi::writeReply(const QHttpServerRequest &request, QTcpSocket *socket,
                           const Routed &routed)
{
    const HttpReply &reply = routed.reply;
    QHttpServerResponder responder = makeResponder(request, socket);
    responder.writeStatusLine(QHttpServerResponder::StatusCode(reply.statusCode));
    const bool isPreflight = request.method() == QHttpServerRequest::Method::Options;
    for (const auto &[name, value] : replyHeaders(routed, isPreflight))
        responder.writeHeader(name, value);

    const bool hasBody = reply.statusCode != 204 && reply.statusCode != 304 &&
                         request.method() != QHttpServerRequest::Method::Head;
    // writeBody also ends the header block, so it is called even without a body.
    responder.writeBody(hasBody ? reply.body : QByteArray());
    return hasBody ? reply.body.size() : 0;
}

QList<std::pair<QByteArray, QByteArray>> HttpApi::replyHeaders(const Routed &routed,
                                                               bool isPreflight) const
{
    const HttpReply &reply = routed.reply;
    QList<std::pair<QByteArray, QByteArray>> headers;
    if (!reply.contentType.isEmpty())
        headers.append({QByteArrayLiteral("Content-Type"), reply.contentType});
    if (!reply.cacheControl.isEmpty())
        headers.append({QByteArrayLiteral("Cache-Control"), reply.cacheControl});
    headers += reply.extraHeaders;

    const QByteArray origin = m_options.corsOrigin.toUtf8();
    headers.append({QByteArrayLiteral("Access-Control-Allow-Origin"), origin});
    if (origin != "*")
        headers.append({QByteArrayLiteral("Vary"), QByteArrayLiteral("Origin")});
    headers.append({QByteArrayLiteral("Access-Control-Allow-Methods"),
                    routed.access == Access::Control ? controlCorsMethods : readMethods});
    headers.append({QByteArrayLiteral("Access-Control-Allow-Headers"),
                    QByteArrayLiteral("Content-Type, Authorization, Range")});
    headers.append({QByteArrayLiteral("Access-Control-Expose-Headers"),
                    QByteArrayLiteral("Content-Length")});
    if (isPreflight)
        headers.append({QByteArrayLiteral("Access-Control-Max-Age"), QByteArrayLiteral("600")});
    headers.append({QByteArrayLiteral("X-Content-Type-Options"), QByteArrayLiteral("nosniff")});
    // A 304 names no length: its Content-Length would have to be the full answer's.
    if (reply.statusCode != 204 && reply.statusCode != 304)
        headers.append(
            {QByteArrayLiteral("Content-Length"), QByteArray::number(reply.body.size())});
    return headers;
}

void HttpApi::finish(const QHttpServerRequest &request, QTcpSocket *socket, const Routed &routed)
{
    const qint64 bodyBytes = writeReply(request, socket, routed);
    m_metrics.recordResponse(routed.route, routed.reply.statusCode, bodyBytes);
    // A GET of a playlist or segment is a viewer watching; HEAD probes are not.
    const int status = routed.reply.statusCode;
    if (!routed.playbackStreamKey.isEmpty() && (status == 200 || status == 206 || status == 304) &&
        request.method() == QHttpServerRequest::Method::Get) {
        m_viewers.recordFetch(
            routed.playbackStreamKey,
            PlaybackViewerTracker::clientId(request.remoteAddress(),
                                            request.value(QByteArrayLiteral("User-Agent"))),
            m_clock.elapsed());
    }
}

void HttpApi::recordMediaServing(const MediaServingReport &report)
{
    for (auto it = report.responses.constBegin(); it != report.responses.constEnd(); ++it)
        m_metrics.recordResponses(HttpRoute(it.key().first), it.key().second, it->requests,
                                  it->bodyBytes);
    const qint64 now = m_clock.elapsed();
    for (const auto &[streamKey, clientId] : report.viewerFetches)
        m_viewers.recordFetch(streamKey, clientId, now);
}

} // namespace afk::server
