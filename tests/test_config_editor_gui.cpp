// The config editor as a user drives it (offscreen): type a bad value, see the message next to the
// field, fix it, save, and check the file.

#include "config/config_document.h"
#include "json_compare.h"
#include "main_window.h"
#include "registry/model_registry.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QMenu>
#include <QPlainTextEdit>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

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

QTEST_MAIN(TestConfigEditorGui)
#include "test_config_editor_gui.moc"
