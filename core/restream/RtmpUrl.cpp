#include "RtmpUrl.h"

#include <QUrl>

namespace afk::restream {

bool isValidRtmpUrl(const QString &url, QString *error)
{
    const QUrl parsed(url, QUrl::StrictMode);
    const QString scheme = parsed.scheme().toLower();
    if (!parsed.isValid() || (scheme != u"rtmp" && scheme != u"rtmps")) {
        *error = QStringLiteral("an RTMP URL starts with rtmp:// or rtmps://");
        return false;
    }
    if (parsed.host().isEmpty()) {
        *error = QStringLiteral("the RTMP URL has no host");
        return false;
    }
    const QStringList segments = parsed.path().split(u'/', Qt::SkipEmptyParts);
    if (segments.size() < 2) {
        *error = QStringLiteral("the RTMP URL needs an application and a stream key "
                                "(rtmp://host/app/<key>)");
        return false;
    }
    return true;
}

QString redactRtmpUrl(const QString &url)
{
    const QUrl parsed(url);
    if (!parsed.isValid() || parsed.host().isEmpty())
        return QStringLiteral("(invalid RTMP URL)");
    const QStringList segments = parsed.path().split(u'/', Qt::SkipEmptyParts);
    QString shown = parsed.scheme().toLower() + QStringLiteral("://") + parsed.host();
    if (parsed.port() >= 0)
        shown += u':' + QString::number(parsed.port());
    // A lone path segment may be a key given without its application: it is not shown either.
    if (segments.size() >= 2)
        shown += u'/' + segments.first();
    return shown + QStringLiteral("/…");
}

QString rtmpUrlSecret(const QString &url)
{
    QStringList segments = QUrl(url).path().split(u'/', Qt::SkipEmptyParts);
    if (segments.size() < 2)
        return {};
    segments.removeFirst();
    return segments.join(u'/');
}

} // namespace afk::restream
