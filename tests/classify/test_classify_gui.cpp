// The classify panel, offscreen: real drop events with file URLs and with image data, results in the
// table with bars and the model's view, CSV export, and evaluation of a dropped folder of class
// subfolders with a clickable confusion matrix.

#include "classify/classify_panel.h"
#include "classify/drop_zone.h"
#include "classify/prediction_bars.h"
#include "classify_test_support.h"

#include <QApplication>
#include <QDropEvent>
#include <QLabel>
#include <QListWidget>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
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

} // namespace

class TestClassifyGui : public QObject
{
    Q_OBJECT

private:
    std::vector<ExpectedImage> m_expected;
    std::unique_ptr<ClassifyPanel> m_panel;

    template <typename T> T* child(const char* name)
    {
        return m_panel->findChild<T*>(QString::fromLatin1(name));
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_expected = expectedImages();
        QVERIFY(m_expected.size() >= 30);
        m_panel = std::make_unique<ClassifyPanel>([] { return std::shared_ptr<Model>(); });
        m_panel->resize(1000, 700);
        m_panel->show();
        QSignalSpy ready(m_panel.get(), &ClassifyPanel::classifierChanged);
        m_panel->openModelFolder(fixture(QStringLiteral("resnet")));
        QVERIFY(ready.wait(120000));
        QVERIFY(m_panel->hasClassifier());
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
        QVERIFY(finished.wait(120000));
        QCOMPARE(finished.first().first().toBool(), false);

        auto* table = child<QTableWidget>("classifyResults");
        QCOMPARE(table->rowCount(), 3);
        QCOMPARE(m_panel->results().size(), std::size_t(3));
        const QStringList labels{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                 "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
        QCOMPARE(table->item(0, 1)->text(), labels[ranking(m_expected[0].logits)[0]]);
        QCOMPARE(table->item(2, 1)->text(), labels[ranking(m_expected[1].logits)[0]]);
        QCOMPARE(table->item(1, 3)->text(), QStringLiteral("error"));
        QVERIFY(table->item(1, 3)->toolTip().contains(QStringLiteral("broken.png")));
        QVERIFY(!table->item(0, 0)->icon().isNull()); // a thumbnail
        QCOMPARE(child<QProgressBar>("classifyProgress")->value(), 3);

        table->setCurrentCell(2, 0);
        auto* bars = child<PredictionBars>("predictionBars");
        QCOMPARE(static_cast<int>(bars->predictions().size()), 5);
        QCOMPARE(QString::fromStdString(bars->predictions().front().label),
                 labels[ranking(m_expected[1].logits)[0]]);
        const QPixmap seen = child<QLabel>("modelInputView")->pixmap();
        QVERIFY(!seen.isNull());
        QCOMPARE(seen.width(), 224); // 28x28 shown at 8x

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
        QSignalSpy finished(m_panel.get(), &ClassifyPanel::runFinished);
        QVERIFY(dropOn(child<DropZone>("classifyDropZone"), mime));
        delete mime;
        QVERIFY(finished.wait(120000));
        auto* table = child<QTableWidget>("classifyResults");
        QCOMPARE(table->rowCount(), 1);
        QVERIFY(table->item(0, 0)->text().startsWith(QStringLiteral("pasted image")));
        QCOMPARE(m_panel->results().front().predictions.front().index, ranking(m_expected[3].logits)[0]);
    }

    void droppingAClassFolderEvaluates()
    {
        auto* mime = new QMimeData;
        mime->setUrls({QUrl::fromLocalFile(fixture(QStringLiteral("fmnist")))});
        QSignalSpy finished(m_panel.get(), &ClassifyPanel::runFinished);
        QVERIFY(dropOn(child<DropZone>("classifyDropZone"), mime));
        delete mime;
        QVERIFY(finished.wait(120000));

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
    }

    void cancelStopsABatch()
    {
        child<QSpinBox>("classifyBatchSize")->setValue(1);
        auto* mime = new QMimeData;
        QList<QUrl> urls;
        for (int repeat = 0; repeat < 4; ++repeat)
            for (const ExpectedImage& e : m_expected)
                urls << QUrl::fromLocalFile(e.path);
        mime->setUrls(urls);
        QSignalSpy finished(m_panel.get(), &ClassifyPanel::runFinished);
        QVERIFY(dropOn(child<DropZone>("classifyDropZone"), mime));
        delete mime;
        QVERIFY(m_panel->isBusy());
        QTest::mouseClick(child<QPushButton>("classifyCancel"), Qt::LeftButton);
        QVERIFY(finished.wait(120000));
        QCOMPARE(finished.first().first().toBool(), true);
        QVERIFY(m_panel->results().size() < static_cast<std::size_t>(urls.size()));
        QVERIFY(!m_panel->isBusy());
    }
};

QTEST_MAIN(TestClassifyGui)
#include "test_classify_gui.moc"
