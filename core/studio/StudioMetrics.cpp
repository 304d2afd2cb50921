#include "StudioMetrics.h"

#include "NostrPresence.h"
#include "SocketIoServer.h"
#include "StreamRegistry.h"

#include <QJsonObject>

namespace afk::studio {
namespace {

void family(QByteArray &text, const char *name, const char *type, const char *help)
{
    text += QByteArray("# HELP ") + name + ' ' + help + "\n# TYPE " + name + ' ' + type + '\n';
}

// Label values are stream keys ([A-Za-z0-9_-]) and relay URLs: escape what Prometheus asks.
QByteArray labelValue(const QString &value)
{
    QByteArray escaped = value.toUtf8();
    escaped.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
    return escaped;
}

} // namespace

QByteArray renderStudioMetrics(const server::SocketIoServer &socketIo,
                               const session::StreamRegistry &registry, const NostrPresence *nostr)
{
    QByteArray text;
    family(text, "afk_socketio_connections", "gauge", "Open Socket.IO connections.");
    text += "afk_socketio_connections " + QByteArray::number(socketIo.connectionCount()) + '\n';
    family(text, "afk_socketio_publishers", "gauge", "Browser hosts publishing.");
    text += "afk_socketio_publishers " + QByteArray::number(socketIo.publisherCount()) + '\n';
    family(text, "afk_socketio_waiting_rooms", "gauge",
           "Rooms of viewers waiting for a stream's host to start.");
    text += "afk_socketio_waiting_rooms " + QByteArray::number(socketIo.waitingRoomCount()) + '\n';
    family(text, "afk_stream_records", "gauge",
           "Streams the registry knows of, active or ended and not yet evicted.");
    text += "afk_stream_records " + QByteArray::number(registry.streams().size()) + '\n';
    family(text, "afk_socketio_chunks_received_total", "counter", "stream-data chunks received.");
    text += "afk_socketio_chunks_received_total " + QByteArray::number(socketIo.chunksReceived()) + '\n';

    family(text, "afk_ingest_bytes_received_total", "counter", "WebM bytes received per stream.");
    QByteArray buffered;
    for (const session::Stream *stream : registry.activeStreams()) {
        const session::IngestCounters ingest = stream->ingestCounters();
        if (!ingest.bytesReceived)
            continue;
        const QByteArray label = "{stream=\"" + labelValue(stream->key()) + "\"} ";
        text += "afk_ingest_bytes_received_total" + label
                + QByteArray::number(ingest.bytesReceived) + '\n';
        buffered += "afk_ingest_bytes_buffered" + label
                    + QByteArray::number(qint64(ingest.bytesBuffered)) + '\n';
    }
    family(text, "afk_ingest_bytes_buffered", "gauge", "WebM bytes waiting to be decoded per stream.");
    text += buffered;

    if (nostr) {
        family(text, "afk_relay_connected", "gauge", "1 when the relay connection is open.");
        QByteArray pending;
        QByteArray accepted;
        for (const QJsonValue &value : nostr->relayStatus()) {
            const QJsonObject relay = value.toObject();
            const QByteArray label = "{relay=\"" + labelValue(relay.value(QStringLiteral("url")).toString()) + "\"} ";
            text += "afk_relay_connected" + label
                    + (relay.value(QStringLiteral("state")).toString() == u"connected" ? "1" : "0") + '\n';
            pending += "afk_relay_pending_events" + label
                       + QByteArray::number(relay.value(QStringLiteral("pending")).toInt()) + '\n';
            accepted += "afk_relay_accepted_events_total" + label
                        + QByteArray::number(relay.value(QStringLiteral("accepted")).toInt()) + '\n';
        }
        family(text, "afk_relay_pending_events", "gauge", "Events sent to the relay and not yet answered.");
        text += pending;
        family(text, "afk_relay_accepted_events_total", "counter", "Events the relay accepted (OK true).");
        text += accepted;
    }
    return text;
}

QByteArray renderEventLoopMetrics(const EventLoopLatency &probe)
{
    const EventLoopLatency::Summary latency = probe.summary();
    const QByteArray help = "How late the event loop served a timer due every "
                            + QByteArray::number(probe.intervalMs()) + " ms, over its last ticks.";
    QByteArray text;
    family(text, "afk_event_loop_lateness_seconds", "summary", help.constData());
    const auto line = [&text](const char *quantile, double milliseconds) {
        text += QByteArray("afk_event_loop_lateness_seconds{quantile=\"") + quantile + "\"} "
                + QByteArray::number(milliseconds / 1000.0, 'f', 6) + '\n';
    };
    line("0.5", latency.p50Ms);
    line("0.99", latency.p99Ms);
    line("1", latency.maxMs);
    text += "afk_event_loop_lateness_seconds_count " + QByteArray::number(latency.sampleCount)
            + '\n';
    return text;
}

} // namespace afk::studio
