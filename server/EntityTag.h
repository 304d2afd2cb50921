// ETag revalidation (RFC 9110 §13.1.2): does an If-None-Match value match the current tag?
#pragma once

#include <QByteArrayView>

namespace afk::server
{

class EntityTag
{
public:
    // ifNoneMatch: the header's value ("*" or a comma-separated list of tags, W/ allowed);
    // etag: the current strong tag, quoted. Weak comparison, as If-None-Match requires.
    static bool noneMatchHits(QByteArrayView ifNoneMatch, QByteArrayView etag);
};

} // namespace afk::server
