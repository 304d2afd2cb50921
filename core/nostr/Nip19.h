// NIP-19 bech32 entities: npub, nsec, note (32 raw bytes) and the TLV pointers nprofile, nevent,
// naddr.
#pragma once

#include "EventId.h"
#include "PublicKey.h"
#include "SecretKey.h"

#include <QString>
#include <QStringList>
#include <QStringView>

#include <optional>

namespace afk::nostr
{

// nprofile: a profile and relays where it is likely to be found.
struct ProfilePointer {
    PublicKey publicKey;
    QStringList relays;
    friend bool operator==(const ProfilePointer &, const ProfilePointer &) = default;
};

// nevent: an event id, optionally relays, its author and its kind.
struct EventPointer {
    EventId id;
    QStringList relays;
    std::optional<PublicKey> author;
    std::optional<quint32> kind;
    friend bool operator==(const EventPointer &, const EventPointer &) = default;
};

// naddr: an addressable event (kind:author:d-tag), e.g. a NIP-53 live event (kind 30311).
struct AddressPointer {
    QString identifier; // the d tag; may be empty
    PublicKey author;
    quint32 kind = 0;
    QStringList relays;
    friend bool operator==(const AddressPointer &, const AddressPointer &) = default;
};

// Encoders return an empty string (and *error) only when a TLV value is longer than 255 bytes or
// the result exceeds 5000 characters. Decoders refuse (nullopt, reason in *error) a bad bech32
// string, another prefix than the one asked for, a payload of the wrong length, truncated TLV,
// missing required TLV (0 always; 2 and 3 for naddr) or a TLV of the wrong size. TLV may come in
// any order; unknown types are ignored; the first 0/2/3 wins if repeated.
class Nip19
{
public:
    static QString encodeNpub(const PublicKey &publicKey);
    static QString encodeNsec(const SecretKey &secretKey);
    static QString encodeNote(const EventId &id);
    static QString encodeNprofile(const ProfilePointer &profile, QString *error = nullptr);
    static QString encodeNevent(const EventPointer &event, QString *error = nullptr);
    static QString encodeNaddr(const AddressPointer &address, QString *error = nullptr);

    static std::optional<PublicKey> decodeNpub(QStringView text, QString *error = nullptr);
    static std::optional<SecretKey> decodeNsec(QStringView text, QString *error = nullptr);
    static std::optional<EventId> decodeNote(QStringView text, QString *error = nullptr);
    static std::optional<ProfilePointer> decodeNprofile(QStringView text, QString *error = nullptr);
    static std::optional<EventPointer> decodeNevent(QStringView text, QString *error = nullptr);
    static std::optional<AddressPointer> decodeNaddr(QStringView text, QString *error = nullptr);

    // The lowercase prefix of a bech32-looking string ("npub", "ncryptsec"…) without checking
    // anything else; empty when there is no '1'. For routing pasted text to the right decoder.
    static QString prefixOf(QStringView text);
};

} // namespace afk::nostr
