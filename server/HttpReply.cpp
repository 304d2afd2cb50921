#include "HttpReply.h"

#include <QJsonDocument>

namespace afk::server
{

HttpReply HttpReply::json(const QJsonObject &object, int statusCode)
{
    HttpReply reply;
    reply.statusCode = statusCode;
    reply.contentType = QByteArrayLiteral("application/json");
    reply.cacheControl = QByteArrayLiteral("no-store");
    reply.body = QJsonDocument(object).toJson(QJsonDocument::Compact);
    return reply;
}

HttpReply HttpReply::error(int statusCode, const QString &message)
{
    return json(QJsonObject{{QStringLiteral("error"), message}}, statusCode);
}

HttpReply HttpReply::content(QByteArray body, QByteArray contentType, QByteArray cacheControl)
{
    HttpReply reply;
    reply.contentType = std::move(contentType);
    reply.cacheControl = std::move(cacheControl);
    reply.body = std::move(body);
    return reply;
}

HttpReply HttpReply::noContent()
{
    HttpReply reply;
    reply.statusCode = 204;
    return reply;
}

} // namespace afk::server
