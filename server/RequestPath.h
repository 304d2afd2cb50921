// A request's URL path split into percent-decoded segments, or refused when any segment could
// name something other than a plain file or folder below the one it is resolved against.
#pragma once

#include <QString>
#include <QStringList>

namespace afk::server
{

class RequestPath
{
public:
    static constexpr int maxEncodedLength = 1024; // whole path, still percent-encoded
    static constexpr int maxSegmentLength = 255;  // one segment, decoded (UTF-16 code units)
    static constexpr int maxSegmentCount = 16;

    // Parses an absolute path as sent on the request line ("/livestream/abc/stream.m3u8"),
    // without query or fragment. "/" is valid and has no segments. Refused: a path not starting
    // with '/', empty segments ("//", trailing '/'), bad percent escapes, invalid UTF-8, and any
    // segment that decodes to ".", "..", a name starting with '.', or that contains '/', '\',
    // NUL or another control character; and paths over the length limits.
    static RequestPath parse(QStringView encodedPath);

    bool isValid() const { return m_error.isEmpty(); }
    // Why the path was refused; empty when valid.
    const QString &error() const { return m_error; }
    // Decoded segments; empty when refused.
    const QStringList &segments() const { return m_segments; }
    qsizetype size() const { return m_segments.size(); }
    const QString &at(qsizetype index) const { return m_segments.at(index); }

private:
    QStringList m_segments;
    QString m_error;
};

} // namespace afk::server
