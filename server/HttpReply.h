// One HTTP answer as a value, before HttpApi writes it: status, content headers, body.
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <utility>

namespace afk::server
{

struct HttpReply {
    int statusCode = 200;
    QByteArray contentType;  // empty when there is no body
    QByteArray cacheControl; // empty: no Cache-Control header
    QByteArray body;
    QList<std::pair<QByteArray, QByteArray>> extraHeaders; // e.g. Allow on a 405

    // application/json, Cache-Control: no-store.
    static HttpReply json(const QJsonObject &object, int statusCode = 200);
    // {"error": message} as JSON.
    static HttpReply error(int statusCode, const QString &message);
    static HttpReply content(QByteArray body, QByteArray contentType, QByteArray cacheControl);
    static HttpReply noContent();
};

} // namespace afk::server
