#include "SecretKey.h"

#include "Hex.h"
#include "SodiumInit.h"

#include <QDebug>

namespace afk::nostr
{

SecretKey::~SecretKey()
{
    wipe();
}

SecretKey::SecretKey(SecretKey &&other) noexcept : m_bytes(other.m_bytes)
{
    other.wipe();
}

SecretKey &SecretKey::operator=(SecretKey &&other) noexcept
{
    if (this != &other) {
        m_bytes = other.m_bytes;
        other.wipe();
    }
    return *this;
}

std::optional<SecretKey> SecretKey::fromBytes(QByteArrayView bytes, QString *error)
{
    if (bytes.size() != Size) {
        if (error)
            *error = QStringLiteral("a secret key is %1 bytes, got %2").arg(Size).arg(bytes.size());
        return std::nullopt;
    }
    SecretKey key;
    for (qsizetype i = 0; i < Size; ++i)
        key.m_bytes[size_t(i)] = static_cast<unsigned char>(bytes[i]);
    return key;
}

std::optional<SecretKey> SecretKey::fromHex(QStringView hex, QString *error)
{
    SecretKey key;
    if (!hexDecodeIntoAnyCase(hex, key.m_bytes.data(), Size, error))
        return std::nullopt;
    return key;
}

SecretKey SecretKey::random()
{
    ensureSodium();
    SecretKey key;
    randombytes_buf(key.m_bytes.data(), key.m_bytes.size());
    return key;
}

bool SecretKey::isNull() const
{
    return sodium_is_zero(m_bytes.data(), m_bytes.size()) == 1;
}

bool SecretKey::operator==(const SecretKey &other) const
{
    return sodium_memcmp(m_bytes.data(), other.m_bytes.data(), m_bytes.size()) == 0;
}

void SecretKey::wipe()
{
    sodium_memzero(m_bytes.data(), m_bytes.size());
}

QDebug operator<<(QDebug debug, const SecretKey &)
{
    QDebugStateSaver saver(debug);
    debug.nospace() << "SecretKey(redacted)";
    return debug;
}

} // namespace afk::nostr
