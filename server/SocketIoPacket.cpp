#include "SocketIoPacket.h"

#include <QJsonDocument>
#include <QJsonParseError>

#include <cmath>

namespace afk::server {
namespace {

bool fail(QString *error, const QString &message)
{
    if (error)
        *error = message;
    return false;
}

bool isAsciiDigit(QChar c)
{
    return c >= u'0' && c <= u'9';
}

// Any JSON value (not only an object or array): parsed as the one element of an array.
bool parseJsonValue(QStringView text, QJsonValue *value, QString *error)
{
    const QByteArray wrapped = '[' + text.toUtf8() + ']';
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(wrapped, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isArray() ||
        document.array().size() != 1) {
        return fail(error, QStringLiteral("invalid JSON payload (%1)")
                               .arg(parseError.error != QJsonParseError::NoError
                                        ? parseError.errorString()
                                        : QStringLiteral("not one value")));
    }
    *value = document.array().at(0);
    return true;
}

QString compactJson(const QJsonValue &value)
{
    const QByteArray array = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
    return QString::fromUtf8(array.mid(1, array.size() - 2));
}

bool isReservedEventName(const QString &name)
{
    static const QStringList reserved = {
        QStringLiteral("connect"),     QStringLiteral("connect_error"),
        QStringLiteral("disconnect"),  QStringLiteral("disconnecting"),
        QStringLiteral("newListener"), QStringLiteral("removeListener")};
    return reserved.contains(name);
}

bool isPayloadValid(SocketIoPacket::Type type, const QJsonValue &payload, QString *error)
{
    using Type = SocketIoPacket::Type;
    switch (type) {
    case Type::Connect:
        if (!payload.isObject())
            return fail(error, QStringLiteral("CONNECT payload must be a JSON object"));
        return true;
    case Type::Disconnect:
        return fail(error, QStringLiteral("DISCONNECT takes no payload"));
    case Type::ConnectError:
        if (!payload.isObject() && !payload.isString())
            return fail(error,
                        QStringLiteral("CONNECT_ERROR payload must be an object or a string"));
        return true;
    case Type::Event:
    case Type::BinaryEvent: {
        const QJsonArray array = payload.toArray();
        if (!payload.isArray() || array.isEmpty() || !array.first().isString())
            return fail(error, QStringLiteral("EVENT payload must be an array starting with the "
                                              "event name"));
        if (isReservedEventName(array.first().toString()))
            return fail(
                error,
                QStringLiteral("'%1' is a reserved event name").arg(array.first().toString()));
        return true;
    }
    case Type::Ack:
    case Type::BinaryAck:
        if (!payload.isArray())
            return fail(error, QStringLiteral("ACK payload must be an array"));
        return true;
    case Type::Invalid:
        break;
    }
    return fail(error, QStringLiteral("invalid packet type"));
}

// Marks every placeholder of `value` in `seen`; false on a placeholder whose num is not an
// integer in 0..seen.size()-1 (socket.io-parser: "illegal attachments").
bool collectPlaceholders(const QJsonValue &value, QList<bool> *seen, QString *error)
{
    if (value.isArray()) {
        for (const QJsonValue &element : value.toArray())
            if (!collectPlaceholders(element, seen, error))
                return false;
        return true;
    }
    if (!value.isObject())
        return true;
    const QJsonObject object = value.toObject();
    if (object.value(QStringLiteral("_placeholder")) == QJsonValue(true)) {
        const std::optional<int> index = SocketIoPacket::placeholderIndex(value);
        if (!index || *index >= seen->size())
            return fail(error, QStringLiteral("attachment placeholder num %1 out of range "
                                              "(%2 attachments)")
                                   .arg(compactJson(object.value(QStringLiteral("num"))))
                                   .arg(seen->size()));
        (*seen)[*index] = true;
        return true;
    }
    for (auto it = object.begin(); it != object.end(); ++it)
        if (!collectPlaceholders(it.value(), seen, error))
            return false;
    return true;
}

} // namespace

QString SocketIoPacket::eventName() const
{
    return data.toArray().first().toString();
}

QJsonArray SocketIoPacket::eventArguments() const
{
    QJsonArray arguments = data.toArray();
    if (!arguments.isEmpty())
        arguments.removeFirst();
    return arguments;
}

std::optional<SocketIoPacket> SocketIoPacket::decode(QStringView text, QString *error)
{
    if (text.isEmpty()) {
        fail(error, QStringLiteral("empty Socket.IO packet"));
        return std::nullopt;
    }
    const QChar digit = text.front();
    if (digit < u'0' || digit > u'6') {
        fail(error, QStringLiteral("bad Socket.IO packet type (expected a digit 0-6)"));
        return std::nullopt;
    }
    SocketIoPacket packet;
    packet.type = Type(digit.unicode() - u'0' + 1);
    qsizetype i = 1;
    const qsizetype size = text.size();

    if (packet.isBinary()) {
        const qsizetype dash = text.indexOf(u'-', i);
        const QStringView count = dash < 0 ? QStringView() : text.mid(i, dash - i);
        if (dash < 0 || count.isEmpty()) {
            fail(error, QStringLiteral("binary packet without its attachment count '<n>-'"));
            return std::nullopt;
        }
        for (QChar c : count) {
            if (!isAsciiDigit(c)) {
                fail(error, QStringLiteral("attachment count '%1' is not a non-negative integer")
                                .arg(count.left(16)));
                return std::nullopt;
            }
        }
        if (count.size() > 4 || count.toInt() > maxAttachments) {
            fail(error, QStringLiteral("too many attachments (%1; at most %2)")
                            .arg(count.left(16))
                            .arg(maxAttachments));
            return std::nullopt;
        }
        packet.attachmentCount = count.toInt();
        i = dash + 1;
    }

    if (i < size && text.at(i) == u'/') {
        qsizetype comma = text.indexOf(u',', i);
        if (comma < 0)
            comma = size;
        if (comma - i > maxNamespaceLength) {
            fail(error,
                 QStringLiteral("namespace longer than %1 characters").arg(maxNamespaceLength));
            return std::nullopt;
        }
        packet.nameSpace = text.mid(i, comma - i).toString();
        i = comma < size ? comma + 1 : size;
    }

    if (i < size && isAsciiDigit(text.at(i))) {
        qsizetype end = i;
        while (end < size && isAsciiDigit(text.at(end)))
            ++end;
        const QStringView digits = text.mid(i, end - i);
        bool isNumber = false;
        const qint64 ackId = digits.size() <= 16 ? digits.toLongLong(&isNumber) : -1;
        if (!isNumber || ackId > maxAckId) {
            fail(error, QStringLiteral("ack id too large"));
            return std::nullopt;
        }
        packet.ackId = ackId;
        i = end;
    }

    if (i < size) {
        QJsonValue payload;
        if (!parseJsonValue(text.mid(i), &payload, error))
            return std::nullopt;
        if (!isPayloadValid(packet.type, payload, error))
            return std::nullopt;
        packet.data = payload;
    } else if (packet.type == Type::Event || packet.type == Type::BinaryEvent ||
               packet.type == Type::Ack || packet.type == Type::BinaryAck) {
        fail(error, QStringLiteral("EVENT/ACK packet without a payload"));
        return std::nullopt;
    }

    if (packet.isBinary()) {
        QList<bool> seen(packet.attachmentCount, false);
        if (!collectPlaceholders(packet.data, &seen, error))
            return std::nullopt;
        const qsizetype referenced = seen.count(true);
        if (referenced != packet.attachmentCount) {
            fail(error, QStringLiteral("attachment count mismatch: the header announces %1, the "
                                       "payload references %2")
                            .arg(packet.attachmentCount)
                            .arg(referenced));
            return std::nullopt;
        }
    }
    return packet;
}

QString SocketIoPacket::encode() const
{
    QString text(typeDigit(type));
    if (isBinary())
        text += QString::number(attachmentCount) + u'-';
    if (!nameSpace.isEmpty() && nameSpace != u"/")
        text += nameSpace + u',';
    if (ackId)
        text += QString::number(*ackId);
    if (!data.isUndefined())
        text += compactJson(data);
    return text;
}

SocketIoPacket SocketIoPacket::event(const QString &name, const QJsonArray &arguments,
                                     std::optional<qint64> ackId)
{
    SocketIoPacket packet;
    packet.type = Type::Event;
    QJsonArray array{name};
    for (const QJsonValue &argument : arguments)
        array.append(argument);
    packet.data = array;
    packet.ackId = ackId;
    return packet;
}

SocketIoPacket SocketIoPacket::ack(qint64 ackId, const QJsonArray &arguments)
{
    SocketIoPacket packet;
    packet.type = Type::Ack;
    packet.ackId = ackId;
    packet.data = arguments;
    return packet;
}

std::optional<int> SocketIoPacket::placeholderIndex(const QJsonValue &value)
{
    if (!value.isObject())
        return std::nullopt;
    const QJsonObject object = value.toObject();
    if (object.value(QStringLiteral("_placeholder")) != QJsonValue(true))
        return std::nullopt;
    const QJsonValue num = object.value(QStringLiteral("num"));
    if (!num.isDouble())
        return std::nullopt;
    const double number = num.toDouble();
    if (!(number >= 0) || number > maxAttachments || std::floor(number) != number)
        return std::nullopt;
    return int(number);
}

std::optional<QByteArray> SocketIoPacket::attachmentFor(const QJsonValue &value) const
{
    if (!isBinary() || !isComplete())
        return std::nullopt;
    const std::optional<int> index = placeholderIndex(value);
    if (!index || *index >= attachments.size())
        return std::nullopt;
    return attachments.at(*index);
}

QChar SocketIoPacket::typeDigit(Type type)
{
    if (type == Type::Invalid)
        return QChar(u'?');
    return QChar(char16_t(u'0' + int(type) - 1));
}

} // namespace afk::server
