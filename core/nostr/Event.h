// A Nostr event (NIP-01) as a plain value, with the pure functions around it: serialize for the
// id, hash, sign, verify, JSON in and out.
#pragma once

#include "EventId.h"
#include "PublicKey.h"
#include "Signature.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace afk::nostr
{

class KeyPair;
class Secp256k1Context;

struct Event {
    static constexpr int MaxKind = 65535;

    EventId id;
    PublicKey pubkey;
    qint64 createdAt = 0; // unix seconds
    int kind = 0;         // 0..65535
    QList<QStringList> tags;
    QString content;
    Signature sig;

    // UTF-8 of [0,"<pubkey>",<created_at>,<kind>,<tags>,"<content>"] without whitespace, strings
    // written by appendJsonString (the exact bytes NIP-01 hashes).
    QByteArray serializeForId() const;
    // SHA-256 of serializeForId().
    EventId computeId() const;

    // Sets pubkey to the key pair's, then id, then sig (BIP-340 over the id with 32 fresh random
    // aux bytes). created_at, kind, tags and content must be set before. False (and *error) if
    // kind or created_at is out of range.
    bool sign(const KeyPair &keyPair, QString *error = nullptr);

    // Recomputes the id and compares it with `id` first, then checks `sig` against `pubkey`.
    // False with the reason in *error otherwise. Use on every event that comes from outside.
    bool verify(const Secp256k1Context &context, QString *error = nullptr) const;

    // Values of the first tag named `name` (the whole tag, name included); empty if none.
    QStringList firstTag(const QString &name) const;

    // {"id","pubkey","created_at","kind","tags","content","sig"}.
    QJsonObject toJson() const;
    // The same object as compact UTF-8 JSON in NIP-01 field order, strings written like the id
    // serialization (what we send to relays).
    QByteArray toJsonBytes() const;

    // Refuses (nullopt, reason in *error) a missing or ill-typed field, hex of the wrong length or
    // case, a non-integer or negative created_at, a kind outside 0..65535, tags that are not
    // arrays of strings. Does not check id or sig: call verify() for that.
    static std::optional<Event> fromJson(const QJsonObject &object, QString *error = nullptr);
    static std::optional<Event> fromJsonBytes(QByteArrayView json, QString *error = nullptr);

    friend bool operator==(const Event &, const Event &) = default;
};

} // namespace afk::nostr
