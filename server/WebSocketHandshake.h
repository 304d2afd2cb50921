// The server's side of the RFC 6455 opening handshake (§4.2), for the WebSocket connections the
// studio owns (WebSocketConnection): checks a client's upgrade request and builds the 101 answer,
// and what GatedTcpServer hands over once the request head is read.
#pragma once

#include "HttpRequestHead.h"

#include <QByteArray>
#include <QHostAddress>
#include <QString>

#include <functional>
#include <optional>

namespace afk::server {

// Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + the RFC's GUID)), §4.2.2.
QByteArray webSocketAcceptKey(QByteArrayView key);

// The whole "101 Switching Protocols" answer for a valid upgrade request; nullopt with *error
// (a sentence for the client) when the request is not one (answered 400 then).
std::optional<QByteArray> webSocketHandshakeAnswer(const HttpRequestHead &head, QString *error);

// An upgrade request read off a connection, with the connection's descriptor.
struct WebSocketUpgrade {
    int descriptor = -1; // the taker owns it when it answers Taken
    HttpRequestHead head;
    QByteArray early; // bytes the client sent after the request head (already read)
    QHostAddress peer;
    quint16 peerPort = 0;
};

struct WebSocketTake {
    enum class Outcome { NotMine, Taken, Refused };
    Outcome outcome = Outcome::NotMine;
    int statusCode = 400; // Refused: the HTTP answer, with message
    QString message;
};

// Decides about every WebSocket upgrade request before Qt's HTTP server sees it (see
// GatedTcpServer::setWebSocketTaker). NotMine leaves the request to Qt.
using WebSocketTaker = std::function<WebSocketTake(WebSocketUpgrade &upgrade)>;

} // namespace afk::server
