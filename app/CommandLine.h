// The afk-studio command line: flags (a contract — names are relied on by scripts), their
// defaults, and validation with one-line errors.
#pragma once

#include "StudioOptions.h"

#include <QStringList>

namespace afk::app {

// The studio's settings are core/studio's StudioOptions: the command line fills them.
using studio::StudioOptions;

struct ParseResult {
    enum class Action { Run, ShowHelp, ShowVersion, Fail };
    Action action = Action::Fail;
    StudioOptions options;
    QString error;   // one line, for Action::Fail
    QString helpText;
};

ParseResult parseCommandLine(const QStringList &arguments);

} // namespace afk::app
