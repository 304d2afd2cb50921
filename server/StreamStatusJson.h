// JSON bodies that describe streams: /status (afk-protocol.md shape), /active entries, health,
// and the public URLs of a stream.
#pragma once

#include "PipelineStats.h"

#include <QJsonObject>
#include <QString>

namespace afk::storage
{
class StreamStore;
}
namespace afk::session
{
class Stream;
}

namespace afk::server
{

// Public URLs of a stream as a client reaches this server (hostAndPort from its Host header).
struct StreamUrls {
    QString playbackUrl;       // http://host/livestream/<key>/stream.m3u8
    QString masterPlaylistUrl; // http://host/livestream/<key>/master.m3u8
    QString ingestUrl;         // ws://host/socket.io/?streamKey=<key>

    static StreamUrls make(const QString &hostAndPort, const QString &streamKey);
};

// Milliseconds since the epoch as ISO 8601 UTC ("2025-05-20T12:00:00.000Z"); null for 0.
QJsonValue isoTime(qint64 msSinceEpoch);

QJsonObject pipelineStatsToJson(const media::PipelineStats &stats);

// The /status answer. stream is null when the registry does not know the key (a stream of an
// earlier run is then described from its folder alone). Reads the stream's folder: a listing of
// its top level and the bounded content of stream.m3u8.
QJsonObject buildStreamStatus(const storage::StreamStore &store, const QString &streamKey,
                              const session::Stream *stream, int httpViewers);

// One entry of /livestream/active.
QJsonObject activeStreamEntry(const session::Stream &stream, int httpViewers,
                              const StreamUrls &urls);

} // namespace afk::server
