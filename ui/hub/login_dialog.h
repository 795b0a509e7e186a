#pragma once

// "Log in to the Hub": a masked token field; the token is checked with whoami-v2 off the GUI thread
// (HubClient) and, when valid, stored where huggingface_hub looks (storeToken), so Python tools share the
// login. Shows the user name, organisations and the token's role; errors appear inline. The token is
// never shown or logged. GUI thread only. objectNames for tests: tokenEdit, loginButton, loginError,
// accountLabel.

#include "hub/hub_paths.h"
#include "hub/hub_types.h"

#include <QDialog>

class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace mwb::hub {
class HubClient;
}

namespace mwb::ui {

class LoginDialog : public QDialog
{
    Q_OBJECT

public:
    explicit LoginDialog(hub::HubSettings settings, QWidget* parent = nullptr);

Q_SIGNALS:
    // After the token was validated and stored.
    void loggedIn(const mwb::hub::WhoAmI& account);

private:
    void logIn();
    void showAccount(const hub::WhoAmI& account);
    void showError(const QString& message);
    void growToFit();

    hub::HubSettings m_settings;
    hub::HubClient* m_client = nullptr;
    QLineEdit* m_tokenEdit = nullptr;
    QPushButton* m_loginButton = nullptr;
    QLabel* m_error = nullptr;
    QLabel* m_account = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};

// "alice (orgs: acme) · token "laptop", role write" — what the dialog and status bar show.
QString describeAccount(const hub::WhoAmI& account);

} // namespace mwb::ui
