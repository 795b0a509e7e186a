#include "hub/login_dialog.h"

#include "hub/hub_client.h"
#include "hub/hub_token.h"
#include "widgets/error_text.h"
#include "widgets/window_fit.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace mwb::ui {

QString describeAccount(const hub::WhoAmI& account)
{
    QString text = account.name.toHtmlEscaped();
    if (!account.fullname.isEmpty() && account.fullname != account.name)
        text += QStringLiteral(" (%1)").arg(account.fullname.toHtmlEscaped());
    text += QStringLiteral("<br>") + QObject::tr("Organisations: %1")
                                         .arg(account.orgs.isEmpty()
                                                  ? QObject::tr("none")
                                                  : account.orgs.join(QStringLiteral(", ")).toHtmlEscaped());
    const QString role = account.tokenRole.isEmpty() ? QObject::tr("unknown") : account.tokenRole;
    text += QStringLiteral("<br>") + QObject::tr("Token role: %1").arg(role.toHtmlEscaped());
    if (!account.tokenName.isEmpty())
        text += QObject::tr(" (token \"%1\")").arg(account.tokenName.toHtmlEscaped());
    return text;
}

LoginDialog::LoginDialog(hub::HubSettings settings, QWidget* parent)
    : QDialog(parent), m_settings(std::move(settings)), m_client(new hub::HubClient(m_settings, this))
{
    setWindowTitle(tr("Log in to the Hub"));
    auto* layout = new QVBoxLayout(this);
    auto* intro = new QLabel(tr("Paste an access token from %1/settings/tokens. It is stored where the "
                                "huggingface_hub Python library looks, so both share the login.")
                                 .arg(m_settings.endpoint.toHtmlEscaped()),
                             this);
    intro->setWordWrap(true);
    layout->addWidget(intro);

    auto* form = new QFormLayout;
    m_tokenEdit = new QLineEdit(this);
    m_tokenEdit->setObjectName(QStringLiteral("tokenEdit"));
    m_tokenEdit->setEchoMode(QLineEdit::Password);
    m_tokenEdit->setPlaceholderText(QStringLiteral("hf_..."));
    form->addRow(tr("&Token:"), m_tokenEdit);
    layout->addLayout(form);

    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("loginError"));
    m_error->setStyleSheet(QStringLiteral("color: #b00020;"));
    m_error->setWordWrap(true);
    m_error->hide();
    layout->addWidget(m_error);

    m_account = new QLabel(this);
    m_account->setObjectName(QStringLiteral("accountLabel"));
    m_account->setTextFormat(Qt::RichText);
    m_account->hide();
    layout->addWidget(m_account);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    m_loginButton = m_buttons->addButton(tr("&Log in"), QDialogButtonBox::AcceptRole);
    m_loginButton->setObjectName(QStringLiteral("loginButton"));
    m_loginButton->setDefault(true);
    layout->addWidget(m_buttons);

    // The Log in button validates; it must not close the dialog, so it is handled by hand.
    disconnect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_loginButton, &QPushButton::clicked, this, &LoginDialog::logIn);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_tokenEdit, &QLineEdit::textChanged, this,
            [this](const QString& text) { m_loginButton->setEnabled(!text.trimmed().isEmpty()); });
    m_loginButton->setEnabled(false);
    // Wide enough for the intro and an error to wrap into a few lines, and never smaller than the
    // layout needs (an error or the account appearing makes it taller, not clipped).
    layout->setSizeConstraint(QLayout::SetMinimumSize);
    fitToScreen(this, QSize(480, sizeHint().height()));
}

void LoginDialog::logIn()
{
    const QString token = m_tokenEdit->text().trimmed();
    if (token.isEmpty())
        return;
    m_error->hide();
    m_account->hide();
    m_loginButton->setEnabled(false);
    m_loginButton->setText(tr("Checking..."));
    m_client->whoAmIWithToken(token, [this, token](Result<hub::WhoAmI> result) {
        m_loginButton->setText(tr("&Log in"));
        m_loginButton->setEnabled(true);
        if (!result)
            return showError(ui::guiErrorText(result.error()));
        const QString name =
            result->tokenName.isEmpty() ? QStringLiteral("model-workbench") : result->tokenName;
        if (Result<void> stored = hub::storeToken(m_settings, token, name); !stored)
            return showError(
                tr("The token is valid but could not be stored: %1").arg(ui::guiErrorText(stored.error())));
        m_tokenEdit->clear();
        showAccount(*result);
        Q_EMIT loggedIn(*result);
    });
}

void LoginDialog::showAccount(const hub::WhoAmI& account)
{
    m_account->setText(tr("<b>Logged in</b> as %1").arg(describeAccount(account)));
    m_account->show();
    growToFit();
}

void LoginDialog::showError(const QString& message)
{
    m_error->setText(message);
    m_error->show();
    growToFit();
}

void LoginDialog::growToFit()
{
    // A wrapped label needs more height at this width than the dialog had: grow rather than clip.
    layout()->activate();
    const int needed = layout()->totalHeightForWidth(width());
    if (needed > height())
        resize(width(), needed);
}

} // namespace mwb::ui
