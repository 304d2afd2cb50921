// Socket.IO v4 packets (the text inside an Engine.IO message): type digit, binary attachment
// count "<n>-", namespace "/ns,", ack id, JSON payload; binary attachments travel as the next n
// binary messages and are referenced by {"_placeholder":true,"num":i} in the payload.
#pragma once

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QString>
#include <QStringView>

#include <optional>

namespace afk::server {

struct SocketIoPacket {
    // 0 is the invalid value; the wire digit is type - 1 (CONNECT "0" ... BINARY_ACK "6").
    enum class Type {
        Invalid = 0,
        Connect,
        Disconnect,
        Event,
        Ack,
        ConnectError,
        BinaryEvent,
        BinaryAck
    };

    static constexpr int maxAttachments = 16;
    static constexpr qint64 maxAckId = 9007199254740991; // JavaScript's Number.MAX_SAFE_INTEGER
    static constexpr int maxNamespaceLength = 256;

    Type type = Type::Invalid;
    QString nameSpace = QStringLiteral("/");
    std::optional<qint64> ackId;
    // The JSON payload; Undefined when the packet has none (CONNECT without auth, DISCONNECT).
    QJsonValue data = QJsonValue(QJsonValue::Undefined);
    // BINARY_EVENT / BINARY_ACK: how many binary messages follow the header, and (once received)
    // their bytes in order.
    int attachmentCount = 0;
    QList<QByteArray> attachments;

    bool isBinary() const { return type == Type::BinaryEvent || type == Type::BinaryAck; }
    bool isComplete() const { return attachments.size() == attachmentCount; }

    // EVENT / BINARY_EVENT: the event name (first array element) and its arguments.
    QString eventName() const;
    QJsonArray eventArguments() const;

    // Decodes the packet text (what follows the Engine.IO "4"). nullopt and *error on anything
    // malformed: bad type digit, missing "-" after the attachment count, a count that is negative
    // or over maxAttachments (or given for a non-binary type), bad JSON, a payload the type does
    // not allow (EVENT must be a non-empty array starting with a string, CONNECT an object, ...),
    // placeholders whose num is not an integer in 0..count-1, or attachments never referenced.
    static std::optional<SocketIoPacket> decode(QStringView text, QString *error = nullptr);

    // The packet text (without the Engine.IO "4"); the attachments, if any, are sent after it as
    // binary messages in order. attachmentCount is written for binary types.
    QString encode() const;

    // Builders for what the server sends.
    static SocketIoPacket event(const QString &name, const QJsonArray &arguments = {},
                                std::optional<qint64> ackId = std::nullopt);
    static SocketIoPacket ack(qint64 ackId, const QJsonArray &arguments);

    // {"_placeholder":true,"num":i} → i; nullopt for anything else.
    static std::optional<int> placeholderIndex(const QJsonValue &value);
    // The attachment a placeholder value stands for; nullopt if value is not a placeholder of this
    // (complete, binary) packet.
    std::optional<QByteArray> attachmentFor(const QJsonValue &value) const;

    static QChar typeDigit(Type type);
};

} // namespace afk::server
