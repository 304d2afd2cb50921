#include "HttpRequestHead.h"

namespace afk::server
{
namespace
{

bool containsToken(QByteArrayView list, QByteArrayView token)
{
    while (!list.isEmpty()) {
        const qsizetype comma = list.indexOf(',');
        const QByteArrayView item = (comma < 0 ? list : list.first(comma)).trimmed();
        if (item.compare(token, Qt::CaseInsensitive) == 0)
            return true;
        list = comma < 0 ? QByteArrayView() : list.sliced(comma + 1);
    }
    return false;
}

QByteArrayView withoutCarriageReturn(QByteArrayView line)
{
    return line.endsWith('\r') ? line.chopped(1) : line;
}

} // namespace

std::optional<HttpRequestHead> HttpRequestHead::parse(QByteArrayView head)
{
    HttpRequestHead request;
    // Blank lines before a request are skipped, as RequestFramer and Qt do.
    while (head.startsWith("\r\n") || head.startsWith('\n'))
        head = head.sliced(head.startsWith('\n') ? 1 : 2);
    qsizetype lineEnd = head.indexOf('\n');
    if (lineEnd < 0)
        return std::nullopt;
    const QByteArrayView requestLine = withoutCarriageReturn(head.first(lineEnd));
    const qsizetype firstSpace = requestLine.indexOf(' ');
    const qsizetype lastSpace = requestLine.lastIndexOf(' ');
    if (firstSpace <= 0 || lastSpace <= firstSpace + 1)
        return std::nullopt;
    const QByteArrayView version = requestLine.sliced(lastSpace + 1);
    if (version == "HTTP/1.1")
        request.minorVersion = 1;
    else if (version == "HTTP/1.0")
        request.minorVersion = 0;
    else
        return std::nullopt;
    request.method = requestLine.first(firstSpace).toByteArray();
    request.target = requestLine.sliced(firstSpace + 1, lastSpace - firstSpace - 1).toByteArray();

    head = head.sliced(lineEnd + 1);
    while (!head.isEmpty()) {
        lineEnd = head.indexOf('\n');
        const QByteArrayView line = withoutCarriageReturn(lineEnd < 0 ? head : head.first(lineEnd));
        head = lineEnd < 0 ? QByteArrayView() : head.sliced(lineEnd + 1);
        if (line.isEmpty())
            break;
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            return std::nullopt;
        request.fields.append(
            {line.first(colon).toByteArray(), line.sliced(colon + 1).trimmed().toByteArray()});
    }
    return request;
}

QByteArrayView HttpRequestHead::value(QByteArrayView name) const
{
    for (const auto &[fieldName, fieldValue] : fields) {
        if (QByteArrayView(fieldName).compare(name, Qt::CaseInsensitive) == 0)
            return fieldValue;
    }
    return {};
}

bool HttpRequestHead::hasField(QByteArrayView name) const
{
    for (const auto &field : fields) {
        if (QByteArrayView(field.first).compare(name, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

bool HttpRequestHead::keepsAlive() const
{
    const QByteArrayView connection = value("Connection");
    if (minorVersion == 0)
        return containsToken(connection, "keep-alive");
    return !containsToken(connection, "close");
}

} // namespace afk::server
