// The model panel as a user drives it (offscreen): the summary follows the config, the model builds
// off the GUI thread, a pretrained folder is saved, and importing weights shows a load report first.

#include "config/config_document.h"
#include "main_window.h"
#include "model/load_report_dialog.h"
#include "model/model.h"
#include "model/model_panel.h"
#include "registry/model_registry.h"
#include "widgets/message_box.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <nlohmann/json.hpp>

using json = nlohmann::json;

class TestModelPanelGui final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void summaryFollowsTheConfig();
    void buildSaveAndImportThroughTheLoadReport();
    void classifierOnlyDifferenceOffersTheFreshHead();
    void importSwapsInANewModel();
    void staleModelIsShownAndNotSaved();
    void editDuringBuildLeavesTheModelStale();
    void saveAsksBeforeReplacingAnotherModel();

private:
    template <typename T> T* find(const char* name)
    {
        auto* w = m_window->findChild<T*>(QString::fromLatin1(name));
        if (!w)
            qFatal("widget %s not found", name);
        return w;
    }
    void applyPreset(const char* name)
    {
        auto* presets = find<QComboBox>("presetCombo");
        const int index = presets->findText(QString::fromLatin1(name));
        presets->setCurrentIndex(index);
        Q_EMIT presets->activated(index);
    }
    // Answers the next load report dialog: optionally ticks "keep fresh head", then applies.
    void answerLoadReport(bool keepFreshHead, QString* summaryOut)
    {
        QTimer::singleShot(200, this, [this, keepFreshHead, summaryOut] {
            auto* dialog = qobject_cast<LoadReportDialogPtr>(QApplication::activeModalWidget());
            if (!dialog) {
                answerLoadReport(keepFreshHead, summaryOut);
                return;
            }
            *summaryOut = dialog->findChild<QLabel*>(QStringLiteral("loadReportSummary"))->text();
            if (keepFreshHead)
                dialog->findChild<QCheckBox*>(QStringLiteral("keepFreshHead"))->setChecked(true);
            dialog->findChild<QPushButton*>(QStringLiteral("applyWeights"))->click();
        });
    }
    using LoadReportDialogPtr = mwb::LoadReportDialog*;

    QTemporaryDir m_dir;
    std::unique_ptr<mwb::MainWindow> m_window;
};

void TestModelPanelGui::initTestCase()
{
    qputenv("XDG_CONFIG_HOME", m_dir.filePath(QStringLiteral("config")).toUtf8());
    m_window = std::make_unique<mwb::MainWindow>(mwb::ModelRegistry::builtin());
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void TestModelPanelGui::summaryFollowsTheConfig()
{
    applyPreset("resnet50d");
    auto* totals = find<QLabel>("summaryTotals");
    QVERIFY2(totals->text().contains(QStringLiteral("25,576,264")), qPrintable(totals->text()));
    QVERIFY(totals->text().contains(QStringLiteral("4.35")));
    auto* table = find<QTableWidget>("summaryTable");
    QCOMPARE(table->item(table->rowCount() - 2, 2)->text(), QStringLiteral("[2048, 7, 7]"));

    applyPreset("resnet18");
    QVERIFY(totals->text().contains(QStringLiteral("11,689,512")));
    QVERIFY(totals->text().contains(QStringLiteral("1.82")));

    // An invalid config has no summary and cannot be built.
    find<QSpinBox>("field_cardinality")->setValue(4);
    QVERIFY(totals->text().contains(QStringLiteral("Fix the config")));
    QVERIFY(!find<QPushButton>("buildModel")->isEnabled());
    find<QSpinBox>("field_cardinality")->setValue(1);
    QVERIFY(find<QPushButton>("buildModel")->isEnabled());
}

void TestModelPanelGui::buildSaveAndImportThroughTheLoadReport()
{
    applyPreset("resnet18");
    find<QSpinBox>("field_num_classes")->setValue(10);
    mwb::ModelPanel& panel = m_window->modelPanel();
    panel.buildModel();
    QTRY_VERIFY_WITH_TIMEOUT(panel.model() != nullptr, 120000);
    QCOMPARE(panel.model()->parameterCount(), 11'689'512ULL - 513'000ULL + 5'130ULL);
    QTRY_VERIFY_WITH_TIMEOUT(find<QPushButton>("savePretrained")->isEnabled(), 10000);

    const QString folder = m_dir.filePath(QStringLiteral("saved-model"));
    panel.saveModelTo(folder);
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(folder + QStringLiteral("/model.safetensors")), 60000);
    QTRY_VERIFY_WITH_TIMEOUT(find<QLabel>("modelState")->text().startsWith(QStringLiteral("Saved")), 60000);
    QVERIFY(QFile::exists(folder + QStringLiteral("/config.json")));

    QString summary;
    answerLoadReport(false, &summary);
    panel.importWeightsFrom(folder);
    QTRY_VERIFY_WITH_TIMEOUT(find<QLabel>("modelState")->text().startsWith(QStringLiteral("Loaded")), 60000);
    QVERIFY2(summary.contains(QStringLiteral("122 matched, 0 missing, 0 unexpected, 0 wrong shape")),
             qPrintable(summary));
    QVERIFY(summary.contains(QStringLiteral("\"model.\" prefix")));
}

void TestModelPanelGui::classifierOnlyDifferenceOffersTheFreshHead()
{
    // Weights saved for 10 classes go into a 7-class model: only fc differs.
    find<QSpinBox>("field_num_classes")->setValue(7);
    QString summary;
    answerLoadReport(true, &summary);
    m_window->modelPanel().importWeightsFrom(m_dir.filePath(QStringLiteral("saved-model")));
    QTRY_VERIFY_WITH_TIMEOUT(find<QLabel>("modelState")->text().startsWith(QStringLiteral("Loaded")), 120000);
    QVERIFY2(summary.contains(QStringLiteral("2 wrong shape")), qPrintable(summary));
    QCOMPARE(m_window->modelPanel().model()->parameterCount(), 11'689'512ULL - 513'000ULL + 3'591ULL);
}

void TestModelPanelGui::importSwapsInANewModel()
{
    // A classification may hold the current model: new weights must go into another object.
    mwb::ModelPanel& panel = m_window->modelPanel();
    find<QSpinBox>("field_num_classes")->setValue(10);
    panel.buildModel();
    QTRY_VERIFY_WITH_TIMEOUT(!panel.isBusy() && panel.isModelCurrent(), 120000);
    const std::shared_ptr<mwb::Model> before = panel.model();
    QString summary;
    answerLoadReport(false, &summary);
    panel.importWeightsFrom(m_dir.filePath(QStringLiteral("saved-model")));
    QTRY_VERIFY_WITH_TIMEOUT(find<QLabel>("modelState")->text().startsWith(QStringLiteral("Loaded")), 120000);
    QVERIFY(panel.model() != nullptr);
    QVERIFY2(panel.model() != before, "the loaded model must be a new object, not the one in use");
    QCOMPARE(panel.model()->parameterCount(), before->parameterCount());
    QVERIFY(panel.isModelCurrent());
}

void TestModelPanelGui::staleModelIsShownAndNotSaved()
{
    mwb::ModelPanel& panel = m_window->modelPanel();
    QTRY_VERIFY_WITH_TIMEOUT(!panel.isBusy(), 60000);
    if (!panel.isModelCurrent()) {
        panel.buildModel();
        QTRY_VERIFY_WITH_TIMEOUT(!panel.isBusy() && panel.isModelCurrent(), 120000);
    }
    QVERIFY(find<QPushButton>("savePretrained")->isEnabled());
    QVERIFY(find<QLabel>("modelStale")->isHidden());
    const int classes = find<QSpinBox>("field_num_classes")->value();
    find<QSpinBox>("field_num_classes")->setValue(classes + 490);
    QVERIFY(find<QLabel>("modelStale")->isVisible());
    QVERIFY2(find<QLabel>("modelStale")->text().contains(QStringLiteral("earlier version of the config")),
             qPrintable(find<QLabel>("modelStale")->text()));
    QVERIFY(!find<QPushButton>("savePretrained")->isEnabled());
    QVERIFY(panel.currentModel() == nullptr); // what "Use Built Model" gets
    const QString folder = m_dir.filePath(QStringLiteral("stale-save"));
    panel.saveModelTo(folder);
    QVERIFY(!QFile::exists(folder + QStringLiteral("/config.json")));
    QVERIFY(find<QLabel>("modelState")->text().contains(QStringLiteral("does not match")));
    // Going back to the config it was built from makes it current again.
    find<QSpinBox>("field_num_classes")->setValue(classes);
    QVERIFY(panel.isModelCurrent());
    QVERIFY(find<QPushButton>("savePretrained")->isEnabled());
}

void TestModelPanelGui::editDuringBuildLeavesTheModelStale()
{
    mwb::ModelPanel& panel = m_window->modelPanel();
    QTRY_VERIFY_WITH_TIMEOUT(!panel.isBusy(), 60000);
    applyPreset("resnet50");
    panel.buildModel();
    QVERIFY(panel.isBusy());
    find<QSpinBox>("field_num_classes")->setValue(500); // while the 1000-class model builds
    QTRY_VERIFY_WITH_TIMEOUT(!panel.isBusy(), 120000);
    QVERIFY(panel.model() != nullptr);
    QVERIFY(!panel.isModelCurrent());
    QVERIFY2(!find<QPushButton>("savePretrained")->isEnabled(), "Save must not offer the old model");
    QVERIFY(find<QLabel>("modelStale")->isVisible());
}

void TestModelPanelGui::saveAsksBeforeReplacingAnotherModel()
{
    mwb::ModelPanel& panel = m_window->modelPanel();
    applyPreset("resnet18");
    find<QSpinBox>("field_num_classes")->setValue(4);
    panel.buildModel();
    QTRY_VERIFY_WITH_TIMEOUT(!panel.isBusy() && panel.isModelCurrent(), 120000);
    const QString folder = m_dir.filePath(QStringLiteral("saved-model")); // holds the 10-class model
    QFile config(folder + QStringLiteral("/config.json"));
    QVERIFY(config.open(QIODevice::ReadOnly));
    const QByteArray original = config.readAll();
    config.close();

    mwb::ui::MessageBox::clear();
    mwb::ui::MessageBox::answerNext(QMessageBox::Cancel);
    panel.saveModelTo(folder);
    QCOMPARE(mwb::ui::MessageBox::shownTexts().size(), 1);
    QVERIFY(mwb::ui::MessageBox::shownTexts().first().contains(QStringLiteral("already holds a model")));
    QVERIFY(!panel.isBusy());
    QVERIFY(config.open(QIODevice::ReadOnly));
    QCOMPARE(config.readAll(), original);
    config.close();

    mwb::ui::MessageBox::answerNext(QMessageBox::Save);
    panel.saveModelTo(folder);
    QTRY_VERIFY_WITH_TIMEOUT(find<QLabel>("modelState")->text().startsWith(QStringLiteral("Saved")), 60000);
    QVERIFY(config.open(QIODevice::ReadOnly));
    QVERIFY(json::parse(config.readAll().toStdString())["num_classes"] == 4);
}

QTEST_MAIN(TestModelPanelGui)
#include "test_model_panel_gui.moc"
