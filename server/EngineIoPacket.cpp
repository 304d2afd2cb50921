#include "EngineIoPacket.h"

namespace afk::server {

EngineIoPacket EngineIoPacket::textPacket(Type type, const QString &text)
{
    EngineIoPacket packet;
    packet.type = type;
    packet.text = text;
    return packet;
}

EngineIoPacket EngineIoPacket::binaryMessage(const QByteArray &bytes)
{
    EngineIoPacket packet;
    packet.type = Type::Message;
    packet.binary = bytes;
    packet.isBinary = true;
    return packet;
}

std::optional<EngineIoPacket> EngineIoPacket::decodeText(QStringView message, QString *error)
{
    if (message.isEmpty()) {
        if (error)
            *error = QStringLiteral("empty Engine.IO packet");
        return std::nullopt;
    }
    const QChar digit = message.front();
    if (digit < u'0' || digit > u'6') {
        if (error)
            *error = QStringLiteral("bad Engine.IO packet type '%1' (expected 0-6)")
                         .arg(digit.isPrint() ? QString(digit)
                                              : QStringLiteral("\\u%1").arg(digit.unicode(), 4, 16,
                                                                            QLatin1Char('0')));
        return std::nullopt;
    }
    EngineIoPacket packet;
    packet.type = Type(digit.unicode() - u'0' + 1);
    packet.text = message.mid(1).toString();
    return packet;
}

QString EngineIoPacket::encodeText() const
{
    return typeDigit(type) + text;
}

QChar EngineIoPacket::typeDigit(Type type)
{
    if (type == Type::Invalid)
        return QChar(u'?');
    return QChar(char16_t(u'0' + int(type) - 1));
}

} // namespace afk::server
