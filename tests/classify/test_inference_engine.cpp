// The inference engine against the training modules: exact precision gives the same logits and
// features (within 1e-4 relative) for every architecture variant the parity tests cover, at batch 1
// and 8 and odd sizes; fast precision stays close; options are checked.

#include "inference/engine/engine_internal.h"
#include "model/model.h"
#include "model/model_internal.h"

#include <thread>

#include <QTest>

#include <ATen/ops/abs.h>
#include <ATen/ops/rand.h>
#include <ATen/ops/randn.h>
#include <c10/core/InferenceMode.h>
#include <nlohmann/json.hpp>

using namespace mwb;

namespace {

nlohmann::json config(nlohmann::json fields)
{
    nlohmann::json doc = {{"model_type", "resnet"}, {"layers", {1, 1, 1, 1}}, {"num_classes", 10}};
    if (fields.is_object())
        doc.update(fields);
    return doc;
}

// Fresh weights, then BatchNorm statistics and affine parameters drawn at random so that folding
// them matters (timm's init makes every BN an identity and zeroes each block's last BN).
std::unique_ptr<Model> randomModel(const nlohmann::json& cfg, std::uint64_t seed)
{
    auto model = Model::fromConfig(cfg);
    if (!model)
        return nullptr;
    (*model)->initializeWeights(seed);
    c10::InferenceMode inference;
    at::manual_seed(seed);
    for (NamedTensor& entry : modelStateDict(**model, false)) {
        const std::string& name = entry.name;
        at::Tensor& t = entry.tensor;
        if (name.ends_with("running_var"))
            t.copy_(at::rand(t.sizes()) + 0.5);
        else if (name.ends_with("running_mean") || name.ends_with(".bias"))
            t.copy_(at::randn(t.sizes()) * 0.1);
        else if (t.dim() == 1 && name.ends_with(".weight")) // BN gamma
            t.copy_(at::rand(t.sizes()) + 0.5);
    }
    return std::move(*model);
}

double relativeDifference(const at::Tensor& actual, const at::Tensor& expected)
{
    return (actual - expected).abs().max().item<double>() / expected.abs().max().item<double>();
}

} // namespace

class TestInferenceEngine final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void exactMatchesTrainingModules_data();
    void exactMatchesTrainingModules();
    void fastStaysCloseToExact();
    void sameShapeTwiceReusesThePlan();
    void lanesRunAtOnceAndAgree();
    void refusesBadInput();
    void rejectsBadOptions();
};

void TestInferenceEngine::exactMatchesTrainingModules_data()
{
    QTest::addColumn<QByteArray>("fields");
    QTest::addColumn<int>("batch");
    QTest::addColumn<int>("height");
    QTest::addColumn<int>("width");
    QTest::newRow("bottleneck, plain stem, batch 8, 64x64")
        << QByteArray(R"({"layers": [2, 1, 1, 1]})") << 8 << 64 << 64;
    QTest::newRow("bottleneck, plain stem, batch 1, 97x83")
        << QByteArray(R"({"layers": [2, 1, 1, 1]})") << 1 << 97 << 83;
    QTest::newRow("basic, batch 2, 61x61")
        << QByteArray(R"({"block_type": "basic", "layers": [2, 1, 1, 1]})") << 2 << 61 << 61;
    QTest::newRow("resnext 32x4d, batch 8, 64x64")
        << QByteArray(R"({"cardinality": 32, "base_width": 4})") << 8 << 64 << 64;
    QTest::newRow("deep stem, avg_down, batch 1, 61x59")
        << QByteArray(R"({"stem_type": "deep", "stem_width": 32, "avg_down": true})") << 1 << 61 << 59;
    QTest::newRow("deep stem, avg_down, batch 8, 71x67")
        << QByteArray(R"({"stem_type": "deep", "stem_width": 32, "avg_down": true})") << 8 << 71 << 67;
    QTest::newRow("deep-tiered, avg_down, 1 channel, no classifier")
        << QByteArray(R"({"stem_type": "deep-tiered", "stem_width": 32, "avg_down": true, "input_channels": 1,
                         "num_classes": 0})")
        << 2 << 64 << 64;
    QTest::newRow("deep stem width 64, basic") << QByteArray(R"({"block_type": "basic", "stem_type": "deep",
                                                                "num_classes": 5})")
                                               << 3 << 48 << 48;
    QTest::newRow("tiny input, 1x1 after the stem")
        << QByteArray(R"({"block_type": "basic"})") << 2 << 7 << 9;
}

void TestInferenceEngine::exactMatchesTrainingModules()
{
    QFETCH(QByteArray, fields);
    QFETCH(int, batch);
    QFETCH(int, height);
    QFETCH(int, width);
    const nlohmann::json cfg = config(nlohmann::json::parse(fields.toStdString()));
    auto model = randomModel(cfg, 7);
    QVERIFY(model);
    auto engine = InferenceEngine::build(*model, {Precision::Exact, 2});
    QVERIFY2(engine, engine ? "" : engine.error().message.c_str());

    c10::InferenceMode inference;
    at::manual_seed(3);
    const at::Tensor input = at::randn({batch, cfg.value("input_channels", 3), height, width});
    auto expected = runForward(*model, input);
    QVERIFY(expected);
    auto actual = engineForward(**engine, input, true);
    QVERIFY2(actual, actual ? "" : actual.error().message.c_str());
    QCOMPARE(actual->features.sizes().vec(), expected->features.sizes().vec());
    QCOMPARE(actual->logits.sizes().vec(), expected->logits.sizes().vec());
    const double logitsDiff = relativeDifference(actual->logits, expected->logits);
    const double featuresDiff = relativeDifference(actual->features, expected->features);
    QVERIFY2(logitsDiff < 1e-4, qPrintable(QString("logits differ by %1 relative").arg(logitsDiff)));
    QVERIFY2(featuresDiff < 1e-4, qPrintable(QString("features differ by %1 relative").arg(featuresDiff)));
    // Control: the comparison can fail (another input gives other logits).
    auto other = engineForward(**engine, input + 1.0, false);
    QVERIFY(other);
    QVERIFY(relativeDifference(other->logits, expected->logits) > 1e-3);
}

void TestInferenceEngine::fastStaysCloseToExact()
{
    if (!fastPrecisionSupport().available) {
        auto refused = InferenceEngine::build(*randomModel(config({}), 1), {Precision::Fast, 1});
        QVERIFY(!refused);
        QVERIFY(refused.error().message.find("unavailable") != std::string::npos);
        QSKIP(qPrintable("this CPU has no bfloat16 instructions: " +
                         QString::fromStdString(fastPrecisionSupport().detail)));
    }
    auto model = randomModel(config({{"layers", {2, 1, 1, 1}}}), 11);
    QVERIFY(model);
    auto fast = InferenceEngine::build(*model, {Precision::Fast, 2});
    QVERIFY2(fast, fast ? "" : fast.error().message.c_str());
    QCOMPARE((*fast)->precision(), Precision::Fast);
    QVERIFY((*fast)->description().find("bfloat16") != std::string::npos);
    c10::InferenceMode inference;
    at::manual_seed(5);
    const at::Tensor input = at::randn({4, 3, 64, 64});
    auto expected = runForward(*model, input);
    auto actual = engineForward(**fast, input, true);
    QVERIFY2(actual, actual ? "" : actual.error().message.c_str());
    QCOMPARE(actual->logits.scalar_type(), at::kFloat);
    const double diff = relativeDifference(actual->logits, expected->logits);
    // bfloat16 keeps 8 bits of mantissa: a few percent after a dozen layers, never garbage.
    QVERIFY2(diff < 0.1, qPrintable(QString("fast logits differ by %1 relative").arg(diff)));
    QVERIFY2(diff > 1e-6, "fast mode gave float32's exact answer: it did not run in bfloat16");
}

void TestInferenceEngine::sameShapeTwiceReusesThePlan()
{
    auto model = randomModel(config({{"block_type", "basic"}}), 2);
    auto engine = InferenceEngine::build(*model, {Precision::Exact, 1});
    QVERIFY(engine);
    QVERIFY((*engine)->prepare(2, 32, 32));
    c10::InferenceMode inference;
    const at::Tensor a = at::randn({2, 3, 32, 32});
    const at::Tensor b = at::randn({2, 3, 40, 40});
    auto first = engineForward(**engine, a, false);
    auto between = engineForward(**engine, b, false); // another shape in between
    auto again = engineForward(**engine, a, false);
    QVERIFY(first && between && again);
    QVERIFY(at::equal(first->logits, again->logits));
    QVERIFY(!between->features.defined());
}

// The classifier runs batches on one-thread lanes at the same time (each with its own primitives and
// scratchpad): concurrent runs must give what the all-threads lane gives, run after run.
void TestInferenceEngine::lanesRunAtOnceAndAgree()
{
    auto model = randomModel(config({{"layers", {2, 1, 1, 1}}}), 4);
    QVERIFY(model);
    auto engine = InferenceEngine::build(*model, {Precision::Exact, 2});
    QVERIFY(engine);
    c10::InferenceMode inference;
    at::manual_seed(5);
    const std::vector<at::Tensor> inputs = {at::randn({4, 3, 64, 64}), at::randn({4, 3, 64, 64})};
    std::vector<at::Tensor> expected;
    for (const at::Tensor& input : inputs) {
        auto out = engineForward(**engine, input, false, 0);
        QVERIFY(out);
        expected.push_back(out->logits);
    }
    std::vector<double> worst(2, 0.0);
    std::vector<int> failures(2, 0);
    std::vector<std::thread> lanes;
    for (int lane = 1; lane <= 2; ++lane) {
        lanes.emplace_back([&, lane] {
            c10::InferenceMode laneInference;
            const std::size_t which = static_cast<std::size_t>(lane - 1);
            for (int run = 0; run < 6; ++run) {
                auto out = engineForward(**engine, inputs[which], false, lane);
                if (!out) {
                    ++failures[which];
                    continue;
                }
                worst[which] = std::max(worst[which], relativeDifference(out->logits, expected[which]));
            }
        });
    }
    for (std::thread& t : lanes)
        t.join();
    QCOMPARE(failures, std::vector<int>(2, 0));
    for (double diff : worst)
        QVERIFY2(diff < 1e-5, qPrintable(QString("a lane's logits differ by %1 relative").arg(diff)));
    auto missing = engineForward(**engine, inputs[0], false, 3);
    QVERIFY(!missing);
    QVERIFY(QString::fromStdString(missing.error().message).contains("lane 3"));
}

void TestInferenceEngine::refusesBadInput()
{
    auto model = randomModel(config({}), 1);
    auto engine = InferenceEngine::build(*model, {Precision::Exact, 1});
    QVERIFY(engine);
    c10::InferenceMode inference;
    auto wrongChannels = engineForward(**engine, at::randn({1, 4, 32, 32}), false);
    QVERIFY(!wrongChannels);
    QVERIFY(wrongChannels.error().message.find("input channels") != std::string::npos);
    auto threeD = engineForward(**engine, at::randn({3, 32, 32}), false);
    QVERIFY(!threeD);
    QVERIFY(threeD.error().message.find("4-D") != std::string::npos);
    auto logits = (*engine)->logits(std::vector<float>(3 * 16 * 16, 0.5f).data(), 1, 3, 16, 16);
    QVERIFY(logits);
    QCOMPARE(logits->size(), std::size_t(10));
}

void TestInferenceEngine::rejectsBadOptions()
{
    auto model = randomModel(config({}), 1);
    auto negative = InferenceEngine::build(*model, {Precision::Exact, -1});
    QVERIFY(!negative);
    QVERIFY(negative.error().message.find("--threads") != std::string::npos);
    auto defaults = InferenceEngine::build(*model, {});
    QVERIFY(defaults);
    QCOMPARE((*defaults)->threads(), physicalCoreCount());
    QCOMPARE((*defaults)->precision(), Precision::Exact);
    QVERIFY(!parsePrecision("half"));
    QCOMPARE(*parsePrecision("fast"), Precision::Fast);
}

QTEST_GUILESS_MAIN(TestInferenceEngine)
#include "test_inference_engine.moc"
