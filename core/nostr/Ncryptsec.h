// NIP-49 password-encrypted secret keys ("ncryptsec1…"): scrypt + XChaCha20-Poly1305.
#pragma once

#include "SecretKey.h"

#include <QString>
#include <QStringView>

#include <array>
#include <optional>

namespace afk::nostr
{

class Ncryptsec
{
public:
    // The key-security byte (authenticated as associated data). Values are the NIP-49 bytes.
    enum class KeySecurity : quint8 {
        KnownInsecure = 0x00,    // was handled unencrypted (pasted, stored as nsec/hex…)
        NotKnownInsecure = 0x01, // never left encrypted storage as far as we know (generated)
        Unknown = 0x02,          // not tracked
    };

    // What can be read from an ncryptsec without the password.
    struct Info {
        int logN = 0;
        KeySecurity keySecurity = KeySecurity::Unknown;
    };

    static constexpr int Version = 0x02;
    static constexpr int DefaultLogN = 16; // 64 MiB, ~0.1-0.3 s
    // 2^22 needs 4 GiB of memory: nothing above is attempted (a hostile string could otherwise
    // ask for terabytes).
    static constexpr int MaxLogN = 22;
    static constexpr qsizetype SaltSize = 16;
    static constexpr qsizetype NonceSize = 24;
    static constexpr qsizetype PayloadSize = 91; // 1 + 1 + 16 + 24 + 1 + 48

    using Salt = std::array<unsigned char, SaltSize>;
    using Nonce = std::array<unsigned char, NonceSize>;

    // Encrypts with a random salt and nonce. The password is NFKC-normalized, then UTF-8. Empty
    // string (and *error) if logN is outside 1..MaxLogN or scrypt fails (out of memory).
    static QString encrypt(const SecretKey &secretKey, const QString &password, int logN,
                           KeySecurity keySecurity, QString *error = nullptr);
    // Same with a given salt and nonce: deterministic, for tests only (a nonce must never repeat).
    static QString encryptWithSaltAndNonce(const SecretKey &secretKey, const QString &password,
                                           int logN, KeySecurity keySecurity, const Salt &salt,
                                           const Nonce &nonce, QString *error = nullptr);

    // nullopt with a reason in *error for: a string that is not an ncryptsec, an unknown version,
    // logN or key-security byte, and — "wrong password, or the ncryptsec is damaged" — when
    // authentication fails. Never returns unauthenticated bytes.
    static std::optional<SecretKey> decrypt(QStringView ncryptsec, const QString &password,
                                            QString *error = nullptr, Info *info = nullptr);

    // Version, logN and key-security byte, without decrypting.
    static std::optional<Info> inspect(QStringView ncryptsec, QString *error = nullptr);
};

} // namespace afk::nostr
