// Where a stream's media file (playlist or segment) is answered from: the packagers' in-memory
// index first (live segments and playlists: no disk, no copy), then the bounded disk cache.
// Thread-safe: HttpApi's thread and every serving thread share one.
#pragma once

#include "MediaFileCache.h"
#include "MediaIndex.h"
#include "StreamStore.h"

#include <QStringList>
#include <memory>

namespace afk::server
{

struct MediaFile {
    enum class Outcome { Found, NotFound, TooLarge };
    Outcome outcome = Outcome::NotFound;
    QByteArray bytes; // shared with the index or the cache: never modified
    QByteArray etag;
    std::shared_ptr<const OpenFile> file; // the disk cache's descriptor holding bytes, if kept
};

class MediaLookup
{
public:
    // index may be null (nothing is published: every file comes from disk).
    MediaLookup(storage::StreamStore store, std::shared_ptr<media::MediaIndex> index,
                qint64 cacheBytes = MediaFileCache::defaultMaxBytes);

    // relative: below the stream's folder, e.g. {"720p", "segment_3.ts"} or {"stream.m3u8"};
    // names are checked like StreamStore::resolveFile does.
    MediaFile find(const QString &streamKey, const QStringList &relative);
    // "segment_N.ts" of the top rendition as stream.m3u8 names it. topRendition: the folder
    // when the caller knows it (a live stream); empty: the index's copy at the stream's root,
    // else stream.json's first rendition, else the root itself (one-rendition layout).
    MediaFile findTopRenditionSegment(const QString &streamKey, const QString &fileName,
                                      const QString &topRendition = {});

    // Only what the packagers published (no disk): NotFound when the index has no such entry.
    MediaFile findPublished(const QString &streamKey, const QStringList &relative) const;
    // The path a file has in the index (and on disk); empty when the names are not safe.
    QString indexPath(const QString &streamKey, const QStringList &relative) const
    {
        return m_store.resolveFile(streamKey, relative);
    }

    const std::shared_ptr<media::MediaIndex> &index() const { return m_index; }
    const MediaFileCache &cache() const { return m_cache; }

private:
    QString topRenditionFromMetadata(const QString &streamKey);

    const storage::StreamStore m_store;
    const std::shared_ptr<media::MediaIndex> m_index;
    MediaFileCache m_cache;
};

} // namespace afk::server
