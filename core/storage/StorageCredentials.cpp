#include "StorageCredentials.h"

#include <QtGlobal>

namespace afk::storage {

QByteArray storageCredential(const QString &name)
{
    const QByteArray variable = "AFK_" + name.toUpper().replace(u'-', u'_').toLatin1();
    return qgetenv(variable.constData());
}

} // namespace afk::storage
