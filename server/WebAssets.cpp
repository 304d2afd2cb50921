#include "WebAssets.h"

#include <QCryptographicHash>
#include <QDirIterator>
#include <QResource>

namespace afk::server {
namespace {

QByteArray contentTypeOf(const QString &name)
{
    if (name.endsWith(u".html"))
        return QByteArrayLiteral("text/html; charset=utf-8");
    if (name.endsWith(u".js"))
        return QByteArrayLiteral("text/javascript; charset=utf-8");
    if (name.endsWith(u".css"))
        return QByteArrayLiteral("text/css; charset=utf-8");
    if (name.endsWith(u".svg"))
        return QByteArrayLiteral("image/svg+xml");
    return QByteArrayLiteral("application/octet-stream");
}

bool matchesEtag(const QByteArray &ifNoneMatch, const QByteArray &etag)
{
    for (QByteArray candidate : ifNoneMatch.split(',')) {
        candidate = candidate.trimmed();
        if (candidate.startsWith("W/"))
            candidate = candidate.mid(2); // If-None-Match compares weakly (RFC 9110 13.1.2)
        if (candidate == "*" || candidate == etag)
            return true;
    }
    return false;
}

} // namespace

const QByteArray WebAssets::contentSecurityPolicy = QByteArrayLiteral(
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "media-src 'self' blob:; worker-src 'self' blob:; connect-src 'self' ws: wss:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");

bool acceptsEncoding(const QByteArray &acceptEncoding, const QByteArray &coding)
{
    // The coding named outright decides; else "*" does (RFC 9110 12.5.3).
    bool isWildcardAccepted = false;
    for (const QByteArray &item : acceptEncoding.split(',')) {
        const QList<QByteArray> parts = item.split(';');
        const QByteArray name = parts.first().trimmed().toLower();
        if (name != coding && name != "*")
            continue;
        bool isRefused = false;
        for (qsizetype i = 1; i < parts.size(); ++i) {
            const QByteArray parameter = parts.at(i).trimmed().toLower();
            if (parameter.startsWith("q=") && parameter.mid(2).toDouble() <= 0.0)
                isRefused = true;
        }
        if (name == coding)
            return !isRefused;
        isWildcardAccepted = !isRefused;
    }
    return isWildcardAccepted;
}

WebAssets::WebAssets()
{
    QDirIterator it(resourceRoot.toString(), QDir::Files);
    while (it.hasNext()) {
        const QString path = it.next();
        const QResource resource(path);
        File file;
        file.contentType = contentTypeOf(it.fileName());
        file.body = resource.uncompressedData();
        // rcc stores zlib-compressed files as qCompress() does: a 4-byte big-endian length, then
        // a zlib stream, which is what HTTP calls "deflate".
        if (resource.compressionAlgorithm() == QResource::ZlibCompression && resource.size() > 4)
            file.deflated = QByteArray(reinterpret_cast<const char *>(resource.data()) + 4,
                                       resource.size() - 4);
        file.etag =
            '"' + QCryptographicHash::hash(file.body, QCryptographicHash::Sha256).toHex().left(20) +
            '"';
        m_files.insert(it.fileName(), std::move(file));
    }
}

std::optional<HttpReply> WebAssets::reply(const QString &name, const QByteArray &ifNoneMatch,
                                          const QByteArray &acceptEncoding) const
{
    const auto found = m_files.constFind(name);
    if (found == m_files.cend())
        return std::nullopt;
    const File &file = *found;
    const bool isDeflated = !file.deflated.isEmpty() && acceptsEncoding(acceptEncoding, "deflate");
    QByteArray etag = file.etag;
    if (isDeflated)
        etag.insert(etag.size() - 1, "-z");

    // no-cache: revalidated on every load (a 304 is a few bytes), so a new studio version's page
    // is never mixed with an old script.
    HttpReply reply = HttpReply::content(isDeflated ? file.deflated : file.body, file.contentType,
                                         QByteArrayLiteral("no-cache"));
    if (!ifNoneMatch.isEmpty() && matchesEtag(ifNoneMatch, etag)) {
        reply.statusCode = 304;
        reply.body.clear();
        reply.contentType.clear();
    } else if (isDeflated) {
        reply.extraHeaders.append(
            {QByteArrayLiteral("Content-Encoding"), QByteArrayLiteral("deflate")});
    }
    reply.extraHeaders.append({QByteArrayLiteral("ETag"), etag});
    if (!file.deflated.isEmpty())
        reply.extraHeaders.append(
            {QByteArrayLiteral("Vary"), QByteArrayLiteral("Accept-Encoding")});
    if (isPage(name)) {
        reply.extraHeaders.append(
            {QByteArrayLiteral("Content-Security-Policy"), contentSecurityPolicy});
        // The watch page's URL holds the stream key: keep it out of other sites' logs.
        reply.extraHeaders.append(
            {QByteArrayLiteral("Referrer-Policy"), QByteArrayLiteral("no-referrer")});
    }
    return reply;
}

} // namespace afk::server
