// The desktop face: the Studio core in a main window. Built only with AFK_BUILD_UI.
#pragma once

#include "CommandLine.h"

class QApplication;

namespace afk::app {

// Runs the GUI until its window closes; the process exit code.
int runGuiStudio(QApplication &application, const StudioOptions &options);

} // namespace afk::app
