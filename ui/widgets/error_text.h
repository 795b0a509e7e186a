#pragma once

// Core errors are shared by the CLI and the window; some end with a hint for the command line ("run
// `mwb login`"). In the window the hint names the menu entry that does the same, so no GUI message
// ever tells the user to open a terminal. GUI thread or any thread (pure function).

#include "error.h"

#include <QString>

namespace mwb::ui {

QString guiErrorText(const QString& message);
QString guiErrorText(const Error& error);

} // namespace mwb::ui
