// "Open model..." offscreen: the File menu entry, opening a transformers folder off the GUI thread with
// the source format and labels shown, handing it to the Classify tab, Cancel, and recent models.

#include "classify/classify_panel.h"
#include "main_window.h"
#include "model/open_model_dialog.h"
#include "registry/model_registry.h"

#include <QAction>
#include <QComboBox>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

namespace {

QString formatFixture(const QString& name)
{
    return QStringLiteral(MWB_FORMAT_FIXTURES_DIR "/") + name;
}

} // namespace

class TestOpenModelDialogGui : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        qputenv("XDG_CONFIG_HOME", (m_dir.path() + "/config").toUtf8());
        qputenv("XDG_DATA_HOME", (m_dir.path() + "/data").toUtf8());
        qputenv("HF_HOME", (m_dir.path() + "/hf").toUtf8());
        qputenv("HF_HUB_OFFLINE", "1");
    }

    void opensIntoTheClassifyTab()
    {
        mwb::MainWindow window(mwb::ModelRegistry::builtin());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* action = window.findChild<QAction*>(QStringLiteral("openModelAction"));
        QVERIFY(action);
        action->trigger();
        auto* dialog = window.findChild<mwb::ui::OpenModelDialog*>();
        QVERIFY(dialog);
        const QString spec = formatFixture("hf_resnet18");
        dialog->setModelSpec(spec);
        QCOMPARE(dialog->modelSpec(), spec);
        QSignalSpy opened(dialog, &mwb::ui::OpenModelDialog::modelOpened);
        dialog->startOpen();
        QVERIFY(dialog->isOpening()); // the GUI thread does not wait
        QVERIFY(!dialog->findChild<QPushButton*>(QStringLiteral("openModelOpen"))->isEnabled());
        QVERIFY(opened.wait(300000));
        QVERIFY(dialog->opened().has_value());
        const QString details =
            dialog->findChild<QPlainTextEdit*>(QStringLiteral("openModelDetails"))->toPlainText();
        QVERIFY2(details.contains("Source format: transformers ResNetConfig"), qPrintable(details));
        QVERIFY(details.contains("Labels: 1000 from id2label: tench, Tinca tinca"));
        QVERIFY(details.contains("key mapping: transformers ResNet -> timm"));

        auto* use = dialog->findChild<QPushButton*>(QStringLiteral("openModelUse"));
        QVERIFY(use->isEnabled());
        const std::shared_ptr<const mwb::Model> model = dialog->opened()->model;
        use->click();
        auto* panel = window.findChild<mwb::ClassifyPanel*>();
        QVERIFY(panel);
        // The panel builds the model's inference engine off the GUI thread, then classifies with it.
        QTRY_VERIFY_WITH_TIMEOUT(panel->classifier() && panel->classifier()->sharedModel() == model, 120000);
        QVERIFY(!panel->isBuiltinModel());
        QVERIFY(
            window.findChild<QTabWidget*>(QStringLiteral("mainTabs"))->currentWidget()->isAncestorOf(panel));

        // Remembered as a recent model, offered by the next dialog.
        QCOMPARE(mwb::ui::OpenModelDialog::recentModels().value(0), spec);
        mwb::ui::OpenModelDialog next;
        QCOMPARE(next.findChild<QComboBox*>(QStringLiteral("openModelRecent"))->itemText(1), spec);
    }

    void cancelLeavesNoModel()
    {
        mwb::ui::OpenModelDialog dialog;
        dialog.setModelSpec(formatFixture("tv_resnet50.pth"));
        QSignalSpy failed(&dialog, &mwb::ui::OpenModelDialog::openFailed);
        dialog.startOpen();
        dialog.cancelOpen();
        QVERIFY(failed.wait(300000));
        QCOMPARE(failed.first().first().toString(), QStringLiteral("Cancelled."));
        QVERIFY(!dialog.opened());
        QVERIFY(!dialog.isOpening());
        QVERIFY(dialog.findChild<QPushButton*>(QStringLiteral("openModelOpen"))->isEnabled());
    }

    void refusalIsShownInTheDialog()
    {
        mwb::ui::OpenModelDialog dialog;
        dialog.setModelSpec(formatFixture("timm_seresnet50"));
        QSignalSpy failed(&dialog, &mwb::ui::OpenModelDialog::openFailed);
        dialog.startOpen();
        QVERIFY(failed.wait(300000));
        QVERIFY(failed.first().first().toString().contains("squeeze-and-excitation"));
        QVERIFY(dialog.findChild<QLabel*>(QStringLiteral("openModelStatus"))->text().contains("seresnet50"));
    }
};

QTEST_MAIN(TestOpenModelDialogGui)
#include "test_open_model_dialog_gui.moc"
