#include "Bech32.h"

#include "SodiumInit.h"

#include <array>
#include <cstdint>

namespace afk::nostr
{

namespace
{

constexpr char Charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr qsizetype ChecksumLength = 6;
constexpr std::uint32_t Bech32Constant = 1; // bech32m would be 0x2bc830a3

void setError(QString *error, const QString &text)
{
    if (error)
        *error = text;
}

// Value of a bech32 character (lowercase), or -1.
int charValue(char16_t c)
{
    for (int i = 0; i < 32; ++i)
        if (Charset[i] == c)
            return i;
    return -1;
}

std::uint32_t polymod(const QByteArray &values)
{
    constexpr std::array<std::uint32_t, 5> Generator = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa,
                                                        0x3d4233dd, 0x2a1462b3};
    std::uint32_t checksum = 1;
    for (char value : values) {
        const std::uint32_t top = checksum >> 25;
        checksum = ((checksum & 0x1ffffff) << 5) ^ std::uint32_t(static_cast<unsigned char>(value));
        for (int i = 0; i < 5; ++i)
            if ((top >> i) & 1)
                checksum ^= Generator[size_t(i)];
    }
    return checksum;
}

// hrp expanded for the checksum: high bits of each character, 0, low bits of each character.
QByteArray expandHrp(QStringView hrp)
{
    QByteArray values;
    values.reserve(hrp.size() * 2 + 1);
    for (QChar c : hrp)
        values.append(char(c.unicode() >> 5));
    values.append('\0');
    for (QChar c : hrp)
        values.append(char(c.unicode() & 31));
    return values;
}

void wipe(QByteArray &bytes)
{
    if (!bytes.isEmpty())
        sodium_memzero(bytes.data(), size_t(bytes.size()));
}

// Regroups bits (8 → 5 with zero padding, or 5 → 8 refusing non-zero or over-long padding).
bool convertBits(QByteArrayView in, int fromBits, int toBits, bool pad, QByteArray *out)
{
    std::uint32_t accumulator = 0;
    int bits = 0;
    const std::uint32_t maxValue = (1u << toBits) - 1;
    out->clear();
    out->reserve(in.size() * fromBits / toBits + 1);
    for (char byte : in) {
        const auto value = std::uint32_t(static_cast<unsigned char>(byte));
        if (value >> fromBits)
            return false;
        accumulator = ((accumulator << fromBits) | value) & 0xffffff;
        bits += fromBits;
        while (bits >= toBits) {
            bits -= toBits;
            out->append(char((accumulator >> bits) & maxValue));
        }
    }
    if (pad) {
        if (bits > 0)
            out->append(char((accumulator << (toBits - bits)) & maxValue));
    } else if (bits >= fromBits || ((accumulator << (toBits - bits)) & maxValue)) {
        return false;
    }
    return true;
}

bool isValidHrp(QStringView hrp, QString *error)
{
    if (hrp.isEmpty()) {
        setError(error, QStringLiteral("empty human-readable part"));
        return false;
    }
    for (QChar c : hrp) {
        const char16_t unit = c.unicode();
        if (unit < 33 || unit > 126 || (unit >= u'A' && unit <= u'Z')) {
            setError(error, QStringLiteral("the human-readable part must be lowercase ASCII"));
            return false;
        }
    }
    return true;
}

} // namespace

QString Bech32::encodeWords(QStringView hrp, QByteArrayView words, qsizetype maxLength,
                            QString *error)
{
    if (!isValidHrp(hrp, error))
        return {};
    const qsizetype length = hrp.size() + 1 + words.size() + ChecksumLength;
    if (length > maxLength) {
        setError(error, QStringLiteral("bech32 string would be %1 characters, limit %2")
                            .arg(length)
                            .arg(maxLength));
        return {};
    }
    QByteArray values = expandHrp(hrp);
    values.append(words.data(), words.size());
    values.append(QByteArray(ChecksumLength, '\0'));
    const std::uint32_t checksum = polymod(values) ^ Bech32Constant;
    wipe(values);

    QString text;
    text.reserve(length);
    text.append(hrp);
    text.append(QLatin1Char('1'));
    for (char word : words) {
        const auto value = static_cast<unsigned char>(word);
        if (value > 31) {
            setError(error, QStringLiteral("a 5-bit value is out of range"));
            return {};
        }
        text.append(QLatin1Char(Charset[value]));
    }
    for (qsizetype i = 0; i < ChecksumLength; ++i)
        text.append(QLatin1Char(Charset[(checksum >> (5 * (5 - i))) & 31]));
    return text;
}

std::optional<Bech32::Decoded> Bech32::decodeWords(QStringView text, qsizetype maxLength,
                                                   QString *error)
{
    if (text.size() > maxLength) {
        setError(error, QStringLiteral("bech32 string is %1 characters, limit %2")
                            .arg(text.size())
                            .arg(maxLength));
        return std::nullopt;
    }
    bool hasLower = false;
    bool hasUpper = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char16_t unit = text[i].unicode();
        if (unit < 33 || unit > 126) {
            setError(error, QStringLiteral("invalid character at position %1 (bech32 is printable "
                                           "ASCII)")
                                .arg(i));
            return std::nullopt;
        }
        hasLower = hasLower || (unit >= u'a' && unit <= u'z');
        hasUpper = hasUpper || (unit >= u'A' && unit <= u'Z');
    }
    if (hasLower && hasUpper) {
        setError(error, QStringLiteral("mixed upper and lower case"));
        return std::nullopt;
    }
    const QString lower = text.toString().toLower();
    const qsizetype separator = lower.lastIndexOf(QLatin1Char('1'));
    if (separator < 0) {
        setError(error, QStringLiteral("no '1' separator"));
        return std::nullopt;
    }
    if (separator == 0) {
        setError(error, QStringLiteral("empty human-readable part"));
        return std::nullopt;
    }
    if (lower.size() - separator - 1 < ChecksumLength) {
        setError(error, QStringLiteral("too short: a checksum is 6 characters"));
        return std::nullopt;
    }
    Decoded decoded;
    decoded.hrp = lower.left(separator);
    QByteArray words;
    words.reserve(lower.size() - separator - 1);
    for (qsizetype i = separator + 1; i < lower.size(); ++i) {
        const int value = charValue(lower[i].unicode());
        if (value < 0) {
            setError(error, QStringLiteral("invalid bech32 character '%1' at position %2")
                                .arg(lower[i])
                                .arg(i));
            wipe(words);
            return std::nullopt;
        }
        words.append(char(value));
    }
    QByteArray values = expandHrp(decoded.hrp);
    values.append(words);
    const std::uint32_t checksum = polymod(values);
    wipe(values);
    if (checksum != Bech32Constant) {
        setError(error, QStringLiteral("bad checksum"));
        wipe(words);
        return std::nullopt;
    }
    words.chop(ChecksumLength);
    decoded.data = words;
    return decoded;
}

QString Bech32::encode(QStringView hrp, QByteArrayView data, qsizetype maxLength, QString *error)
{
    QByteArray words;
    convertBits(data, 8, 5, true, &words);
    QString text = encodeWords(hrp, words, maxLength, error);
    wipe(words);
    return text;
}

std::optional<Bech32::Decoded> Bech32::decode(QStringView text, qsizetype maxLength, QString *error)
{
    std::optional<Decoded> decoded = decodeWords(text, maxLength, error);
    if (!decoded)
        return std::nullopt;
    QByteArray bytes;
    const bool converted = convertBits(decoded->data, 5, 8, false, &bytes);
    wipe(decoded->data);
    if (!converted) {
        wipe(bytes);
        setError(error, QStringLiteral("invalid padding in the data part"));
        return std::nullopt;
    }
    decoded->data = bytes;
    return decoded;
}

} // namespace afk::nostr
