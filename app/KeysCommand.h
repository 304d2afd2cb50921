// `afk-studio keys …`: the Nostr key manager on the command line (a contract: subcommand and
// flag names are relied on by scripts).
#pragma once

#include <QStringList>

namespace afk::app {

// arguments: what follows "keys" (e.g. {"generate", "--name", "studio"}). Returns the exit
// code: 0 done, 1 the operation failed (wrong password, unknown key), 2 bad usage.
int runKeysCommand(const QStringList &arguments);

// True when the command line asks for the key manager (`afk-studio keys …`).
bool isKeysCommand(const QStringList &arguments);

} // namespace afk::app
