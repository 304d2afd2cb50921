#include "LowLatencyRoute.h"

#include "RequestPath.h"
#include "StreamPaths.h"

#include <algorithm>

namespace afk::server
{
namespace
{

// A non-negative decimal of 1 to maxDigits digits.
std::optional<qint64> decimal(QStringView text, int maxDigits)
{
    if (text.isEmpty() || text.size() > maxDigits ||
        !std::all_of(text.begin(), text.end(), [](QChar c) { return c.isDigit(); }))
        return std::nullopt;
    return text.toLongLong();
}

// "part_<msn>_<part>.m4s" or "seg_<msn>.m4s" (the packager's names, with HttpApi's digit limits).
std::optional<WantedPosition> mediaName(const QString &name)
{
    if (!name.endsWith(u".m4s"))
        return std::nullopt;
    const QStringView stem = QStringView(name).chopped(4);
    if (stem.startsWith(u"seg_")) {
        const std::optional<qint64> msn = decimal(stem.sliced(4), 15);
        return msn ? std::optional(WantedPosition{*msn, -1}) : std::nullopt;
    }
    if (!stem.startsWith(u"part_"))
        return std::nullopt;
    const QStringView numbers = stem.sliced(5);
    const qsizetype underscore = numbers.indexOf(u'_');
    if (underscore < 0)
        return std::nullopt;
    const std::optional<qint64> msn = decimal(numbers.first(underscore), 15);
    const std::optional<qint64> part = decimal(numbers.sliced(underscore + 1), 5);
    if (!msn || !part)
        return std::nullopt;
    return WantedPosition{*msn, int(*part)};
}

} // namespace

std::optional<LowLatencyRoute> LowLatencyRoute::match(QByteArrayView target)
{
    if (!target.startsWith("/livestream/") || target.contains('#'))
        return std::nullopt;
    const qsizetype question = target.indexOf('?');
    const QByteArrayView pathPart = question < 0 ? target : target.first(question);
    const RequestPath path = RequestPath::parse(QString::fromLatin1(pathPart));
    if (!path.isValid() || !storage::isValidStreamKey(path.at(1)))
        return std::nullopt;
    LowLatencyRoute route;
    route.streamKey = path.at(1);
    route.relative = path.segments().mid(2);
    if (path.size() == 3) {
        if (path.at(2) != u"ll.m3u8" || question >= 0)
            return std::nullopt;
        return route;
    }
    if (path.size() != 5 || path.at(2) != u"ll" || !storage::isSafeFileName(path.at(3)))
        return std::nullopt;
    route.route = HttpRoute::RenditionFile;
    route.rendition = path.at(3);
    const QString &name = path.at(4);
    if (name == u"index.m3u8") {
        route.kind = Kind::Playlist;
    } else if (question >= 0) {
        return std::nullopt;
    } else if (name == u"init.mp4") {
        route.kind = Kind::Init;
        return route;
    } else if (const std::optional<WantedPosition> wanted = mediaName(name)) {
        route.kind = wanted->part < 0 ? Kind::Segment : Kind::Part;
        route.wanted = *wanted;
        return route;
    } else {
        return std::nullopt;
    }
    if (question < 0)
        return route;
    // The blocking reload's query, exactly: _HLS_msn=N[&_HLS_part=M] in either order.
    std::optional<qint64> msn;
    std::optional<qint64> part;
    const QString query = QString::fromLatin1(target.sliced(question + 1));
    for (const QString &item : query.split(u'&')) {
        if (item.startsWith(u"_HLS_msn=") && !msn)
            msn = decimal(QStringView(item).sliced(9), 15);
        else if (item.startsWith(u"_HLS_part=") && !part)
            part = decimal(QStringView(item).sliced(10), 5);
        else
            return std::nullopt;
        if ((item.startsWith(u"_HLS_msn=") && !msn) || (item.startsWith(u"_HLS_part=") && !part))
            return std::nullopt;
    }
    if (!msn)
        return std::nullopt;
    route.isBlockingReload = true;
    route.wanted = WantedPosition{*msn, part ? int(*part) : -1};
    return route;
}

} // namespace afk::server
