#pragma once

// Adds the Hub to a main window: a "Hub" menu (Log in..., Log out, Open from Hub... Ctrl+Shift+O) and a
// permanent status-bar label (objectName "hubStatus") naming the logged-in user and the endpoint. A
// downloaded snapshot is handed to `openConfig` as <snapshot>/config.json, except for repos with custom
// code (`auto_map` in config.json), which must be reviewed first. GUI thread only; the menu and its
// helpers are children of `window`.

#include <functional>

#include <QString>

class QMainWindow;

namespace mwb::ui {

void installHubMenu(QMainWindow* window, std::function<bool(const QString& configPath)> openConfig);

// True when <snapshot>/config.json names custom code (auto_map), which needs a review before use.
bool snapshotNeedsReview(const QString& snapshotPath);

} // namespace mwb::ui
