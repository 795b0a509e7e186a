// The Train tab in the main window, offscreen, as a user drives it: a real short training on a small
// generated folder of class subfolders fills the live plot (a point per step, one per epoch) and the
// best epoch's confusion matrix; Pause really stops the steps until Resume; Cancel ends the run and
// keeps the last checkpoint; "Use in Classify" makes the Classify tab classify with the trained model
// (its class names); "Push..." opens the Share window on the output folder; the installed Fashion-MNIST
// (a small subset) fine-tunes the built-in model; Train > Train a Model... (Ctrl+T) shows the tab; a
// missing folder is named before anything runs.

#include "classify/classify_panel.h"
#include "config/config_document.h"
#include "main_window.h"
#include "registry/model_registry.h"
#include "train/confusion_matrix_view.h"
#include "train/image_dataset.h"
#include "train/train_panel.h"
#include "train/training_chart.h"
#include "widgets/file_dialog.h"
#include "widgets/message_box.h"

#include <set>

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

using namespace mwb;

namespace {

const QStringList kClasses = {QStringLiteral("blue"), QStringLiteral("green"), QStringLiteral("red")};

// 16x16 images: a coloured square (the class) at a varying place on dark noise.
void writeColourFolder(const QString& root, int perClass, int salt)
{
    const QColor colours[] = {QColor(30, 60, 230), QColor(40, 200, 60), QColor(220, 40, 30)};
    for (int k = 0; k < kClasses.size(); ++k) {
        QDir().mkpath(root + u'/' + kClasses[k]);
        for (int i = 0; i < perClass; ++i) {
            QImage image(16, 16, QImage::Format_RGB888);
            for (int y = 0; y < 16; ++y)
                for (int x = 0; x < 16; ++x) {
                    const int noise = (x * 11 + y * 5 + i * 17 + salt) % 50;
                    image.setPixelColor(x, y, QColor(noise, noise, noise));
                }
            const int ox = (i * 3 + salt) % 8, oy = (i * 5 + salt) % 8;
            for (int y = oy; y < oy + 8; ++y)
                for (int x = ox; x < ox + 8; ++x)
                    image.setPixelColor(x, y, colours[k]);
            QVERIFY(image.save(QStringLiteral("%1/%2/%3.png").arg(root, kClasses[k]).arg(i)));
        }
    }
}

template <typename T> T* child(QObject* parent, const char* name)
{
    auto* found = parent->findChild<T*>(QLatin1String(name));
    if (!found)
        qFatal("no child %s", name);
    return found;
}

void selectData(QComboBox* combo, int value)
{
    combo->setCurrentIndex(combo->findData(value));
}

// Processes events for `msecs`, checking `holds` after each round; false as soon as it fails.
template <typename Predicate> bool holdsFor(int msecs, Predicate holds)
{
    QElapsedTimer timer;
    timer.start();
    while (!timer.hasExpired(msecs)) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        if (!holds())
            return false;
    }
    return true;
}

} // namespace

class TestTrainTabGui final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        for (const char* name : {"XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "HF_HOME"})
            qputenv(name, (m_dir.path() + u'/' + QLatin1String(name)).toUtf8());
        qputenv("HF_ENDPOINT", "http://127.0.0.1:9"); // no Hub: nothing leaves the machine
        QStandardPaths::setTestModeEnabled(true);
        ui::MessageBox::setAutoAnswer(true);
        ui::FileDialog::setAutoCancel(true);
        writeColourFolder(m_dir.filePath("train"), 12, 0);
        writeColourFolder(m_dir.filePath("val"), 2, 3);
    }

    void init()
    {
        QSettings().clear();
        m_window = std::make_unique<MainWindow>(ModelRegistry::builtin());
        m_window->resize(984, 640); // what the window gets on a 1024x700 screen (room for the frame)
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        // A small ResNet in the editor: the tab trains it from fresh weights.
        m_window->document().setValue("layers", nlohmann::json::array({1, 1, 1, 1}));
        m_window->document().setValue("block_type", "basic");
        m_panel = m_window->findChild<ui::TrainPanel*>();
        QVERIFY(m_panel);
    }

    void cleanup()
    {
        m_window.reset();
        m_panel = nullptr;
    }

    void menuEntryShowsTheTab()
    {
        auto* tabs = child<QTabWidget>(m_window.get(), "mainTabs");
        tabs->setCurrentIndex(0);
        QAction* action = child<QAction>(m_window.get(), "trainTabAction");
        QCOMPARE(action->shortcut(), QKeySequence(QStringLiteral("Ctrl+T")));
        action->trigger();
        QCOMPARE(tabs->currentWidget(), static_cast<QWidget*>(m_panel));
    }

    void fitsA1024x700Screen()
    {
        child<QAction>(m_window.get(), "trainTabAction")->trigger();
        QVERIFY(m_window->minimumSizeHint().width() <= 1024 && m_window->minimumSizeHint().height() <= 700);
        QTRY_COMPARE(m_window->size(), QSize(984, 640));
        // Every setting and button is on screen without scrolling the settings column.
        auto* controls = child<QScrollArea>(m_panel, "trainControlsScroll");
        QCOMPARE(controls->verticalScrollBar()->maximum(), 0);
        QVERIFY(child<QPushButton>(m_panel, "trainPush")->isVisible());
    }

    void missingFolderIsNamedBeforeAnythingRuns()
    {
        fillForm(/*epochs=*/1, m_dir.filePath("run-missing"));
        child<QLineEdit>(m_panel, "trainDataPath")->setText(m_dir.filePath("no-such-folder"));
        QTest::mouseClick(child<QPushButton>(m_panel, "trainStart"), Qt::LeftButton);
        QVERIFY(!m_panel->isRunning());
        const QString status = child<QLabel>(m_panel, "trainStatus")->text();
        QVERIFY2(status.contains("no-such-folder") && status.contains("not a folder"), qPrintable(status));
    }

    void trainsWithALivePlotThenClassifies()
    {
        const QString output = m_dir.filePath("run-short");
        fillForm(/*epochs=*/2, output);
        QSignalSpy finished(m_panel, &ui::TrainPanel::runFinished);
        QTest::mouseClick(child<QPushButton>(m_panel, "trainStart"), Qt::LeftButton);
        QVERIFY(m_panel->isRunning());
        QVERIFY(!child<QWidget>(m_panel, "trainForm")->isEnabled()); // settings are fixed while it runs
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 300000);
        QCOMPARE(finished.first().first().toBool(), true);

        // 36 training images in batches of 4: 9 steps an epoch, each a point; one point per epoch.
        QCOMPARE(m_panel->chart().stepPointCount(), 18);
        QCOMPARE(m_panel->chart().epochPointCount(), 2);
        // The best epoch's confusion matrix covers the 6 validation images, named by class.
        const ui::ConfusionMatrixView& matrix = m_panel->confusion();
        QCOMPARE(matrix.classCount(), 3);
        int total = 0;
        for (int r = 0; r < 3; ++r)
            for (int c = 0; c < 3; ++c)
                total += matrix.count(r, c);
        QCOMPARE(total, 6);
        QVERIFY2(matrix.title().contains("Best epoch"), qPrintable(matrix.title()));
        QVERIFY(QFileInfo::exists(output + "/model.safetensors"));
        QVERIFY(QFileInfo::exists(output + "/checkpoint/state.json"));
        QCOMPARE(m_panel->trainedFolder(), output);
        QVERIFY(child<QLabel>(m_panel, "trainStatus")->text().startsWith("Done"));

        auto* classify = m_window->findChild<ClassifyPanel*>();
        QVERIFY(classify);
        // The tab starts with the built-in model (opened at launch); Use in Classify replaces it.
        QTRY_VERIFY_WITH_TIMEOUT(classify->isBuiltinModel() && classify->hasClassifier(), 60000);
        auto* use = child<QPushButton>(m_panel, "trainUseInClassify");
        QVERIFY(use->isEnabled());
        QTest::mouseClick(use, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!classify->isBuiltinModel() && classify->hasClassifier(), 60000);
        auto* tabs = child<QTabWidget>(m_window.get(), "mainTabs");
        QVERIFY(tabs->currentWidget()->isAncestorOf(classify));
        // The Classify tab now answers with the trained model: its three classes, by name.
        classify->classifyPaths({m_dir.filePath("val/red/0.png")});
        QTRY_VERIFY_WITH_TIMEOUT(!classify->isBusy() && classify->results().size() == 1, 60000);
        const std::vector<ClassifyResult> results = classify->results();
        const ClassifyResult& result = results.front();
        QVERIFY(result.ok());
        std::set<std::string> labels;
        for (const Prediction& p : result.predictions)
            labels.insert(p.label);
        QCOMPARE(labels, (std::set<std::string>{"blue", "green", "red"}));

        // Push... opens the Share window on the output folder, which it prepares for upload.
        QTest::mouseClick(child<QPushButton>(m_panel, "trainPush"), Qt::LeftButton);
        auto* share = child<QWidget>(m_window.get(), "shareWindow");
        QVERIFY(share->isVisible());
        QCOMPARE(child<QLabel>(share, "sourceLabel")->text(), QDir::toNativeSeparators(output));
        auto* files = child<QTreeWidget>(share, "fileList");
        QTRY_VERIFY_WITH_TIMEOUT(!files->findItems("model.safetensors", Qt::MatchEndsWith).isEmpty(), 30000);
        QVERIFY(
            files->findItems("checkpoint/", Qt::MatchContains).isEmpty()); // the model, not the run's state
    }

    void fineTunesTheBuiltinModelOnFashionMnist()
    {
        if (installedFashionMnistFolder().empty())
            QSKIP("dataset-fashion-mnist is not installed");
        child<QAction>(m_window.get(), "trainTabAction")->trigger(); // the matrix is laid out on screen
        const QString output = m_dir.filePath("run-fashion");
        auto* dataKind = child<QComboBox>(m_panel, "trainDataKind");
        selectData(dataKind, 1); // the installed Fashion-MNIST, one click
        QCOMPARE(child<QLineEdit>(m_panel, "trainDataPath")->text(),
                 QString::fromStdString(installedFashionMnistFolder().string()));
        QCOMPARE(child<QComboBox>(m_panel, "trainValidationKind")->currentData().toInt(),
                 0); // its test split
        auto* modelKind = child<QComboBox>(m_panel, "trainModelKind");
        QVERIFY(modelKind->findData(2) >= 0); // the built-in model is offered
        selectData(modelKind, 2);
        child<QSpinBox>(m_panel, "trainLimit")->setValue(200);
        child<QCheckBox>(m_panel, "trainFreezeBackbone")->setChecked(true);
        child<QSpinBox>(m_panel, "trainEpochs")->setValue(1);
        child<QSpinBox>(m_panel, "trainBatchSize")->setValue(50);
        child<QDoubleSpinBox>(m_panel, "trainLearningRate")->setValue(0.0005);
        child<QSpinBox>(m_panel, "trainThreads")->setValue(1);
        child<QLineEdit>(m_panel, "trainOutput")->setText(output);
        QSignalSpy finished(m_panel, &ui::TrainPanel::runFinished);
        QTest::mouseClick(child<QPushButton>(m_panel, "trainStart"), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 120000);
        QVERIFY2(finished.first().first().toBool(),
                 qPrintable(child<QLabel>(m_panel, "trainStatus")->text()));

        QCOMPARE(m_panel->chart().stepPointCount(), 4); // 200 images in batches of 50
        QCOMPARE(m_panel->chart().epochPointCount(), 1);
        // The confusion matrix covers the first 200 test images, its axes named by Fashion-MNIST's classes.
        const ui::ConfusionMatrixView& matrix = m_panel->confusion();
        QCOMPARE(matrix.classCount(), 10);
        auto* table = child<QTableWidget>(m_panel, "trainConfusionMatrix");
        QCOMPARE(table->verticalHeaderItem(0)->text(), QStringLiteral("T-shirt/top"));
        QCOMPARE(table->verticalHeaderItem(9)->text(), QStringLiteral("Ankle boot"));
        QCOMPARE(table->horizontalHeaderItem(0)->text(), QStringLiteral("T-shirt/\ntop")); // narrow columns
        QCOMPARE(table->horizontalHeaderItem(9)->text(), QStringLiteral("Ankle\nboot"));
        // Ten columns fit the tab at 1024 pixels: no horizontal scrolling to reach "Ankle boot".
        QCOMPARE(table->horizontalScrollBar()->maximum(), 0);
        int total = 0, correct = 0;
        for (int r = 0; r < 10; ++r)
            for (int c = 0; c < 10; ++c) {
                total += matrix.count(r, c);
                correct += r == c ? matrix.count(r, c) : 0;
            }
        QCOMPARE(total, 200);
        // Fine-tuning the head of a model that already knows these classes keeps it accurate.
        QVERIFY2(correct >= 160, qPrintable(QString::number(correct)));
    }

    void pauseHoldsTheRunAndCancelEndsIt()
    {
        const QString output = m_dir.filePath("run-long");
        fillForm(/*epochs=*/40, output);
        QSignalSpy finished(m_panel, &ui::TrainPanel::runFinished);
        auto* pause = child<QPushButton>(m_panel, "trainPause");
        QVERIFY(!pause->isEnabled());
        QTest::mouseClick(child<QPushButton>(m_panel, "trainStart"), Qt::LeftButton);
        // Past the first epoch, so there is a checkpoint to keep.
        QTRY_VERIFY_WITH_TIMEOUT(m_panel->chart().epochPointCount() >= 1, 120000);
        QVERIFY(m_panel->chart().stepPointCount() >= 9);

        QTest::mouseClick(pause, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(m_panel->isPaused(), 60000);
        QCOMPARE(pause->text(), QStringLiteral("&Resume"));
        const int steps = m_panel->chart().stepPointCount();
        QVERIFY(holdsFor(600, [&] { return m_panel->chart().stepPointCount() == steps; }));
        QVERIFY(m_panel->isRunning());

        QTest::mouseClick(pause, Qt::LeftButton); // Resume
        QTRY_VERIFY_WITH_TIMEOUT(m_panel->chart().stepPointCount() > steps, 60000);
        QVERIFY(!m_panel->isPaused());

        QTest::mouseClick(child<QPushButton>(m_panel, "trainCancel"), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
        QCOMPARE(finished.first().first().toBool(), false);
        QVERIFY(!m_panel->isRunning());
        QVERIFY(m_panel->chart().epochPointCount() < 40);
        const QString status = child<QLabel>(m_panel, "trainStatus")->text();
        QVERIFY2(status.startsWith("Cancelled"), qPrintable(status));
        QVERIFY(QFileInfo::exists(output + "/checkpoint/state.json"));
        QCOMPARE(m_panel->trainedFolder(), output); // the best epoch so far can still be used
        QVERIFY(child<QPushButton>(m_panel, "trainUseInClassify")->isEnabled());
        QVERIFY(child<QWidget>(m_panel, "trainForm")->isEnabled());
    }

    void cancelInTheFirstEpochLeavesNothing()
    {
        const QString output = m_dir.filePath("run-cancelled-early");
        fillForm(/*epochs=*/40, output);
        QSignalSpy finished(m_panel, &ui::TrainPanel::runFinished);
        QTest::mouseClick(child<QPushButton>(m_panel, "trainStart"), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(m_panel->chart().stepPointCount() >= 1, 60000);
        QTest::mouseClick(child<QPushButton>(m_panel, "trainCancel"), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
        QCOMPARE(m_panel->chart().epochPointCount(), 0);
        const QString status = child<QLabel>(m_panel, "trainStatus")->text();
        QVERIFY2(status.contains("nothing was saved"), qPrintable(status));
        QVERIFY(!QFileInfo::exists(output)); // no empty or half-written output folder
        QVERIFY(m_panel->trainedFolder().isEmpty());
        QVERIFY(!child<QPushButton>(m_panel, "trainUseInClassify")->isEnabled());
        QVERIFY(!child<QPushButton>(m_panel, "trainPush")->isEnabled());
    }

private:
    void fillForm(int epochs, const QString& output)
    {
        selectData(child<QComboBox>(m_panel, "trainDataKind"), 0); // a folder of class subfolders
        child<QLineEdit>(m_panel, "trainDataPath")->setText(m_dir.filePath("train"));
        selectData(child<QComboBox>(m_panel, "trainValidationKind"), 2); // a folder
        child<QLineEdit>(m_panel, "trainValidationPath")->setText(m_dir.filePath("val"));
        selectData(child<QComboBox>(m_panel, "trainModelKind"), 0); // the editor's config
        child<QSpinBox>(m_panel, "trainEpochs")->setValue(epochs);
        child<QSpinBox>(m_panel, "trainBatchSize")->setValue(4);
        child<QDoubleSpinBox>(m_panel, "trainLearningRate")->setValue(0.005);
        child<QSpinBox>(m_panel, "trainInputSize")->setValue(16);
        child<QLineEdit>(m_panel, "trainOutput")->setText(output);
    }

    QTemporaryDir m_dir;
    std::unique_ptr<MainWindow> m_window;
    ui::TrainPanel* m_panel = nullptr;
};

QTEST_MAIN(TestTrainTabGui)
#include "test_train_tab_gui.moc"
