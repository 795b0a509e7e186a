// The load report and what loading does: matched, missing, unexpected, wrong shape, wrong dtype,
// converted dtypes, the classifier-only case, both key spellings, strict and non-strict loads.

#include "model/model_internal.h"
#include "model_test_support.h"

#include <QTemporaryDir>
#include <QTest>

#include <torch/utils.h>

using namespace mwb;
using json = nlohmann::json;

namespace {

// The smallest net the architecture allows: basic blocks, one per stage (4.9 M parameters).
json smallConfig(int numClasses = 10)
{
    return {{"model_type", "resnet"},
            {"block_type", "basic"},
            {"layers", {1, 1, 1, 1}},
            {"num_classes", numClasses}};
}

std::unique_ptr<Model> build(const json& config, std::uint64_t seed)
{
    auto model = Model::fromConfig(config);
    if (!model)
        return nullptr;
    (*model)->initializeWeights(seed);
    return std::move(*model);
}

// A deep copy of a model's weights (as a file would hold them), optionally with the wrapper prefix.
TensorList weightsOf(const Model& model, bool prefixed = false)
{
    TensorList out = modelStateDict(model, prefixed);
    for (NamedTensor& t : out)
        t.tensor = t.tensor.clone();
    return out;
}

const TensorReport* find(const LoadReport& report, const std::string& name)
{
    auto it = std::ranges::find(report.tensors, name, &TensorReport::name);
    return it == report.tensors.end() ? nullptr : &*it;
}

bool sameWeights(const Model& a, const Model& b, const std::string& prefix = "")
{
    const TensorList wa = modelStateDict(a, false), wb = modelStateDict(b, false);
    for (size_t i = 0; i < wa.size(); ++i) {
        if (wa[i].name.starts_with(prefix) && !wa[i].tensor.equal(wb[i].tensor))
            return false;
    }
    return true;
}

} // namespace

class TestModelLoadReport final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void exactMatchWithEitherKeySpelling_data();
    void exactMatchWithEitherKeySpelling();
    void missingTensorRefusedStrictlyLoadedNonStrictly();
    void unexpectedTensorsAndDuplicateSpellings();
    void classifierOnlyDifference();
    void headlessModelAgainstAFileWithAClassifier();
    void wrongShapeOutsideTheClassifier();
    void dtypeConversion_data();
    void dtypeConversion();
    void wrongDtypeIsAProblem();
    void missingBatchCounterIsDefaulted();
    void filesThroughCheckAndApply();

private:
    std::unique_ptr<Model> m_source; // weights come from here
    QTemporaryDir m_dir;
};

void TestModelLoadReport::initTestCase()
{
    m_source = build(smallConfig(), 1);
    QVERIFY(m_source);
}

void TestModelLoadReport::exactMatchWithEitherKeySpelling_data()
{
    QTest::addColumn<bool>("prefixed");
    QTest::newRow("timm's bare keys") << false;
    QTest::newRow("wrapper's model. keys") << true;
}

void TestModelLoadReport::exactMatchWithEitherKeySpelling()
{
    QFETCH(bool, prefixed);
    auto target = build(smallConfig(), 2);
    QVERIFY(!sameWeights(*target, *m_source));
    auto report = applyTensors(*target, weightsOf(*m_source, prefixed), "file");
    QVERIFY(report);
    QVERIFY(report->exact());
    QCOMPARE(report->prefixed, prefixed);
    QCOMPARE(report->count(TensorStatus::Matched), static_cast<int>(modelStateDict(*target, false).size()));
    QCOMPARE(report->convertedCount(), 0);
    QVERIFY(!report->onlyClassifierDiffers());
    QVERIFY(sameWeights(*target, *m_source));
    const TensorReport* conv = find(*report, "conv1.weight");
    QVERIFY(conv);
    QCOMPARE(conv->fileName, std::string(prefixed ? "model.conv1.weight" : "conv1.weight"));
}

void TestModelLoadReport::missingTensorRefusedStrictlyLoadedNonStrictly()
{
    TensorList file = weightsOf(*m_source);
    std::erase_if(file, [](const NamedTensor& t) { return t.name == "layer2.0.conv1.weight"; });
    auto target = build(smallConfig(), 3);
    const at::Tensor before = modelStateDict(*target, false)[0].tensor.clone();

    auto strict = applyTensors(*target, file, "partial.safetensors");
    QVERIFY(!strict);
    QCOMPARE(strict.error().kind, ErrorKind::InvalidInput);
    QVERIFY2(strict.error().message.find("layer2.0.conv1.weight: missing") != std::string::npos,
             strict.error().message.c_str());
    QVERIFY(strict.error().message.starts_with("partial.safetensors: "));
    QVERIFY(modelStateDict(*target, false)[0].tensor.equal(before)); // a refusal changes nothing

    const LoadReport report = matchWeights(*target, file, "partial.safetensors");
    QCOMPARE(report.count(TensorStatus::Missing), 1);
    QCOMPARE(find(report, "layer2.0.conv1.weight")->status, TensorStatus::Missing);
    QCOMPARE(find(report, "layer2.0.conv1.weight")->modelShape, (std::vector<std::int64_t>{128, 64, 3, 3}));
    QVERIFY(!report.onlyClassifierDiffers());

    auto loose = applyTensors(*target, file, "partial.safetensors", {.strict = false});
    QVERIFY(loose);
    QVERIFY(sameWeights(*target, *m_source, "layer1."));
    QVERIFY(!sameWeights(*target, *m_source, "layer2.0.conv1.")); // the missing one keeps its own value
}

void TestModelLoadReport::unexpectedTensorsAndDuplicateSpellings()
{
    TensorList file = weightsOf(*m_source, true);
    file.push_back({"model.extra.weight", at::zeros({3})});
    file.push_back({"conv1.weight", file[0].tensor}); // the same tensor again, bare
    const LoadReport report = matchWeights(*m_source, file, "f");
    QCOMPARE(report.count(TensorStatus::Unexpected), 2);
    QCOMPARE(report.count(TensorStatus::Missing), 0);
    QVERIFY(!report.exact());
    const auto problems = report.problems();
    QCOMPARE(problems[0].fileName, std::string("model.extra.weight"));
    QCOMPARE(problems[0].name, std::string("extra.weight"));
    QCOMPARE(problems[0].fileShape, std::vector<std::int64_t>{3});
    QCOMPARE(problems[1].fileName, std::string("conv1.weight"));
    QCOMPARE(describeProblem(problems[0]),
             std::string("model.extra.weight: unexpected, the model has no such tensor (F32 [3])"));
}

void TestModelLoadReport::classifierOnlyDifference()
{
    auto target = build(smallConfig(1000), 4);
    const at::Tensor freshHead = modelStateDict(*target, false).back().tensor.clone(); // fc.bias
    const TensorList file = weightsOf(*m_source);                                      // 10 classes
    const LoadReport report = matchWeights(*target, file, "f");
    QCOMPARE(report.count(TensorStatus::WrongShape), 2);
    QVERIFY(report.onlyClassifierDiffers());
    const TensorReport* fc = find(report, "fc.weight");
    QCOMPARE(fc->modelShape, (std::vector<std::int64_t>{1000, 512}));
    QCOMPARE(fc->fileShape, (std::vector<std::int64_t>{10, 512}));
    QCOMPARE(describeProblem(*fc), std::string("fc.weight: wrong shape: model [1000, 512], file [10, 512]"));

    auto strict = applyTensors(*target, file, "f");
    QVERIFY(!strict);
    QVERIFY(strict.error().message.find("only the classifier (fc) differs") != std::string::npos);
    auto kept = applyTensors(*target, file, "f", {.strict = true, .keepFreshHead = true});
    QVERIFY(kept);
    QVERIFY(sameWeights(*target, *m_source, "layer"));
    QVERIFY(modelStateDict(*target, false).back().tensor.equal(freshHead));
}

void TestModelLoadReport::headlessModelAgainstAFileWithAClassifier()
{
    auto target = build(smallConfig(0), 5);
    const LoadReport report = matchWeights(*target, weightsOf(*m_source, true), "f");
    QCOMPARE(report.count(TensorStatus::Unexpected), 2);
    QVERIFY(report.onlyClassifierDiffers());
    QCOMPARE(report.problems()[0].name, std::string("fc.weight"));
    QCOMPARE(report.problems()[0].fileName, std::string("model.fc.weight"));
}

void TestModelLoadReport::wrongShapeOutsideTheClassifier()
{
    json wide = smallConfig();
    wide["input_channels"] = 4;
    auto target = build(wide, 6);
    const LoadReport report = matchWeights(*target, weightsOf(*m_source), "f");
    QCOMPARE(report.count(TensorStatus::WrongShape), 1);
    QCOMPARE(find(report, "conv1.weight")->status, TensorStatus::WrongShape);
    QVERIFY(!report.onlyClassifierDiffers());
}

void TestModelLoadReport::dtypeConversion_data()
{
    QTest::addColumn<int>("dtype");
    QTest::addColumn<QString>("name");
    QTest::newRow("float16") << static_cast<int>(at::kHalf) << "F16";
    QTest::newRow("float64") << static_cast<int>(at::kDouble) << "F64";
    QTest::newRow("bfloat16") << static_cast<int>(at::kBFloat16) << "BF16";
}

void TestModelLoadReport::dtypeConversion()
{
    QFETCH(int, dtype);
    QFETCH(QString, name);
    TensorList file = weightsOf(*m_source);
    int floats = 0;
    for (NamedTensor& t : file) {
        if (t.tensor.is_floating_point()) {
            t.tensor = t.tensor.to(static_cast<at::ScalarType>(dtype));
            ++floats;
        }
    }
    auto target = build(smallConfig(), 7);
    auto report = applyTensors(*target, file, "f");
    QVERIFY(report);
    QVERIFY(report->exact());
    QCOMPARE(report->convertedCount(), floats);
    const TensorReport* conv = find(*report, "conv1.weight");
    QVERIFY(conv->dtypeConverted());
    QCOMPARE(QString::fromStdString(conv->fileDtype), name);
    QCOMPARE(conv->modelDtype, std::string("F32"));
    QVERIFY(!find(*report, "bn1.num_batches_tracked")->dtypeConverted());
    // The model holds the file's values, in float32.
    const at::Tensor loaded = modelStateDict(*target, false)[0].tensor;
    QCOMPARE(loaded.scalar_type(), at::kFloat);
    QVERIFY(loaded.equal(file[0].tensor.to(at::kFloat)));
}

void TestModelLoadReport::wrongDtypeIsAProblem()
{
    TensorList file = weightsOf(*m_source);
    file[0].tensor = file[0].tensor.gt(0); // bool weights
    const LoadReport report = matchWeights(*m_source, file, "f");
    QCOMPARE(report.count(TensorStatus::WrongDtype), 1);
    QCOMPARE(report.problems()[0].fileDtype, std::string("BOOL"));
    QVERIFY(!report.exact());
}

void TestModelLoadReport::missingBatchCounterIsDefaulted()
{
    TensorList file = weightsOf(*m_source);
    std::erase_if(file, [](const NamedTensor& t) { return t.name.ends_with("num_batches_tracked"); });
    auto target = build(smallConfig(), 8);
    {
        torch::NoGradGuard noGrad;
        for (NamedTensor& t : modelStateDict(*target, false)) {
            if (t.name.ends_with("num_batches_tracked"))
                t.tensor.fill_(5);
        }
    }
    auto report = applyTensors(*target, file, "legacy.bin");
    QVERIFY(report);
    QVERIFY(report->exact()); // as PyTorch's BatchNorm loader, not a strict failure
    QCOMPARE(report->count(TensorStatus::Defaulted), 12); // stem bn1, 2 per block, 3 downsample BNs
    for (const NamedTensor& t : modelStateDict(*target, false)) {
        if (t.name.ends_with("num_batches_tracked"))
            QCOMPARE(t.tensor.item<std::int64_t>(), std::int64_t{0});
    }
}

void TestModelLoadReport::filesThroughCheckAndApply()
{
    // Through real files: a float16 safetensors file with the wrapper's keys and a 5-class head.
    auto fiveClasses = build(smallConfig(5), 9);
    TensorList file = weightsOf(*fiveClasses, true);
    for (NamedTensor& t : file) {
        if (t.tensor.is_floating_point())
            t.tensor = t.tensor.to(at::kHalf);
    }
    const QString path = m_dir.filePath(QStringLiteral("half.safetensors"));
    QVERIFY(writeSafetensors(path, file));

    auto target = build(smallConfig(10), 10);
    auto report = target->checkWeights(path);
    QVERIFY2(report, report ? "" : report.error().message.c_str());
    QCOMPARE(report->file, path.toStdString());
    QVERIFY(report->prefixed);
    QVERIFY(report->onlyClassifierDiffers());
    QVERIFY(report->convertedCount() > 0);
    QVERIFY(!target->applyWeights(path));
    QVERIFY(target->applyWeights(path, {.strict = false}));
    // The model holds the file's float16 values, widened to float32.
    const at::Tensor ours = modelStateDict(*target, false)[0].tensor;
    QVERIFY(ours.equal(modelStateDict(*fiveClasses, false)[0].tensor.to(at::kHalf).to(at::kFloat)));

    auto missingFile = target->checkWeights(m_dir.filePath(QStringLiteral("absent.safetensors")));
    QVERIFY(!missingFile);
    QVERIFY(missingFile.error().message.find("absent.safetensors") != std::string::npos);
}

QTEST_GUILESS_MAIN(TestModelLoadReport)
#include "test_model_load_report.moc"
