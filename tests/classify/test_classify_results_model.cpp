// The Classify tab's results table model: checked by QAbstractItemModelTester through appends, fills,
// cancels and clears; thumbnails decoded off the GUI thread for the rows asked for; and a 50,000-row
// fill shown in a view, timed (the figure is printed, not asserted: timing depends on the machine).

#include "classify/results_model.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QHeaderView>
#include <QImage>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace mwb;

namespace {

ClassifyResult resultFor(const std::string& image, int index, float score)
{
    ClassifyResult result;
    result.image = image;
    result.predictions = {{index, "class " + std::to_string(index), score}, {index + 1, "other", 1 - score}};
    return result;
}

ClassifyResult failureFor(const std::string& image)
{
    ClassifyResult result;
    result.image = image;
    result.error = Error{ErrorKind::InvalidInput, image + ": not an image"};
    return result;
}

std::vector<ImageSource> sources(int count, const std::string& prefix = "/nowhere/img")
{
    std::vector<ImageSource> out;
    out.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i)
        out.push_back(ImageSource::file(prefix + std::to_string(i) + ".png"));
    return out;
}

QString text(const ClassifyResultsModel& model, int row, int column, int role = Qt::DisplayRole)
{
    return model.data(model.index(row, column), role).toString();
}

} // namespace

class TestClassifyResultsModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void passesTheModelTester()
    {
        ClassifyResultsModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.columnCount(), 4);
        QCOMPARE(model.headerData(ClassifyResultsModel::TopLabelColumn, Qt::Horizontal).toString(),
                 QStringLiteral("Top prediction"));

        QCOMPARE(model.appendSources(sources(3)), 0);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(text(model, 0, ClassifyResultsModel::ImageColumn), QStringLiteral("img0.png"));
        QCOMPARE(text(model, 0, ClassifyResultsModel::StatusColumn), QStringLiteral("waiting"));

        model.setResults(0, {resultFor("/nowhere/img0.png", 4, 0.75f), failureFor("/nowhere/img1.png")});
        QCOMPARE(text(model, 0, ClassifyResultsModel::TopLabelColumn), QStringLiteral("class 4"));
        QCOMPARE(text(model, 0, ClassifyResultsModel::ScoreColumn), QStringLiteral("75.0%"));
        QCOMPARE(text(model, 1, ClassifyResultsModel::StatusColumn), QStringLiteral("error"));
        QVERIFY(text(model, 1, ClassifyResultsModel::StatusColumn, Qt::ToolTipRole).contains("not an image"));
        QCOMPARE(model.finishedCount(), 2);

        // More images come: added after the ones shown, which keep their results.
        QCOMPARE(model.appendSources(sources(2, "/nowhere/more")), 3);
        QCOMPARE(model.rowCount(), 5);
        QCOMPARE(text(model, 0, ClassifyResultsModel::TopLabelColumn), QStringLiteral("class 4"));
        model.markCancelled(2, 5);
        QCOMPARE(text(model, 2, ClassifyResultsModel::StatusColumn), QStringLiteral("cancelled"));
        QCOMPARE(text(model, 4, ClassifyResultsModel::StatusColumn), QStringLiteral("cancelled"));
        QCOMPARE(model.results().size(), std::size_t(2)); // only rows with an answer are exported

        const ImageSource pasted = ImageSource::encoded("pasted image 1", {1, 2, 3});
        QCOMPARE(model.appendSources({pasted}), 5);
        QCOMPARE(model.source(5).bytes, pasted.bytes);
        QCOMPARE(text(model, 5, ClassifyResultsModel::ImageColumn), QStringLiteral("pasted image 1"));

        model.clear();
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.finishedCount(), 0);
        QVERIFY(model.results().empty());
    }

    void thumbnailsDecodeOffTheGuiThreadForRowsAskedFor()
    {
        QTemporaryDir dir;
        QImage image(120, 80, QImage::Format_RGB32);
        image.fill(Qt::darkCyan);
        const QString path = dir.filePath(QStringLiteral("wide.png"));
        QVERIFY(image.save(path));
        ClassifyResultsModel model(48);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.appendSources({ImageSource::file(path.toStdString())});
        const QModelIndex first = model.index(0, ClassifyResultsModel::ImageColumn);
        QVERIFY(model.data(first, Qt::DecorationRole).isNull()); // queued, not decoded on this thread
        QTRY_VERIFY(!model.data(first, Qt::DecorationRole).isNull());
        const QIcon icon = model.data(first, Qt::DecorationRole).value<QIcon>();
        QCOMPARE(icon.availableSizes().value(0), QSize(48, 32)); // scaled to fit, ratio kept
    }

    void fiftyThousandRowsInAView()
    {
        constexpr int kRows = 50000;
        constexpr int kChunk = 256; // about what the runner hands over per progress update
        ClassifyResultsModel model(48);
        QTableView view;
        view.setModel(&model);
        view.verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
        view.horizontalHeader()->setSectionResizeMode(ClassifyResultsModel::ImageColumn,
                                                      QHeaderView::Stretch);
        view.resize(800, 600);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));

        const std::vector<ImageSource> images = sources(kRows);
        QElapsedTimer timer;
        timer.start();
        QCOMPARE(model.appendSources(images), 0);
        QCoreApplication::processEvents();
        const qint64 appended = timer.restart();

        qint64 slowestChunk = 0;
        QElapsedTimer chunkTimer;
        for (int first = 0; first < kRows; first += kChunk) {
            chunkTimer.start();
            std::vector<ClassifyResult> batch;
            for (int row = first; row < std::min(kRows, first + kChunk); ++row)
                batch.push_back(resultFor(images[static_cast<std::size_t>(row)].name, row % 10, 0.9f));
            model.setResults(first, std::move(batch));
            QCoreApplication::processEvents(); // the view repaints between chunks, as in the app
            slowestChunk = std::max(slowestChunk, chunkTimer.elapsed());
        }
        const qint64 filled = timer.restart();
        view.scrollToBottom();
        QCoreApplication::processEvents();
        const qint64 scrolled = timer.elapsed();

        QCOMPARE(model.rowCount(), kRows);
        QCOMPARE(model.finishedCount(), kRows);
        QCOMPARE(text(model, kRows - 1, ClassifyResultsModel::TopLabelColumn),
                 QStringLiteral("class %1").arg((kRows - 1) % 10));
        QVERIFY(view.rowAt(view.viewport()->height() - 2) >= kRows - 20); // the last rows are on screen
        qInfo("50,000 rows: appended in %lld ms; results filled in %lld ms (%d chunks, slowest %lld ms "
              "including a repaint); scroll to the end in %lld ms",
              static_cast<long long>(appended), static_cast<long long>(filled), (kRows + kChunk - 1) / kChunk,
              static_cast<long long>(slowestChunk), static_cast<long long>(scrolled));
    }
};

QTEST_MAIN(TestClassifyResultsModel)
#include "test_classify_results_model.moc"
