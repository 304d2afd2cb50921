// Engine.IO v4 packets as carried by the WebSocket transport: one packet per WebSocket message, a
// text message is "<type digit><data>", a binary message is the raw bytes of a message packet.
#pragma once

#include <QByteArray>
#include <QString>
#include <QStringView>

#include <optional>

namespace afk::server {

struct EngineIoPacket {
    // 0 is the invalid value; the wire digit is type - 1 (open "0" ... noop "6").
    enum class Type { Invalid = 0, Open, Close, Ping, Pong, Message, Upgrade, Noop };

    Type type = Type::Invalid;
    QString text;      // the data after the type digit of a text packet (may be empty)
    QByteArray binary; // the bytes of a binary message packet
    bool isBinary = false;

    static EngineIoPacket textPacket(Type type, const QString &text = {});
    static EngineIoPacket binaryMessage(const QByteArray &bytes);

    // A text WebSocket message: nullopt (and *error) when it is empty or its first character is
    // not a type digit 0-6. Never throws, never crashes on any input.
    static std::optional<EngineIoPacket> decodeText(QStringView message, QString *error = nullptr);

    // The WebSocket text message of a text packet ("4" + text for a message, "2" for a ping ...).
    QString encodeText() const;

    static QChar typeDigit(Type type);
};

} // namespace afk::server
