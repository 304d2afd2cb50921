#include "ByteRange.h"

#include <limits>

namespace afk::server
{
namespace
{

// Decimal digits only (no sign, no spaces); false on overflow or when empty.
bool parseDigits(QByteArrayView text, qint64 *value)
{
    if (text.isEmpty() || text.size() > 18)
        return false;
    qint64 result = 0;
    for (const char c : text) {
        if (c < '0' || c > '9')
            return false;
        result = result * 10 + (c - '0');
    }
    *value = result;
    return true;
}

} // namespace

ByteRange ByteRange::parse(QByteArrayView header, qint64 size)
{
    ByteRange whole;
    const QByteArrayView unit("bytes=");
    QByteArrayView spec = header.trimmed();
    if (spec.size() <= unit.size() || spec.first(unit.size()).compare(unit, Qt::CaseInsensitive))
        return whole;
    spec = spec.sliced(unit.size()).trimmed();
    if (spec.contains(','))
        return whole; // several ranges: a multipart answer is not worth it for HLS
    const qsizetype dash = spec.indexOf('-');
    if (dash < 0)
        return whole;
    const QByteArrayView firstText = spec.first(dash).trimmed();
    const QByteArrayView lastText = spec.sliced(dash + 1).trimmed();

    ByteRange range;
    range.kind = Kind::Partial;
    if (firstText.isEmpty()) {
        // "-N": the last N bytes.
        qint64 suffix = 0;
        if (!parseDigits(lastText, &suffix))
            return whole;
        if (suffix == 0 || size == 0)
            return ByteRange{Kind::Unsatisfiable, 0, 0};
        range.length = std::min(suffix, size);
        range.first = size - range.length;
        return range;
    }
    qint64 first = 0;
    if (!parseDigits(firstText, &first))
        return whole;
    qint64 last = std::numeric_limits<qint64>::max();
    if (!lastText.isEmpty() && !parseDigits(lastText, &last))
        return whole;
    if (last < first)
        return whole; // invalid: ignored, as RFC 9110 says
    if (first >= size)
        return ByteRange{Kind::Unsatisfiable, 0, 0};
    range.first = first;
    range.length = std::min(last, size - 1) - first + 1;
    return range;
}

} // namespace afk::server
