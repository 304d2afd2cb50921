// Which request targets the serving threads answer themselves: a GET or HEAD, without a query,
// of a stream's TS-presentation files — /livestream/<key>/{stream,master,recording}.m3u8,
// /livestream/<key>/segment_N.ts and /livestream/<key>/<rendition>/{index,recording}.m3u8 or
// <name>.ts. Everything else (other routes, queries such as LL-HLS's _HLS_msn, paths RequestPath
// refuses) stays with HttpApi, which answers it as before.
#pragma once

#include "HttpMetrics.h"

#include <QByteArrayView>
#include <QString>
#include <QStringList>
#include <optional>

namespace afk::server
{

struct MediaRoute {
    HttpRoute route = HttpRoute::NotFound;
    QString streamKey;
    QStringList relative;               // below the stream's folder
    bool isTopRenditionSegment = false; // "segment_N.ts" at the root: the top rendition's
    bool isPlaylist = false;

    static std::optional<MediaRoute> match(QByteArrayView target);
};

// "segment_12.ts": the top rendition's segment names as stream.m3u8 lists them.
bool isTopRenditionSegmentName(const QString &name);

} // namespace afk::server
