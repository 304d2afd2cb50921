// Content-Type and Cache-Control of the HLS files: one set for HttpApi and the serving threads,
// so that a file answers alike whichever of them serves it.
#pragma once

#include <QByteArray>

namespace afk::server {

inline const QByteArray playlistType = QByteArrayLiteral("application/vnd.apple.mpegurl");
// A live playlist changes with every segment (or part): revalidated each time (ETag → 304).
inline const QByteArray playlistCache = QByteArrayLiteral("no-cache");
inline const QByteArray segmentType = QByteArrayLiteral("video/mp2t");
// A segment's or part's name is written once (numbers go on across runs of a key).
inline const QByteArray segmentCache = QByteArrayLiteral("public, max-age=3600");
inline const QByteArray cmafType = QByteArrayLiteral("video/mp4");
inline const QByteArray cmafCache = segmentCache;

} // namespace afk::server
