#include "WebSocketHandshake.h"

#include <QCryptographicHash>

namespace afk::server {
namespace {

// Whether a comma-separated header value holds token (case-insensitive), as "keep-alive, Upgrade".
bool hasToken(QByteArrayView value, QByteArrayView token)
{
    for (const QByteArrayView part : QByteArray(value.toByteArray()).split(','))
        if (part.trimmed().compare(token, Qt::CaseInsensitive) == 0)
            return true;
    return false;
}

} // namespace

QByteArray webSocketAcceptKey(QByteArrayView key)
{
    QCryptographicHash sha1(QCryptographicHash::Sha1);
    sha1.addData(key);
    sha1.addData(QByteArrayView("258EAFA5-E914-47DA-95CA-C5AB0DC85B11"));
    return sha1.result().toBase64();
}

std::optional<QByteArray> webSocketHandshakeAnswer(const HttpRequestHead &head, QString *error)
{
    const auto refuse = [error](const QString &why) -> std::optional<QByteArray> {
        *error = QStringLiteral("bad WebSocket upgrade request: ") + why;
        return std::nullopt;
    };
    if (head.method != "GET" || head.minorVersion < 1)
        return refuse(QStringLiteral("it must be GET over HTTP/1.1"));
    if (!hasToken(head.value("Upgrade"), "websocket"))
        return refuse(QStringLiteral("Upgrade must name websocket"));
    if (!hasToken(head.value("Connection"), "upgrade"))
        return refuse(QStringLiteral("Connection must include Upgrade"));
    if (head.value("Sec-WebSocket-Version").trimmed() != "13")
        return refuse(QStringLiteral("only Sec-WebSocket-Version 13 is supported"));
    const QByteArrayView key = head.value("Sec-WebSocket-Key").trimmed();
    const auto decoded = QByteArray::fromBase64Encoding(
        key.toByteArray(), QByteArray::Base64Encoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded || decoded.decoded.size() != 16)
        return refuse(QStringLiteral("Sec-WebSocket-Key must be 16 bytes in base64"));
    // No extension (permessage-deflate) and no subprotocol is offered back: Engine.IO needs none.
    return QByteArrayLiteral("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                             "Connection: Upgrade\r\nSec-WebSocket-Accept: ") +
           webSocketAcceptKey(key) + QByteArrayLiteral("\r\n\r\n");
}

} // namespace afk::server
