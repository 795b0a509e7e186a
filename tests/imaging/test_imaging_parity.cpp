// The tensor the model sees against the Python pipelines (timm's eval transform via torchvision, and
// transformers' ConvNext / resize-crop image processors), on generated photos of many shapes, formats,
// EXIF orientations, grayscale, RGBA, 16-bit and Fashion-MNIST. Tolerance from the issue: at most 2
// uint8 levels per value and a mean difference of at most 0.25 level, measured as |Δ| · std · 255.

#include "imaging/preprocess.h"
#include "imaging_fixtures.h"

#include <map>
#include <thread>

#include <QTest>

using namespace imaging_fixtures;

namespace {

struct Figures
{
    double maxLevels = 0.0;
    double sumLevels = 0.0;
    std::size_t values = 0;
    std::size_t exact = 0; // values equal to the reference bit for bit
    int cases = 0;
};

std::map<std::string, Figures>& figuresByPipeline()
{
    static std::map<std::string, Figures> figures;
    return figures;
}

const char* pipelineName(mwb::PreprocessPipeline pipeline)
{
    return pipeline == mwb::PreprocessPipeline::Transformers ? "transformers" : "timm";
}

} // namespace

class TestImagingParity final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY2(manifest().contains("preprocess"), "fixture manifest.json missing"); }

    void tensorMatchesPython_data()
    {
        QTest::addColumn<QString>("caseName");
        for (const auto& c : manifest().value("preprocess", nlohmann::json::array()))
            QTest::newRow(c["name"].get<std::string>().c_str()) << QString::fromStdString(c["name"]);
    }

    void tensorMatchesPython()
    {
        QFETCH(QString, caseName);
        const auto& cases = manifest()["preprocess"];
        const auto it = std::find_if(cases.begin(), cases.end(),
                                     [&](const auto& c) { return c["name"] == caseName.toStdString(); });
        QVERIFY(it != cases.end());
        const nlohmann::json& c = *it;

        const auto recipe = mwb::loadPreprocessRecipe(fixturePath(c["model"]));
        QVERIFY2(recipe, recipe ? "" : recipe.error().message.c_str());
        QCOMPARE(pipelineName(recipe->pipeline), c["pipeline"].get<std::string>());
        const auto out = mwb::preprocessImageFile(fixturePath(c["image"]), *recipe);
        QVERIFY2(out, out ? "" : out.error().message.c_str());
        const std::vector<int> shape = c["shape"];
        QCOMPARE(out->channels, shape[0]);
        QCOMPARE(out->height, shape[1]);
        QCOMPARE(out->width, shape[2]);
        QCOMPARE(out->modelInput.width, shape[2]);
        QCOMPARE(out->modelInput.height, shape[1]);

        const std::vector<float> expected = readRaw<float>(c["tensor"]);
        QCOMPARE(out->data.size(), expected.size());
        const std::vector<double> std = c["std"];
        const std::size_t plane = std::size_t(out->height) * out->width;
        Figures mine;
        for (std::size_t i = 0; i < expected.size(); ++i) {
            const double channelStd = std.size() == 1 ? std[0] : std[i / plane];
            const double levels = std::abs(double(out->data[i]) - double(expected[i])) * channelStd * 255.0;
            mine.maxLevels = std::max(mine.maxLevels, levels);
            mine.sumLevels += levels;
            mine.exact += out->data[i] == expected[i];
        }
        mine.values = expected.size();
        Figures& total = figuresByPipeline()[c["pipeline"]];
        total.maxLevels = std::max(total.maxLevels, mine.maxLevels);
        total.sumLevels += mine.sumLevels;
        total.values += mine.values;
        total.exact += mine.exact;
        total.cases += 1;
        const double mean = mine.sumLevels / double(mine.values);
        QVERIFY2(mine.maxLevels <= 2.0, qPrintable(QStringLiteral("max %1 levels").arg(mine.maxLevels)));
        QVERIFY2(mean <= 0.25, qPrintable(QStringLiteral("mean %1 levels").arg(mean)));
    }

    // Preprocessing is a pure function: threads running it at once get the same tensor.
    void concurrentCallsGiveTheSameTensor()
    {
        const auto recipe = mwb::loadPreprocessRecipe(fixturePath("models/hf_convnext_224"));
        QVERIFY(recipe);
        const std::string image = fixturePath("images/portrait_333x517.png");
        const auto serial = mwb::preprocessImageFile(image, *recipe);
        QVERIFY(serial);
        std::vector<std::vector<float>> results(4);
        std::vector<std::thread> threads;
        for (auto& result : results)
            threads.emplace_back([&] {
                const auto out = mwb::preprocessImageFile(image, *recipe);
                if (out)
                    result = out->data;
            });
        for (auto& thread : threads)
            thread.join();
        for (const auto& result : results)
            QVERIFY(result == serial->data);
    }

    void cleanupTestCase()
    {
        for (const auto& [pipeline, f] : figuresByPipeline())
            qInfo("%s: %d cases, max |diff| %.4f levels, mean %.6f levels, %.4f%% of values bit-identical",
                  pipeline.c_str(), f.cases, f.maxLevels, f.sumLevels / double(f.values),
                  100.0 * double(f.exact) / double(f.values));
    }
};

QTEST_GUILESS_MAIN(TestImagingParity)
#include "test_imaging_parity.moc"
