#include "hub/hub_menu.h"

#include "background_task.h"
#include "hub/cache_window.h"
#include "hub/hub_client.h"
#include "hub/hub_token.h"
#include "hub/login_dialog.h"
#include "hub/open_from_hub_dialog.h"
#include "review/code_review.h"
#include "review/review_window.h"
#include "review/trust_store.h"

#include <functional>
#include <memory>

#include <QAction>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMainWindow>
#include <QMenuBar>
#include <QMessageBox>
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
            setToolTip(who ? endpoint : QString::fromStdString(who.error().message));
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

// A repo with custom code opens only after review: if its commit is already trusted it opens at once,
// else the review window shows what the code does and opens the config once the user trusts the commit.
void reviewThenOpen(QMainWindow* window, const review::SnapshotRef& snapshot, std::function<void()> open)
{
    using ReviewResult = std::shared_ptr<Result<review::RepoReview>>;
    window->statusBar()->showMessage(QObject::tr("Reviewing the code of %1...").arg(snapshot.repoId));
    runInBackground<ReviewResult>(
        window,
        [snapshot]() -> ReviewResult {
            auto store = review::TrustStore::open();
            if (!store)
                return std::make_shared<Result<review::RepoReview>>(std::unexpected(store.error()));
            return std::make_shared<Result<review::RepoReview>>(review::reviewSnapshot(snapshot, *store));
        },
        [window, open = std::move(open)](ReviewResult result) {
            window->statusBar()->clearMessage();
            if (!*result) {
                QMessageBox::warning(window, QObject::tr("Cannot review the code"),
                                     QString::fromStdString(result->error().message));
                return;
            }
            if ((*result)->codeTrusted()) {
                open();
                return;
            }
            auto* reviewWindow =
                new ReviewWindow(std::move(**result), review::TrustStore::defaultDirectory());
            reviewWindow->setAttribute(Qt::WA_DeleteOnClose);
            reviewWindow->setWindowFlag(Qt::Window);
            QObject::connect(reviewWindow, &ReviewWindow::trusted, window, [reviewWindow, open] {
                reviewWindow->close();
                open();
            });
            reviewWindow->show();
        });
}

} // namespace

void installHubMenu(QMainWindow* window, std::function<bool(const QString&)> openConfig)
{
    auto* status = new HubStatus(window);
    window->statusBar()->addPermanentWidget(status);

    QMenu* menu = window->menuBar()->addMenu(QObject::tr("H&ub"));
    menu->setObjectName(QStringLiteral("hubMenu"));
    menu->addAction(QObject::tr("&Log in..."), window, [window, status] {
        LoginDialog dialog(hub::HubSettings::fromEnvironment(), window);
        QObject::connect(&dialog, &LoginDialog::loggedIn, status, [status] { status->refresh(); });
        dialog.exec();
    });
    menu->addAction(QObject::tr("Log &out"), window, [window, status] {
        Result<bool> removed = hub::removeStoredToken(hub::HubSettings::fromEnvironment());
        if (!removed)
            QMessageBox::warning(window, QObject::tr("Log out"),
                                 QString::fromStdString(removed.error().message));
        else
            window->statusBar()->showMessage(*removed ? QObject::tr("Logged out of the Hub")
                                                      : QObject::tr("No stored Hub token to remove"),
                                             5000);
        status->refresh();
    });
    menu->addSeparator();
    QAction* open = menu->addAction(QObject::tr("&Open from Hub..."), window, [window, openConfig] {
        auto* dialog = new OpenFromHubDialog(hub::HubSettings::fromEnvironment(), window);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        QObject::connect(dialog, &OpenFromHubDialog::snapshotReady, window,
                         [window, dialog, openConfig](const QString& snapshot, const QString& repoId,
                                                      const QString& commit) {
                             if (snapshotNeedsReview(snapshot)) {
                                 reviewThenOpen(window, {snapshot, repoId, commit, commit},
                                                [dialog, openConfig, snapshot] {
                                                    if (openConfig(snapshot + QStringLiteral("/config.json")))
                                                        dialog->close();
                                                });
                                 return;
                             }
                             if (openConfig(snapshot + QStringLiteral("/config.json")))
                                 dialog->close();
                         });
        dialog->show();
    });
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
}

} // namespace mwb::ui
