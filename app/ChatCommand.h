// `afk-studio chat …`: a client of a running studio's chat routes (a contract: subcommand and
// flag names are relied on by scripts). `send` signs a NIP-98 proof with the active key.
#pragma once

#include <QStringList>

namespace afk::app {

// arguments: what follows "chat" (e.g. {"send", "--stream-key", "k", "--port", "5050", "hi"}).
// Returns the exit code: 0 done, 1 the operation failed (studio unreachable, refused, wrong
// password), 2 bad usage.
int runChatCommand(const QStringList &arguments);

// True when the command line asks for the chat client (`afk-studio chat …`).
bool isChatCommand(const QStringList &arguments);

} // namespace afk::app
