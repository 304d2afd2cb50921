#include "HttpMetrics.h"

#include <QtNumeric>
#include <algorithm>

namespace afk::server
{
namespace
{

using Labels = std::initializer_list<std::pair<const char *, QString>>;

QByteArray escapeLabelValue(const QString &value)
{
    QByteArray escaped;
    const QByteArray utf8 = value.toUtf8();
    escaped.reserve(utf8.size());
    for (char c : utf8) {
        if (c == '\\')
            escaped += "\\\\";
        else if (c == '"')
            escaped += "\\\"";
        else if (c == '\n')
            escaped += "\\n";
        else
            escaped += c;
    }
    return escaped;
}

QByteArray formatValue(double value)
{
    if (qIsNaN(value))
        return QByteArrayLiteral("NaN");
    if (qIsInf(value))
        return value > 0 ? QByteArrayLiteral("+Inf") : QByteArrayLiteral("-Inf");
    return QByteArray::number(value, 'g', 12);
}

// Builds the text: one family header (HELP, TYPE) then its samples.
class Exposition
{
public:
    void family(const char *name, const char *type, const char *help)
    {
        m_text += "# HELP ";
        m_text += name;
        m_text += ' ';
        m_text += help;
        m_text += "\n# TYPE ";
        m_text += name;
        m_text += ' ';
        m_text += type;
        m_text += '\n';
    }

    void sample(const char *name, Labels labels, double value)
    {
        m_text += name;
        if (labels.size() > 0) {
            m_text += '{';
            bool isFirst = true;
            for (const auto &[label, labelValue] : labels) {
                if (!isFirst)
                    m_text += ',';
                isFirst = false;
                m_text += label;
                m_text += "=\"";
                m_text += escapeLabelValue(labelValue);
                m_text += '"';
            }
            m_text += '}';
        }
        m_text += ' ';
        m_text += formatValue(value);
        m_text += '\n';
    }

    QByteArray take() { return std::move(m_text); }

private:
    QByteArray m_text;
};

// A per-stream family: header, then one sample a stream.
template <typename Value>
void streamFamily(Exposition &out, const QList<StreamMetricsSample> &streams, const char *name,
                  const char *type, const char *help, Value value)
{
    out.family(name, type, help);
    for (const StreamMetricsSample &stream : streams)
        out.sample(name, {{"stream", stream.streamKey}}, double(value(stream)));
}

} // namespace

QByteArray routeLabel(HttpRoute route)
{
    switch (route) {
    case HttpRoute::StreamPlaylist:
        return QByteArrayLiteral("stream_playlist");
    case HttpRoute::MasterPlaylist:
        return QByteArrayLiteral("master_playlist");
    case HttpRoute::Segment:
        return QByteArrayLiteral("segment");
    case HttpRoute::RenditionFile:
        return QByteArrayLiteral("rendition_file");
    case HttpRoute::Status:
        return QByteArrayLiteral("status");
    case HttpRoute::Control:
        return QByteArrayLiteral("control");
    case HttpRoute::StreamInfo:
        return QByteArrayLiteral("stream_info");
    case HttpRoute::Chat:
        return QByteArrayLiteral("chat");
    case HttpRoute::ActiveList:
        return QByteArrayLiteral("active");
    case HttpRoute::Health:
        return QByteArrayLiteral("health");
    case HttpRoute::Metrics:
        return QByteArrayLiteral("metrics");
    case HttpRoute::SocketIo:
        return QByteArrayLiteral("socket_io");
    case HttpRoute::WebPage:
        return QByteArrayLiteral("web_page");
    case HttpRoute::BadPath:
        return QByteArrayLiteral("bad_path");
    case HttpRoute::NotFound:
    case HttpRoute::Invalid:
        break;
    }
    return QByteArrayLiteral("not_found");
}

QByteArray refusalLabel(HttpRefusal reason)
{
    switch (reason) {
    case HttpRefusal::BadRequest:
        return QByteArrayLiteral("bad_request");
    case HttpRefusal::RequestTimeout:
        return QByteArrayLiteral("request_timeout");
    case HttpRefusal::BodyTooLarge:
        return QByteArrayLiteral("body_too_large");
    case HttpRefusal::RequestLineTooLong:
        return QByteArrayLiteral("request_line_too_long");
    case HttpRefusal::HeadersTooLarge:
        return QByteArrayLiteral("headers_too_large");
    case HttpRefusal::TooManyConnections:
        break;
    }
    return QByteArrayLiteral("too_many_connections");
}

void HttpMetrics::recordResponse(HttpRoute route, int statusCode, qint64 bodyBytes)
{
    ++m_requests[{route, statusCode}];
    m_bodyBytes[route] += quint64(std::max<qint64>(bodyBytes, 0));
}

void HttpMetrics::recordResponses(HttpRoute route, int statusCode, quint64 count,
                                  quint64 bodyBytes)
{
    m_requests[{route, statusCode}] += count;
    m_bodyBytes[route] += bodyBytes;
}

quint64 HttpMetrics::requestCount(HttpRoute route, int statusCode) const
{
    return m_requests.value({route, statusCode}, 0);
}

quint64 HttpMetrics::bodyBytes(HttpRoute route) const
{
    return m_bodyBytes.value(route, 0);
}

QByteArray HttpMetrics::render(const QList<StreamMetricsSample> &streams, int activeStreamCount,
                               double uptimeSeconds) const
{
    Exposition out;
    out.family("afk_uptime_seconds", "gauge", "Seconds since the HTTP server started.");
    out.sample("afk_uptime_seconds", {}, uptimeSeconds);
    out.family("afk_streams_active", "gauge", "Streams that are waiting for media or live.");
    out.sample("afk_streams_active", {}, activeStreamCount);

    using Sample = StreamMetricsSample;
    streamFamily(out, streams, "afk_stream_viewers", "gauge",
                 "Viewers in the stream's Socket.IO room.",
                 [](const Sample &s) { return s.viewers; });
    streamFamily(out, streams, "afk_stream_http_viewers", "gauge",
                 "Distinct HLS clients that fetched a playlist or segment in the last 15 s.",
                 [](const Sample &s) { return s.httpViewers; });
    streamFamily(out, streams, "afk_stream_segments_produced_total", "counter",
                 "Complete segments of the top rendition.", [](const Sample &s) {
                     return std::max(s.segmentCount, s.stats.segmentsProduced);
                 });
    streamFamily(out, streams, "afk_stream_input_fps", "gauge",
                 "Decoded source frames per wall second.",
                 [](const Sample &s) { return s.stats.inputFps; });
    streamFamily(out, streams, "afk_stream_output_fps", "gauge",
                 "Encoded frames per wall second of the top rendition.",
                 [](const Sample &s) { return s.stats.outputFps; });
    streamFamily(out, streams, "afk_stream_encoder_speed_ratio", "gauge",
                 "Media seconds encoded per wall second (1 = real time).",
                 [](const Sample &s) { return s.stats.encoderSpeed; });
    streamFamily(out, streams, "afk_stream_video_frames_dropped_total", "counter",
                 "Video frames dropped by the queue policy.",
                 [](const Sample &s) { return s.stats.videoFramesDropped; });
    streamFamily(out, streams, "afk_stream_video_frames_duplicated_total", "counter",
                 "Video frames repeated to keep a constant frame rate.",
                 [](const Sample &s) { return s.stats.videoFramesDuplicated; });
    streamFamily(out, streams, "afk_stream_video_frames_late_total", "counter",
                 "Video frames that arrived after their output slot.",
                 [](const Sample &s) { return s.stats.videoFramesLate; });

    // The pipeline's two hand-offs: source → ladder ("input") and the fullest rendition
    // encoder's queue ("encoder").
    out.family("afk_stream_queue_depth", "gauge", "Frames waiting in a pipeline queue.");
    for (const Sample &s : streams) {
        out.sample("afk_stream_queue_depth",
                   {{"stream", s.streamKey}, {"queue", QStringLiteral("input")}},
                   s.stats.inputQueueDepth);
        out.sample("afk_stream_queue_depth",
                   {{"stream", s.streamKey}, {"queue", QStringLiteral("encoder")}},
                   s.stats.encoderQueueDepth);
    }
    out.family("afk_stream_queue_capacity", "gauge", "Capacity of a pipeline queue in frames.");
    for (const Sample &s : streams) {
        out.sample("afk_stream_queue_capacity",
                   {{"stream", s.streamKey}, {"queue", QStringLiteral("input")}},
                   s.stats.inputQueueCapacity);
        out.sample("afk_stream_queue_capacity",
                   {{"stream", s.streamKey}, {"queue", QStringLiteral("encoder")}},
                   s.stats.encoderQueueCapacity);
    }
    out.family("afk_stream_rendition_bitrate_kbps", "gauge",
               "Measured bitrate of the newest complete segment of a rendition.");
    for (const Sample &s : streams)
        for (const media::RenditionStats &rendition : s.stats.renditions)
            out.sample("afk_stream_rendition_bitrate_kbps",
                       {{"stream", s.streamKey}, {"rendition", rendition.name}},
                       rendition.lastSegmentKbps);
    out.family("afk_stream_rendition_bytes_written_total", "counter",
               "Bytes of segments written for a rendition.");
    for (const Sample &s : streams)
        for (const media::RenditionStats &rendition : s.stats.renditions)
            out.sample("afk_stream_rendition_bytes_written_total",
                       {{"stream", s.streamKey}, {"rendition", rendition.name}},
                       double(rendition.bytesWritten));

    out.family("afk_http_requests_total", "counter", "HTTP requests answered, by route and code.");
    for (auto it = m_requests.cbegin(); it != m_requests.cend(); ++it)
        out.sample("afk_http_requests_total",
                   {{"route", QString::fromLatin1(routeLabel(it.key().first))},
                    {"code", QString::number(it.key().second)}},
                   double(it.value()));
    out.family("afk_http_response_body_bytes_total", "counter",
               "Bytes of HTTP response bodies written, by route.");
    for (auto it = m_bodyBytes.cbegin(); it != m_bodyBytes.cend(); ++it)
        out.sample("afk_http_response_body_bytes_total",
                   {{"route", QString::fromLatin1(routeLabel(it.key()))}}, double(it.value()));

    // Every reason, zeros included, so a dashboard sees the series before the first refusal.
    out.family("afk_http_refused_total", "counter",
               "Connections answered and closed before routing: a request over a limit, "
               "too slow, malformed, or over the connection cap.");
    for (int reason = 0; reason < httpRefusalCount; ++reason)
        out.sample("afk_http_refused_total",
                   {{"reason", QString::fromLatin1(refusalLabel(HttpRefusal(reason)))}},
                   double(m_refusals[reason]));
    out.family("afk_http_idle_closed_total", "counter",
               "Connections closed for sending no request within the idle timeout.");
    out.sample("afk_http_idle_closed_total", {}, double(m_idleCloses));
    if (m_connectionLimit > 0) {
        out.family("afk_http_connections", "gauge",
                   "Open HTTP and WebSocket connections.");
        out.sample("afk_http_connections", {}, m_openConnections);
        out.family("afk_http_connections_limit", "gauge",
                   "Connections accepted at once (--max-connections).");
        out.sample("afk_http_connections_limit", {}, m_connectionLimit);
    }
    return out.take();
}

} // namespace afk::server
