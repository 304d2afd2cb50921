// The afk-studio command line: flags (a contract — names are relied on by scripts), their
// defaults, and validation with one-line errors.
#pragma once

#include "StudioOptions.h"

#include <QProcessEnvironment>
#include <QStringList>

namespace afk::app {

// The studio's settings are core/studio's StudioOptions: the command line fills them.
using studio::StudioOptions;

// A flag the command line knows: its long name and whether it takes a value (else a switch).
struct FlagSpec {
    QString name;
    bool takesValue = false;
};

struct ParseResult {
    enum class Action { Run, ShowHelp, ShowVersion, Fail };
    Action action = Action::Fail;
    StudioOptions options;
    QString error;   // one line, for Action::Fail
    QString helpText;
    QList<FlagSpec> flags; // every flag, for the settings file and AFK_* variables
};

// The flags alone (arguments[0] is the program).
ParseResult parseCommandLine(const QStringList &arguments);

// The settings of a run, in order: defaults → the settings file (--config FILE, else
// $XDG_CONFIG_HOME/afk-host-studio/studio.conf if it exists) → AFK_* environment variables →
// flags. An error names the key and where it came from.
ParseResult loadSettings(const QStringList &arguments, const QProcessEnvironment &environment);

} // namespace afk::app
