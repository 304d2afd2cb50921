#include "RequestPath.h"

#include "HexDigit.h"

#include <QByteArray>
#include <QStringDecoder>

namespace afk::server
{
namespace
{


// Percent-decodes one raw segment; false on a '%' not followed by two hex digits.
bool percentDecode(QByteArrayView raw, QByteArray *decoded)
{
    decoded->reserve(raw.size());
    for (qsizetype i = 0; i < raw.size(); ++i) {
        const char c = raw.at(i);
        if (c != '%') {
            decoded->append(c);
            continue;
        }
        if (i + 2 >= raw.size())
            return false;
        const int high = hexDigitValue(raw.at(i + 1));
        const int low = hexDigitValue(raw.at(i + 2));
        if (high < 0 || low < 0)
            return false;
        decoded->append(char(high * 16 + low));
        i += 2;
    }
    return true;
}

bool isControlCharacter(QChar c)
{
    return c.unicode() < 0x20 || c.unicode() == 0x7f;
}

// Empty when the decoded segment may name a file or folder; otherwise why not.
QString checkSegment(const QString &segment)
{
    if (segment.size() > RequestPath::maxSegmentLength)
        return QStringLiteral("path segment is too long");
    if (segment == u"." || segment == u"..")
        return QStringLiteral("dot segments are not allowed");
    if (segment.startsWith(u'.'))
        return QStringLiteral("names starting with '.' are not allowed");
    for (QChar c : segment) {
        if (c == u'/')
            return QStringLiteral("encoded '/' inside a path segment");
        if (c == u'\\')
            return QStringLiteral("backslash in path");
        if (isControlCharacter(c))
            return QStringLiteral("control character in path");
    }
    return {};
}

} // namespace

RequestPath RequestPath::parse(QStringView encodedPath)
{
    RequestPath path;
    if (!encodedPath.startsWith(u'/')) {
        path.m_error = QStringLiteral("path must start with '/'");
        return path;
    }
    if (encodedPath.size() > maxEncodedLength) {
        path.m_error = QStringLiteral("path is too long");
        return path;
    }
    // Raw non-ASCII characters (a tolerant client) are taken as their UTF-8 bytes, exactly as
    // if they had been percent-encoded.
    const QByteArray bytes = encodedPath.mid(1).toUtf8();
    if (bytes.isEmpty())
        return path;

    const QList<QByteArray> rawSegments = bytes.split('/');
    if (rawSegments.size() > maxSegmentCount) {
        path.m_error = QStringLiteral("path has too many segments");
        return path;
    }
    QStringList segments;
    segments.reserve(rawSegments.size());
    for (const QByteArray &raw : rawSegments) {
        if (raw.isEmpty()) {
            path.m_error = QStringLiteral("empty path segment");
            return path;
        }
        QByteArray decoded;
        if (!percentDecode(raw, &decoded)) {
            path.m_error = QStringLiteral("malformed percent escape in path");
            return path;
        }
        QStringDecoder toUtf16(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
        QString segment = toUtf16(decoded);
        if (toUtf16.hasError()) {
            path.m_error = QStringLiteral("path is not valid UTF-8");
            return path;
        }
        const QString problem = checkSegment(segment);
        if (!problem.isEmpty()) {
            path.m_error = problem;
            return path;
        }
        segments << std::move(segment);
    }
    path.m_segments = std::move(segments);
    return path;
}

} // namespace afk::server
