#pragma once

// Adds the Hub to a main window: a "Hub" menu (Log in..., Log out, Open from Hub... Ctrl+Shift+O,
// Push model... Ctrl+Shift+P, Trusted commits... Ctrl+Shift+T) and a permanent status-bar label
// (objectName "hubStatus") naming the logged-in user and the endpoint. A downloaded snapshot is handed
// to `openConfig` as <snapshot>/config.json, except for repos with custom code (`auto_map` in
// config.json), which must be reviewed and trusted first; closing the review without trusting holds
// the model back and says so. GUI thread only; the menu and its helpers are children of `window`, and
// no callback outlives the dialog or window it refers to.

#include <functional>

#include <QString>

class QMainWindow;
class QMenu;

namespace mwb::ui {

struct HubMenuHooks
{
    // Opens a downloaded config in the editor; false when the user kept the current one.
    std::function<bool(const QString& configPath)> openConfig;
    // The pretrained folder Push model... starts with (the model saved last); may return empty.
    std::function<QString()> modelFolder;
};

QMenu* installHubMenu(QMainWindow* window, HubMenuHooks hooks);

// True when <snapshot>/config.json names custom code (auto_map), which needs a review before use.
bool snapshotNeedsReview(const QString& snapshotPath);

} // namespace mwb::ui
