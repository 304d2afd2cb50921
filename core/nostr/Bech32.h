// BIP-173 bech32 (not bech32m): the text form of every NIP-19 / NIP-49 entity.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QStringView>

#include <optional>

namespace afk::nostr
{

class Bech32
{
public:
    // BIP-173 caps a string at 90 characters; NIP-19 lifts that to 5000 for TLV entities.
    static constexpr qsizetype Bip173MaxLength = 90;
    static constexpr qsizetype Nip19MaxLength = 5000;

    struct Decoded {
        QString hrp;     // lowercase human-readable part ("npub", "nsec", "ncryptsec"…)
        QByteArray data; // bytes (decode) or 5-bit values (decodeWords)
    };

    // Encodes bytes (regrouped into 5-bit values, zero-padded) under hrp. Empty string (and
    // *error) if hrp is empty or not lowercase printable ASCII, or the result would be longer
    // than maxLength.
    static QString encode(QStringView hrp, QByteArrayView data,
                          qsizetype maxLength = Nip19MaxLength, QString *error = nullptr);

    // Decodes a bech32 string into hrp and bytes. nullopt (and *error) for: longer than
    // maxLength, characters outside ASCII 33..126, mixed case, no '1' separator, empty hrp,
    // fewer than 6 checksum characters, a character outside the bech32 alphabet, a bad checksum
    // (including a bech32m one), or padding that is not zero bits shorter than 5.
    static std::optional<Decoded> decode(QStringView text, qsizetype maxLength = Nip19MaxLength,
                                         QString *error = nullptr);

    // The same at the level of 5-bit values (data holds one value 0..31 a byte), for the BIP-173
    // test vectors and other payloads that are not bytes.
    static QString encodeWords(QStringView hrp, QByteArrayView words,
                               qsizetype maxLength = Nip19MaxLength, QString *error = nullptr);
    static std::optional<Decoded>
    decodeWords(QStringView text, qsizetype maxLength = Nip19MaxLength, QString *error = nullptr);
};

} // namespace afk::nostr
