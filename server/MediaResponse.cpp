#include "MediaResponse.h"

#include "EntityTag.h"

namespace afk::server
{

MediaResponse MediaResponse::plan(const QByteArray &etag, qint64 size,
                                  const MediaRequestHeaders &request)
{
    MediaResponse response;
    response.headers.append({QByteArrayLiteral("ETag"), etag});
    response.headers.append({QByteArrayLiteral("Accept-Ranges"), QByteArrayLiteral("bytes")});
    // If-None-Match first: a cache holding the current bytes needs none of them (RFC 9110 §13.2.2).
    if (!request.ifNoneMatch.isEmpty() && EntityTag::noneMatchHits(request.ifNoneMatch, etag)) {
        response.statusCode = 304;
        response.contentLength = -1;
        return response;
    }
    ByteRange range;
    if (!request.range.isEmpty() &&
        (request.ifRange.isEmpty() || request.ifRange.trimmed() == QByteArrayView(etag)))
        range = ByteRange::parse(request.range, size);
    switch (range.kind) {
    case ByteRange::Kind::Whole:
        response.bodyLength = size;
        break;
    case ByteRange::Kind::Partial:
        response.statusCode = 206;
        response.bodyOffset = range.first;
        response.bodyLength = range.length;
        response.headers.append({QByteArrayLiteral("Content-Range"),
                                 "bytes " + QByteArray::number(range.first) + '-' +
                                     QByteArray::number(range.first + range.length - 1) + '/' +
                                     QByteArray::number(size)});
        break;
    case ByteRange::Kind::Unsatisfiable:
        response.statusCode = 416;
        response.headers.append(
            {QByteArrayLiteral("Content-Range"), "bytes */" + QByteArray::number(size)});
        response.contentLength = 0;
        return response;
    }
    response.contentLength = response.bodyLength;
    if (request.isHead)
        response.bodyLength = 0;
    return response;
}

} // namespace afk::server
