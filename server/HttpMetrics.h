// Prometheus counters of the HTTP server and the text exposition (format 0.0.4) of /metrics.
#pragma once

#include "PipelineStats.h"

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QString>
#include <utility>

namespace afk::server
{

// The fixed set of route labels requests are counted under.
enum class HttpRoute {
    Invalid = 0,
    StreamPlaylist, // /livestream/:id/stream.m3u8
    MasterPlaylist, // /livestream/:id/master.m3u8
    Segment,        // /livestream/:id/segment_N.ts
    RenditionFile,  // /livestream/:id/<rendition>/<file>
    Status,         // /livestream/:id/status
    Control,        // /livestream/:id/start|stop|rtmp-key
    StreamInfo,     // /livestream/:id/playback|ingest
    Chat,           // /livestream/:id/chat (GET messages, POST as the host)
    ActiveList,     // /livestream/active
    Health,         // /health, /livestream/health
    Metrics,        // /metrics
    SocketIo,       // /socket.io/ requests that are not a WebSocket upgrade
    WebPage,        // /, /watch/:id, /assets/<name> (the embedded pages)
    BadPath,        // refused by RequestPath or an invalid stream key
    NotFound,       // no such route
};

QByteArray routeLabel(HttpRoute route);

// Why a connection was refused before its request reached the routes (ConnectionGate).
enum class HttpRefusal {
    BadRequest,         // 400: framing the gate cannot follow safely
    RequestTimeout,     // 408: a request not complete within the request timeout
    BodyTooLarge,       // 413
    RequestLineTooLong, // 414
    HeadersTooLarge,    // 431
    TooManyConnections, // 503: over --max-connections
};
inline constexpr int httpRefusalCount = int(HttpRefusal::TooManyConnections) + 1;

QByteArray refusalLabel(HttpRefusal reason);

// One stream's live numbers, sampled when /metrics is rendered.
struct StreamMetricsSample {
    QString streamKey;
    int viewers = 0;     // Socket.IO room (Stream::viewerCount)
    int httpViewers = 0; // distinct HLS clients of the last window (PlaybackViewerTracker)
    qint64 segmentCount = 0;
    media::PipelineStats stats;
};

class HttpMetrics
{
public:
    // Counts one answered request; bodyBytes is what was written after the headers.
    void recordResponse(HttpRoute route, int statusCode, qint64 bodyBytes);
    // count responses at once (the serving threads report in batches).
    void recordResponses(HttpRoute route, int statusCode, quint64 count, quint64 bodyBytes);

    quint64 requestCount(HttpRoute route, int statusCode) const;
    quint64 bodyBytes(HttpRoute route) const;

    // The connection gate's side: refusals, connections closed while idle, and how many
    // connections (WebSocket ones included) are open against the cap.
    void recordRefusal(HttpRefusal reason) { ++m_refusals[int(reason)]; }
    void recordIdleClose() { ++m_idleCloses; }
    void setConnections(int open, int limit)
    {
        m_openConnections = open;
        m_connectionLimit = limit;
    }
    quint64 refusalCount(HttpRefusal reason) const { return m_refusals[int(reason)]; }
    quint64 idleCloseCount() const { return m_idleCloses; }

    // The whole exposition: HTTP counters plus the given per-stream gauges and counters.
    QByteArray render(const QList<StreamMetricsSample> &streams, int activeStreamCount,
                      double uptimeSeconds) const;

    static constexpr const char *contentType = "text/plain; version=0.0.4; charset=utf-8";

private:
    QMap<std::pair<HttpRoute, int>, quint64> m_requests;
    QMap<HttpRoute, quint64> m_bodyBytes;
    quint64 m_refusals[httpRefusalCount] = {};
    quint64 m_idleCloses = 0;
    int m_openConnections = 0;
    int m_connectionLimit = 0; // 0: no gate (connections are not counted)
};

} // namespace afk::server
