// Where the studio keeps its own files.
#pragma once

#include <QString>

namespace afk::studio {

// $XDG_CONFIG_HOME/afk-host-studio (default ~/.config/afk-host-studio): the key store, and the
// settings file.
QString configDir();

} // namespace afk::studio
