#include "Nip19.h"

#include "Bech32.h"
#include "SodiumInit.h"

#include <QList>

namespace afk::nostr
{

namespace
{

enum TlvType : unsigned char { Special = 0, Relay = 1, Author = 2, Kind = 3 };

struct TlvItem {
    unsigned char type;
    QByteArray value;
};

void setError(QString *error, const QString &text)
{
    if (error)
        *error = text;
}

// Decodes text and checks its prefix.
std::optional<QByteArray> decodeWithPrefix(QStringView text, const QString &prefix, QString *error)
{
    QString reason;
    std::optional<Bech32::Decoded> decoded = Bech32::decode(text, Bech32::Nip19MaxLength, &reason);
    if (!decoded) {
        setError(error, QStringLiteral("not a valid %1: %2").arg(prefix, reason));
        return std::nullopt;
    }
    if (decoded->hrp != prefix) {
        setError(error,
                 QStringLiteral("wrong prefix \"%2\" (expected \"%1\")").arg(prefix, decoded->hrp));
        if (!decoded->data.isEmpty())
            sodium_memzero(decoded->data.data(), size_t(decoded->data.size()));
        return std::nullopt;
    }
    return decoded->data;
}

template <typename Value>
std::optional<Value> decodeBare(QStringView text, const QString &prefix, QString *error)
{
    const std::optional<QByteArray> data = decodeWithPrefix(text, prefix, error);
    if (!data)
        return std::nullopt;
    QString reason;
    std::optional<Value> value = Value::fromBytes(*data, &reason);
    if (!value)
        setError(error, QStringLiteral("%1 payload: %2").arg(prefix, reason));
    return value;
}

bool appendTlv(QByteArray &out, unsigned char type, const QByteArray &value, const char *what,
               QString *error)
{
    if (value.size() > 255) {
        setError(error, QStringLiteral("%1 is %2 bytes, a TLV value holds at most 255")
                            .arg(QLatin1String(what))
                            .arg(value.size()));
        return false;
    }
    out.append(char(type));
    out.append(char(value.size()));
    out.append(value);
    return true;
}

bool appendRelays(QByteArray &out, const QStringList &relays, QString *error)
{
    for (const QString &relay : relays)
        if (!appendTlv(out, Relay, relay.toUtf8(), "a relay URL", error))
            return false;
    return true;
}

QByteArray kindBytes(quint32 kind)
{
    QByteArray bytes(4, '\0');
    bytes[0] = char(kind >> 24);
    bytes[1] = char(kind >> 16);
    bytes[2] = char(kind >> 8);
    bytes[3] = char(kind);
    return bytes;
}

QString encodeTlv(const QString &prefix, const QByteArray &payload, QString *error)
{
    return Bech32::encode(prefix, payload, Bech32::Nip19MaxLength, error);
}

std::optional<QList<TlvItem>> parseTlv(const QByteArray &data, const QString &prefix,
                                       QString *error)
{
    QList<TlvItem> items;
    qsizetype position = 0;
    while (position < data.size()) {
        if (data.size() - position < 2) {
            setError(error,
                     QStringLiteral("%1: truncated TLV at byte %2").arg(prefix).arg(position));
            return std::nullopt;
        }
        const auto type = static_cast<unsigned char>(data[position]);
        const auto length = qsizetype(static_cast<unsigned char>(data[position + 1]));
        position += 2;
        if (data.size() - position < length) {
            setError(error, QStringLiteral("%1: TLV type %2 says %3 bytes, only %4 left")
                                .arg(prefix)
                                .arg(type)
                                .arg(length)
                                .arg(data.size() - position));
            return std::nullopt;
        }
        items.append({type, data.mid(position, length)});
        position += length;
    }
    return items;
}

// The TLV items of a bech32 string that must carry prefix (nprofile, nevent, naddr).
std::optional<QList<TlvItem>> decodeTlvWithPrefix(QStringView text, const QString &prefix,
                                                  QString *error)
{
    const std::optional<QByteArray> data = decodeWithPrefix(text, prefix, error);
    if (!data)
        return std::nullopt;
    return parseTlv(*data, prefix, error);
}

const TlvItem *firstOf(const QList<TlvItem> &items, unsigned char type)
{
    for (const TlvItem &item : items)
        if (item.type == type)
            return &item;
    return nullptr;
}

QStringList relaysOf(const QList<TlvItem> &items)
{
    QStringList relays;
    for (const TlvItem &item : items)
        if (item.type == Relay)
            relays.append(QString::fromUtf8(item.value));
    return relays;
}

template <typename Value>
bool readFixed(const QList<TlvItem> &items, unsigned char type, const QString &prefix,
               const char *what, std::optional<Value> *out, QString *error)
{
    const TlvItem *item = firstOf(items, type);
    if (!item) {
        out->reset();
        return true;
    }
    *out = Value::fromBytes(item->value);
    if (!*out) {
        setError(error, QStringLiteral("%1: the %2 (TLV %3) is %4 bytes, expected %5")
                            .arg(prefix, QLatin1String(what))
                            .arg(type)
                            .arg(item->value.size())
                            .arg(Value::Size));
        return false;
    }
    return true;
}

bool readKind(const QList<TlvItem> &items, const QString &prefix, std::optional<quint32> *out,
              QString *error)
{
    const TlvItem *item = firstOf(items, Kind);
    if (!item) {
        out->reset();
        return true;
    }
    if (item->value.size() != 4) {
        setError(error, QStringLiteral("%1: the kind (TLV 3) is %2 bytes, expected 4")
                            .arg(prefix)
                            .arg(item->value.size()));
        return false;
    }
    const auto byte = [&](int i) { return quint32(static_cast<unsigned char>(item->value[i])); };
    *out = (byte(0) << 24) | (byte(1) << 16) | (byte(2) << 8) | byte(3);
    return true;
}

void setMissing(QString *error, const QString &prefix, const char *what, int type)
{
    setError(
        error,
        QStringLiteral("%1: missing the %2 (TLV %3)").arg(prefix, QLatin1String(what)).arg(type));
}

} // namespace

QString Nip19::encodeNpub(const PublicKey &publicKey)
{
    return Bech32::encode(u"npub", publicKey.view());
}

QString Nip19::encodeNsec(const SecretKey &secretKey)
{
    return Bech32::encode(
        u"nsec", QByteArrayView(reinterpret_cast<const char *>(secretKey.data()), SecretKey::Size));
}

QString Nip19::encodeNote(const EventId &id)
{
    return Bech32::encode(u"note", id.view());
}

QString Nip19::encodeNprofile(const ProfilePointer &profile, QString *error)
{
    QByteArray payload;
    if (!appendTlv(payload, Special, profile.publicKey.toByteArray(), "the public key", error) ||
        !appendRelays(payload, profile.relays, error))
        return {};
    return encodeTlv(QStringLiteral("nprofile"), payload, error);
}

QString Nip19::encodeNevent(const EventPointer &event, QString *error)
{
    QByteArray payload;
    if (!appendTlv(payload, Special, event.id.toByteArray(), "the event id", error) ||
        !appendRelays(payload, event.relays, error))
        return {};
    if (event.author &&
        !appendTlv(payload, Author, event.author->toByteArray(), "the author", error))
        return {};
    if (event.kind && !appendTlv(payload, Kind, kindBytes(*event.kind), "the kind", error))
        return {};
    return encodeTlv(QStringLiteral("nevent"), payload, error);
}

QString Nip19::encodeNaddr(const AddressPointer &address, QString *error)
{
    QByteArray payload;
    if (!appendTlv(payload, Special, address.identifier.toUtf8(), "the identifier (d tag)",
                   error) ||
        !appendRelays(payload, address.relays, error) ||
        !appendTlv(payload, Author, address.author.toByteArray(), "the author", error) ||
        !appendTlv(payload, Kind, kindBytes(address.kind), "the kind", error))
        return {};
    return encodeTlv(QStringLiteral("naddr"), payload, error);
}

std::optional<PublicKey> Nip19::decodeNpub(QStringView text, QString *error)
{
    return decodeBare<PublicKey>(text, QStringLiteral("npub"), error);
}

std::optional<SecretKey> Nip19::decodeNsec(QStringView text, QString *error)
{
    std::optional<QByteArray> data = decodeWithPrefix(text, QStringLiteral("nsec"), error);
    if (!data)
        return std::nullopt;
    QString reason;
    std::optional<SecretKey> key = SecretKey::fromBytes(*data, &reason);
    if (!data->isEmpty())
        sodium_memzero(data->data(), size_t(data->size()));
    if (!key)
        setError(error, QStringLiteral("nsec payload: %1").arg(reason));
    return key;
}

std::optional<EventId> Nip19::decodeNote(QStringView text, QString *error)
{
    return decodeBare<EventId>(text, QStringLiteral("note"), error);
}

std::optional<ProfilePointer> Nip19::decodeNprofile(QStringView text, QString *error)
{
    const QString prefix = QStringLiteral("nprofile");
    const std::optional<QList<TlvItem>> items = decodeTlvWithPrefix(text, prefix, error);
    if (!items)
        return std::nullopt;
    std::optional<PublicKey> publicKey;
    if (!readFixed(*items, Special, prefix, "public key", &publicKey, error))
        return std::nullopt;
    if (!publicKey) {
        setMissing(error, prefix, "public key", Special);
        return std::nullopt;
    }
    return ProfilePointer{*publicKey, relaysOf(*items)};
}

std::optional<EventPointer> Nip19::decodeNevent(QStringView text, QString *error)
{
    const QString prefix = QStringLiteral("nevent");
    const std::optional<QList<TlvItem>> items = decodeTlvWithPrefix(text, prefix, error);
    if (!items)
        return std::nullopt;
    std::optional<EventId> id;
    EventPointer event;
    if (!readFixed(*items, Special, prefix, "event id", &id, error) ||
        !readFixed(*items, Author, prefix, "author", &event.author, error) ||
        !readKind(*items, prefix, &event.kind, error))
        return std::nullopt;
    if (!id) {
        setMissing(error, prefix, "event id", Special);
        return std::nullopt;
    }
    event.id = *id;
    event.relays = relaysOf(*items);
    return event;
}

std::optional<AddressPointer> Nip19::decodeNaddr(QStringView text, QString *error)
{
    const QString prefix = QStringLiteral("naddr");
    const std::optional<QList<TlvItem>> items = decodeTlvWithPrefix(text, prefix, error);
    if (!items)
        return std::nullopt;
    const TlvItem *identifier = firstOf(*items, Special);
    std::optional<PublicKey> author;
    std::optional<quint32> kind;
    if (!readFixed(*items, Author, prefix, "author", &author, error) ||
        !readKind(*items, prefix, &kind, error))
        return std::nullopt;
    if (!identifier) {
        setMissing(error, prefix, "identifier", Special);
        return std::nullopt;
    }
    if (!author) {
        setMissing(error, prefix, "author", Author);
        return std::nullopt;
    }
    if (!kind) {
        setMissing(error, prefix, "kind", Kind);
        return std::nullopt;
    }
    return AddressPointer{QString::fromUtf8(identifier->value), *author, *kind, relaysOf(*items)};
}

QString Nip19::prefixOf(QStringView text)
{
    const qsizetype separator = text.lastIndexOf(QLatin1Char('1'));
    if (separator <= 0)
        return {};
    return text.left(separator).toString().toLower();
}

} // namespace afk::nostr
