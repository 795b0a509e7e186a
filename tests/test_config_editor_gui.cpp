// The config editor as a user drives it (offscreen): type a bad value, see the message next to the
// field, fix it, save, and check the file.

#include "class_labels_dialog.h"
#include "config/config_document.h"
#include "json_compare.h"
#include "main_window.h"
#include "registry/model_registry.h"
#include "widgets/message_box.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QLabel>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QUndoStack>

#include <nlohmann/json.hpp>

using json = nlohmann::json;

class TestConfigEditorGui final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void editorIsGeneratedFromTheSchema();
    void badValueShowsMessageThenFixSavesFile();
    void presetFillsTheEditor();
    void openShowsProblemsOfAnInvalidFile();
    void previewShowsWhatWillBeSaved();
    void refusesToSaveAnInvalidConfig();
    void recentFilesRemembered();
    void presetKeepsClassesChannelsAndLabels();
    void undoAndRedoConfigEdits();
    void classLabelsAreEditable();
    void wrongTypeIsFixedByPickingTheShownValue();
    void outOfRangeInputIsExplained();

private:
    template <typename T> T* field(const char* name)
    {
        auto* w = m_window->findChild<T*>(QString::fromLatin1(name));
        if (!w)
            qFatal("widget %s not found", name);
        return w;
    }
    QLabel* errorLabel(const char* fieldName)
    {
        return field<QLabel>(qPrintable(QStringLiteral("error_") + QString::fromLatin1(fieldName)));
    }

    QTemporaryDir m_dir;
    std::unique_ptr<mwb::MainWindow> m_window;
};

namespace {

void writeFile(const QString& path, const QByteArray& bytes)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(bytes);
}

} // namespace

void TestConfigEditorGui::initTestCase()
{
    // Settings (recent files, window state) go to a throw-away folder, never the user's.
    qputenv("XDG_CONFIG_HOME", m_dir.filePath(QStringLiteral("config")).toUtf8());
    QStandardPaths::setTestModeEnabled(true);
}

void TestConfigEditorGui::init()
{
    m_window = std::make_unique<mwb::MainWindow>(mwb::ModelRegistry::builtin());
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void TestConfigEditorGui::cleanup()
{
    m_window.reset();
}

void TestConfigEditorGui::editorIsGeneratedFromTheSchema()
{
    auto* block = field<QComboBox>("field_block_type");
    QCOMPARE(block->count(), 2);
    QCOMPARE(block->currentData().toString(), QStringLiteral("bottleneck"));
    auto* classes = field<QSpinBox>("field_num_classes");
    QCOMPARE(classes->minimum(), 0);
    QCOMPARE(classes->maximum(), 1'000'000);
    QCOMPARE(classes->value(), 1000);
    QVERIFY(classes->toolTip().contains(QStringLiteral("0 builds the network without a classifier")));
    QCOMPARE(field<QSpinBox>("layers_2")->value(), 6);
    QVERIFY(!field<QCheckBox>("field_avg_down")->isChecked());
    QCOMPARE(field<QComboBox>("field_stem_type")->count(), 3);
}

void TestConfigEditorGui::badValueShowsMessageThenFixSavesFile()
{
    auto* block = field<QComboBox>("field_block_type");
    block->setCurrentIndex(block->findData(QStringLiteral("basic")));
    QVERIFY(errorLabel("cardinality")->isHidden());

    // Typing 32 into cardinality: basic blocks cannot be grouped.
    auto* cardinality = field<QSpinBox>("field_cardinality");
    cardinality->setFocus();
    cardinality->selectAll();
    QTest::keyClicks(cardinality, QStringLiteral("32"));
    QCOMPARE(cardinality->value(), 32);
    QVERIFY(errorLabel("cardinality")->isVisible());
    QVERIFY(errorLabel("cardinality")
                ->text()
                .contains(QStringLiteral("basic blocks support only cardinality 1")));
    QVERIFY(field<QLabel>("validationStatus")->text().contains(QStringLiteral("1 problem")));
    QVERIFY(m_window->isWindowModified());

    // Fix it by typing 1.
    cardinality->selectAll();
    QTest::keyClicks(cardinality, QStringLiteral("1"));
    QVERIFY(errorLabel("cardinality")->isHidden());
    QCOMPARE(field<QLabel>("validationStatus")->text(), QStringLiteral("Config is valid"));

    auto* classes = field<QSpinBox>("field_num_classes");
    classes->selectAll();
    QTest::keyClicks(classes, QStringLiteral("10"));

    const QString path = m_dir.filePath(QStringLiteral("saved/config.json"));
    QVERIFY(m_window->saveToFile(path));
    QVERIFY(!m_window->isWindowModified());
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const json saved = json::parse(file.readAll().toStdString());
    QCOMPARE_JSON(saved["block_type"], json("basic"));
    QCOMPARE_JSON(saved["cardinality"], json(1));
    QCOMPARE_JSON(saved["num_classes"], json(10));
    QCOMPARE_JSON(saved["model_type"], json("resnet"));
}

void TestConfigEditorGui::presetFillsTheEditor()
{
    auto* presets = field<QComboBox>("presetCombo");
    const int index = presets->findText(QStringLiteral("resnet26t"));
    QVERIFY(index > 0);
    presets->setCurrentIndex(index);
    Q_EMIT presets->activated(index);
    QCOMPARE(field<QComboBox>("field_stem_type")->currentData().toString(), QStringLiteral("deep-tiered"));
    QCOMPARE(field<QSpinBox>("field_stem_width")->value(), 32);
    QCOMPARE(field<QSpinBox>("layers_0")->value(), 2);
    QVERIFY(field<QCheckBox>("field_avg_down")->isChecked());
}

void TestConfigEditorGui::openShowsProblemsOfAnInvalidFile()
{
    const QString path = m_dir.filePath(QStringLiteral("bad.json"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(
        R"({"model_type": "resnet", "num_classes": "many", "stem_type": "deep-tiered", "stem_width": 2})");
    file.close();
    QVERIFY(m_window->openFile(path));
    QVERIFY(errorLabel("num_classes")->isVisible());
    QVERIFY(errorLabel("num_classes")->text().contains(QStringLiteral("must be an integer")));
    // The bad value is kept in the document (nothing lost) until the user changes it.
    QCOMPARE_JSON(m_window->document().value("num_classes"), json("many"));
    auto* classes = field<QSpinBox>("field_num_classes");
    classes->selectAll();
    QTest::keyClicks(classes, QStringLiteral("5"));
    QVERIFY(errorLabel("num_classes")->isHidden());
    // Now the tiered stem rule can run and blames stem_width.
    QVERIFY(errorLabel("stem_width")->isVisible());
    QVERIFY(errorLabel("stem_width")->text().contains(QStringLiteral("at least 4")));
}

void TestConfigEditorGui::previewShowsWhatWillBeSaved()
{
    auto* avgDown = field<QCheckBox>("field_avg_down");
    QTest::mouseClick(avgDown, Qt::LeftButton, {}, QPoint(5, avgDown->height() / 2));
    QVERIFY(avgDown->isChecked());
    const json preview = json::parse(field<QPlainTextEdit>("jsonPreview")->toPlainText().toStdString());
    QCOMPARE_JSON(preview["avg_down"], json(true));
    QCOMPARE_JSON(preview["layers"], json::parse("[3, 4, 6, 3]"));
    QVERIFY(field<QPlainTextEdit>("jsonPreview")
                ->toPlainText()
                .startsWith(QStringLiteral("{\n  \"avg_down\": true,")));
}

void TestConfigEditorGui::refusesToSaveAnInvalidConfig()
{
    auto* block = field<QComboBox>("field_block_type");
    block->setCurrentIndex(block->findData(QStringLiteral("basic")));
    field<QSpinBox>("field_base_width")->setValue(4);
    QVERIFY(errorLabel("base_width")->isVisible());
    // The warning box is modal; answer it as a user would.
    QTimer::singleShot(0, this, [] {
        if (QWidget* box = QApplication::activeModalWidget())
            box->close();
    });
    const QString path = m_dir.filePath(QStringLiteral("never/config.json"));
    QVERIFY(!m_window->saveToFile(path));
    QVERIFY(!QFile::exists(path));
}

void TestConfigEditorGui::recentFilesRemembered()
{
    const QString path = m_dir.filePath(QStringLiteral("recent/config.json"));
    QVERIFY(m_window->saveToFile(path));
    cleanup();
    init();
    auto* menu = m_window->findChild<QMenu*>(QStringLiteral("recentMenu"));
    QVERIFY(menu);
    QVERIFY(!menu->actions().isEmpty());
    QCOMPARE(menu->actions().first()->text(), QFileInfo(path).absoluteFilePath());
}

void TestConfigEditorGui::presetKeepsClassesChannelsAndLabels()
{
    const QString path = m_dir.filePath(QStringLiteral("labelled.json"));
    writeFile(path, R"({"model_type": "resnet", "num_classes": 3, "input_channels": 1,
        "id2label": {"0": "cat", "1": "dog", "2": "bird"}, "label2id": {"cat": 0, "dog": 1, "bird": 2}})");
    QVERIFY(m_window->openFile(path));
    QVERIFY(m_window->document().isValid());
    auto* presets = field<QComboBox>("presetCombo");
    const int index = presets->findText(QStringLiteral("resnet50d"));
    Q_EMIT presets->activated(index);
    // The architecture changed; the data-describing fields and labels did not.
    QCOMPARE(field<QSpinBox>("field_stem_width")->value(), 32);
    QCOMPARE(field<QSpinBox>("field_num_classes")->value(), 3);
    QCOMPARE(field<QSpinBox>("field_input_channels")->value(), 1);
    QCOMPARE_JSON(m_window->document().value("id2label")["2"], json("bird"));
    QVERIFY2(m_window->document().isValid(), "a preset must not break a config with labels");
}

void TestConfigEditorGui::undoAndRedoConfigEdits()
{
    QUndoStack& stack = m_window->undoStack();
    auto* undo = m_window->findChild<QAction*>(QStringLiteral("undoAction"));
    auto* redo = m_window->findChild<QAction*>(QStringLiteral("redoAction"));
    QVERIFY(undo && redo);
    QVERIFY(!undo->isEnabled());

    auto* presets = field<QComboBox>("presetCombo");
    Q_EMIT presets->activated(presets->findText(QStringLiteral("resnet26t")));
    QCOMPARE(field<QComboBox>("field_stem_type")->currentData().toString(), QStringLiteral("deep-tiered"));
    QVERIFY(undo->isEnabled());
    QVERIFY(m_window->isWindowModified());
    undo->trigger();
    QCOMPARE(field<QComboBox>("field_stem_type")->currentData().toString(), QString());
    QCOMPARE(field<QSpinBox>("field_stem_width")->value(), 64);
    QVERIFY2(!m_window->isWindowModified(), "undoing back to the opened state clears the modified mark");
    redo->trigger();
    QCOMPARE(field<QComboBox>("field_stem_type")->currentData().toString(), QStringLiteral("deep-tiered"));

    // Typing a number is one step.
    auto* classes = field<QSpinBox>("field_num_classes");
    classes->setFocus();
    classes->selectAll();
    QTest::keyClicks(classes, QStringLiteral("500"));
    QCOMPARE_JSON(m_window->document().value("num_classes"), json(500));
    const int steps = stack.count();
    undo->trigger();
    QCOMPARE(stack.count(), steps);
    QCOMPARE(classes->value(), 1000);
    QCOMPARE(stack.undoText(), QStringLiteral("Preset resnet26t"));
}

void TestConfigEditorGui::classLabelsAreEditable()
{
    field<QSpinBox>("field_num_classes")->setValue(2);
    QVERIFY(field<QLabel>("labelsSummary")->text().contains(QStringLiteral("none")));
    field<QPushButton>("editLabels")->click();
    auto* dialog = m_window->findChild<mwb::ClassLabelsDialog*>();
    QVERIFY(dialog);
    QTRY_VERIFY(dialog->isVisible());
    auto* edit = dialog->findChild<QPlainTextEdit*>(QStringLiteral("labelsEdit"));
    edit->setPlainText(QStringLiteral("cat\ndog\nbird"));
    auto* count = dialog->findChild<QLabel*>(QStringLiteral("labelsCount"));
    QVERIFY2(count->text().contains(QStringLiteral("Classes is 2")), qPrintable(count->text()));
    auto* setClasses = dialog->findChild<QCheckBox*>(QStringLiteral("setClassCount"));
    QVERIFY(setClasses->isChecked());
    dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
    QCOMPARE_JSON(m_window->document().value("id2label"),
                  json::parse(R"({"0": "cat", "1": "dog", "2": "bird"})"));
    QCOMPARE_JSON(m_window->document().value("label2id"), json::parse(R"({"cat": 0, "dog": 1, "bird": 2})"));
    QCOMPARE(field<QSpinBox>("field_num_classes")->value(), 3);
    QVERIFY(m_window->document().isValid());
    QVERIFY(field<QLabel>("labelsSummary")->text().contains(QStringLiteral("cat, dog, bird")));
    // One undo step puts the labels and the class count back.
    m_window->findChild<QAction*>(QStringLiteral("undoAction"))->trigger();
    QCOMPARE(field<QSpinBox>("field_num_classes")->value(), 2);
    QVERIFY(!m_window->document().content().contains("id2label"));
}

void TestConfigEditorGui::wrongTypeIsFixedByPickingTheShownValue()
{
    const QString path = m_dir.filePath(QStringLiteral("wrong-type.json"));
    writeFile(path, R"({"model_type": "resnet", "block_type": 3, "avg_down": "no"})");
    QVERIFY(m_window->openFile(path));
    QVERIFY(errorLabel("block_type")->isVisible());
    auto* block = field<QComboBox>("field_block_type");
    // The combo shows the default; choosing that same item (what a user does) must write it.
    QCOMPARE(block->currentData().toString(), QStringLiteral("bottleneck"));
    Q_EMIT block->activated(block->currentIndex());
    QCOMPARE_JSON(m_window->document().value("block_type"), json("bottleneck"));
    QVERIFY(errorLabel("block_type")->isHidden());
    // A check box shown unchecked: clicking twice ends at the shown value, now as a boolean.
    auto* avgDown = field<QCheckBox>("field_avg_down");
    QTest::mouseClick(avgDown, Qt::LeftButton, {}, QPoint(5, avgDown->height() / 2));
    QTest::mouseClick(avgDown, Qt::LeftButton, {}, QPoint(5, avgDown->height() / 2));
    QCOMPARE_JSON(m_window->document().value("avg_down"), json(false));
    QVERIFY(m_window->document().isValid());
}

void TestConfigEditorGui::outOfRangeInputIsExplained()
{
    auto* channels = field<QSpinBox>("field_input_channels");
    channels->setFocus();
    channels->selectAll();
    QTest::keyClicks(channels, QStringLiteral("5000")); // the maximum is 1024
    QTest::keyClick(channels, Qt::Key_Return);
    QTRY_VERIFY(errorLabel("input_channels")->isVisible());
    QVERIFY2(errorLabel("input_channels")->text().contains(QStringLiteral("not allowed")),
             qPrintable(errorLabel("input_channels")->text()));
    QVERIFY(errorLabel("input_channels")->text().contains(QStringLiteral("1024")));
}

QTEST_MAIN(TestConfigEditorGui)
#include "test_config_editor_gui.moc"
