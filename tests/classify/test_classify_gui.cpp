// The classify panel, offscreen: real drop events with file URLs and with image data, results in the
// table with bars and the model's view, CSV export, "Add Images..." adding after the results shown,
// Clear, evaluation of a dropped or chosen folder of class subfolders with a clickable confusion
// matrix, and Cancel during a scan and during a run.

#include "classify/classify_panel.h"
#include "classify/drop_zone.h"
#include "classify/prediction_bars.h"
#include "classify/results_model.h"
#include "classify_test_support.h"
#include "widgets/file_dialog.h"

#include <QApplication>
#include <QDropEvent>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

using namespace mwb;
using namespace classify_test;

namespace {

// Delivers a drop the way the window system does: drag enter, then drop, both on the zone.
bool dropOn(QWidget* zone, QMimeData* mime)
{
    const QPointF where(zone->width() / 2.0, zone->height() / 2.0);
    QDragEnterEvent enter(where.toPoint(), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(zone, &enter);
    if (!enter.isAccepted())
        return false;
    QDropEvent drop(where, Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(zone, &drop);
    return drop.isAccepted();
}

constexpr int kSlow = 120000; // ms: a run on a loaded 2-core machine

} // namespace

class TestClassifyGui : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_home;
    std::vector<ExpectedImage> m_expected;
    std::unique_ptr<ClassifyPanel> m_panel;

    template <typename T> T* child(const char* name)
    {
        return m_panel->findChild<T*>(QString::fromLatin1(name));
    }

    ClassifyResultsModel& table() { return m_panel->resultsModel(); }
    QString cell(int row, int column, int role = Qt::DisplayRole)
    {
        return table().data(table().index(row, column), role).toString();
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_expected = expectedImages();
        QVERIFY(m_expected.size() >= 30);
        QVERIFY(m_home.isValid());
        qputenv("XDG_CONFIG_HOME", (m_home.path() + "/config").toUtf8()); // default engine settings
        ui::FileDialog::setAutoCancel(true);
        m_panel = std::make_unique<ClassifyPanel>([] { return std::shared_ptr<Model>(); });
        m_panel->resize(1000, 700);
        m_panel->show();
        // The button, answered in advance (the built-in model that opens on its own is replaced).
        ui::FileDialog::answerNext(fixture(QStringLiteral("resnet")));
        QTest::mouseClick(child<QPushButton>("classifyOpenModel"), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(m_panel->hasClassifier() && !m_panel->isBusy(), kSlow);
        QVERIFY(!m_panel->isBuiltinModel());
        QVERIFY(child<QLabel>("classifyModelLabel")->text().startsWith(QStringLiteral("resnet")));
        QVERIFY(child<QLabel>("classifyModelLabel")->text().contains(QStringLiteral("10 classes")));
    }

    void useBuiltModelWithoutOneExplains()
    {
        m_panel->useBuiltModel();
        QVERIFY(child<QLabel>("classifyStatus")->text().contains(QStringLiteral("No model has been built")));
        QVERIFY(m_panel->hasClassifier()); // the folder's model stays
    }

    void droppingFilesShowsPredictions()
    {
        QTemporaryDir dir;
        const QString broken = dir.filePath(QStringLiteral("broken.png"));
        QFile file(broken);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("not an image at all");
        file.close();

        auto* mime = new QMimeData;
        mime->setUrls({QUrl::fromLocalFile(m_expected[0].path), QUrl::fromLocalFile(broken),
                       QUrl::fromLocalFile(m_expected[1].path)});
        QSignalSpy finished(m_panel.get(), &ClassifyPanel::runFinished);
        QVERIFY(dropOn(child<DropZone>("classifyDropZone"), mime));
        delete mime;
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kSlow);
        QCOMPARE(finished.first().first().toBool(), false);

        QCOMPARE(table().rowCount(), 3);
        QCOMPARE(m_panel->results().size(), std::size_t(3));
        const QStringList labels{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                 "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
        QCOMPARE(cell(0, 1), labels[ranking(m_expected[0].logits)[0]]);
        QCOMPARE(cell(2, 1), labels[ranking(m_expected[1].logits)[0]]);
        QCOMPARE(cell(1, 3), QStringLiteral("error"));
        QVERIFY(cell(1, 3, Qt::ToolTipRole).contains(QStringLiteral("broken.png")));
        // A thumbnail, decoded off the GUI thread once the view asks for it.
        QTRY_VERIFY(!table().data(table().index(0, 0), Qt::DecorationRole).value<QIcon>().isNull());
        QCOMPARE(child<QProgressBar>("classifyProgress")->value(), 3);
        QVERIFY(child<QLabel>("classifyEngineLabel")->text().contains(QStringLiteral("Exact (fp32)")));

        auto* view = child<QTableView>("classifyResults");
        QCOMPARE(view->model(), &table());
        view->setCurrentIndex(table().index(2, 0));
        auto* bars = child<PredictionBars>("predictionBars");
        QCOMPARE(static_cast<int>(bars->predictions().size()), 5);
        QCOMPARE(QString::fromStdString(bars->predictions().front().label),
                 labels[ranking(m_expected[1].logits)[0]]);
        // What the model saw, decoded again on a job for the selected row: 28x28 shown at 8x.
        QTRY_COMPARE(child<QLabel>("modelInputView")->pixmap().width(), 224);

        const QString csv = dir.filePath(QStringLiteral("results.csv"));
        QVERIFY(m_panel->exportCsv(csv));
        QFile exported(csv);
        QVERIFY(exported.open(QIODevice::ReadOnly));
        const QStringList lines =
            QString::fromUtf8(exported.readAll()).split(QStringLiteral("\r\n"), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 1 + 5 + 1 + 5); // header, 5 predictions, the error row, 5 predictions
        QVERIFY(lines[6].startsWith(broken));
        QVERIFY(m_panel->exportJson(dir.filePath(QStringLiteral("results.json"))));
    }

    void droppingImageDataFromAnotherApplication()
    {
        QImage image(m_expected[3].path);
        QVERIFY(!image.isNull());
        auto* mime = new QMimeData;
        mime->setImageData(image);
        const int before = table().rowCount();
        const QString firstLabel = cell(0, 1);
        QVERIFY(!firstLabel.isEmpty());
        QSignalSpy finished(m_panel.get(), &ClassifyPanel::runFinished);
        QVERIFY(dropOn(child<DropZone>("classifyDropZone"), mime));
        delete mime;
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kSlow);
        // Added after the results already shown, which stay.
        QCOMPARE(table().rowCount(), before + 1);
        QCOMPARE(cell(0, 1), firstLabel);
        QVERIFY(cell(before, 0).startsWith(QStringLiteral("pasted image")));
        QCOMPARE(m_panel->results().back().predictions.front().index, ranking(m_expected[3].logits)[0]);
    }

    void addImagesAppendsAndClearEmpties()
    {
        const int before = table().rowCount();
        QVERIFY(before > 0);
        QSignalSpy finished(m_panel.get(), &ClassifyPanel::runFinished);
        ui::FileDialog::answerNext(m_expected[4].path + QLatin1Char('\n') + m_expected[5].path);
        QTest::mouseClick(child<QPushButton>("classifyAddImages"), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kSlow);
        QCOMPARE(table().rowCount(), before + 2);
        QCOMPARE(m_panel->results().size(), static_cast<std::size_t>(before + 2));
        QCOMPARE(m_panel->results()[static_cast<std::size_t>(before)].image,
                 m_expected[4].path.toStdString());
        QCOMPARE(m_panel->results().back().predictions.front().index, ranking(m_expected[5].logits)[0]);

        auto* clear = child<QPushButton>("classifyClear");
        QVERIFY(clear->isEnabled());
        QTest::mouseClick(clear, Qt::LeftButton);
        QCOMPARE(table().rowCount(), 0);
        QVERIFY(m_panel->results().empty());
        QVERIFY(!clear->isEnabled());
        QVERIFY(!child<QPushButton>("classifyExportCsv")->isEnabled());
    }

    void droppingAClassFolderEvaluates()
    {
        auto* mime = new QMimeData;
        mime->setUrls({QUrl::fromLocalFile(fixture(QStringLiteral("fmnist")))});
        QSignalSpy finished(m_panel.get(), &ClassifyPanel::runFinished);
        QVERIFY(dropOn(child<DropZone>("classifyDropZone"), mime));
        delete mime;
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kSlow);

        int correct = 0, labelled = 0;
        for (const ExpectedImage& e : m_expected) {
            if (e.classIndex >= 0) {
                ++labelled;
                correct += ranking(e.logits)[0] == e.classIndex;
            }
        }
        const QString accuracy = child<QLabel>("evaluationAccuracy")->text();
        QVERIFY2(accuracy.contains(QStringLiteral("(%1 of %2 images)").arg(correct).arg(labelled)),
                 qPrintable(accuracy));
        QVERIFY(child<QLabel>("evaluationUnmatched")->text().contains(QStringLiteral("zz_unlabelled")));

        auto* matrix = child<QTableWidget>("confusionMatrix");
        QVERIFY(matrix->rowCount() >= 10);
        QCOMPARE(matrix->verticalHeaderItem(9)->text(), QStringLiteral("Ankle boot"));
        int total = 0;
        for (int r = 0; r < matrix->rowCount(); ++r)
            for (int c = 0; c < matrix->columnCount(); ++c)
                total += matrix->item(r, c)->text().toInt();
        QCOMPARE(total, labelled);

        // Clicking a cell lists its images.
        int row = 0;
        while (matrix->item(row, row)->text().toInt() == 0)
            ++row;
        const QRect cell = matrix->visualItemRect(matrix->item(row, row));
        QTest::mouseClick(matrix->viewport(), Qt::LeftButton, {}, cell.center());
        auto* images = child<QListWidget>("confusionCellImages");
        QCOMPARE(images->count(), matrix->item(row, row)->text().toInt());
        QVERIFY(
            images->item(0)->data(Qt::UserRole).toString().startsWith(fixture(QStringLiteral("fmnist/"))));
        QTRY_VERIFY(!images->item(0)->icon().isNull()); // decoded on a job

        // The matrix says which axis is which.
        QCOMPARE(child<QLabel>("confusionPredictedTitle")->text(), QStringLiteral("Predicted class \u2192"));
        QVERIFY(
            child<QWidget>("confusionTrueTitle")->accessibleName().startsWith(QStringLiteral("True class")));
        // Every per-class column is shown whole.
        auto* classes = child<QTableWidget>("evaluationClasses");
        QTRY_VERIFY(classes->isVisible());
        for (int column = 0; column < classes->columnCount(); ++column) {
            const QString title = classes->horizontalHeaderItem(column)->text();
            QVERIFY2(classes->horizontalHeader()->sectionSize(column) >=
                         classes->fontMetrics().horizontalAdvance(title),
                     qPrintable(title));
            QVERIFY2(classes->horizontalHeader()->sectionViewportPosition(column) +
                             classes->horizontalHeader()->sectionSize(column) <=
                         classes->viewport()->width(),
                     qPrintable(title));
        }
    }

    void evaluateFolderButtonReportsAccuracy()
    {
        auto* button = child<QPushButton>("classifyEvaluateFolder");
        QVERIFY(button->isEnabled());
        QSignalSpy finished(m_panel.get(), &ClassifyPanel::runFinished);
        ui::FileDialog::answerNext(fixture(QStringLiteral("fmnist")));
        QTest::mouseClick(button, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kSlow);
        int correct = 0, labelled = 0;
        for (const ExpectedImage& e : m_expected) {
            if (e.classIndex >= 0) {
                ++labelled;
                correct += ranking(e.logits)[0] == e.classIndex;
            }
        }
        QVERIFY(child<QLabel>("evaluationAccuracy")->isVisible()); // the Evaluation view is brought forward
        QVERIFY(child<QLabel>("evaluationAccuracy")
                    ->text()
                    .contains(QStringLiteral("(%1 of %2 images)").arg(correct).arg(labelled)));
        QVERIFY(child<QLabel>("classifyStatus")->text().contains(QStringLiteral("Accuracy")));

        // A folder without class subfolders is refused with a reason, and nothing runs.
        QTemporaryDir empty;
        ui::FileDialog::answerNext(empty.path());
        QTest::mouseClick(button, Qt::LeftButton);
        QTRY_VERIFY(!m_panel->isBusy());
        QVERIFY(child<QLabel>("classifyStatus")->text().contains(empty.path()));
        QCOMPARE(finished.count(), 1);
    }

    void cancelWhileLookingForImages()
    {
        const int before = table().rowCount();
        QSignalSpy finished(m_panel.get(), &ClassifyPanel::runFinished);
        m_panel->classifyPaths({fixture(QStringLiteral("fmnist"))});
        QVERIFY(m_panel->isBusy());
        QVERIFY(child<QPushButton>("classifyCancel")->isEnabled());
        QTest::mouseClick(child<QPushButton>("classifyCancel"), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kSlow);
        QCOMPARE(finished.first().first().toBool(), true);
        QCOMPARE(table().rowCount(), before); // nothing was added
        QVERIFY(!m_panel->isBusy());
    }

    void cancelStopsABatch()
    {
        child<QSpinBox>("classifyBatchSize")->setValue(1);
        auto* mime = new QMimeData;
        QList<QUrl> urls;
        for (int repeat = 0; repeat < 20; ++repeat)
            for (const ExpectedImage& e : m_expected)
                urls << QUrl::fromLocalFile(e.path);
        mime->setUrls(urls);
        const int before = table().rowCount();
        QSignalSpy finished(m_panel.get(), &ClassifyPanel::runFinished);
        QVERIFY(dropOn(child<DropZone>("classifyDropZone"), mime));
        delete mime;
        QVERIFY(m_panel->isBusy());
        // Cancel once the run is under way (the first change to its rows), not while it looks for images.
        bool clicked = false;
        const auto connection = connect(&table(), &QAbstractItemModel::dataChanged, this, [&] {
            if (!std::exchange(clicked, true))
                QTest::mouseClick(child<QPushButton>("classifyCancel"), Qt::LeftButton);
        });
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kSlow);
        disconnect(connection);
        QVERIFY(clicked);
        QCOMPARE(table().rowCount(), before + urls.size());
        QCOMPARE(finished.first().first().toBool(), true);
        QVERIFY(m_panel->results().size() < static_cast<std::size_t>(before + urls.size()));
        QCOMPARE(cell(table().rowCount() - 1, ClassifyResultsModel::StatusColumn),
                 QStringLiteral("cancelled"));
        QVERIFY(child<QLabel>("classifyStatus")->text().startsWith(QStringLiteral("Cancelled")));
        QVERIFY(!m_panel->isBusy());
    }

    void cleanupTestCase()
    {
        m_panel.reset();
        ui::FileDialog::setAutoCancel(false);
        ui::FileDialog::clearAnswers();
    }
};

QTEST_MAIN(TestClassifyGui)
#include "test_classify_gui.moc"
