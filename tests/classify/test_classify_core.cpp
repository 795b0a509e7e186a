// The Classifier against PyTorch: top-k labels and scores, softmax vs sigmoid, k clamping, a broken
// image in the middle of a batch, cancellation, progress, and the Qt job wrapper.

#include "classify_test_support.h"
#include "inference/classifier.h"
#include "model/model.h"

#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

using namespace mwb;
using namespace classify_test;

namespace {

std::vector<ImageSource> sourcesOf(const std::vector<ExpectedImage>& images)
{
    std::vector<ImageSource> sources;
    for (const ExpectedImage& image : images)
        sources.push_back(ImageSource::file(image.path.toStdString()));
    return sources;
}

std::vector<std::uint8_t> fileBytes(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const QByteArray bytes = file.readAll();
    return {bytes.begin(), bytes.end()};
}

} // namespace

class TestClassifyCore : public QObject
{
    Q_OBJECT

private:
    std::vector<ExpectedImage> m_expected;
    std::optional<Classifier> m_classifier;

    // Checks a result against PyTorch's logits scored by `score`.
    void checkAgainstPyTorch(const ClassifyResult& result,
                             const ExpectedImage& expected,
                             const std::vector<double>& scores,
                             int k)
    {
        QVERIFY2(result.ok(), result.error ? result.error->message.c_str() : "");
        QCOMPARE(result.image, expected.path.toStdString());
        QCOMPARE(static_cast<int>(result.predictions.size()), k);
        // PyTorch's order is the logits' order; saturated float scores can tie where logits do not.
        const std::vector<int> order = ranking(expected.logits);
        for (int j = 0; j < k; ++j) {
            const Prediction& p = result.predictions[static_cast<std::size_t>(j)];
            QCOMPARE(p.index, order[static_cast<std::size_t>(j)]);
            QCOMPARE(p.label, m_classifier->labels()[static_cast<std::size_t>(p.index)]);
            QVERIFY2(std::abs(p.score - scores[static_cast<std::size_t>(p.index)]) < 1e-4,
                     qPrintable(QStringLiteral("%1: class %2 score %3, PyTorch %4")
                                    .arg(expected.path)
                                    .arg(p.index)
                                    .arg(p.score)
                                    .arg(scores[static_cast<std::size_t>(p.index)])));
        }
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_expected = expectedImages();
        QVERIFY(m_expected.size() >= 30);
        auto classifier = Classifier::fromPretrained(fixture(QStringLiteral("resnet")).toStdString());
        QVERIFY2(classifier, classifier ? "" : classifier.error().message.c_str());
        m_classifier = std::move(*classifier);
    }

    void labelsComeFromId2label()
    {
        QCOMPARE(m_classifier->labels().size(), std::size_t(10));
        QCOMPARE(m_classifier->labels()[0], std::string("T-shirt/top"));
        QCOMPARE(m_classifier->labels()[9], std::string("Ankle boot"));
        QCOMPARE(m_classifier->scoreFunction(), ScoreFunction::Softmax);
    }

    void missingLabelsAreNamedLikeTransformers()
    {
        const nlohmann::json config = {{"id2label", {{"0", "cat"}, {"2", "bird"}}}};
        const std::vector<std::string> expected{"cat", "LABEL_1", "bird", "LABEL_3"};
        QCOMPARE(classLabels(config, 4), expected);
        QCOMPARE(classLabels(nlohmann::json::object(), 2), (std::vector<std::string>{"LABEL_0", "LABEL_1"}));
    }

    void topKMatchesPyTorch_data()
    {
        QTest::addColumn<int>("batchSize");
        QTest::addColumn<int>("topK");
        QTest::newRow("batch 1, top 1") << 1 << 1;
        QTest::newRow("batch 4, top 5") << 4 << 5;
        QTest::newRow("batch 32, top 3") << 32 << 3;
    }

    void topKMatchesPyTorch()
    {
        QFETCH(int, batchSize);
        QFETCH(int, topK);
        const ClassifyRun run =
            m_classifier->classify(sourcesOf(m_expected), {.topK = topK, .batchSize = batchSize});
        QVERIFY(!run.cancelled);
        QCOMPARE(run.results.size(), m_expected.size());
        for (std::size_t i = 0; i < m_expected.size(); ++i)
            checkAgainstPyTorch(run.results[i], m_expected[i], softmax(m_expected[i].logits), topK);
    }

    void multiLabelModelsUseSigmoid()
    {
        auto multi = Classifier::fromPretrained(fixture(QStringLiteral("resnet_multilabel")).toStdString());
        QVERIFY2(multi, multi ? "" : multi.error().message.c_str());
        QCOMPARE(multi->scoreFunction(), ScoreFunction::Sigmoid);
        const ClassifyRun run = multi->classify(sourcesOf(m_expected), {.topK = 4});
        QCOMPARE(run.results.size(), m_expected.size());
        for (std::size_t i = 0; i < m_expected.size(); ++i)
            checkAgainstPyTorch(run.results[i], m_expected[i], sigmoid(m_expected[i].logits), 4);
        // Sigmoid scores are independent: they need not sum to one.
        double sum = 0;
        const ClassifyRun all = multi->classify({sourcesOf(m_expected).front()}, {.topK = 10});
        for (const Prediction& p : all.results.front().predictions)
            sum += p.score;
        QVERIFY(std::abs(sum - 1.0) > 1e-3);
    }

    void kIsClampedToTheClasses_data()
    {
        QTest::addColumn<int>("requested");
        QTest::addColumn<int>("expected");
        QTest::newRow("more than the classes") << 50 << 10;
        QTest::newRow("exactly the classes") << 10 << 10;
        QTest::newRow("zero") << 0 << 1;
    }

    void kIsClampedToTheClasses()
    {
        QFETCH(int, requested);
        QFETCH(int, expected);
        const ClassifyRun run = m_classifier->classify({sourcesOf(m_expected).front()}, {.topK = requested});
        QCOMPARE(static_cast<int>(run.results.front().predictions.size()), expected);
    }

    void brokenImagesDoNotStopTheBatch_data()
    {
        QTest::addColumn<int>("batchSize");
        QTest::newRow("all in one batch") << 8;
        QTest::newRow("batches of two") << 2;
    }

    void brokenImagesDoNotStopTheBatch()
    {
        QFETCH(int, batchSize);
        QTemporaryDir dir;
        const QString broken = dir.filePath(QStringLiteral("broken.png"));
        QFile file(broken);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("\x89PNG\r\n\x1a\n this is not really a PNG");
        file.close();
        const QString missing = dir.filePath(QStringLiteral("missing.jpg"));

        std::vector<ImageSource> sources{
            ImageSource::file(m_expected[0].path.toStdString()), ImageSource::file(broken.toStdString()),
            ImageSource::file(m_expected[1].path.toStdString()), ImageSource::file(missing.toStdString()),
            ImageSource::encoded("pasted image", fileBytes(m_expected[2].path))};
        const ClassifyRun run = m_classifier->classify(sources, {.topK = 3, .batchSize = batchSize});
        QCOMPARE(run.results.size(), std::size_t(5));
        QVERIFY(!run.results[1].ok());
        QVERIFY2(run.results[1].error->message.find("broken.png") != std::string::npos,
                 run.results[1].error->message.c_str());
        QVERIFY(run.results[1].predictions.empty());
        QVERIFY(!run.results[3].ok());
        QVERIFY2(run.results[3].error->message.find("missing.jpg") != std::string::npos,
                 run.results[3].error->message.c_str());
        checkAgainstPyTorch(run.results[0], m_expected[0], softmax(m_expected[0].logits), 3);
        checkAgainstPyTorch(run.results[2], m_expected[1], softmax(m_expected[1].logits), 3);
        QCOMPARE(run.results[4].image, std::string("pasted image"));
        ExpectedImage pasted = m_expected[2];
        pasted.path = QStringLiteral("pasted image");
        checkAgainstPyTorch(run.results[4], pasted, softmax(m_expected[2].logits), 3);
    }

    void progressReportsEveryImageInOrder()
    {
        std::vector<std::size_t> indices;
        std::vector<std::string> names;
        const auto sources = sourcesOf(m_expected);
        m_classifier->classify(sources, {.batchSize = 7}, nullptr,
                               [&](std::size_t index, const ClassifyResult& r) {
                                   indices.push_back(index);
                                   names.push_back(r.image);
                               });
        QCOMPARE(indices.size(), sources.size());
        for (std::size_t i = 0; i < sources.size(); ++i) {
            QCOMPARE(indices[i], i);
            QCOMPARE(names[i], sources[i].name);
        }
    }

    void cancellingStopsEarly()
    {
        std::atomic<bool> cancel{false};
        const ClassifyRun run =
            m_classifier->classify(sourcesOf(m_expected), {.batchSize = 2}, &cancel,
                                   [&](std::size_t, const ClassifyResult&) { cancel = true; });
        QVERIFY(run.cancelled);
        QCOMPARE(run.results.size(), std::size_t(2)); // the batch in progress finishes, no other starts
        QVERIFY(run.results[0].ok() && run.results[1].ok());
    }

    void modelInputIsKeptOnRequest()
    {
        const ClassifyRun run = m_classifier->classify({sourcesOf(m_expected).front()},
                                                       {.keepModelInput = true, .keepPixelValues = true});
        const ClassifyResult& r = run.results.front();
        QCOMPARE(r.modelInput.width, 28);
        QCOMPARE(r.modelInput.height, 28);
        QCOMPARE(r.modelInput.channels, 1);
        QCOMPARE(r.pixelValues.size(), std::size_t(28 * 28));
        QCOMPARE(r.channels, 1);
        // The pixel values are the model input rescaled and normalised as the recipe says.
        const float expected = (r.modelInput.pixels[400] / 255.0f - 0.286f) / 0.353f;
        QVERIFY(std::abs(r.pixelValues[400] - expected) < 1e-5);
    }

    void aModelWithoutClassifierIsRefused()
    {
        QFile file(fixture(QStringLiteral("resnet/config.json")));
        QVERIFY(file.open(QIODevice::ReadOnly));
        auto config = nlohmann::json::parse(file.readAll().toStdString());
        config["num_classes"] = 0;
        config.erase("id2label");
        config.erase("label2id");
        auto model = Model::fromConfig(config);
        QVERIFY2(model, model ? "" : model.error().message.c_str());
        auto classifier =
            Classifier::create(std::shared_ptr<const Model>(std::move(*model)), defaultPreprocessRecipe(1));
        QVERIFY(!classifier);
        QCOMPARE(classifier.error().kind, ErrorKind::InvalidInput);
        QVERIFY2(classifier.error().message.find("num_classes is 0") != std::string::npos,
                 classifier.error().message.c_str());
    }
};

QTEST_GUILESS_MAIN(TestClassifyCore)
#include "test_classify_core.moc"
