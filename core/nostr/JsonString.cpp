#include "JsonString.h"

namespace afk::nostr
{

namespace
{

constexpr char HexDigits[] = "0123456789abcdef";

void appendUnicodeEscape(QByteArray &out, char16_t unit)
{
    out.append("\\u");
    out.append(HexDigits[(unit >> 12) & 0xf]);
    out.append(HexDigits[(unit >> 8) & 0xf]);
    out.append(HexDigits[(unit >> 4) & 0xf]);
    out.append(HexDigits[unit & 0xf]);
}

void appendUtf8(QByteArray &out, char32_t codePoint)
{
    if (codePoint < 0x80) {
        out.append(char(codePoint));
    } else if (codePoint < 0x800) {
        out.append(char(0xc0 | (codePoint >> 6)));
        out.append(char(0x80 | (codePoint & 0x3f)));
    } else if (codePoint < 0x10000) {
        out.append(char(0xe0 | (codePoint >> 12)));
        out.append(char(0x80 | ((codePoint >> 6) & 0x3f)));
        out.append(char(0x80 | (codePoint & 0x3f)));
    } else {
        out.append(char(0xf0 | (codePoint >> 18)));
        out.append(char(0x80 | ((codePoint >> 12) & 0x3f)));
        out.append(char(0x80 | ((codePoint >> 6) & 0x3f)));
        out.append(char(0x80 | (codePoint & 0x3f)));
    }
}

} // namespace

void appendJsonString(QByteArray &out, QStringView text)
{
    out.append('"');
    const qsizetype length = text.size();
    for (qsizetype i = 0; i < length; ++i) {
        const char16_t unit = text[i].unicode();
        switch (unit) {
        case u'"':
            out.append("\\\"");
            continue;
        case u'\\':
            out.append("\\\\");
            continue;
        case u'\n':
            out.append("\\n");
            continue;
        case u'\r':
            out.append("\\r");
            continue;
        case u'\t':
            out.append("\\t");
            continue;
        case u'\b':
            out.append("\\b");
            continue;
        case u'\f':
            out.append("\\f");
            continue;
        default:
            break;
        }
        if (unit < 0x20) {
            appendUnicodeEscape(out, unit);
        } else if (QChar::isHighSurrogate(unit)) {
            if (i + 1 < length && QChar::isLowSurrogate(text[i + 1].unicode())) {
                appendUtf8(out, QChar::surrogateToUcs4(unit, text[i + 1].unicode()));
                ++i;
            } else {
                appendUnicodeEscape(out, unit);
            }
        } else if (QChar::isLowSurrogate(unit)) {
            appendUnicodeEscape(out, unit);
        } else {
            appendUtf8(out, unit);
        }
    }
    out.append('"');
}

QByteArray quoteJsonString(QStringView text)
{
    QByteArray out;
    out.reserve(text.size() + 2);
    appendJsonString(out, text);
    return out;
}

} // namespace afk::nostr
