#include "StudioPaths.h"

#include <QStandardPaths>

namespace afk::studio {

QString configDir()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation)
           + QStringLiteral("/afk-host-studio");
}

} // namespace afk::studio
