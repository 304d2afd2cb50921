// A Nostr secret key: 32 bytes, wiped when destroyed, never printed.
#pragma once

#include <QByteArrayView>
#include <QString>
#include <QStringView>

#include <array>
#include <optional>

class QDebug;

namespace afk::nostr
{

// Holds the bytes only; whether they are a valid secp256k1 scalar (0 < k < n) is checked when a
// KeyPair is made from them. There is deliberately no toHex()/toString(): the only ways out are
// data() for the crypto code and Nip19::encodeNsec / Ncryptsec::encrypt on explicit request.
// Every copy wipes its own bytes (sodium_memzero) when destroyed; a moved-from key is wiped.
class SecretKey
{
public:
    static constexpr qsizetype Size = 32;

    SecretKey() = default;
    ~SecretKey();
    SecretKey(const SecretKey &other) = default;
    SecretKey &operator=(const SecretKey &other) = default;
    SecretKey(SecretKey &&other) noexcept;
    SecretKey &operator=(SecretKey &&other) noexcept;

    // nullopt (and *error) unless exactly 32 bytes.
    static std::optional<SecretKey> fromBytes(QByteArrayView bytes, QString *error = nullptr);
    // 64 hex characters, either case (keys are pasted by people); nullopt (and *error) otherwise.
    static std::optional<SecretKey> fromHex(QStringView hex, QString *error = nullptr);
    // 32 bytes from libsodium's CSPRNG (KeyPair::generate also checks them against the curve).
    static SecretKey random();

    const unsigned char *data() const { return m_bytes.data(); }
    unsigned char *data() { return m_bytes.data(); }
    bool isNull() const;

    // Constant-time comparison.
    bool operator==(const SecretKey &other) const;

    // Prints "SecretKey(redacted)", never the bytes.
    friend QDebug operator<<(QDebug debug, const SecretKey &key);

private:
    void wipe();

    std::array<unsigned char, Size> m_bytes{};
};

} // namespace afk::nostr
