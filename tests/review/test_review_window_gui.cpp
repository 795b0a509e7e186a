// The review window and the trust manager, offscreen: findings jump to their line, the trust button
// is disabled while a branch is reviewed and enabled once the commit is pinned, trusting records the
// commit, the manager lists and revokes it.

#include "review/code_view.h"
#include "review/review_window.h"
#include "review/trust_manager_dialog.h"
#include "review_fixtures.h"
#include "widgets/message_box.h"

#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScreen>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBlock>
#include <QTreeWidget>

using namespace mwb;
using namespace mwb::review;
using namespace mwb::review::fixtures;

namespace {

const QString kRepo = QStringLiteral("alice/custom-resnet50d");
const QString kCommit1 = QStringLiteral("ed94a7c6247d8aedce4647f00f20de6875b5b292");
const QString kCommit2 = QStringLiteral("3333333333333333333333333333333333333333");

} // namespace

class TestReviewWindowGui : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    RepoReview reviewOf(const QString& dir, const QString& commit, const QString& revision)
    {
        auto store = TrustStore::open(m_dir.path() + "/trust");
        auto r = reviewSnapshot({dir, kRepo, commit, revision}, *store);
        if (!r)
            qFatal("%s", r.error().message.c_str());
        return *r;
    }

private Q_SLOTS:
    void init() { ui::MessageBox::clear(); }

    void verdictWorstFileFirstAndConfirmation()
    {
        const QString dir = m_dir.path() + "/risky";
        QVERIFY(writeTutorialRepo(dir, modelingWithSubprocess()));
        ui::ReviewWindow window(reviewOf(dir, kCommit2, "main"), m_dir.path() + "/trust-risky");
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));

        // One line that says how risky the code is, and the review opens on the file that needs reading.
        auto* verdict = window.findChild<QLabel*>("verdictLabel");
        QVERIFY(verdict);
        QVERIFY2(verdict->text().contains("1 high-severity finding"), qPrintable(verdict->text()));
        QVERIFY(verdict->text().startsWith("Risky"));
        QCOMPARE(window.currentFile(), QString("modeling_resnet.py"));

        // A branch moves; a pinned commit does not.
        auto* kind = window.findChild<QLabel*>("revisionKindLabel");
        QVERIFY(kind->text().contains("Branch, moves"));
        QTest::mouseClick(window.findChild<QPushButton*>("pinButton"), Qt::LeftButton);
        QVERIFY(kind->text().contains("Pinned commit"));

        // Trusting code with a high-severity finding asks; Cancel trusts nothing.
        QSignalSpy spy(&window, &ui::ReviewWindow::trusted);
        auto* trust = window.findChild<QPushButton*>("trustButton");
        ui::MessageBox::answerNext(QMessageBox::Cancel);
        QTest::mouseClick(trust, Qt::LeftButton);
        QCOMPARE(ui::MessageBox::shownTexts().size(), qsizetype(1));
        QVERIFY(ui::MessageBox::shownTexts().first().contains("high-severity"));
        QCOMPARE(spy.count(), 0);
        QVERIFY(!TrustStore::open(m_dir.path() + "/trust-risky")->find(kRepo, kCommit2));
        ui::MessageBox::answerNext(QMessageBox::Yes);
        QTest::mouseClick(trust, Qt::LeftButton);
        QCOMPARE(spy.count(), 1);
    }

    void reviewWindowFitsA1024x700Screen()
    {
        const QString dir = m_dir.path() + "/fit";
        QVERIFY(writeTutorialRepo(dir));
        ui::ReviewWindow window(reviewOf(dir, kCommit1, kCommit1), m_dir.path() + "/trust-fit");
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const QRect available = window.screen()->availableGeometry();
        QVERIFY2(available.contains(window.frameGeometry()), qPrintable(QStringLiteral("%1,%2 %3x%4")
                                                                            .arg(window.x())
                                                                            .arg(window.y())
                                                                            .arg(window.width())
                                                                            .arg(window.height())));
        QVERIFY(window.minimumSizeHint().width() <= 1024 && window.minimumSizeHint().height() <= 700);
    }

    void findingsJumpAndTrustNeedsACommit()
    {
        const QString c1 = m_dir.path() + "/c1", c2 = m_dir.path() + "/c2";
        QVERIFY(writeTutorialRepo(c1));
        QVERIFY(writeTutorialRepo(c2, modelingWithSubprocess()));
        QVERIFY(writeFile(c2 + "/training_args.pkl", hostilePickle()));
        {
            auto store = TrustStore::open(m_dir.path() + "/trust");
            QVERIFY(trustReviewedCommit(*store, reviewOf(c1, kCommit1, kCommit1), kCommit1));
        }

        ui::ReviewWindow window(reviewOf(c2, kCommit2, "main"), m_dir.path() + "/trust");
        window.resize(1000, 700);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));

        auto* files = window.findChild<QListWidget*>("fileList");
        QCOMPARE(files->count(), 2);
        QVERIFY(files->item(1)->text().contains("modeling_resnet.py"));
        QVERIFY(files->item(1)->text().contains("1 high, 1 medium"));
        QVERIFY(files->item(0)->text().contains("no findings"));

        auto* trust = window.findChild<QPushButton*>("trustButton");
        QCOMPARE(trust->text(), QString("Trust commit 3333333"));
        QVERIFY(!trust->isEnabled()); // "main" is a branch

        // Activating the subprocess finding shows modeling_resnet.py at line 15.
        auto* findings = window.findChild<QTreeWidget*>("findingsList");
        QTreeWidgetItem* high = nullptr;
        for (int i = 0; i < findings->topLevelItemCount(); ++i)
            if (findings->topLevelItem(i)->text(1) == "15")
                high = findings->topLevelItem(i);
        QVERIFY(high);
        QCOMPARE(high->text(2), QString("high"));
        Q_EMIT findings->itemActivated(high, 0);
        auto* code = window.findChild<ui::CodeView*>("codeView");
        QCOMPARE(window.currentFile(), QString("modeling_resnet.py"));
        QCOMPARE(code->currentLine(), 15);
        QVERIFY(code->textCursor().block().text().contains("subprocess.run"));
        QCOMPARE(code->extraSelections().size(), qsizetype(1));
        QVERIFY(code->lineNumberAreaWidth() > 0);

        // The diff against the trusted commit, and the pickle table.
        auto* diff = window.findChild<QPlainTextEdit*>("diffView");
        QVERIFY(diff->toPlainText().contains("+import subprocess"));
        QVERIFY(diff->toPlainText().contains("configuration_resnet.py: unchanged since ed94a7c"));
        auto* pickles = window.findChild<QTableWidget*>("pickleTable");
        QCOMPARE(pickles->rowCount(), 1);
        QCOMPARE(pickles->item(0, 1)->text(), QString("posix"));
        QCOMPARE(pickles->item(0, 3)->text(), QString("dangerous"));

        // Pinning the reviewed commit enables trust; trusting records exactly that commit.
        auto* pin = window.findChild<QPushButton*>("pinButton");
        QVERIFY(pin->isVisible());
        QTest::mouseClick(pin, Qt::LeftButton);
        QVERIFY(trust->isEnabled());
        QSignalSpy spy(&window, &ui::ReviewWindow::trusted);
        ui::MessageBox::answerNext(QMessageBox::Yes); // the high-severity finding asks first
        QTest::mouseClick(trust, Qt::LeftButton);
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.at(0).at(1).toString(), kCommit2);
        QVERIFY(!trust->isEnabled());
        QVERIFY(window.findChild<QLabel*>("trustStateLabel")->text().contains("Trusted at " + kCommit2));

        ui::TrustManagerDialog manager(m_dir.path() + "/trust");
        auto* table = manager.findChild<QTableWidget*>("trustTable");
        QCOMPARE(table->rowCount(), 2);
        QCOMPARE(table->item(1, 1)->text(), kCommit2);
        auto* revoke = manager.findChild<QPushButton*>("revokeButton");
        QVERIFY(!revoke->isEnabled());
        table->selectRow(1);
        QVERIFY(revoke->isEnabled());
        QTest::mouseClick(revoke, Qt::LeftButton);
        QCOMPARE(table->rowCount(), 1);
        QCOMPARE(table->item(0, 1)->text(), kCommit1);
        QVERIFY(!TrustStore::open(m_dir.path() + "/trust")->find(kRepo, kCommit2));
    }
};

QTEST_MAIN(TestReviewWindowGui)
#include "test_review_window_gui.moc"
