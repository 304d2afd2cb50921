// One serving thread of MediaServingPool: its own epoll loop over the connections it was given,
// answering media GETs and HEADs (MediaRoute) from MediaLookup's shared buffers.
//
// Why epoll and raw descriptors rather than a QThread with QTcpSockets: Qt 6.4's event
// dispatchers poll() every registered socket notifier on each wake-up (the cost grows with the
// connections), and QTcpSocket::write copies every body into the socket's own buffer. Here a
// response is a small header plus a reference to the one immutable QByteArray of the file,
// written with sendmsg() as the socket drains: what a connection holds is that reference, and
// what is in flight is bounded by the kernel's socket buffer.
//
// Low-Latency HLS (LowLatencyRoute) is served here too while the stream's packagers publish
// into the index: playlists, init segments, parts and segments; a blocking playlist reload
// (_HLS_msn/_HLS_part) or a request for the part a preload hint names is held on this thread —
// the connection parked, an entry in this thread's BlockingReloads — until the index has a
// playlist version that satisfies it. The thread watches each such playlist with one index
// waiter (not one per request) and bounds every hold with its epoll timeout (one timer per
// thread, not per request).
//
// A connection is served here while each request is one this thread fully understands: peeked
// (MSG_PEEK, nothing consumed), framed by RequestFramer with the gate's limits, a GET or HEAD of
// a MediaRoute without body or upgrade. Anything else — another route, a refusal, a request not
// complete in the first bytes (slow clients) — hands the descriptor back unread to the Qt side
// (ConnectionGate, then HttpApi), which answers it exactly as it would have from the start.
#pragma once

#include "BlockingReloads.h"
#include "HttpMetrics.h"
#include "HttpRequestHead.h"
#include "LowLatencyRoute.h"
#include "MediaLookup.h"
#include "RequestFramer.h"

#include <QByteArray>
#include <QHash>
#include <QString>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace afk::server
{

struct HttpReply;
struct MediaRoute;

// What a serving thread did since its last report, for HttpMetrics and PlaybackViewerTracker.
struct MediaServingReport {
    struct Count {
        quint64 requests = 0;
        quint64 bodyBytes = 0;
    };
    QHash<std::pair<int, int>, Count> responses;         // (HttpRoute, status) → count
    QList<std::pair<QString, QByteArray>> viewerFetches; // (stream key, client id)
    int closedConnections = 0;
    int idleCloses = 0;
};

struct MediaServingContext {
    RequestLimits limits;
    int requestTimeoutMs = 10'000;
    int idleTimeoutMs = 60'000;
    int lingerMs = 2'000;
    QByteArray corsOrigin = QByteArrayLiteral("*");
    std::shared_ptr<MediaLookup> lookup;
    // Called on the serving thread; must be thread-safe (MediaServingPool posts to its thread).
    std::function<void(int descriptor)> handBack;
};

class MediaServingThread
{
public:
    static constexpr int sweepIntervalMs = 1000;
    // LL-HLS requests held at once per thread; more are answered 503.
    static constexpr int maxHeldRequests = 5'000;
    // A held request waits at most three target durations (the spec), never longer than this.
    static constexpr qint64 maxHoldMs = 30'000;

    explicit MediaServingThread(std::shared_ptr<const MediaServingContext> context);
    ~MediaServingThread(); // stops, closes its connections (not reported) and joins
    MediaServingThread(const MediaServingThread &) = delete;
    MediaServingThread &operator=(const MediaServingThread &) = delete;

    bool isRunning() const { return m_thread.joinable(); }
    // From any thread: this thread serves the connected socket from now on.
    void adopt(int descriptor);
    // From any thread: what was done since the last call. Every answer is in it before its
    // first byte is sent, so a client that got its answer is counted when it asks /metrics.
    MediaServingReport takeReport();

private:
    enum class State { Reading, Writing, Draining, Held };
    // What a held LL-HLS request needs to be answered later.
    struct HeldRequest {
        HttpRequestHead head;
        LowLatencyRoute route;
    };
    // How a found file is answered.
    struct FileKind {
        HttpRoute route;
        QByteArray contentType;
        QByteArray cacheControl;
    };
    struct Connection {
        int descriptor = -1;
        quint64 serial = 0; // tells a held request's connection from a later one on its number
        State state = State::Reading;
        QString peer; // for the viewer's client id
        QByteArray header;
        qsizetype headerSent = 0;
        QByteArray body; // shared with the index or the cache
        std::shared_ptr<const OpenFile> bodyFile; // holds body: sendfile() from it (the cache's)
        quint32 watchedEvents = 0;
        qint64 bodyNext = 0;
        qint64 bodyEnd = 0;
        bool closeAfterWrite = false;
        bool hasServed = false;
        qint64 lastProgressMs = 0;
        std::unique_ptr<HeldRequest> held;
    };

    void run();
    void takeInbox();
    void onEvent(Connection &connection, quint32 events);
    void readRequest(Connection &connection);
    void answer(Connection &connection, const HttpRequestHead &head, const MediaRoute &route);
    // Whether the LL-HLS route's playlist is in the index (else HttpApi serves it from disk).
    bool isPublished(const LowLatencyRoute &route) const;
    void answerLowLatency(Connection &connection, const HttpRequestHead &head,
                          const LowLatencyRoute &route);
    void hold(Connection &connection, const HttpRequestHead &head, const LowLatencyRoute &route,
              const QString &playlistPath, const media::MediaEntry &playlist,
              const media::LowLatencyPlaylistSummary &summary);
    void answerHeld(int descriptor, quint64 serial, BlockingReloads::Outcome outcome);
    void watchPlaylist(const QString &path, quint64 afterVersion);
    void takeWokenPlaylists();
    void respondFile(Connection &connection, const HttpRequestHead &head,
                     const QString &streamKey, const FileKind &kind, const MediaFile &file,
                     const QString &notFound);
    void respondError(Connection &connection, const HttpRequestHead &head, HttpRoute route,
                      const QString &streamKey, const HttpReply &error);
    void respond(Connection &connection, const HttpRequestHead &head, HttpRoute route,
                 const QString &streamKey, int statusCode, const QByteArray &contentType,
                 const QByteArray &cacheControl,
                 const QList<std::pair<QByteArray, QByteArray>> &extraHeaders, QByteArray body,
                 qint64 bodyOffset, qint64 bodyLength, qint64 contentLength);
    void writePending(Connection &connection);
    void finishResponse(Connection &connection);
    void watch(Connection &connection, quint32 events);
    void handBack(Connection &connection);
    void close(Connection &connection, bool isIdle = false);
    void sweepTimeouts();
    void forgetOldViewers();
    qint64 nowMs() const;

    const std::shared_ptr<const MediaServingContext> m_context;
    const QByteArray m_commonHeaders; // CORS and nosniff: the same on every answer
    int m_epoll = -1;
    int m_wake = -1; // eventfd: adopt() and the destructor wake the loop
    std::atomic<bool> m_isStopping{false};
    std::mutex m_inboxMutex;
    std::vector<int> m_inbox;
    std::vector<QString> m_wokenPlaylists; // guarded by m_inboxMutex
    BlockingReloads m_held{maxHeldRequests};
    QHash<QString, quint64> m_watchedPlaylists; // index path → the index waiter's ticket
    quint64 m_lastSerial = 0;
    std::unordered_map<int, std::unique_ptr<Connection>> m_connections;
    std::vector<char> m_peekBuffer;
    RequestFramer m_framer;
    std::mutex m_reportMutex;
    MediaServingReport m_report;                // guarded by m_reportMutex
    QHash<QByteArray, qint64> m_viewerPostedMs; // stream + client → last reported
    std::thread m_thread;
};

} // namespace afk::server
