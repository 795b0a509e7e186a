// The Share window (offscreen) against the local test Hub: namespaces from the login, the prepared file
// list with LFS marks, a push that ends with the commit id, URL and copy button, and the Auto-class choice.

#include "fake_hub.h"
#include "share/share_window.h"
#include "share_test_support.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

using namespace mwb;

class TestShareWindow : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    fakehub::FakeHub m_hub;
    QString m_source;

    hub::HubSettings settings() const
    {
        hub::HubSettings s;
        s.endpoint = m_hub.endpoint();
        s.hfHome = m_dir.filePath(QStringLiteral("hf"));
        s.cacheDir = m_dir.filePath(QStringLiteral("hf/hub"));
        s.tokenPath = m_dir.filePath(QStringLiteral("hf/token"));
        s.userAgent = QStringLiteral("mwb-tests");
        s.maxRetries = 1;
        s.backoffBaseMs = 10;
        return s;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        qputenv("XDG_DATA_HOME", m_dir.filePath(QStringLiteral("xdg-data")).toUtf8()); // trust store
        QVERIFY(m_hub.listen());
        m_hub.addDemoContent();
        m_source = m_dir.filePath(QStringLiteral("gui-tiny"));
        QVERIFY(sharetest::writeTinyPretrainedFolder(m_source));
    }

    void pushesFromTheWindow()
    {
        ui::ShareWindow window(settings(), QStringLiteral("hf_alice_token"));
        window.show();
        QSignalSpy login(&window, &ui::ShareWindow::loginChecked);
        window.refreshLogin();
        QVERIFY(login.wait(60000));
        QCOMPARE(login.first().first().toBool(), true);
        auto* ns = window.findChild<QComboBox*>("namespaceCombo");
        QCOMPARE(ns->count(), 2);
        QCOMPARE(ns->itemText(0), QStringLiteral("alice"));
        QCOMPARE(ns->itemText(1), QStringLiteral("acme"));

        QSignalSpy prepared(&window, &ui::ShareWindow::prepared);
        window.setSourceFolder(m_source);
        QVERIFY(prepared.wait(120000));
        QCOMPARE(prepared.last().first().toBool(), true);
        QCOMPARE(window.findChild<QLineEdit*>("repoNameEdit")->text(), QStringLiteral("gui-tiny"));
        auto* files = window.findChild<QTreeWidget*>("fileList");
        QCOMPARE(files->topLevelItemCount(), 6);
        const auto weights = files->findItems("model.safetensors", Qt::MatchExactly, 0);
        QCOMPARE(weights.size(), 1);
        QCOMPARE(weights.first()->text(2), QStringLiteral("LFS"));
        QCOMPARE(files->findItems("config.json", Qt::MatchExactly, 0).first()->text(2), QString());

        auto* push = window.findChild<QPushButton*>("pushButton");
        QVERIFY(push->isEnabled());
        window.findChild<QLineEdit*>("messageEdit")->setText("First version");
        QSignalSpy finished(&window, &ui::ShareWindow::pushFinished);
        QTest::mouseClick(push, Qt::LeftButton);
        QVERIFY(window.findChild<QPushButton*>("cancelButton")->isEnabled());
        QVERIFY(finished.wait(120000));
        QVERIFY2(finished.first().first().toBool(), qPrintable(finished.first().at(1).toString()));

        const QString commit = window.findChild<QLineEdit*>("commitEdit")->text();
        QCOMPARE(commit.toLatin1(), m_hub.repo("alice/gui-tiny")->branches["main"]);
        QCOMPARE(m_hub.repo("alice/gui-tiny")->resolve(commit)->title, QStringLiteral("First version"));
        QCOMPARE(window.findChild<QLabel*>("urlLabel")->text(),
                 m_hub.endpoint() + "/alice/gui-tiny/commit/" + commit);
        QCOMPARE(window.findChild<QProgressBar*>("overallProgress")->value(), 1000);
        QCOMPARE(weights.first()->text(3), QStringLiteral("uploaded"));
        QVERIFY(window.findChild<QPushButton*>("openPinnedButton")->isEnabled());
        QTest::mouseClick(window.findChild<QPushButton*>("copyButton"), Qt::LeftButton);
        QCOMPARE(QApplication::clipboard()->text(), commit);
    }

    void needsAnAutoClass()
    {
        ui::ShareWindow window(settings(), QStringLiteral("hf_alice_token"));
        QSignalSpy prepared(&window, &ui::ShareWindow::prepared);
        window.setSourceFolder(m_source);
        QVERIFY(prepared.wait(120000));
        prepared.clear();
        window.findChild<QCheckBox*>("autoModelCheck")->setChecked(false);
        window.findChild<QCheckBox*>("autoClassifierCheck")->setChecked(false);
        QTRY_VERIFY_WITH_TIMEOUT(!prepared.isEmpty() && !prepared.last().first().toBool(), 120000);
        QVERIFY(!window.findChild<QPushButton*>("pushButton")->isEnabled());
        QVERIFY(window.findChild<QLabel*>("statusLabel")->text().contains("Auto class"));
    }
};

QTEST_MAIN(TestShareWindow)
#include "test_share_window.moc"
