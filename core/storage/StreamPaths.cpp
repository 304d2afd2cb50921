#include "StreamPaths.h"

#include <QRandomGenerator>
#include <algorithm>

namespace afk::storage {
namespace {

bool isKeyCharacter(QChar c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9')
           || c == u'_' || c == u'-';
}

} // namespace

bool isValidStreamKey(const QString &key)
{
    if (key.isEmpty() || key.size() > 64)
        return false;
    return std::all_of(key.begin(), key.end(), isKeyCharacter);
}

bool isSafeFileName(const QString &name)
{
    if (name.isEmpty() || name.size() > 128 || name.startsWith(u'.'))
        return false;
    return std::all_of(name.begin(), name.end(),
                       [](QChar c) { return isKeyCharacter(c) || c == u'.'; });
}

QString generateStreamKey()
{
    QString key;
    for (int i = 0; i < 4; ++i)
        key += QStringLiteral("%1").arg(QRandomGenerator::system()->generate(), 8, 16,
                                        QLatin1Char('0'));
    return key;
}

} // namespace afk::storage
