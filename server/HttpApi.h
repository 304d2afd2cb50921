// The embedded HTTP server: HLS playlists and segments of every stream, the /livestream control
// and status routes of afk-protocol.md, health, Prometheus metrics and the studio's own pages
// (WebAssets: "/" and /watch/<key>). WebSocket upgrades go to the taker of setWebSocketTaker()
// first (the Socket.IO server takes those on /socket.io/ onto its own connections); without one,
// Qt's WebSocket server gets them and /socket.io/ is answered 503.
// Every connection passes a ConnectionGate first (see GatedTcpServer): request size limits,
// timeouts and the connection cap are enforced before Qt reads a request. With serving threads
// (the default), connections go to MediaServingPool first, which answers the media GETs and HEADs
// from the MediaIndex and hands every other request back here.
#pragma once

#include "BlockingReloads.h"
#include "GatedTcpServer.h"
#include "HttpMetrics.h"
#include "HttpReply.h"
#include "IngestAuth.h"
#include "MediaLookup.h"
#include "MediaServingPool.h"
#include "PlaybackViewerTracker.h"
#include "WebAssets.h"

#include <QAbstractHttpServer>
#include <QElapsedTimer>
#include <QHostAddress>
#include <QHttpServerRequest>
#include <QJsonObject>
#include <QPointer>
#include <QTimer>
#include <functional>
#include <optional>

class QTcpServer;

namespace afk::session
{
class Stream;
class StreamRegistry;
} // namespace afk::session
namespace afk::nostr
{
class LiveChat;
} // namespace afk::nostr

namespace afk::server
{

class RequestPath;

struct HttpApiOptions {
    // Access-Control-Allow-Origin of every answer; "*" or one origin (then Vary: Origin).
    QString corsOrigin = QStringLiteral("*");
    // Connections open at once, WebSocket ones included (--max-connections).
    int maxConnections = GatedTcpServer::defaultMaxConnections;
    // The listening socket's accept queue (--listen-backlog); 0: the system's limit.
    int listenBacklog = 0;
    // What the packagers publish in memory (none: media files come from disk).
    std::shared_ptr<media::MediaIndex> mediaIndex;
    // Threads answering media GETs and HEADs (MediaServingPool); 0: one per core (at least 2);
    // -1: none, HttpApi answers every request on its own thread.
    int servingThreads = 0;
};

class HttpApi : public QAbstractHttpServer
{
    Q_OBJECT
public:
    static constexpr qint64 maxServedFileBytes = MediaFileCache::maxFileBytes;
    static constexpr qint64 maxRequestBodyBytes = 64 * 1024;

    // registry must outlive this server.
    HttpApi(session::StreamRegistry &registry, HttpApiOptions options, QObject *parent = nullptr);
    ~HttpApi() override;

    // Starts accepting connections; port 0 picks a free port (see serverPort()). Only once.
    // Request bodies are limited before they are read: maxRequestBodyBytes for POST (the only
    // method a route reads a body of), RequestLimits' defaults for the rest.
    // On failure: false and a one-line error such as
    // "cannot listen on 127.0.0.1:5050: address already in use".
    bool listen(const QHostAddress &address, quint16 port, QString *error);
    bool isListening() const;
    // The port listened on; 0 before a successful listen().
    quint16 serverPort() const;

    // Distinct HLS clients (remote address + User-Agent) of the stream in the last 15 s.
    int httpViewerCount(const QString &streamKey);
    const HttpMetrics &metrics() const
    {
        if (m_mediaServing)
            m_mediaServing->collect(); // the serving threads' counts too
        return m_metrics;
    }
    // Every WebSocket upgrade request goes to taker before Qt's WebSocket server (see
    // GatedTcpServer::setWebSocketTaker); a taken connection counts against --max-connections
    // until releaseWebSocket().
    void setWebSocketTaker(WebSocketTaker taker);
    void releaseWebSocket();
    // State of the studio's Nostr relays, shown as "relays" in /health and every /status
    // (unset: no relays configured).
    void setRelayStatusProvider(std::function<QJsonArray()> provider)
    {
        m_relayStatusProvider = std::move(provider);
    }
    // Members merged into a stream's /status (restream targets, the cloudinary section, the
    // public playback URL); an empty object adds nothing.
    void setRestreamStatusProvider(std::function<QJsonObject(const QString &streamKey)> provider)
    {
        m_restreamStatusProvider = std::move(provider);
    }
    // Fields merged into a stream's /status: "storage" (each upload target's backlog, rate,
    // errors) and "publicPlaybackUrl" (unset: no uploads).
    void setStorageStatusProvider(std::function<QJsonObject(const QString &streamKey)> provider)
    {
        m_storageStatusProvider = std::move(provider);
    }
    // More Prometheus text appended to /metrics (Socket.IO, ingest, relays: parts that live
    // outside the HTTP server).
    void setExtraMetricsProvider(std::function<QByteArray()> provider)
    {
        m_extraMetricsProvider = std::move(provider);
    }
    // The NIP-53 chat of a stream (nullptr: the stream has no chat), for GET and POST
    // /livestream/:id/chat. A POST must carry a NIP-98 proof signed by the chat's host key. Unset:
    // every chat route answers 404.
    void setChatProvider(std::function<nostr::LiveChat *(const QString &streamKey)> provider)
    {
        m_chatProvider = std::move(provider);
    }
    // Who may POST /livestream/:id/start and /stop: a NIP-98 proof (kind 27235, u = the request
    // URL, method POST) by the stream's owner, by a new stream's first publisher (within the
    // allow list), or by the studio's own key (studioPubkey, hex; empty when it has none); or
    // anyone under open ingest. Unset: both routes answer 401.
    void setControlAuth(const IngestAuth &auth, const QString &studioPubkey)
    {
        m_controlAuth.emplace(auth);
        m_studioPubkey = studioPubkey;
    }

    // POST /livestream/:id/rtmp-key (HttpApiRtmp.cpp): issue(streamId, publisherId) makes a
    // fresh RTMP stream key for it, published to rtmp://<host>:port/live/<key>; publisherId
    // (who asked, as /start would take it) owns the stream it starts. Unset: the route answers 501.
    void setRtmpKeyIssuer(
        quint16 port,
        std::function<QString(const QString &streamId, const QString &publisherId)> issue)
    {
        m_rtmpPort = port;
        m_rtmpKeyIssuer = std::move(issue);
    }
    // What a stream's /status shows of its RTMP publisher (merged into its object).
    void setRtmpStatusProvider(std::function<QJsonObject(const QString &streamKey)> provider)
    {
        m_rtmpStatusProvider = std::move(provider);
    }

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    enum class Access { Invalid = 0, Read, Control };

    struct Incoming {
        const QHttpServerRequest &request;
        QHttpServerRequest::Method method;
        QString publicHost; // host[:port] clients reach us by, for absolute URLs
        QTcpSocket *socket = nullptr;
    };

    struct Routed {
        HttpRoute route = HttpRoute::NotFound;
        Access access = Access::Read;
        HttpReply reply;
        QString playbackStreamKey; // set for playlist/segment answers: counts an HTTP viewer
        bool isDeferred = false;   // held (LL-HLS blocking request): answered later
    };
    // What a held request needs to be answered after handleRequest returned (Qt 6.4's request
    // and responder live only during it).
    struct HeldRequest {
        QPointer<QTcpSocket> socket;
        bool isHead = false;
        QByteArray clientId;
    };

    Routed route(const Incoming &incoming, const RequestPath &path);
    Routed routeStream(const Incoming &incoming, const QString &streamKey, const QStringList &rest);
    // "/", /watch/<key> and /assets/<name>: the embedded pages (WebAssets).
    Routed routeWebFile(const Incoming &incoming, const QString &name);
    static Routed invalidStreamKey();
    Routed dispatch(const Incoming &incoming, HttpRoute route, Access access,
                    const std::function<HttpReply()> &handler);

    // The answer to a GET or HEAD of a media file: 200/206/304/416 (MediaResponse) or 404/500.
    HttpReply serveMedia(const Incoming &incoming, const MediaFile &file, bool isPlaylist) const;
    HttpReply servePlaylist(const Incoming &incoming, const QString &streamKey,
                            const QStringList &relativeSegments) const;
    HttpReply serveSegment(const Incoming &incoming, const QString &streamKey,
                           const QString &rendition, const QString &fileName) const;
    HttpReply serveTopRenditionSegment(const Incoming &incoming, const QString &streamKey,
                                       const QString &fileName) const;
    void recordMediaServing(const MediaServingReport &report);

    HttpReply statusReply(const QString &streamKey);
    // The verified pubkey of a POST's NIP-98 "Authorization" value, or nullopt with *error.
    static std::optional<QString> verifyPostProof(const IngestAuth &auth, const Incoming &incoming,
                                                  const QByteArray &authorization, QString *error);
    // The publisher id allowed to control streamKey, or nullopt with the 401 answer in *refusal.
    std::optional<QString> authorizeControl(const Incoming &incoming, const QString &streamKey,
                                            const QString &userId, HttpReply *refusal) const;
    HttpReply startReply(const Incoming &incoming, const QString &streamKey);
    HttpReply stopReply(const Incoming &incoming, const QString &streamKey);
    HttpReply rtmpKeyReply(const Incoming &incoming, const QString &streamKey);
    HttpReply playbackReply(const Incoming &incoming, const QString &streamKey);
    HttpReply ingestReply(const Incoming &incoming, const QString &streamKey) const;
    HttpReply chatListReply(const Incoming &incoming, const QString &streamKey) const;
    HttpReply chatSendReply(const Incoming &incoming, const QString &streamKey) const;
    HttpReply healthReply() const;
    HttpReply activeReply(const Incoming &incoming);
    HttpReply metricsReply();

    // Low-Latency HLS: ll.m3u8 and ll/<rendition>/… (HttpApiLowLatency.cpp).
    Routed routeLowLatency(const Incoming &incoming, const QString &streamKey,
                           const QStringList &rest);
    HttpReply lowLatencyPlaylistReply(const QString &streamKey, const QString &rendition) const;
    HttpReply lowLatencyFileReply(const QString &streamKey, const QString &rendition,
                                  const QString &name) const;
    // Holds the request until `wanted` of the rendition exists, then answers with `reply`.
    Routed holdLowLatency(const Incoming &incoming, const QString &streamKey,
                          const QString &rendition, const WantedPosition &wanted,
                          std::function<HttpReply()> reply);
    void onLowLatencyPublished(const QString &streamKey, const QString &rendition);
    void writeHeldReply(const HeldRequest &held, const Routed &routed);
    QList<std::pair<QByteArray, QByteArray>> replyHeaders(const Routed &routed,
                                                          bool isPreflight) const;

    QString topRenditionName(const QString &streamKey) const;
    QString publicHost(const QHttpServerRequest &request, const QTcpSocket *socket) const;
    // Writes the answer (no body for HEAD) and returns the body bytes written.
    qint64 writeReply(const QHttpServerRequest &request, QTcpSocket *socket, const Routed &routed);
    void finish(const QHttpServerRequest &request, QTcpSocket *socket, const Routed &routed);

    session::StreamRegistry &m_registry;
    HttpApiOptions m_options;
    QPointer<QTcpServer> m_tcpServer;
    WebSocketTaker m_webSocketTaker; // handed to the GatedTcpServer of listen()
    std::shared_ptr<MediaLookup> m_media; // shared with the serving threads
    MediaServingPool *m_mediaServing = nullptr;
    QElapsedTimer m_clock; // uptime and the viewer window
    QTimer m_pruneTimer;
    HttpMetrics m_metrics;
    std::function<QJsonArray()> m_relayStatusProvider;
    std::function<QByteArray()> m_extraMetricsProvider;
    std::function<QJsonObject(const QString &)> m_restreamStatusProvider;
    std::function<QJsonObject(const QString &)> m_storageStatusProvider;
    std::function<nostr::LiveChat *(const QString &)> m_chatProvider;
    PlaybackViewerTracker m_viewers;
    WebAssets m_webAssets;
    std::optional<IngestAuth> m_controlAuth;
    QString m_studioPubkey;
    BlockingReloads m_heldRequests{4096};
    QTimer m_heldRequestTimer; // answers held requests whose wait ran out
    QHash<QString, QPointer<QObject>> m_watchedPresentations; // by stream key
    std::function<QString(const QString &, const QString &)> m_rtmpKeyIssuer;
    std::function<QJsonObject(const QString &)> m_rtmpStatusProvider;
    quint16 m_rtmpPort = 0;
};

} // namespace afk::server
