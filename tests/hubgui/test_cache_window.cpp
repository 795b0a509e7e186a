// Issue 12 in the window, offscreen against the local Hub: a config opened from the Hub cache is
// read-only (Save becomes Save As, every blob keeps its sha256, Save As writes into a new folder), and
// the Downloads/Cache window shows a running download with Cancel, what is cached with sizes, and
// removes a revision or a repo.

#include "config/config_document.h"
#include "hub/cache_window.h"
#include "hub/hub_client.h"
#include "hub/hub_session.h"
#include "hub_test_support.h"
#include "main_window.h"
#include "registry/model_registry.h"

#include <functional>

#include <QAction>
#include <QApplication>
#include <QCryptographicHash>
#include <QDirIterator>
#include <QFileDialog>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>
#include <QTreeWidget>

using namespace mwb;
using Fault = mwb::fakehub::Fault;
using mwb::ui::CacheWindow;

namespace {

constexpr int kTimeoutMs = 60000; // the test machine is heavily loaded

QMap<QString, QByteArray> blobDigests(const QString& cacheDir)
{
    QMap<QString, QByteArray> out;
    QDirIterator it(cacheDir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        QFile file(path);
        if (path.contains(QLatin1String("/blobs/")) && file.open(QIODevice::ReadOnly))
            out[path] = QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256).toHex();
    }
    return out;
}

// Answers the next modal dialogs with `answer` until it returns true (or a few seconds pass).
void answerModals(QObject* context, std::function<bool(QWidget*)> answer)
{
    auto* timer = new QTimer(context);
    auto tries = std::make_shared<int>(0);
    QObject::connect(timer, &QTimer::timeout, context, [timer, tries, answer] {
        QWidget* modal = QApplication::activeModalWidget();
        if ((modal && answer(modal)) || ++*tries > 200)
            timer->deleteLater();
    });
    timer->start(20);
}

QTreeWidgetItem* topItem(QTreeWidget* tree, const QString& text)
{
    for (int i = 0; i < tree->topLevelItemCount(); ++i)
        if (tree->topLevelItem(i)->text(0) == text)
            return tree->topLevelItem(i);
    return nullptr;
}

} // namespace

class TestCacheWindow : public QObject
{
    Q_OBJECT

    std::unique_ptr<hubtest::HubFixture> f;
    const QString repo = QStringLiteral("acme/resnet-tiny");

    QString repoDir() const { return f->settings.cacheDir + QStringLiteral("/models--acme--resnet-tiny"); }

    Result<hub::SnapshotResult> download(const QString& revision)
    {
        hub::HubSession session(f->settings, QStringLiteral("hf_alice_token"));
        return session.downloadSnapshot(repo, revision);
    }

private Q_SLOTS:
    void init()
    {
        f = std::make_unique<hubtest::HubFixture>();
        QVERIFY(f->start());
        qputenv("HF_HOME", f->settings.hfHome.toUtf8());
        qputenv("HF_HUB_CACHE", f->settings.cacheDir.toUtf8());
        qputenv("XDG_CONFIG_HOME", (f->home.path() + "/config").toUtf8());
    }

    void saveOnAHubOpenedConfigNeverTouchesTheCache()
    {
        auto snapshot = download(QStringLiteral("main"));
        QVERIFY2(snapshot, snapshot ? "" : snapshot.error().message.c_str());
        const QString config = snapshot->snapshotPath + QStringLiteral("/config.json");
        const auto before = blobDigests(f->settings.cacheDir);
        QVERIFY(!before.isEmpty());

        MainWindow window(ModelRegistry::builtin());
        QVERIFY(window.openFile(config));
        QAction* save = nullptr;
        for (QAction* a : window.findChildren<QAction*>())
            if (a->shortcut() == QKeySequence(QKeySequence::Save))
                save = a;
        QVERIFY(save);

        // Save asks where to save instead of writing through the snapshot link; cancelling writes nothing.
        bool askedWhere = false;
        answerModals(this, [&](QWidget* modal) {
            auto* dialog = qobject_cast<QFileDialog*>(modal);
            if (!dialog)
                return false;
            askedWhere = true;
            dialog->reject();
            return true;
        });
        save->trigger();
        QVERIFY(askedWhere);
        QCOMPARE(blobDigests(f->settings.cacheDir), before);

        // Saving onto the snapshot path directly is refused too (a warning box, closed here).
        answerModals(this, [](QWidget* modal) {
            modal->close();
            return true;
        });
        QVERIFY(!window.saveToFile(config));
        QCOMPARE(blobDigests(f->settings.cacheDir), before);

        // Save As into a new folder works, and the cache still has every byte it had.
        const QString mine = f->home.path() + QStringLiteral("/my-model/config.json");
        QVERIFY(QDir().mkpath(QFileInfo(mine).absolutePath())); // the new folder, made in the dialog
        answerModals(this, [&](QWidget* modal) {
            auto* dialog = qobject_cast<QFileDialog*>(modal);
            if (!dialog)
                return false;
            dialog->selectFile(mine);
            static_cast<QDialog*>(dialog)->accept(); // QFileDialog::accept() is protected
            return true;
        });
        save->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(mine), 5000);
        QCOMPARE(window.document().filePath(), mine);
        QCOMPARE(blobDigests(f->settings.cacheDir), before);
    }

    void showsTheCacheAndRemovesARevisionThenTheRepo()
    {
        QVERIFY(download(QStringLiteral("main")));
        QVERIFY(download(QStringLiteral("v1.0")));
        CacheWindow window(f->settings.cacheDir);
        QSignalSpy scanned(&window, &CacheWindow::cacheScanned);
        QVERIFY(scanned.wait(kTimeoutMs));
        auto* tree = window.findChild<QTreeWidget*>(QStringLiteral("cachedRepos"));
        QTreeWidgetItem* item = topItem(tree, repo);
        QVERIFY(item);
        QCOMPARE(item->childCount(), 2);
        QVERIFY(item->text(1).contains(QLatin1String("main")) &&
                item->text(1).contains(QLatin1String("v1.0")));
        QVERIFY2(
            window.findChild<QLabel*>(QStringLiteral("cacheTotal"))->text().contains(QLatin1String("kB")),
            qPrintable(window.findChild<QLabel*>(QStringLiteral("cacheTotal"))->text()));

        QTreeWidgetItem* tagRevision = nullptr;
        for (int i = 0; i < item->childCount(); ++i)
            if (item->child(i)->text(1) == QLatin1String("v1.0"))
                tagRevision = item->child(i);
        QVERIFY(tagRevision);
        tree->setCurrentItem(tagRevision);
        QSignalSpy removed(&window, &CacheWindow::removed);
        answerModals(this, [](QWidget* modal) {
            auto* box = qobject_cast<QMessageBox*>(modal);
            if (!box)
                return false;
            box->button(QMessageBox::Yes)->click();
            return true;
        });
        QTest::mouseClick(window.findChild<QPushButton*>(QStringLiteral("removeCached")), Qt::LeftButton);
        QVERIFY(removed.wait(kTimeoutMs));
        QVERIFY(!QFileInfo::exists(repoDir() + "/refs/v1.0"));
        QVERIFY(QFileInfo::exists(repoDir() + "/refs/main"));
        QVERIFY(scanned.wait(kTimeoutMs));
        item = topItem(tree, repo);
        QVERIFY(item);
        QCOMPARE(item->childCount(), 1);

        tree->setCurrentItem(item);
        answerModals(this, [](QWidget* modal) {
            auto* box = qobject_cast<QMessageBox*>(modal);
            if (!box)
                return false;
            box->button(QMessageBox::Yes)->click();
            return true;
        });
        QTest::mouseClick(window.findChild<QPushButton*>(QStringLiteral("removeCached")), Qt::LeftButton);
        QVERIFY(removed.wait(kTimeoutMs));
        QVERIFY(!QFileInfo::exists(repoDir()));
    }

    void showsARunningDownloadAndCancelsIt()
    {
        CacheWindow window(f->settings.cacheDir);
        auto* downloads = window.findChild<QTreeWidget*>(QStringLiteral("downloads"));
        QCOMPARE(downloads->topLevelItemCount(), 0);
        f->server->addFault({.kind = Fault::Kind::Status,
                             .pathContains = "/xet-bridge-us/",
                             .remaining = 1000,
                             .status = 503,
                             .retryAfter = 1});
        hub::HubClient client(f->settings);
        std::optional<Result<hub::SnapshotResult>> outcome;
        hub::HubTask* task = client.downloadSnapshot(
            repo, QStringLiteral("main"), {}, [&](Result<hub::SnapshotResult> r) { outcome = std::move(r); });
        QSignalSpy finished(task, &hub::HubTask::finished);
        QTRY_COMPARE_WITH_TIMEOUT(downloads->topLevelItemCount(), 1, kTimeoutMs);
        QCOMPARE(downloads->topLevelItem(0)->text(0), repo + QStringLiteral("@main"));
        // Progress arrives (the small files before the weights), with bytes shown.
        QTRY_VERIFY_WITH_TIMEOUT(downloads->topLevelItem(0)->text(2).contains(QLatin1String(" of ")),
                                 kTimeoutMs);
        auto* cancel = window.findChild<QPushButton*>(QStringLiteral("cancelDownload"));
        QVERIFY(cancel->isEnabled());
        QTest::mouseClick(cancel, Qt::LeftButton);
        QVERIFY(finished.wait(kTimeoutMs));
        QVERIFY(outcome && !*outcome);
        QCOMPARE(outcome->error().kind, ErrorKind::Cancelled);
        QTRY_COMPARE_WITH_TIMEOUT(downloads->topLevelItemCount(), 0, kTimeoutMs);
    }
};

QTEST_MAIN(TestCacheWindow)
#include "test_cache_window.moc"
