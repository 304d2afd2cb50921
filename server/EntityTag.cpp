#include "EntityTag.h"

namespace afk::server
{
namespace
{

QByteArrayView opaqueTag(QByteArrayView tag)
{
    tag = tag.trimmed();
    if (tag.startsWith("W/"))
        tag = tag.sliced(2);
    return tag;
}

} // namespace

bool EntityTag::noneMatchHits(QByteArrayView ifNoneMatch, QByteArrayView etag)
{
    const QByteArrayView wanted = opaqueTag(etag);
    if (wanted.isEmpty())
        return false;
    QByteArrayView rest = ifNoneMatch.trimmed();
    if (rest == "*")
        return true;
    while (!rest.isEmpty()) {
        // Splitting on every comma mistakes a tag containing one for two; the studio's tags
        // (MediaIndex::entityTagOf, WebAssets) never contain one.
        const qsizetype comma = rest.indexOf(',');
        const QByteArrayView candidate = comma < 0 ? rest : rest.first(comma);
        if (opaqueTag(candidate) == wanted)
            return true;
        rest = comma < 0 ? QByteArrayView() : rest.sliced(comma + 1);
    }
    return false;
}

} // namespace afk::server
