// The key password on a terminal: shared by `afk-studio keys`, `afk-studio chat` and the
// headless studio that unlocks its key to sign live events.
#pragma once

#include <QString>

namespace afk::app {

// The key password from, in order: the first line of passwordFile (if given), the environment
// variable AFK_KEY_PASSWORD, or a prompt without echo when stdin is a terminal (asked twice when
// isNewPassword). Empty, with *error, when there is none.
QString readKeyPassword(const QString &passwordFile, bool isNewPassword, QString *error);

} // namespace afk::app
