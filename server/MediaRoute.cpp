#include "MediaRoute.h"

#include "RequestPath.h"
#include "StreamPaths.h"

#include <algorithm>

namespace afk::server
{

bool isTopRenditionSegmentName(const QString &name)
{
    static const QString prefix = QStringLiteral("segment_");
    static const QString suffix = QStringLiteral(".ts");
    if (!name.startsWith(prefix) || !name.endsWith(suffix))
        return false;
    const QStringView number =
        QStringView(name).mid(prefix.size(), name.size() - prefix.size() - suffix.size());
    return !number.isEmpty() && number.size() <= 10 &&
           std::all_of(number.begin(), number.end(), [](QChar c) { return c.isDigit(); });
}

std::optional<MediaRoute> MediaRoute::match(QByteArrayView target)
{
    if (!target.startsWith("/livestream/") || target.contains('?') || target.contains('#'))
        return std::nullopt;
    const RequestPath path = RequestPath::parse(QString::fromLatin1(target));
    if (!path.isValid() || (path.size() != 3 && path.size() != 4) ||
        !storage::isValidStreamKey(path.at(1)))
        return std::nullopt;
    MediaRoute media;
    media.streamKey = path.at(1);
    media.relative = path.segments().mid(2);
    const QString &name = media.relative.last();
    if (path.size() == 3) {
        if (name == u"stream.m3u8") {
            media.route = HttpRoute::StreamPlaylist;
            media.isPlaylist = true;
        } else if (name == u"master.m3u8" || name == u"recording.m3u8") {
            media.route = HttpRoute::MasterPlaylist;
            media.isPlaylist = true;
        } else if (isTopRenditionSegmentName(name)) {
            media.route = HttpRoute::Segment;
            media.isTopRenditionSegment = true;
        } else {
            return std::nullopt;
        }
        return media;
    }
    media.route = HttpRoute::RenditionFile;
    if (name == u"index.m3u8" || name == u"recording.m3u8")
        media.isPlaylist = true;
    else if (!name.endsWith(u".ts"))
        return std::nullopt;
    if (!storage::isSafeFileName(media.relative.first()) || !storage::isSafeFileName(name))
        return std::nullopt;
    return media;
}

} // namespace afk::server
