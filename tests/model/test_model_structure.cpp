// The module tree of the LibTorch ResNet against timm's: state_dict keys, shapes and dtypes, parameter
// counts (timm's published figures and resnet_spec's arithmetic), MACs, and timm's initialisation.

#include "model/model_internal.h"
#include "model/resnet_spec.h"
#include "model_test_support.h"

#include <cmath>

#include <QTest>

#include <c10/core/InferenceMode.h>

using namespace mwb;
using json = nlohmann::json;

namespace {

const json& structures()
{
    static const json doc = mwb::test::readJson(mwb::test::fixture(QStringLiteral("state_dicts.json")));
    return doc;
}

std::unique_ptr<Model> build(const json& config)
{
    auto model = Model::fromConfig(config);
    if (!model)
        qWarning("%s", model.error().message.c_str());
    return model ? std::move(*model) : nullptr;
}

} // namespace

class TestModelStructure final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void stateDictEqualsTimms_data();
    void stateDictEqualsTimms();
    void parameterCountsMatchTimmsPublished_data();
    void parameterCountsMatchTimmsPublished();
    void macsMatchTimmsPublished_data();
    void macsMatchTimmsPublished();
    void summaryShapesMatchTheForwardPass_data();
    void summaryShapesMatchTheForwardPass();
    void freshWeightsAreInitialisedAsTimmDoes();
    void sameSeedSameWeights();
    void forwardRefusesTheWrongChannelCount();
};

void TestModelStructure::stateDictEqualsTimms_data()
{
    QTest::addColumn<QString>("name");
    QVERIFY2(structures().is_object(), "state_dicts.json missing: run the model_parity_fixtures test");
    for (const auto& [name, entry] : structures().items())
        QTest::newRow(name.c_str()) << QString::fromStdString(name);
}

void TestModelStructure::stateDictEqualsTimms()
{
    QFETCH(QString, name);
    const json& expected = structures()[name.toStdString()];
    auto model = build(expected["config"]);
    QVERIFY(model);

    json actual = json::array();
    for (const NamedTensor& t : modelStateDict(*model, /*wrapperPrefix=*/false))
        actual.push_back({t.name, t.tensor.sizes().vec(), dtypeName(t.tensor)});
    // Same keys in the same order (state_dict order), shapes and dtypes; num_batches_tracked is an
    // int64 0-dim scalar in the expected listing.
    for (size_t i = 0; i < std::min(actual.size(), expected["state_dict"].size()); ++i) {
        if (actual[i] != expected["state_dict"][i])
            QFAIL(qPrintable(QStringLiteral("entry %1: ours %2, timm's %3")
                                 .arg(i)
                                 .arg(QString::fromStdString(actual[i].dump()),
                                      QString::fromStdString(expected["state_dict"][i].dump()))));
    }
    QCOMPARE(actual.size(), expected["state_dict"].size());

    for (const NamedTensor& t : modelStateDict(*model, /*wrapperPrefix=*/true))
        QVERIFY(t.name.starts_with("model."));
}

void TestModelStructure::parameterCountsMatchTimmsPublished_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<qulonglong>("published");
    QTest::newRow("resnet18") << "resnet18" << 11'689'512ull;
    QTest::newRow("resnet34") << "resnet34" << 21'797'672ull;
    QTest::newRow("resnet50") << "resnet50" << 25'557'032ull;
    QTest::newRow("resnet50d") << "resnet50d" << 25'576'264ull;
    QTest::newRow("resnext50_32x4d") << "resnext50_32x4d" << 25'028'904ull;
    QTest::newRow("resnet26t") << "resnet26t"
                               << 16'011'872ull; // timm lists 16.01 M; exact from the reference
    QTest::newRow("resnet18, no classifier") << "resnet18_headless" << 11'689'512ull - 513'000ull;
}

void TestModelStructure::parameterCountsMatchTimmsPublished()
{
    QFETCH(QString, name);
    QFETCH(qulonglong, published);
    const json& entry = structures()[name.toStdString()];
    QCOMPARE(entry["parameters"].get<qulonglong>(), published); // the Python reference agrees
    auto model = build(entry["config"]);
    QVERIFY(model);
    QCOMPARE(static_cast<qulonglong>(model->parameterCount()), published);
    QCOMPARE(static_cast<qulonglong>(countParameters(ResnetSpec::fromConfig(model->config())).total()),
             published);
    QCOMPARE(static_cast<qulonglong>(model->summary()->totalParameters), published);
}

void TestModelStructure::macsMatchTimmsPublished_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<double>("publishedGmacs"); // timm's results CSV, at 224x224
    QTest::newRow("resnet18") << "resnet18" << 1.82;
    QTest::newRow("resnet34") << "resnet34" << 3.67;
    QTest::newRow("resnet50") << "resnet50" << 4.11;
    QTest::newRow("resnet50d") << "resnet50d" << 4.35;
    QTest::newRow("resnext50_32x4d") << "resnext50_32x4d" << 4.26;
    QTest::newRow("resnet26t") << "resnet26t" << -1.0;
    QTest::newRow("deep stem width 64") << "deep_basic_sw64" << -1.0;
}

void TestModelStructure::macsMatchTimmsPublished()
{
    QFETCH(QString, name);
    QFETCH(double, publishedGmacs);
    const json& entry = structures()[name.toStdString()];
    const ResnetSpec spec = ResnetSpec::fromConfig(build(entry["config"])->config());
    const ModelSummary at224 = summarize(spec, 224, 224);
    // Exactly what PyTorch's forward hooks counted on the reference net, at 224 and at an odd size.
    QCOMPARE(static_cast<qulonglong>(at224.totalMacs), entry["macs_224"].get<qulonglong>());
    QCOMPARE(static_cast<qulonglong>(summarize(spec, 61, 47).totalMacs),
             entry["macs_61x47"].get<qulonglong>());
    if (publishedGmacs > 0)
        QCOMPARE(std::round(static_cast<double>(at224.totalMacs) / 1e7) / 100, publishedGmacs);
}

void TestModelStructure::summaryShapesMatchTheForwardPass_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("height");
    QTest::addColumn<int>("width");
    QTest::newRow("resnet50d 61x47") << "resnet50d" << 61 << 47;
    QTest::newRow("resnet18 headless 33x1") << "resnet18_headless" << 33 << 1;
    QTest::newRow("resnet50 gray 224") << "resnet50_gray" << 224 << 224;
}

void TestModelStructure::summaryShapesMatchTheForwardPass()
{
    QFETCH(QString, name);
    QFETCH(int, height);
    QFETCH(int, width);
    auto model = build(structures()[name.toStdString()]["config"]);
    QVERIFY(model);
    auto summary = model->summary(height, width);
    QVERIFY(summary);
    QCOMPARE(summary->rows.size(), size_t{6});
    QCOMPARE(summary->rows[0].name, std::string("stem"));
    QCOMPARE(summary->rows[5].name, std::string("head"));

    c10::InferenceMode inference;
    const int channels = model->config()["input_channels"].get<int>();
    auto out = runForward(*model, at::randn({1, channels, height, width}));
    QVERIFY(out);
    std::vector<std::int64_t> features = out->features.sizes().vec();
    features.erase(features.begin());
    QCOMPARE(summary->rows[4].outputShape, features);
    QCOMPARE(summary->rows[5].outputShape, std::vector<std::int64_t>{out->logits.size(1)});
    QCOMPARE(summary->inputShape, (std::vector<std::int64_t>{channels, height, width}));
    QVERIFY(!model->summary(0, 10));
}

void TestModelStructure::freshWeightsAreInitialisedAsTimmDoes()
{
    auto model = build(structures()["resnet50d"]["config"]);
    QVERIFY(model);
    model->initializeWeights(7);
    std::map<std::string, at::Tensor> state;
    for (const NamedTensor& t : modelStateDict(*model, false))
        state[t.name] = t.tensor;

    // kaiming_normal_(fan_out, relu): std sqrt(2 / (out * kh * kw)).
    const at::Tensor conv = state.at("layer3.0.conv2.weight"); // [256, 256, 3, 3]
    const double expectedStd = std::sqrt(2.0 / (256.0 * 9.0));
    QVERIFY(std::abs(conv.std().item<double>() / expectedStd - 1.0) < 0.02);
    QVERIFY(std::abs(conv.mean().item<double>()) < expectedStd * 0.02);
    // Each block's last BN weight is zero; other BNs at weight 1, bias 0, fresh statistics.
    QVERIFY(state.at("layer3.0.bn3.weight").eq(0).all().item<bool>());
    QVERIFY(state.at("layer3.0.bn2.weight").eq(1).all().item<bool>());
    QVERIFY(state.at("layer3.0.bn2.bias").eq(0).all().item<bool>());
    QVERIFY(state.at("bn1.running_var").eq(1).all().item<bool>());
    const at::Tensor counter = state.at("bn1.num_batches_tracked");
    QCOMPARE(counter.dim(), 0);
    QCOMPARE(counter.scalar_type(), at::kLong);
    // Linear default: U(±1/sqrt(2048)).
    const double bound = 1.0 / std::sqrt(2048.0);
    QVERIFY(state.at("fc.weight").abs().max().item<double>() <= bound);
    QVERIFY(state.at("fc.weight").abs().max().item<double>() > bound * 0.99);
}

void TestModelStructure::sameSeedSameWeights()
{
    const json config = structures()["resnet18"]["config"];
    auto a = build(config);
    auto b = build(config);
    a->initializeWeights(42);
    b->initializeWeights(42);
    const TensorList sa = modelStateDict(*a, false), sb = modelStateDict(*b, false);
    for (size_t i = 0; i < sa.size(); ++i)
        QVERIFY2(sa[i].tensor.equal(sb[i].tensor), sa[i].name.c_str());
    b->initializeWeights(43);
    QVERIFY(!sa[0].tensor.equal(modelStateDict(*b, false)[0].tensor));
}

void TestModelStructure::forwardRefusesTheWrongChannelCount()
{
    auto model = build(structures()["resnet50_gray"]["config"]);
    QVERIFY(model);
    c10::InferenceMode inference;
    auto out = runForward(*model, at::zeros({1, 3, 32, 32}));
    QVERIFY(!out);
    QVERIFY2(out.error().message.find("1 input channels") != std::string::npos, out.error().message.c_str());
    QVERIFY(!runForward(*model, at::zeros({1, 32, 32})));
    QVERIFY(!runForward(*model, at::zeros({1, 1, 32, 32}, at::kLong)));
}

QTEST_GUILESS_MAIN(TestModelStructure)
#include "test_model_structure.moc"
