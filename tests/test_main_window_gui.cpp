// The main window as a whole, offscreen: every menu action and toolbar button can be triggered without
// a crash or a hang (dialogs are answered in advance), every capability has its menu entry, and the
// window fits a 1024x700 screen before and after the model tab and the Classify tab have content.

#include "config/config_document.h"
#include "main_window.h"
#include "model/model_panel.h"
#include "registry/model_registry.h"
#include "widgets/error_text.h"
#include "widgets/file_dialog.h"
#include "widgets/message_box.h"

#include <QAction>
#include <QApplication>
#include <QDialog>
#include <QMenu>
#include <QMenuBar>
#include <QScreen>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QToolBar>
#include <QToolButton>

using namespace mwb;

namespace {

void collectActions(QMenu* menu, QList<QAction*>& out)
{
    for (QAction* action : menu->actions()) {
        if (action->isSeparator())
            continue;
        if (action->menu())
            collectActions(action->menu(), out);
        else
            out.append(action);
    }
}

// Closes whatever windows an action opened, so the next action starts from the main window alone.
void closeOtherWindows(QWidget* main)
{
    for (QWidget* w : QApplication::topLevelWidgets())
        if (w != main && w->isVisible())
            w->close();
    QApplication::processEvents();
}

} // namespace

class TestMainWindowGui final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        for (const char* name : {"XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "HF_HOME"})
            qputenv(name, (m_dir.path() + u'/' + QLatin1String(name)).toUtf8());
        // A Hub that is not there: every Hub call fails fast instead of reaching the internet.
        qputenv("HF_ENDPOINT", "http://127.0.0.1:9");
        for (const char* name : {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_HUB_OFFLINE"})
            qunsetenv(name);
        QStandardPaths::setTestModeEnabled(true);
        ui::MessageBox::setAutoAnswer(true);
        ui::FileDialog::setAutoCancel(true);
    }

    void init()
    {
        ui::MessageBox::clear();
        QSettings().clear(); // each test starts as a first run

        m_window = std::make_unique<MainWindow>(ModelRegistry::builtin());
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    }

    void cleanup() { m_window.reset(); }

    void everyCapabilityHasAMenuEntry()
    {
        QStringList names;
        for (QAction* top : m_window->menuBar()->actions()) {
            QList<QAction*> actions;
            collectActions(top->menu(), actions);
            for (QAction* a : actions)
                names << a->objectName();
        }
        for (const char* expected : {"newAction", "openAction", "saveAction", "saveAsAction", "undoAction",
                                     "redoAction", "loginAction", "logoutAction", "openFromHubAction",
                                     "pushModelAction", "trustedCommitsAction", "aboutAction", "quitAction"})
            QVERIFY2(names.contains(QLatin1String(expected)), expected);
        QCOMPARE(m_window->findChild<QAction*>("pushModelAction")->shortcut(), QKeySequence("Ctrl+Shift+P"));
        QCOMPARE(m_window->findChild<QAction*>("trustedCommitsAction")->shortcut(),
                 QKeySequence("Ctrl+Shift+T"));
        QCOMPARE(m_window->findChild<QAction*>("undoAction")->shortcut(), QKeySequence(QKeySequence::Undo));
    }

    void everyMenuActionCanBeTriggered()
    {
        QList<QAction*> actions;
        for (QAction* top : m_window->menuBar()->actions())
            collectActions(top->menu(), actions);
        QVERIFY(actions.size() >= 13);
        QAction* quit = m_window->findChild<QAction*>("quitAction");
        for (QAction* action : actions) {
            if (action == quit || !action->isEnabled())
                continue;
            action->trigger();
            QApplication::processEvents();
            QVERIFY2(m_window->isVisible(), qPrintable(action->text()));
            closeOtherWindows(m_window.get());
        }
        // Quit closes the window (nothing unsaved: no question).
        quit->trigger();
        QTRY_VERIFY(!m_window->isVisible());
    }

    void everyToolbarButtonCanBeClicked()
    {
        auto* toolbar = m_window->findChild<QToolBar*>("mainToolbar");
        QVERIFY(toolbar);
        int clicked = 0;
        for (QAction* action : toolbar->actions()) {
            if (action->isSeparator())
                continue;
            auto* button = qobject_cast<QToolButton*>(toolbar->widgetForAction(action));
            if (!button)
                continue; // the preset combo: covered by the editor tests
            if (button->isEnabled())
                QTest::mouseClick(button, Qt::LeftButton);
            ++clicked;
            QApplication::processEvents();
            QVERIFY(m_window->isVisible());
            closeOtherWindows(m_window.get());
        }
        QVERIFY(clicked >= 5); // New, Open, Save, Undo, Redo
    }

    void unsavedChangesAskBeforeQuit()
    {
        m_window->findChild<QSpinBox*>("field_num_classes")->setValue(7);
        ui::MessageBox::answerNext(QMessageBox::Cancel);
        m_window->findChild<QAction*>("quitAction")->trigger();
        QVERIFY(m_window->isVisible());
        QVERIFY(ui::MessageBox::shownTexts().last().contains("unsaved changes"));
        ui::MessageBox::answerNext(QMessageBox::Discard);
        m_window->findChild<QAction*>("quitAction")->trigger();
        QTRY_VERIFY(!m_window->isVisible());
    }

    void guiErrorsNameMenuEntriesNotCommands()
    {
        // Messages core shares with the CLI, as the window shows them.
        const QStringList coreMessages = {
            "not logged in: pushing needs a token with write access (run `mwb login` or set HF_TOKEN)",
            "the Hub needs you to log in (http://x/api). Run `mwb login` or set HF_TOKEN.",
            "acme/x contains custom code and commit 1111111111111111111111111111111111111111 is not trusted. "
            "Review it (mwb review acme/x --revision 1111111111111111111111111111111111111111) and trust "
            "that "
            "exact commit (mwb trust acme/x --revision 1111111111111111111111111111111111111111)",
            "revision \"v9\" not found in acme/x (http://x). Use a branch, a tag or a commit id; `mwb hub "
            "refs "
            "acme/x` lists them.",
        };
        for (const QString& message : coreMessages) {
            const QString shown = ui::guiErrorText(message);
            QVERIFY2(!shown.contains("mwb "), qPrintable(shown));
            QVERIFY2(shown.contains("Hub > "), qPrintable(shown));
        }
    }

    void windowFitsTheScreen()
    {
        const QRect available = m_window->screen()->availableGeometry();
        // First run (no saved geometry): the window fits the screen it opens on.
        QVERIFY2(available.contains(m_window->frameGeometry()), qPrintable(QStringLiteral("%1x%2 on %3x%4")
                                                                               .arg(m_window->width())
                                                                               .arg(m_window->height())
                                                                               .arg(available.width())
                                                                               .arg(available.height())));
        auto fits = [this] {
            const QSize min = m_window->minimumSizeHint().expandedTo(m_window->minimumSize());
            return min.width() <= 1024 && min.height() <= 700;
        };
        QVERIFY(fits());
        // Content in every tab (a built model, the Classify tab shown) must not raise the minimum size.
        ModelPanel& panel = m_window->modelPanel();
        m_window->document().setValue("layers", nlohmann::json::array({1, 1, 1, 1}));
        m_window->document().setValue("block_type", "basic");
        panel.buildModel();
        QTRY_VERIFY_WITH_TIMEOUT(!panel.isBusy(), 120000);
        QVERIFY(panel.isModelCurrent());
        auto* tabs = m_window->findChild<QTabWidget*>("mainTabs");
        for (int i = 0; i < tabs->count(); ++i) {
            tabs->setCurrentIndex(i);
            QApplication::processEvents();
            QVERIFY2(fits(), qPrintable(tabs->tabText(i)));
        }
        m_window->resize(1024 - 16, 700 - 48);
        QApplication::processEvents();
        QVERIFY(m_window->height() <= 700 - 48);
    }

private:
    QTemporaryDir m_dir;
    std::unique_ptr<MainWindow> m_window;
};

QTEST_MAIN(TestMainWindowGui)
#include "test_main_window_gui.moc"
