// The request line and header fields of one HTTP/1.x request, from bytes RequestFramer has
// already framed (so limits and framing were checked before). What the serving threads need to
// answer a media GET or HEAD themselves.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <optional>
#include <utility>

namespace afk::server
{

struct HttpRequestHead {
    QByteArray method;
    QByteArray target;                               // as sent: path plus an optional "?query"
    int minorVersion = 1;                            // HTTP/1.<minorVersion>
    QList<std::pair<QByteArray, QByteArray>> fields; // values trimmed

    // head: from the request line through the blank line. nullopt when it is not HTTP/1.x.
    static std::optional<HttpRequestHead> parse(QByteArrayView head);

    // The first field of that name (case-insensitive), or empty.
    QByteArrayView value(QByteArrayView name) const;
    bool hasField(QByteArrayView name) const;
    // HTTP/1.1 keeps the connection unless "Connection: close"; 1.0 only with "keep-alive".
    bool keepsAlive() const;
};

} // namespace afk::server
