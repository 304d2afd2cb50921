// Base of the fixed-size public values (PublicKey, EventId, Signature): exactly N bytes, never
// another length, lowercase hex in and out.
#pragma once

#include "Hex.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QHashFunctions>
#include <QString>
#include <QStringView>

#include <array>
#include <compare>
#include <cstddef>
#include <optional>

namespace afk::nostr
{

// CRTP: Derived is the concrete type, so that a PublicKey can never be passed as an EventId.
template <typename Derived, std::size_t N> class FixedBytes
{
public:
    static constexpr qsizetype Size = qsizetype(N);
    using Array = std::array<unsigned char, N>;

    // The bytes as they are; nullopt (and *error) unless bytes is exactly Size long.
    static std::optional<Derived> fromBytes(QByteArrayView bytes, QString *error = nullptr)
    {
        if (bytes.size() != Size) {
            if (error)
                *error = QStringLiteral("expected %1 bytes, got %2").arg(Size).arg(bytes.size());
            return std::nullopt;
        }
        Derived value;
        for (qsizetype i = 0; i < Size; ++i)
            value.m_bytes[std::size_t(i)] = static_cast<unsigned char>(bytes[i]);
        return value;
    }

    static Derived fromArray(const Array &bytes)
    {
        Derived value;
        value.m_bytes = bytes;
        return value;
    }

    // Exactly 2 * Size lowercase hex characters; nullopt (and *error) otherwise.
    static std::optional<Derived> fromHex(QStringView hex, QString *error = nullptr)
    {
        Derived value;
        if (!hexDecodeInto(hex, value.m_bytes.data(), Size, error))
            return std::nullopt;
        return value;
    }

    QString toHex() const { return hexEncode(view()); }
    QByteArray toByteArray() const { return view().toByteArray(); }
    QByteArrayView view() const
    {
        return QByteArrayView(reinterpret_cast<const char *>(m_bytes.data()), Size);
    }
    const Array &bytes() const { return m_bytes; }
    const unsigned char *data() const { return m_bytes.data(); }

    // All zeros: what a default-constructed value holds.
    bool isNull() const
    {
        for (unsigned char byte : m_bytes)
            if (byte != 0)
                return false;
        return true;
    }

    friend bool operator==(const Derived &a, const Derived &b) { return a.m_bytes == b.m_bytes; }
    friend std::strong_ordering operator<=>(const Derived &a, const Derived &b)
    {
        return a.m_bytes <=> b.m_bytes;
    }
    friend size_t qHash(const Derived &value, size_t seed = 0)
    {
        return qHashBits(value.m_bytes.data(), N, seed);
    }

protected:
    FixedBytes() = default;

    Array m_bytes{};
};

} // namespace afk::nostr
