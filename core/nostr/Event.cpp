#include "Event.h"

#include "JsonString.h"
#include "KeyPair.h"
#include "Schnorr.h"
#include "Secp256k1Context.h"
#include "SodiumInit.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

#include <cmath>

namespace afk::nostr
{

namespace
{

// Largest integer a JSON number (an IEEE double, as in JavaScript) holds exactly.
constexpr double MaxSafeInteger = 9007199254740991.0;

void setError(QString *error, const QString &text)
{
    if (error)
        *error = text;
}

void appendTags(QByteArray &out, const QList<QStringList> &tags)
{
    out.append('[');
    for (qsizetype t = 0; t < tags.size(); ++t) {
        if (t > 0)
            out.append(',');
        out.append('[');
        const QStringList &tag = tags[t];
        for (qsizetype v = 0; v < tag.size(); ++v) {
            if (v > 0)
                out.append(',');
            appendJsonString(out, tag[v]);
        }
        out.append(']');
    }
    out.append(']');
}

bool isWellFormed(const Event &event, QString *error)
{
    if (event.kind < 0 || event.kind > Event::MaxKind) {
        setError(error,
                 QStringLiteral("kind %1 is outside 0..%2").arg(event.kind).arg(Event::MaxKind));
        return false;
    }
    if (event.createdAt < 0 || double(event.createdAt) > MaxSafeInteger) {
        setError(error, QStringLiteral("created_at %1 is out of range").arg(event.createdAt));
        return false;
    }
    return true;
}

// Reads a non-negative integer JSON number no larger than max.
bool readInteger(const QJsonObject &object, const QString &key, double max, qint64 *out,
                 QString *error)
{
    const QJsonValue value = object.value(key);
    if (value.isUndefined()) {
        setError(error, QStringLiteral("missing field \"%1\"").arg(key));
        return false;
    }
    if (!value.isDouble()) {
        setError(error, QStringLiteral("field \"%1\" must be a number").arg(key));
        return false;
    }
    const double number = value.toDouble();
    if (!(number >= 0 && number <= max) || std::floor(number) != number) {
        setError(error, QStringLiteral("field \"%1\" must be an integer between 0 and %2")
                            .arg(key)
                            .arg(qint64(max)));
        return false;
    }
    *out = qint64(number);
    return true;
}

bool readString(const QJsonObject &object, const QString &key, QString *out, QString *error)
{
    const QJsonValue value = object.value(key);
    if (value.isUndefined()) {
        setError(error, QStringLiteral("missing field \"%1\"").arg(key));
        return false;
    }
    if (!value.isString()) {
        setError(error, QStringLiteral("field \"%1\" must be a string").arg(key));
        return false;
    }
    *out = value.toString();
    return true;
}

template <typename Value>
bool readHex(const QJsonObject &object, const QString &key, Value *out, QString *error)
{
    QString text;
    if (!readString(object, key, &text, error))
        return false;
    QString reason;
    const std::optional<Value> value = Value::fromHex(text, &reason);
    if (!value) {
        setError(error, QStringLiteral("field \"%1\": %2").arg(key, reason));
        return false;
    }
    *out = *value;
    return true;
}

bool readTags(const QJsonObject &object, QList<QStringList> *out, QString *error)
{
    const QJsonValue value = object.value(QLatin1String("tags"));
    if (value.isUndefined()) {
        setError(error, QStringLiteral("missing field \"tags\""));
        return false;
    }
    if (!value.isArray()) {
        setError(error, QStringLiteral("field \"tags\" must be an array"));
        return false;
    }
    const QJsonArray tags = value.toArray();
    out->clear();
    out->reserve(tags.size());
    for (qsizetype t = 0; t < tags.size(); ++t) {
        if (!tags[t].isArray()) {
            setError(error, QStringLiteral("tags[%1] must be an array").arg(t));
            return false;
        }
        const QJsonArray tag = tags[t].toArray();
        QStringList strings;
        strings.reserve(tag.size());
        for (qsizetype v = 0; v < tag.size(); ++v) {
            if (!tag[v].isString()) {
                setError(error, QStringLiteral("tags[%1][%2] must be a string").arg(t).arg(v));
                return false;
            }
            strings.append(tag[v].toString());
        }
        out->append(strings);
    }
    return true;
}

} // namespace

QByteArray Event::serializeForId() const
{
    QByteArray out;
    out.reserve(160 + content.size());
    out.append("[0,\"");
    out.append(pubkey.toHex().toLatin1());
    out.append("\",");
    out.append(QByteArray::number(createdAt));
    out.append(',');
    out.append(QByteArray::number(kind));
    out.append(',');
    appendTags(out, tags);
    out.append(',');
    appendJsonString(out, content);
    out.append(']');
    return out;
}

EventId Event::computeId() const
{
    ensureSodium();
    const QByteArray serialized = serializeForId();
    EventId::Array digest{};
    crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char *>(serialized.data()),
                       static_cast<unsigned long long>(serialized.size()));
    return EventId::fromArray(digest);
}

bool Event::sign(const KeyPair &keyPair, QString *error)
{
    if (!isWellFormed(*this, error))
        return false;
    pubkey = keyPair.publicKey();
    id = computeId();
    sig = keyPair.sign(id.bytes());
    return true;
}

bool Event::verify(const Secp256k1Context &context, QString *error) const
{
    if (!isWellFormed(*this, error))
        return false;
    if (computeId() != id) {
        setError(error, QStringLiteral("the id does not match the event's content"));
        return false;
    }
    return verifySchnorr(context, pubkey, id.view(), sig, error);
}

QStringList Event::firstTag(const QString &name) const
{
    for (const QStringList &tag : tags)
        if (!tag.isEmpty() && tag.first() == name)
            return tag;
    return {};
}

QJsonObject Event::toJson() const
{
    QJsonArray tagArray;
    for (const QStringList &tag : tags)
        tagArray.append(QJsonArray::fromStringList(tag));
    return QJsonObject{
        {QStringLiteral("id"), id.toHex()},        {QStringLiteral("pubkey"), pubkey.toHex()},
        {QStringLiteral("created_at"), createdAt}, {QStringLiteral("kind"), kind},
        {QStringLiteral("tags"), tagArray},        {QStringLiteral("content"), content},
        {QStringLiteral("sig"), sig.toHex()},
    };
}

QByteArray Event::toJsonBytes() const
{
    QByteArray out;
    out.reserve(360 + content.size());
    out.append("{\"id\":\"");
    out.append(id.toHex().toLatin1());
    out.append("\",\"pubkey\":\"");
    out.append(pubkey.toHex().toLatin1());
    out.append("\",\"created_at\":");
    out.append(QByteArray::number(createdAt));
    out.append(",\"kind\":");
    out.append(QByteArray::number(kind));
    out.append(",\"tags\":");
    appendTags(out, tags);
    out.append(",\"content\":");
    appendJsonString(out, content);
    out.append(",\"sig\":\"");
    out.append(sig.toHex().toLatin1());
    out.append("\"}");
    return out;
}

std::optional<Event> Event::fromJson(const QJsonObject &object, QString *error)
{
    Event event;
    qint64 kind = 0;
    if (!readHex(object, QStringLiteral("id"), &event.id, error) ||
        !readHex(object, QStringLiteral("pubkey"), &event.pubkey, error) ||
        !readInteger(object, QStringLiteral("created_at"), MaxSafeInteger, &event.createdAt,
                     error) ||
        !readInteger(object, QStringLiteral("kind"), MaxKind, &kind, error) ||
        !readTags(object, &event.tags, error) ||
        !readString(object, QStringLiteral("content"), &event.content, error) ||
        !readHex(object, QStringLiteral("sig"), &event.sig, error))
        return std::nullopt;
    event.kind = int(kind);
    return event;
}

std::optional<Event> Event::fromJsonBytes(QByteArrayView json, QString *error)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json.toByteArray(), &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        setError(error, QStringLiteral("invalid JSON: %1").arg(parseError.errorString()));
        return std::nullopt;
    }
    if (!document.isObject()) {
        setError(error, QStringLiteral("an event must be a JSON object"));
        return std::nullopt;
    }
    return fromJson(document.object(), error);
}

} // namespace afk::nostr
