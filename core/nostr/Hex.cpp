#include "Hex.h"

#include <cstring>

namespace afk::nostr
{

namespace
{

constexpr char HexDigits[] = "0123456789abcdef";

// Value of a hex digit, or -1.
int nibble(char16_t c, bool acceptUppercase)
{
    if (c >= u'0' && c <= u'9')
        return c - u'0';
    if (c >= u'a' && c <= u'f')
        return c - u'a' + 10;
    if (acceptUppercase && c >= u'A' && c <= u'F')
        return c - u'A' + 10;
    return -1;
}

void setError(QString *error, const QString &text)
{
    if (error)
        *error = text;
}

bool decodeInto(QStringView hex, unsigned char *out, qsizetype outSize, QString *error,
                bool acceptUppercase)
{
    if (outSize > 0)
        std::memset(out, 0, size_t(outSize));
    if (hex.size() != 2 * outSize) {
        setError(
            error,
            QStringLiteral("expected %1 hex characters, got %2").arg(2 * outSize).arg(hex.size()));
        return false;
    }
    for (qsizetype i = 0; i < outSize; ++i) {
        const int high = nibble(hex[2 * i].unicode(), acceptUppercase);
        const int low = nibble(hex[2 * i + 1].unicode(), acceptUppercase);
        if (high < 0 || low < 0) {
            const qsizetype position = high < 0 ? 2 * i : 2 * i + 1;
            setError(error, QStringLiteral("invalid hex character at position %1 (expected %2)")
                                .arg(position)
                                .arg(acceptUppercase ? QStringLiteral("0-9, a-f or A-F")
                                                     : QStringLiteral("lowercase 0-9 or a-f")));
            std::memset(out, 0, size_t(outSize));
            return false;
        }
        out[i] = static_cast<unsigned char>((high << 4) | low);
    }
    return true;
}

} // namespace

QString hexEncode(QByteArrayView bytes)
{
    QString text;
    text.resize(bytes.size() * 2);
    QChar *out = text.data();
    for (qsizetype i = 0; i < bytes.size(); ++i) {
        const auto byte = static_cast<unsigned char>(bytes[i]);
        out[2 * i] = QLatin1Char(HexDigits[byte >> 4]);
        out[2 * i + 1] = QLatin1Char(HexDigits[byte & 0x0f]);
    }
    return text;
}

bool hexDecodeInto(QStringView hex, unsigned char *out, qsizetype outSize, QString *error)
{
    return decodeInto(hex, out, outSize, error, false);
}

bool hexDecodeIntoAnyCase(QStringView hex, unsigned char *out, qsizetype outSize, QString *error)
{
    return decodeInto(hex, out, outSize, error, true);
}

std::optional<QByteArray> hexDecode(QStringView hex, QString *error)
{
    if (hex.size() % 2 != 0) {
        setError(error, QStringLiteral("odd number of hex characters (%1)").arg(hex.size()));
        return std::nullopt;
    }
    QByteArray bytes(hex.size() / 2, '\0');
    if (!decodeInto(hex, reinterpret_cast<unsigned char *>(bytes.data()), bytes.size(), error,
                    false))
        return std::nullopt;
    return bytes;
}

} // namespace afk::nostr
