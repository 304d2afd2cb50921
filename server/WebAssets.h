// The studio's own web pages, compiled in from resources/web with qt_add_resources: the list of
// live streams ("/"), the watch page (/watch/<key>), their script and style, and the pinned hls.js
// (/assets/<name>). Every file is read from the resource once, at construction. Answers carry an
// ETag (304 when If-None-Match names it) and, for clients that accept it, the zlib ("deflate")
// form rcc already compressed at build time, so nothing is compressed while serving.
#pragma once

#include "HttpReply.h"

#include <QByteArray>
#include <QHash>
#include <QString>
#include <optional>

namespace afk::server {

class WebAssets
{
public:
    // The resource folder the files are compiled into (server/CMakeLists.txt).
    static constexpr QStringView resourceRoot = u":/afk/web/";
    // The pages' Content-Security-Policy: scripts, styles and media from the studio only;
    // connections to the studio and, for the chat, to Nostr relays over WebSocket; hls.js's
    // transmuxing worker and MSE media come from blob: URLs it creates itself.
    static const QByteArray contentSecurityPolicy;

    WebAssets();

    // The page or asset called name ("index.html", "watch.html", "watch.js", "hls.min.js", …);
    // nullopt when there is none. ifNoneMatch and acceptEncoding are the request's headers.
    std::optional<HttpReply> reply(const QString &name, const QByteArray &ifNoneMatch,
                                   const QByteArray &acceptEncoding) const;
    bool isPage(const QString &name) const { return name.endsWith(u".html"); }
    // Names served under /assets/ (every file but the pages).
    bool isAsset(const QString &name) const { return m_files.contains(name) && !isPage(name); }

private:
    struct File {
        QByteArray contentType;
        QByteArray body;
        QByteArray deflated; // the zlib stream ("Content-Encoding: deflate"); empty: none
        QByteArray etag;     // of body; the deflated form's ends in "-z"
    };
    QHash<QString, File> m_files;
};

// Whether an Accept-Encoding header value admits the coding (a listed name without q=0, or *).
bool acceptsEncoding(const QByteArray &acceptEncoding, const QByteArray &coding);

} // namespace afk::server
