// JSON bodies that describe streams: /status (afk-protocol.md shape), /active entries, health,
// and the public URLs of a stream.
#pragma once

#include "PipelineStats.h"

#include <QJsonObject>
#include <QString>

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

// The /status answer, from memory only (a poll never reads or lists files). stream is null when
// the registry does not know the key (never started, or its record was evicted): then it is
// described as inactive, without a folder.
QJsonObject buildStreamStatus(const QString &streamKey, const session::Stream *stream,
                              int httpViewers);

// One entry of /livestream/active.
QJsonObject activeStreamEntry(const session::Stream &stream, int httpViewers,
                              const StreamUrls &urls);

} // namespace afk::server
