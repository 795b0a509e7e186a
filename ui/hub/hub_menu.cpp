#include "hub/hub_menu.h"

#include "hub/cache_window.h"
#include "hub/hub_client.h"
#include "hub/hub_token.h"
#include "hub/login_dialog.h"
#include "hub/open_from_hub_dialog.h"
#include "jobs/job.h"
#include "review/code_review.h"
#include "review/review_window.h"
#include "review/trust_manager_dialog.h"
#include "review/trust_store.h"
#include "share/share_window.h"
#include "widgets/error_text.h"
#include "widgets/message_box.h"

#include <functional>
#include <memory>

#include <QAction>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMainWindow>
#include <QMenuBar>
#include <QPointer>
#include <QStatusBar>

namespace mwb::ui {

namespace {

// Keeps the status label in step with the stored login; asks whoami-v2 off the GUI thread.
class HubStatus : public QLabel
{
public:
    explicit HubStatus(QWidget* parent) : QLabel(parent)
    {
        setObjectName(QStringLiteral("hubStatus"));
        refresh();
    }

    void refresh()
    {
        const hub::HubSettings settings = hub::HubSettings::fromEnvironment();
        const QString host = QUrl(settings.endpoint).host();
        if (!hub::findToken(settings)) {
            setText(tr("Hub: not logged in · %1").arg(host));
            setToolTip(settings.endpoint);
            return;
        }
        if (settings.offline) {
            setText(tr("Hub: offline · %1").arg(host));
            return;
        }
        setText(tr("Hub: checking login · %1").arg(host));
        auto* client = new hub::HubClient(settings, this);
        client->whoAmI([this, client, host, endpoint = settings.endpoint](Result<hub::WhoAmI> who) {
            if (who)
                setText(tr("Hub: %1 · %2").arg(who->name, host));
            else
                setText(tr("Hub: login not valid · %1").arg(host));
            setToolTip(who ? endpoint : ui::guiErrorText(who.error()));
            client->deleteLater();
        });
    }
};

} // namespace

bool snapshotNeedsReview(const QString& snapshotPath)
{
    QFile file(snapshotPath + QStringLiteral("/config.json"));
    if (!file.open(QIODevice::ReadOnly))
        return false;
    return QJsonDocument::fromJson(file.readAll()).object().contains(QStringLiteral("auto_map"));
}

namespace {

// Owns what the Hub menu's background work needs (a job pool) and reviews snapshots before opening.
class HubMenuController final : public QObject
{
public:
    HubMenuController(QMainWindow* window, HubMenuHooks hooks)
        : QObject(window), m_window(window), m_hooks(std::move(hooks))
    {}

    void openFromHub();
    void pushModel();
    void showTrustedCommits();

private:
    void snapshotReady(OpenFromHubDialog* dialog,
                       const QString& snapshot,
                       const QString& repoId,
                       const QString& commit);
    void reviewThenOpen(QPointer<OpenFromHubDialog> dialog, const review::SnapshotRef& snapshot);
    void openSnapshot(QPointer<OpenFromHubDialog> dialog, const QString& snapshot);

    QMainWindow* m_window;
    HubMenuHooks m_hooks;
    JobPool m_jobs{1};
    QPointer<ShareWindow> m_share;
};

void HubMenuController::openFromHub()
{
    auto* dialog = new OpenFromHubDialog(hub::HubSettings::fromEnvironment(), m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &OpenFromHubDialog::snapshotReady, this,
            [this, dialog](const QString& snapshot, const QString& repoId, const QString& commit) {
                snapshotReady(dialog, snapshot, repoId, commit);
            });
    dialog->show();
}

void HubMenuController::snapshotReady(OpenFromHubDialog* dialog,
                                      const QString& snapshot,
                                      const QString& repoId,
                                      const QString& commit)
{
    if (!snapshotNeedsReview(snapshot)) {
        openSnapshot(dialog, snapshot);
        return;
    }
    // The dialog may be closed (and deleted) while the review runs or is open: hold it weakly.
    reviewThenOpen(dialog, {snapshot, repoId, commit, dialog->isPinned() ? commit : dialog->revision()});
}

void HubMenuController::openSnapshot(QPointer<OpenFromHubDialog> dialog, const QString& snapshot)
{
    if (m_hooks.openConfig(snapshot + QStringLiteral("/config.json")) && dialog)
        dialog->close();
}

// A repo with custom code opens only after review: if its commit is already trusted it opens at once,
// else the review window shows what the code does and opens the config once the user trusts the commit.
void HubMenuController::reviewThenOpen(QPointer<OpenFromHubDialog> dialog,
                                       const review::SnapshotRef& snapshot)
{
    m_window->statusBar()->showMessage(tr("Reviewing the code of %1...").arg(snapshot.repoId));
    startJob<review::RepoReview>(
        m_jobs, this,
        [snapshot](JobContext&) -> Result<review::RepoReview> {
            auto store = review::TrustStore::open();
            if (!store)
                return std::unexpected(store.error());
            return review::reviewSnapshot(snapshot, *store);
        },
        [this, dialog](Result<review::RepoReview> result) {
            m_window->statusBar()->clearMessage();
            if (!result) {
                MessageBox::warning(m_window, tr("Cannot review the code"), ui::guiErrorText(result.error()));
                return;
            }
            if (result->codeTrusted()) {
                openSnapshot(dialog, result->snapshot.directory);
                return;
            }
            const QString snapshotPath = result->snapshot.directory;
            const QString repoId = result->snapshot.repoId;
            auto* reviewWindow =
                new ReviewWindow(std::move(*result), review::TrustStore::defaultDirectory(), m_window);
            reviewWindow->setAttribute(Qt::WA_DeleteOnClose);
            reviewWindow->setWindowFlag(Qt::Window);
            auto trusted = std::make_shared<bool>(false);
            connect(reviewWindow, &ReviewWindow::trusted, this,
                    [this, reviewWindow, dialog, snapshotPath, trusted] {
                        *trusted = true;
                        reviewWindow->close();
                        openSnapshot(dialog, snapshotPath);
                    });
            connect(reviewWindow, &QObject::destroyed, this, [this, dialog, repoId, trusted] {
                if (*trusted)
                    return;
                const QString message =
                    tr("%1 was held back: its code is not trusted, so the model was not opened.").arg(repoId);
                m_window->statusBar()->showMessage(message, 15000);
                if (dialog)
                    dialog->showHeldBack(message);
            });
            reviewWindow->show();
        });
}

void HubMenuController::pushModel()
{
    if (!m_share) {
        m_share = new ShareWindow(hub::HubSettings::fromEnvironment(), std::nullopt, m_window);
        m_share->setAttribute(Qt::WA_DeleteOnClose);
        m_share->setWindowFlag(Qt::Window);
        m_share->refreshLogin();
        const QString folder = m_hooks.modelFolder ? m_hooks.modelFolder() : QString();
        if (!folder.isEmpty())
            m_share->setSourceFolder(folder);
    }
    m_share->show();
    m_share->raise();
    m_share->activateWindow();
}

void HubMenuController::showTrustedCommits()
{
    auto* dialog = new TrustManagerDialog(review::TrustStore::defaultDirectory(), m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

} // namespace

QMenu* installHubMenu(QMainWindow* window, HubMenuHooks hooks)
{
    auto* controller = new HubMenuController(window, std::move(hooks));
    auto* status = new HubStatus(window);
    window->statusBar()->addPermanentWidget(status);

    QMenu* menu = window->menuBar()->addMenu(QObject::tr("H&ub"));
    menu->setObjectName(QStringLiteral("hubMenu"));
    QAction* login = menu->addAction(QObject::tr("&Log in..."), window, [window, status] {
        auto* dialog = new LoginDialog(hub::HubSettings::fromEnvironment(), window);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        QObject::connect(dialog, &LoginDialog::loggedIn, status, [status] { status->refresh(); });
        dialog->open();
    });
    login->setObjectName(QStringLiteral("loginAction"));
    QAction* logout = menu->addAction(QObject::tr("Log &out"), window, [window, status] {
        Result<bool> removed = hub::removeStoredToken(hub::HubSettings::fromEnvironment());
        if (!removed)
            MessageBox::warning(window, QObject::tr("Log out"), ui::guiErrorText(removed.error()));
        else
            window->statusBar()->showMessage(*removed ? QObject::tr("Logged out of the Hub")
                                                      : QObject::tr("No stored Hub token to remove"),
                                             5000);
        status->refresh();
    });
    logout->setObjectName(QStringLiteral("logoutAction"));
    menu->addSeparator();
    QAction* open =
        menu->addAction(QObject::tr("&Open from Hub..."), controller, &HubMenuController::openFromHub);
    open->setShortcut(QKeySequence(QStringLiteral("Ctrl+Shift+O")));
    open->setObjectName(QStringLiteral("openFromHubAction"));
    QAction* cache = menu->addAction(QObject::tr("&Downloads and Cache..."), window, [window] {
        auto* existing = window->findChild<CacheWindow*>();
        if (!existing) {
            existing = new CacheWindow(hub::HubSettings::fromEnvironment().cacheDir, window);
            existing->setWindowFlag(Qt::Window);
        } else {
            existing->refreshCache();
        }
        existing->show();
        existing->raise();
    });
    cache->setObjectName(QStringLiteral("cacheWindowAction"));
    QAction* push = menu->addAction(QObject::tr("&Push model..."), controller, &HubMenuController::pushModel);
    push->setShortcut(QKeySequence(QStringLiteral("Ctrl+Shift+P")));
    push->setObjectName(QStringLiteral("pushModelAction"));
    push->setToolTip(QObject::tr("Share a saved pretrained folder on the Hub as a custom-code repo"));
    menu->addSeparator();
    QAction* trust = menu->addAction(QObject::tr("&Trusted commits..."), controller,
                                     &HubMenuController::showTrustedCommits);
    trust->setShortcut(QKeySequence(QStringLiteral("Ctrl+Shift+T")));
    trust->setObjectName(QStringLiteral("trustedCommitsAction"));
    return menu;
}

} // namespace mwb::ui
