// Which Low-Latency HLS request targets the serving threads answer themselves: a GET or HEAD of
// /livestream/<key>/ll.m3u8 or /livestream/<key>/ll/<rendition>/{index.m3u8, init.mp4,
// seg_N.m4s, part_N_M.m4s}, the playlist with at most the blocking-reload query (_HLS_msn and
// an optional _HLS_part, plain numbers). Anything else — another query, a malformed one, which
// HttpApi answers 400 — stays with HttpApi.
#pragma once

#include "BlockingReloads.h"
#include "HttpMetrics.h"

#include <QByteArrayView>
#include <QString>
#include <QStringList>
#include <optional>

namespace afk::server
{

struct LowLatencyRoute {
    enum class Kind { Master, Playlist, Init, Part, Segment };
    Kind kind = Kind::Master;
    HttpRoute route = HttpRoute::MasterPlaylist; // as HttpApi counts it
    QString streamKey;
    QString rendition;    // empty for the master
    QStringList relative; // below the stream's folder: {"ll.m3u8"} or {"ll", rendition, name}
    // Part and Segment: what the name is. Playlist: the blocking reload's position, if any.
    WantedPosition wanted;
    bool isBlockingReload = false;

    // The rendition's media playlist, below the stream's folder (what a held request watches).
    QStringList playlistRelative() const { return {QStringLiteral("ll"), rendition,
                                                   QStringLiteral("index.m3u8")}; }
    bool isPlaylist() const { return kind == Kind::Master || kind == Kind::Playlist; }

    static std::optional<LowLatencyRoute> match(QByteArrayView target);
};

} // namespace afk::server
