#include "Ncryptsec.h"

#include "Bech32.h"
#include "SodiumInit.h"

#include <QByteArray>

#include <algorithm>
#include <utility>

namespace afk::nostr
{

namespace
{

constexpr qsizetype SymmetricKeySize = 32;
constexpr qsizetype CiphertextSize = SecretKey::Size + crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr qsizetype SaltOffset = 2;
constexpr qsizetype NonceOffset = SaltOffset + Ncryptsec::SaltSize;
constexpr qsizetype KeySecurityOffset = NonceOffset + Ncryptsec::NonceSize;
constexpr qsizetype CiphertextOffset = KeySecurityOffset + 1;
static_assert(CiphertextOffset + CiphertextSize == Ncryptsec::PayloadSize);
static_assert(Ncryptsec::NonceSize == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
static_assert(SymmetricKeySize == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);

constexpr char16_t Prefix[] = u"ncryptsec";

void setError(QString *error, const QString &text)
{
    if (error)
        *error = text;
}

// Bytes that are wiped when they go out of scope (the derived key, the password bytes).
template <qsizetype N> class WipedBytes
{
public:
    WipedBytes() = default;
    ~WipedBytes() { sodium_memzero(m_bytes.data(), m_bytes.size()); }
    WipedBytes(const WipedBytes &) = delete;
    WipedBytes &operator=(const WipedBytes &) = delete;
    unsigned char *data() { return m_bytes.data(); }

private:
    std::array<unsigned char, N> m_bytes{};
};

class WipedByteArray
{
public:
    explicit WipedByteArray(QByteArray bytes) : m_bytes(std::move(bytes)) { m_bytes.detach(); }
    ~WipedByteArray()
    {
        if (!m_bytes.isEmpty())
            sodium_memzero(m_bytes.data(), size_t(m_bytes.size()));
    }
    WipedByteArray(const WipedByteArray &) = delete;
    WipedByteArray &operator=(const WipedByteArray &) = delete;
    QByteArray &bytes() { return m_bytes; }

private:
    QByteArray m_bytes;
};

bool isValidKeySecurity(int value)
{
    return value >= 0x00 && value <= 0x02;
}

// scrypt(NFKC(password), salt, N = 2^logN, r = 8, p = 1) → 32 bytes.
bool deriveKey(const QString &password, const unsigned char *salt, int logN, unsigned char *key,
               QString *error)
{
    WipedByteArray passwordBytes(password.normalized(QString::NormalizationForm_KC).toUtf8());
    static const unsigned char Empty = 0; // libsodium wants a non-null pointer even for ""
    const auto *passwordData =
        passwordBytes.bytes().isEmpty()
            ? &Empty
            : reinterpret_cast<const unsigned char *>(passwordBytes.bytes().constData());
    if (crypto_pwhash_scryptsalsa208sha256_ll(passwordData, size_t(passwordBytes.bytes().size()),
                                              salt, size_t(Ncryptsec::SaltSize), quint64(1) << logN,
                                              8, 1, key, size_t(SymmetricKeySize)) != 0) {
        setError(error, QStringLiteral("scrypt with log_n %1 failed (it needs %2 MiB of memory)")
                            .arg(logN)
                            .arg((quint64(1) << logN) / 1024));
        return false;
    }
    return true;
}

struct Parsed {
    QByteArray payload;
    Ncryptsec::Info info;
};

std::optional<Parsed> parse(QStringView text, QString *error)
{
    QString reason;
    std::optional<Bech32::Decoded> decoded = Bech32::decode(text, Bech32::Nip19MaxLength, &reason);
    if (!decoded) {
        setError(error, QStringLiteral("not a valid ncryptsec: %1").arg(reason));
        return std::nullopt;
    }
    if (decoded->hrp != QStringView(Prefix)) {
        setError(error,
                 QStringLiteral("wrong prefix \"%1\" (expected \"ncryptsec\")").arg(decoded->hrp));
        return std::nullopt;
    }
    const QByteArray &payload = decoded->data;
    if (payload.size() != Ncryptsec::PayloadSize) {
        setError(error, QStringLiteral("an ncryptsec holds %1 bytes, this one %2")
                            .arg(Ncryptsec::PayloadSize)
                            .arg(payload.size()));
        return std::nullopt;
    }
    const int version = static_cast<unsigned char>(payload[0]);
    if (version != Ncryptsec::Version) {
        setError(error, QStringLiteral("unsupported ncryptsec version %1 (only %2 is known)")
                            .arg(version)
                            .arg(Ncryptsec::Version));
        return std::nullopt;
    }
    const int logN = static_cast<unsigned char>(payload[1]);
    if (logN < 1 || logN > Ncryptsec::MaxLogN) {
        setError(error,
                 QStringLiteral("log_n %1 is outside 1..%2").arg(logN).arg(Ncryptsec::MaxLogN));
        return std::nullopt;
    }
    const int keySecurity = static_cast<unsigned char>(payload[KeySecurityOffset]);
    if (!isValidKeySecurity(keySecurity)) {
        setError(error, QStringLiteral("unknown key-security byte 0x%1")
                            .arg(keySecurity, 2, 16, QLatin1Char('0')));
        return std::nullopt;
    }
    return Parsed{payload, {logN, Ncryptsec::KeySecurity(keySecurity)}};
}

} // namespace

QString Ncryptsec::encrypt(const SecretKey &secretKey, const QString &password, int logN,
                           KeySecurity keySecurity, QString *error)
{
    if (!ensureSodium()) {
        setError(error, QStringLiteral("libsodium could not be initialised"));
        return {};
    }
    Salt salt;
    Nonce nonce;
    randombytes_buf(salt.data(), salt.size());
    randombytes_buf(nonce.data(), nonce.size());
    return encryptWithSaltAndNonce(secretKey, password, logN, keySecurity, salt, nonce, error);
}

QString Ncryptsec::encryptWithSaltAndNonce(const SecretKey &secretKey, const QString &password,
                                           int logN, KeySecurity keySecurity, const Salt &salt,
                                           const Nonce &nonce, QString *error)
{
    if (!ensureSodium()) {
        setError(error, QStringLiteral("libsodium could not be initialised"));
        return {};
    }
    if (logN < 1 || logN > MaxLogN) {
        setError(error, QStringLiteral("log_n %1 is outside 1..%2").arg(logN).arg(MaxLogN));
        return {};
    }
    if (!isValidKeySecurity(int(keySecurity))) {
        setError(error, QStringLiteral("invalid key-security byte"));
        return {};
    }
    WipedBytes<SymmetricKeySize> key;
    if (!deriveKey(password, salt.data(), logN, key.data(), error))
        return {};

    QByteArray payload(PayloadSize, '\0');
    auto *out = reinterpret_cast<unsigned char *>(payload.data());
    out[0] = Version;
    out[1] = static_cast<unsigned char>(logN);
    std::copy(salt.begin(), salt.end(), out + SaltOffset);
    std::copy(nonce.begin(), nonce.end(), out + NonceOffset);
    out[KeySecurityOffset] = static_cast<unsigned char>(keySecurity);
    unsigned long long ciphertextLength = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        out + CiphertextOffset, &ciphertextLength, secretKey.data(), SecretKey::Size,
        out + KeySecurityOffset, 1, nullptr, nonce.data(), key.data());
    if (qsizetype(ciphertextLength) != CiphertextSize) {
        setError(error, QStringLiteral("XChaCha20-Poly1305 encryption failed"));
        return {};
    }
    return Bech32::encode(Prefix, payload, Bech32::Nip19MaxLength, error);
}

std::optional<SecretKey> Ncryptsec::decrypt(QStringView ncryptsec, const QString &password,
                                            QString *error, Info *info)
{
    if (!ensureSodium()) {
        setError(error, QStringLiteral("libsodium could not be initialised"));
        return std::nullopt;
    }
    const std::optional<Parsed> parsed = parse(ncryptsec, error);
    if (!parsed)
        return std::nullopt;
    const auto *in = reinterpret_cast<const unsigned char *>(parsed->payload.constData());
    WipedBytes<SymmetricKeySize> key;
    if (!deriveKey(password, in + SaltOffset, parsed->info.logN, key.data(), error))
        return std::nullopt;
    SecretKey secretKey;
    unsigned long long plaintextLength = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            secretKey.data(), &plaintextLength, nullptr, in + CiphertextOffset, CiphertextSize,
            in + KeySecurityOffset, 1, in + NonceOffset, key.data()) != 0 ||
        qsizetype(plaintextLength) != SecretKey::Size) {
        // libsodium leaves the output untouched on failure; SecretKey wipes itself regardless.
        setError(error, QStringLiteral("wrong password, or the ncryptsec is damaged"));
        return std::nullopt;
    }
    if (info)
        *info = parsed->info;
    return secretKey;
}

std::optional<Ncryptsec::Info> Ncryptsec::inspect(QStringView ncryptsec, QString *error)
{
    const std::optional<Parsed> parsed = parse(ncryptsec, error);
    if (!parsed)
        return std::nullopt;
    return parsed->info;
}

} // namespace afk::nostr
