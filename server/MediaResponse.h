// The answer to a GET or HEAD of a media file, decided from the request's conditional and range
// headers: 200, 206 (one byte range), 304 (If-None-Match hits the ETag) or 416. One plan for the
// serving threads and for HttpApi, so both answer alike.
#pragma once

#include "ByteRange.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <utility>

namespace afk::server
{

struct MediaRequestHeaders {
    bool isHead = false;
    QByteArrayView range;       // Range
    QByteArrayView ifNoneMatch; // If-None-Match
    QByteArrayView ifRange;     // If-Range: the range applies only while it names the ETag
};

struct MediaResponse {
    int statusCode = 200;
    qint64 bodyOffset = 0;    // the part of the file's bytes to send
    qint64 bodyLength = 0;    // 0 for HEAD, 304 and 416
    qint64 contentLength = 0; // the Content-Length header (a HEAD's is the GET's); -1: none
    QList<std::pair<QByteArray, QByteArray>> headers; // ETag, Accept-Ranges, Content-Range

    static MediaResponse plan(const QByteArray &etag, qint64 size,
                              const MediaRequestHeaders &request);
};

} // namespace afk::server
