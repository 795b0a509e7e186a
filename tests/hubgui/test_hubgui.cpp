// The Hub dialogs as a user drives them, against the local Hub (FakeHub) on 127.0.0.1 with a temporary
// HF_HOME: logging in with a good and a bad token, the repo id check, the revision picker (refs, paged
// history, pinning, branches, files with LFS marks) and downloading a snapshot into the cache.

#include "hub/hub_menu.h"
#include "hub/hub_token.h"
#include "hub/login_dialog.h"
#include "hub/open_from_hub_dialog.h"
#include "hub_test_support.h"
#include "review/review_window.h"
#include "review_fixtures.h"
#include "share/share_window.h"
#include "widgets/message_box.h"

#include <filesystem>

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMainWindow>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QScreen>
#include <QScrollBar>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTableWidget>
#include <QTest>
#include <QTreeWidget>

using namespace mwb;

namespace {

constexpr int kNetworkTimeoutMs = 60000; // the test machine is heavily loaded

template <typename T> T* child(QWidget* parent, const char* name)
{
    T* widget = parent->findChild<T*>(QString::fromLatin1(name));
    if (!widget)
        qFatal("no widget named %s", name);
    return widget;
}

QTreeWidgetItem* fileItem(QTreeWidget* files, const QString& path)
{
    const auto found = files->findItems(path, Qt::MatchExactly, 0);
    return found.isEmpty() ? nullptr : found.first();
}

int commitRow(QListWidget* list, const QString& title)
{
    for (int i = 0; i < list->count(); ++i)
        if (list->item(i)->text().startsWith(title + u'\n'))
            return i;
    return -1;
}

// A repo whose config names custom code (auto_map) with a high-severity finding (subprocess).
fakehub::FakeRepo customCodeRepo()
{
    using namespace review::fixtures;
    fakehub::FakeRepo r;
    r.id = QStringLiteral("acme/custom-resnet");
    r.commit("main", "Upload model with code", {}, "alice",
             {{"config.json", fakehub::FakeFile{kTutorialConfig, false}},
              {"configuration_resnet.py", fakehub::FakeFile{kConfigurationResnet, false}},
              {"modeling_resnet.py", fakehub::FakeFile{modelingWithSubprocess(), false}}});
    return r;
}

} // namespace

class TestHubGui : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_home;
    std::unique_ptr<hubtest::HubFixture> m_hub;

    // Loads a repo in a shown dialog and waits until refs and the first history page are in.
    void openRepo(ui::OpenFromHubDialog& dialog, const QString& repoId)
    {
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        dialog.loadRepo(repoId);
        auto* commits = child<QListWidget>(&dialog, "commitList");
        QTRY_VERIFY_WITH_TIMEOUT(commits->count() > 0 && !dialog.isLoadingCommits(), kNetworkTimeoutMs);
    }

private Q_SLOTS:
    // Nothing may read or write the real home: XDG and HF folders point into a temporary directory.
    void initTestCase()
    {
        QVERIFY(m_home.isValid());
        for (const char* name : {"XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "HF_HOME"})
            qputenv(name, (m_home.path() + u'/' + QLatin1String(name)).toUtf8());
        for (const char* name : {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_HUB_CACHE",
                                 "HUGGINGFACE_HUB_CACHE", "HF_ENDPOINT", "HF_HUB_OFFLINE"})
            qunsetenv(name);
    }

    void init()
    {
        m_hub = std::make_unique<hubtest::HubFixture>();
        QVERIFY(m_hub->start());
    }
    void cleanup() { m_hub.reset(); }

    void loginWithGoodTokenShowsAccountAndStoresToken()
    {
        ui::LoginDialog dialog(m_hub->settings);
        QSignalSpy loggedIn(&dialog, &ui::LoginDialog::loggedIn);
        auto* token = child<QLineEdit>(&dialog, "tokenEdit");
        QCOMPARE(token->echoMode(), QLineEdit::Password);
        token->setText(QStringLiteral("hf_alice_token"));
        QTest::mouseClick(child<QPushButton>(&dialog, "loginButton"), Qt::LeftButton);

        auto* account = child<QLabel>(&dialog, "accountLabel");
        QTRY_VERIFY_WITH_TIMEOUT(!account->isHidden(), kNetworkTimeoutMs);
        QVERIFY(account->text().contains(QStringLiteral("alice")));
        QVERIFY(account->text().contains(QStringLiteral("acme")));
        QVERIFY(account->text().contains(QStringLiteral("Token role: write")));
        QVERIFY(!account->text().contains(QStringLiteral("hf_alice_token")));
        QVERIFY(child<QLabel>(&dialog, "loginError")->isHidden());
        QCOMPARE(loggedIn.count(), 1);

        QFile file(m_hub->settings.tokenPath);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll().trimmed(), QByteArray("hf_alice_token"));
        namespace fs = std::filesystem;
        QCOMPARE(fs::status(m_hub->settings.tokenPath.toStdString()).permissions() & fs::perms::all,
                 fs::perms::owner_read | fs::perms::owner_write);
        QVERIFY(QFileInfo::exists(m_hub->settings.storedTokensPath()));
    }

    void loginWithBadTokenShowsErrorAndStoresNothing()
    {
        ui::LoginDialog dialog(m_hub->settings);
        dialog.show();
        QSignalSpy loggedIn(&dialog, &ui::LoginDialog::loggedIn);
        child<QLineEdit>(&dialog, "tokenEdit")->setText(QStringLiteral("hf_not_a_real_token"));
        QTest::mouseClick(child<QPushButton>(&dialog, "loginButton"), Qt::LeftButton);

        auto* error = child<QLabel>(&dialog, "loginError");
        QTRY_VERIFY_WITH_TIMEOUT(!error->isHidden(), kNetworkTimeoutMs);
        QVERIFY(!error->text().isEmpty());
        QVERIFY(!error->text().contains(QStringLiteral("hf_not_a_real_token")));
        // The whole message is visible: the dialog grew to fit it instead of clipping it.
        QTRY_VERIFY(error->height() >= error->heightForWidth(error->width()));
        QVERIFY(error->geometry().bottom() <
                child<QPushButton>(&dialog, "loginButton")->mapTo(&dialog, QPoint(0, 0)).y());
        QVERIFY(child<QLabel>(&dialog, "accountLabel")->isHidden());
        QCOMPARE(loggedIn.count(), 0);
        QVERIFY(!QFileInfo::exists(m_hub->settings.tokenPath));
        QVERIFY(!QFileInfo::exists(m_hub->settings.storedTokensPath()));
    }

    void repoIdIsValidatedAsTheHubDoes_data()
    {
        QTest::addColumn<QString>("repoId");
        QTest::addColumn<bool>("valid");
        QTest::newRow("namespace/name") << "acme/resnet-tiny" << true;
        QTest::newRow("dots and underscores") << "my.org/model_v1.2" << true;
        QTest::newRow("no namespace") << "resnet" << false;
        QTest::newRow("two slashes") << "a/b/c" << false;
        QTest::newRow("double dash") << "acme/res--net" << false;
        QTest::newRow("double dot") << "acme/res..net" << false;
        QTest::newRow("leading dash") << "-acme/net" << false;
        QTest::newRow("trailing dot") << "acme/net." << false;
        QTest::newRow("space") << "acme/res net" << false;
        QTest::newRow("97 characters") << "acme/" + QString(92, u'a') << false;
        QTest::newRow("96 characters") << "acme/" + QString(91, u'a') << true;
    }
    void repoIdIsValidatedAsTheHubDoes()
    {
        QFETCH(QString, repoId);
        QFETCH(bool, valid);
        ui::OpenFromHubDialog dialog(m_hub->settings);
        child<QLineEdit>(&dialog, "repoIdEdit")->setText(repoId);
        QCOMPARE(child<QPushButton>(&dialog, "loadButton")->isEnabled(), valid);
        auto* error = child<QLabel>(&dialog, "repoIdError");
        QCOMPARE(error->isHidden(), valid);
        if (!valid)
            QVERIFY(!error->text().isEmpty());
    }

    void refsHistoryAndFilesOfTheDefaultBranch()
    {
        ui::OpenFromHubDialog dialog(m_hub->settings);
        openRepo(dialog, QStringLiteral("acme/resnet-tiny"));
        const fakehub::FakeRepo* repo = m_hub->server->repo(QStringLiteral("acme/resnet-tiny"));

        auto* refs = child<QComboBox>(&dialog, "refCombo");
        QCOMPARE(refs->count(), 3);
        QCOMPARE(refs->currentData().toString(), QStringLiteral("main"));
        QVERIFY(refs->findData(QStringLiteral("dev")) >= 0);
        QVERIFY(refs->findData(QStringLiteral("v1.0")) >= 0);

        auto* label = child<QLabel>(&dialog, "revisionLabel");
        QVERIFY(label->text().contains(QStringLiteral("Follows the branch <b>main</b>")));
        QVERIFY(label->text().contains(QStringLiteral("can move")));
        QVERIFY(!dialog.isPinned());

        auto* commits = child<QListWidget>(&dialog, "commitList");
        QCOMPARE(commits->count(), 7); // the whole history of main, newest first
        const QString newest = QString::fromLatin1(repo->branches[QStringLiteral("main")]);
        QCOMPARE(commits->item(0)->text(),
                 QStringLiteral("Tune README 2\nalice · %1 · %2")
                     .arg(repo->commits.last().date.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm")),
                          newest.left(7)));
        QCOMPARE(commits->item(6)->text().section(u'\n', 0, 0), QStringLiteral("initial commit"));

        auto* files = child<QTreeWidget>(&dialog, "fileList");
        QTRY_VERIFY_WITH_TIMEOUT(fileItem(files, QStringLiteral("config.json")), kNetworkTimeoutMs);
        QCOMPARE(files->topLevelItemCount(), 6);
        QCOMPARE(fileItem(files, QStringLiteral("model.safetensors"))->text(2), QStringLiteral("LFS"));
        QCOMPARE(fileItem(files, QStringLiteral("model.safetensors"))->data(1, Qt::UserRole).toLongLong(),
                 300 * 1024);
        QCOMPARE(fileItem(files, QStringLiteral("onnx/model.onnx"))->text(2), QStringLiteral("LFS"));
        QCOMPARE(fileItem(files, QStringLiteral("config.json"))->text(2), QString());
        QVERIFY(fileItem(files, QStringLiteral("docs/notes/usage.md")));
    }

    void pinningACommitShowsTheFullIdAndItsFiles()
    {
        ui::OpenFromHubDialog dialog(m_hub->settings);
        openRepo(dialog, QStringLiteral("acme/resnet-tiny"));
        const QString v1 = QString::fromLatin1(
            m_hub->server->repo(QStringLiteral("acme/resnet-tiny"))->tags[QStringLiteral("v1.0")]);

        auto* commits = child<QListWidget>(&dialog, "commitList");
        const int row = commitRow(commits, QStringLiteral("Upload model"));
        QVERIFY(row >= 0);
        commits->scrollToItem(commits->item(row));
        QTest::mouseClick(commits->viewport(), Qt::LeftButton, {},
                          commits->visualItemRect(commits->item(row)).center());

        QVERIFY(dialog.isPinned());
        QCOMPARE(dialog.revision(), v1);
        QCOMPARE(child<QLabel>(&dialog, "revisionLabel")->text(),
                 QStringLiteral("<b>Pinned commit:</b> ") + v1 +
                     QStringLiteral(". Downloads get exactly these files."));
        auto* files = child<QTreeWidget>(&dialog, "fileList");
        QTRY_VERIFY_WITH_TIMEOUT(files->topLevelItemCount() == 4, kNetworkTimeoutMs); // no onnx or docs yet
        QVERIFY(!fileItem(files, QStringLiteral("onnx/model.onnx")));
        QCOMPARE(fileItem(files, QStringLiteral("model.safetensors"))->text(2), QStringLiteral("LFS"));
    }

    void choosingABranchFollowsIt()
    {
        ui::OpenFromHubDialog dialog(m_hub->settings);
        openRepo(dialog, QStringLiteral("acme/resnet-tiny"));
        auto* refs = child<QComboBox>(&dialog, "refCombo");
        const int dev = refs->findData(QStringLiteral("dev"));
        refs->setCurrentIndex(dev);
        Q_EMIT refs->activated(dev);

        QVERIFY(!dialog.isPinned());
        QCOMPARE(dialog.revision(), QStringLiteral("dev"));
        QVERIFY(child<QLabel>(&dialog, "revisionLabel")
                    ->text()
                    .contains(QStringLiteral("Follows the branch <b>dev</b>")));
        auto* commits = child<QListWidget>(&dialog, "commitList");
        QTRY_VERIFY_WITH_TIMEOUT(commits->count() == 5 && !dialog.isLoadingCommits(), kNetworkTimeoutMs);
        QCOMPARE(commits->item(0)->text().section(u'\n', 0, 0), QStringLiteral("Try wider stem"));
    }

    void historyLoadsMorePagesOnScroll()
    {
        m_hub->server->setCommitPageSize(10);
        ui::OpenFromHubDialog dialog(m_hub->settings);
        openRepo(dialog, QStringLiteral("acme/long-history"));
        auto* commits = child<QListWidget>(&dialog, "commitList");
        QScrollBar* scroll = commits->verticalScrollBar();
        QTRY_VERIFY_WITH_TIMEOUT(scroll->maximum() > 0, kNetworkTimeoutMs);
        const int firstCount = commits->count();
        QVERIFY(firstCount >= 10 && firstCount < 120);
        QCOMPARE(firstCount % 10, 0);
        QCOMPARE(commits->item(0)->text().section(u'\n', 0, 0), QStringLiteral("Step 119"));

        scroll->setValue(scroll->maximum());
        QTRY_COMPARE_WITH_TIMEOUT(commits->count(), firstCount + 10, kNetworkTimeoutMs);

        for (int pages = 0; commits->count() < 120 && pages < 20; ++pages) {
            const int before = commits->count();
            QTRY_VERIFY_WITH_TIMEOUT(!dialog.isLoadingCommits(), kNetworkTimeoutMs);
            QTest::qWait(50); // let the list lay out the new rows so the scroll range grows
            scroll->setValue(scroll->maximum());
            QTRY_VERIFY_WITH_TIMEOUT(commits->count() > before, kNetworkTimeoutMs);
        }
        QCOMPARE(commits->count(), 120);
        QCOMPARE(commits->item(119)->text().section(u'\n', 0, 0), QStringLiteral("initial commit"));
        QVERIFY(!dialog.loadMoreCommits()); // nothing left
    }

    void downloadProducesTheSnapshotFolder()
    {
        ui::OpenFromHubDialog dialog(m_hub->settings);
        QSignalSpy ready(&dialog, &ui::OpenFromHubDialog::snapshotReady);
        openRepo(dialog, QStringLiteral("acme/resnet-tiny"));
        auto* download = child<QPushButton>(&dialog, "downloadButton");
        QTRY_VERIFY_WITH_TIMEOUT(download->isEnabled(), kNetworkTimeoutMs);
        QTest::mouseClick(download, Qt::LeftButton);

        QTRY_COMPARE_WITH_TIMEOUT(ready.count(), 1, kNetworkTimeoutMs);
        const QString commit = QString::fromLatin1(
            m_hub->server->repo(QStringLiteral("acme/resnet-tiny"))->branches[QStringLiteral("main")]);
        const QString expected =
            m_hub->settings.cacheDir + QStringLiteral("/models--acme--resnet-tiny/snapshots/") + commit;
        QCOMPARE(ready.first().at(0).toString(), expected);
        QCOMPARE(ready.first().at(2).toString(), commit);
        QCOMPARE(dialog.snapshotPath(), expected);
        QVERIFY(QFileInfo(expected + QStringLiteral("/config.json")).isSymLink());
        QCOMPARE(QFileInfo(expected + QStringLiteral("/model.safetensors")).size(), 300 * 1024);
        QVERIFY(QFileInfo::exists(expected + QStringLiteral("/onnx/model.onnx")));
        auto* progress = child<QProgressBar>(&dialog, "downloadProgress");
        QCOMPARE(progress->value(), progress->maximum());
        QVERIFY(!ui::snapshotNeedsReview(expected));
    }

    void cancelledDownloadResumes()
    {
        // A slow first answer (503 with Retry-After) leaves time to cancel before anything is fetched.
        fakehub::Fault slow;
        slow.kind = fakehub::Fault::Kind::Status;
        slow.pathContains = "/resolve/";
        slow.status = 503;
        slow.retryAfter = 2;
        m_hub->server->addFault(slow);

        ui::OpenFromHubDialog dialog(m_hub->settings);
        QSignalSpy ready(&dialog, &ui::OpenFromHubDialog::snapshotReady);
        openRepo(dialog, QStringLiteral("acme/resnet-tiny"));
        auto* download = child<QPushButton>(&dialog, "downloadButton");
        QTRY_VERIFY_WITH_TIMEOUT(download->isEnabled(), kNetworkTimeoutMs);
        QTest::mouseClick(download, Qt::LeftButton);
        auto* cancel = child<QPushButton>(&dialog, "cancelButton");
        QVERIFY(cancel->isEnabled());
        QTest::mouseClick(cancel, Qt::LeftButton);

        QTRY_VERIFY_WITH_TIMEOUT(download->isEnabled(), kNetworkTimeoutMs);
        QCOMPARE(ready.count(), 0);
        QVERIFY(download->text().contains(QStringLiteral("Resume")));
        QVERIFY(child<QLabel>(&dialog, "downloadStatus")->text().startsWith(QStringLiteral("Cancelled")));

        QTest::mouseClick(download, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(ready.count(), 1, kNetworkTimeoutMs);
        QVERIFY(QFileInfo::exists(dialog.snapshotPath() + QStringLiteral("/model.safetensors")));
    }

    void useHubEnvironment()
    {
        const hub::HubSettings& s = m_hub->settings;
        qputenv("HF_ENDPOINT", s.endpoint.toUtf8());
        qputenv("HF_HOME", s.hfHome.toUtf8());
        qputenv("HF_HUB_CACHE", s.cacheDir.toUtf8());
        for (const char* name : {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_HUB_OFFLINE"})
            qunsetenv(name);
    }

    // Opens Hub > Open from Hub... in `window`, downloads `repoId` at its main branch.
    QPointer<ui::OpenFromHubDialog> downloadThroughTheMenu(QMainWindow& window, const QString& repoId)
    {
        auto* action = window.findChild<QAction*>(QStringLiteral("openFromHubAction"));
        if (!action)
            return nullptr;
        action->trigger();
        QPointer<ui::OpenFromHubDialog> dialog = window.findChild<ui::OpenFromHubDialog*>();
        if (!dialog)
            return nullptr;
        openRepo(*dialog, repoId);
        auto* download = child<QPushButton>(dialog, "downloadButton");
        if (!QTest::qWaitFor([&] { return download->isEnabled(); }, kNetworkTimeoutMs))
            return nullptr;
        QTest::mouseClick(download, Qt::LeftButton);
        return dialog;
    }

    void closingTheDialogDuringReviewIsSafe()
    {
        // The review window outlives the Open from Hub dialog: trusting afterwards must not touch it.
        m_hub->server->addRepo(customCodeRepo());
        useHubEnvironment();
        ui::MessageBox::clear();
        QMainWindow window;
        QStringList opened;
        ui::installHubMenu(&window, {.openConfig =
                                         [&opened](const QString& path) {
                                             opened << path;
                                             return true;
                                         },
                                     .modelFolder = {}});
        window.show();
        QPointer<ui::OpenFromHubDialog> dialog =
            downloadThroughTheMenu(window, QStringLiteral("acme/custom-resnet"));
        QVERIFY(dialog);
        QTRY_VERIFY_WITH_TIMEOUT(window.findChild<ui::ReviewWindow*>() != nullptr, kNetworkTimeoutMs);
        auto* review = window.findChild<ui::ReviewWindow*>();
        QVERIFY(opened.isEmpty()); // custom code is not opened before it is trusted
        // The dialog says the branch moves; the review does too.
        QVERIFY(child<QLabel>(dialog, "revisionLabel")->text().contains(QStringLiteral("Branch, moves")));
        QVERIFY(child<QLabel>(review, "revisionKindLabel")->text().contains(QStringLiteral("Branch, moves")));

        dialog->close(); // deletes itself
        QTRY_VERIFY(dialog.isNull());

        QTest::mouseClick(child<QPushButton>(review, "pinButton"), Qt::LeftButton);
        ui::MessageBox::answerNext(QMessageBox::Yes); // confirm trusting code with a high finding
        QTest::mouseClick(child<QPushButton>(review, "trustButton"), Qt::LeftButton);
        QCOMPARE(opened.size(), 1);
        QVERIFY(opened.first().endsWith(QStringLiteral("/config.json")));
    }

    void closingTheReviewWithoutTrustSaysTheModelWasHeldBack()
    {
        // A trust store of its own: the previous test trusted this (deterministic) commit.
        qputenv("XDG_DATA_HOME", (m_home.path() + QStringLiteral("/data-held-back")).toUtf8());
        m_hub->server->addRepo(customCodeRepo());
        useHubEnvironment();
        QMainWindow window;
        bool opened = false;
        ui::installHubMenu(&window, {.openConfig =
                                         [&opened](const QString&) {
                                             opened = true;
                                             return true;
                                         },
                                     .modelFolder = {}});
        window.show();
        QPointer<ui::OpenFromHubDialog> dialog =
            downloadThroughTheMenu(window, QStringLiteral("acme/custom-resnet"));
        QVERIFY(dialog);
        QTRY_VERIFY_WITH_TIMEOUT(window.findChild<ui::ReviewWindow*>() != nullptr, kNetworkTimeoutMs);
        window.findChild<ui::ReviewWindow*>()->close();
        QTRY_VERIFY(window.findChild<ui::ReviewWindow*>() == nullptr);
        QVERIFY(!opened);
        QVERIFY2(window.statusBar()->currentMessage().contains(QStringLiteral("held back")),
                 qPrintable(window.statusBar()->currentMessage()));
        QVERIFY(child<QLabel>(dialog, "downloadStatus")->text().contains(QStringLiteral("held back")));
    }

    void pushAndTrustedCommitsAreInTheMenu()
    {
        useHubEnvironment();
        QMainWindow window;
        ui::installHubMenu(&window, {.openConfig = [](const QString&) { return true; },
                                     .modelFolder = [] { return QStringLiteral("/tmp/some-saved-model"); }});
        auto* push = window.findChild<QAction*>(QStringLiteral("pushModelAction"));
        auto* trusted = window.findChild<QAction*>(QStringLiteral("trustedCommitsAction"));
        QVERIFY(push && trusted);
        QCOMPARE(push->shortcut(), QKeySequence(QStringLiteral("Ctrl+Shift+P")));
        QCOMPARE(trusted->shortcut(), QKeySequence(QStringLiteral("Ctrl+Shift+T")));
        push->trigger();
        auto* share = window.findChild<ui::ShareWindow*>();
        QVERIFY(share);
        QTRY_VERIFY(share->isVisible());
        QVERIFY(child<QLabel>(share, "sourceLabel")->text().contains(QStringLiteral("some-saved-model")));
        push->trigger(); // the same window again, not a second one
        QCOMPARE(window.findChildren<ui::ShareWindow*>().size(), qsizetype(1));
        trusted->trigger();
        QTRY_VERIFY(window.findChild<QTableWidget*>(QStringLiteral("trustTable")) != nullptr);
    }

    void repoAddressIsAcceptedAsWellAsAnId()
    {
        ui::OpenFromHubDialog dialog(m_hub->settings);
        auto* edit = child<QLineEdit>(&dialog, "repoIdEdit");
        edit->setText(QStringLiteral("https://huggingface.co/acme/resnet-tiny/tree/main"));
        QCOMPARE(edit->text(), QStringLiteral("acme/resnet-tiny"));
        QVERIFY(child<QPushButton>(&dialog, "loadButton")->isEnabled());
        edit->setText(m_hub->settings.endpoint + QStringLiteral("/acme/resnet-tiny/blob/main/config.json"));
        QCOMPARE(edit->text(), QStringLiteral("acme/resnet-tiny"));
        QCOMPARE(ui::repoIdFromText(QStringLiteral("https://huggingface.co/models/acme/x"), {}),
                 QStringLiteral("acme/x"));
    }

    void loadingRefsFromAHubThatDoesNotAnswerCanBeCancelled()
    {
        fakehub::Fault slow;
        slow.kind = fakehub::Fault::Kind::Status;
        slow.pathContains = "/refs";
        slow.status = 503;
        slow.retryAfter = 30;
        m_hub->server->addFault(slow);
        ui::OpenFromHubDialog dialog(m_hub->settings);
        dialog.show();
        dialog.loadRepo(QStringLiteral("acme/resnet-tiny"));
        auto* status = child<QLabel>(&dialog, "downloadStatus");
        QVERIFY(status->text().startsWith(QStringLiteral("Loading branches and tags")));
        auto* cancel = child<QPushButton>(&dialog, "cancelButton");
        QVERIFY(cancel->isEnabled());
        QTest::mouseClick(cancel, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(status->text().startsWith(QStringLiteral("Stopped loading")), 20000);
        QVERIFY(!cancel->isEnabled());
    }

    void longSnapshotPathDoesNotWidenTheDialog()
    {
        // A deep cache folder: the finished download names it in the dialog.
        hub::HubSettings settings = m_hub->settings;
        settings.cacheDir = m_hub->home.path() + QStringLiteral("/") + QString(60, u'd') +
                            QStringLiteral("/") + QString(60, u'e') + QStringLiteral("/") + QString(60, u'f');
        ui::OpenFromHubDialog dialog(settings);
        QSignalSpy ready(&dialog, &ui::OpenFromHubDialog::snapshotReady);
        openRepo(dialog, QStringLiteral("acme/resnet-tiny"));
        const int widthBefore = dialog.width();
        auto* download = child<QPushButton>(&dialog, "downloadButton");
        QTRY_VERIFY_WITH_TIMEOUT(download->isEnabled(), kNetworkTimeoutMs);
        QTest::mouseClick(download, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(ready.count(), 1, kNetworkTimeoutMs);
        QApplication::processEvents();
        QVERIFY(child<QLabel>(&dialog, "downloadStatus")->text().contains(QString(60, u'f')));
        QCOMPARE(dialog.width(), widthBefore);
        QVERIFY(dialog.minimumSizeHint().width() <= dialog.screen()->availableGeometry().width());
        QVERIFY(dialog.frameGeometry().width() <= dialog.screen()->availableGeometry().width());
    }

    void statusBarNamesUserAndEndpoint()
    {
        const hub::HubSettings& s = m_hub->settings;
        qputenv("HF_ENDPOINT", s.endpoint.toUtf8());
        qputenv("HF_HOME", s.hfHome.toUtf8());
        qputenv("HF_HUB_CACHE", s.cacheDir.toUtf8());
        qunsetenv("HF_TOKEN");
        qunsetenv("HUGGING_FACE_HUB_TOKEN");
        qunsetenv("HF_TOKEN_PATH");
        qunsetenv("HF_HUB_OFFLINE");
        QVERIFY(hub::storeToken(hub::HubSettings::fromEnvironment(), QStringLiteral("hf_bob_token"), "ci"));

        QMainWindow window;
        ui::installHubMenu(&window, {.openConfig = [](const QString&) { return true; }, .modelFolder = {}});
        auto* status = window.statusBar()->findChild<QLabel*>(QStringLiteral("hubStatus"));
        QVERIFY(status);
        QTRY_VERIFY_WITH_TIMEOUT(status->text().contains(QStringLiteral("bob")), kNetworkTimeoutMs);
        QVERIFY(status->text().contains(QStringLiteral("127.0.0.1")));
        QVERIFY(!status->text().contains(QStringLiteral("hf_bob_token")));
    }
};

QTEST_MAIN(TestHubGui)
#include "test_hubgui.moc"
