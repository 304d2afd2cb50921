#include "MediaLookup.h"

#include "StreamPaths.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace afk::server
{

MediaLookup::MediaLookup(storage::StreamStore store, std::shared_ptr<media::MediaIndex> index,
                         qint64 cacheBytes)
    : m_store(std::move(store)), m_index(std::move(index)), m_cache(cacheBytes)
{
}

MediaFile MediaLookup::find(const QString &streamKey, const QStringList &relative)
{
    MediaFile file;
    const QString path = m_store.resolveFile(streamKey, relative);
    if (path.isEmpty())
        return file;
    if (m_index) {
        if (std::optional<media::MediaEntry> entry = m_index->find(path)) {
            file.outcome = MediaFile::Outcome::Found;
            file.bytes = std::move(entry->bytes);
            file.etag = std::move(entry->etag);
            return file;
        }
    }
    const CachedFile cached = m_cache.read(path, relative.last().endsWith(u".m3u8"));
    switch (cached.outcome) {
    case CachedFile::Outcome::Found:
        file.outcome = MediaFile::Outcome::Found;
        file.bytes = cached.bytes;
        file.etag = cached.etag;
        file.file = cached.file;
        break;
    case CachedFile::Outcome::TooLarge:
        file.outcome = MediaFile::Outcome::TooLarge;
        break;
    case CachedFile::Outcome::NotFound:
        break;
    }
    return file;
}

MediaFile MediaLookup::findPublished(const QString &streamKey, const QStringList &relative) const
{
    const QString path = m_store.resolveFile(streamKey, relative);
    if (path.isEmpty() || !m_index)
        return {};
    std::optional<media::MediaEntry> entry = m_index->find(path);
    if (!entry)
        return {};
    return MediaFile{MediaFile::Outcome::Found, std::move(entry->bytes), std::move(entry->etag), {}};
}

MediaFile MediaLookup::findTopRenditionSegment(const QString &streamKey, const QString &fileName,
                                               const QString &topRendition)
{
    if (!topRendition.isEmpty())
        return find(streamKey, {topRendition, fileName});
    // The top rendition's packager publishes its segments at the root too (see HlsPackager).
    if (m_index) {
        const QString alias = m_store.resolveFile(streamKey, {fileName});
        if (!alias.isEmpty()) {
            if (std::optional<media::MediaEntry> entry = m_index->find(alias))
                return MediaFile{MediaFile::Outcome::Found, entry->bytes, entry->etag, {}};
        }
    }
    const QString fromMetadata = topRenditionFromMetadata(streamKey);
    return fromMetadata.isEmpty() ? find(streamKey, {fileName})
                                  : find(streamKey, {fromMetadata, fileName});
}

QString MediaLookup::topRenditionFromMetadata(const QString &streamKey)
{
    // Through the cache: stream.json is read once per change, parsed (a few hundred bytes) per
    // request for the stream's root segments of an ended stream.
    const QString path = m_store.resolveFile(streamKey, {QStringLiteral("stream.json")});
    if (path.isEmpty())
        return {};
    const CachedFile cached = m_cache.read(path, false);
    if (cached.outcome != CachedFile::Outcome::Found)
        return {};
    const QJsonArray renditions = QJsonDocument::fromJson(cached.bytes)
                                      .object()
                                      .value(QStringLiteral("renditions"))
                                      .toArray();
    const QString first = renditions.isEmpty() ? QString() : renditions.first().toString();
    return storage::isSafeFileName(first) ? first : QString();
}

} // namespace afk::server
