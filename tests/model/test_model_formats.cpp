// Opening the pretrained formats people have (issue 11): timm repos, transformers' ResNet, TimmWrapper
// folders and torchvision state_dicts, written by make_format_fixtures.py with the real layouts. Each
// opens with no missing or unexpected tensor and gives PyTorch's logits within 1e-4 relative; near
// misses are refused naming the reason.

#include "imaging/preprocess.h"
#include "model/architecture_inference.h"
#include "model/imagenet_labels.h"
#include "model/key_mapping.h"
#include "model/model_internal.h"
#include "model/model_source.h"
#include "model_test_support.h"
#include "open/open_model.h"

#include <QCryptographicHash>
#include <QFile>
#include <QTest>

#include <c10/core/InferenceMode.h>

using namespace mwb;

namespace {

QString formatFixture(const QString& name)
{
    return QStringLiteral(MWB_FORMAT_FIXTURES_DIR "/") + name;
}

struct Case
{
    const char* path; // folder or file under the fixtures dir
    const char* io;   // NAME of NAME.io.safetensors
    SourceFormat format;
    int tensors;        // tensors in the model's state_dict
    const char* label0; // the first class's label
    int classes;
};

const Case kCases[] = {
    {"timm_resnet18", "timm_resnet18", SourceFormat::Timm, 122, "tench, Tinca tinca", 1000},
    {"timm_resnet50d", "timm_resnet50d", SourceFormat::Timm, 332, "tench, Tinca tinca", 1000},
    {"timm_resnet26t", "timm_resnet26t", SourceFormat::Timm, 188, "class_00", 10},
    {"timm_resnext50_32x4d", "timm_resnext50_32x4d", SourceFormat::TimmLegacy, 320, "tench, Tinca tinca",
     1000},
    {"timmwrapper_resnet18", "timmwrapper_resnet18", SourceFormat::TimmWrapper, 122, "cat", 3},
    {"hf_resnet18", "hf_resnet18", SourceFormat::Transformers, 122, "tench, Tinca tinca", 1000},
    {"hf_resnet50", "hf_resnet50", SourceFormat::Transformers, 320, "kind 0", 5},
    {"tv_resnet50.pth", "tv_resnet50", SourceFormat::StateDict, 320, "tench, Tinca tinca", 1000},
    {"tv_resnet50_legacy.pth", "tv_resnet50_legacy", SourceFormat::StateDict, 320, "tench, Tinca tinca",
     1000},
    {"tv_resnext50_32x4d.pth", "tv_resnext50_32x4d", SourceFormat::StateDict, 320, "tench, Tinca tinca",
     1000},
    {"tv_resnext50_32x4d_legacy.pth", "tv_resnext50_32x4d_legacy", SourceFormat::StateDict, 320,
     "tench, Tinca tinca", 1000},
};

double logitsError(const OpenedModel& opened, const QString& ioName)
{
    const QString io = formatFixture(ioName + ".io.safetensors");
    const at::Tensor input = test::readTensor(io, "pixel_values");
    const at::Tensor expected = test::readTensor(io, "logits");
    if (!input.defined() || !expected.defined())
        return 1e9;
    c10::InferenceMode inference;
    auto out = runForward(*opened.model, input);
    if (!out || out->logits.sizes() != expected.sizes())
        return 1e9;
    return test::relativeError(out->logits, expected);
}

} // namespace

class TestModelFormats : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void labelsResourceIsTheReference()
    {
        const auto& labels = imagenet1kLabels();
        QCOMPARE(labels.size(), std::size_t(1000));
        QCOMPARE(labels[0], std::string("tench, Tinca tinca"));
        QCOMPARE(labels[999], std::string("toilet tissue, toilet paper, bathroom tissue"));
        QFile file(QStringLiteral(MWB_LABELS_FILE));
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha256).toHex(),
                 QByteArray("4eb3da435cf544e4a6f390f62c84cb9c9bb68cf8b14e97f8a063452382e5efd2"));
    }

    void everyFormatOpensWithPyTorchsLogits_data()
    {
        QTest::addColumn<int>("index");
        for (int i = 0; i < int(std::size(kCases)); ++i)
            QTest::newRow(kCases[i].path) << i;
    }

    void everyFormatOpensWithPyTorchsLogits()
    {
        QFETCH(int, index);
        const Case& c = kCases[index];
        auto opened = openModel(formatFixture(QString::fromLatin1(c.path)).toStdString());
        QVERIFY2(opened, opened ? "" : opened.error().message.c_str());
        QCOMPARE(opened->format, c.format);
        QVERIFY(opened->report);
        const LoadReport& report = *opened->report;
        QCOMPARE(report.count(TensorStatus::Missing), 0);
        QCOMPARE(report.count(TensorStatus::Unexpected), 0);
        QCOMPARE(report.count(TensorStatus::WrongShape), 0);
        QVERIFY(report.exact());
        QCOMPARE(int(report.tensors.size()), c.tensors);
        QCOMPARE(report.sourceFormat, sourceFormatName(c.format));
        QCOMPARE(report.mapping, keyMappingFor(c.format).name);
        QCOMPARE(int(opened->labels.size()), c.classes);
        QCOMPARE(opened->labels.front(), std::string(c.label0));
        const double error = logitsError(*opened, QString::fromLatin1(c.io));
        qInfo("%s: max relative logits difference %.3g", c.path, error);
        QVERIFY2(error <= 1e-4, qPrintable(QString::number(error)));
    }

    void mappingIsReported()
    {
        auto hf = openModel(formatFixture(QStringLiteral("hf_resnet18")).toStdString());
        QVERIFY(hf);
        QCOMPARE(hf->report->renamed, 122); // every key translated
        QCOMPARE(hf->report->mapping, std::string("transformers ResNet -> timm"));
        const auto rules = hf->report->mappingRules;
        QVERIFY(std::ranges::find(rules,
                                  std::string("encoder.stages.{s}.layers.{b}.layer.{j}.convolution.weight -> "
                                              "layer{s+1}.{b}.conv{j+1}.weight")) != rules.end());
        // The report keeps the file's own names next to the model's.
        const auto conv =
            std::ranges::find(hf->report->tensors, std::string("layer2.0.conv1.weight"), &TensorReport::name);
        QVERIFY(conv != hf->report->tensors.end());
        QCOMPARE(conv->fileName, std::string("resnet.encoder.stages.1.layers.0.layer.0.convolution.weight"));

        auto wrapper = openModel(formatFixture(QStringLiteral("timmwrapper_resnet18")).toStdString());
        QVERIFY(wrapper);
        QCOMPARE(wrapper->report->renamed, 122);
        QCOMPARE(wrapper->labelSource, std::string("label_names"));
    }

    void legacyCheckpointWithoutCountersIsDefaulted()
    {
        auto opened = openModel(formatFixture(QStringLiteral("tv_resnet50_legacy.pth")).toStdString());
        QVERIFY(opened);
        QCOMPARE(opened->report->count(TensorStatus::Defaulted), 53); // one num_batches_tracked per BN
        QCOMPARE(opened->architecture, std::string("resnet50"));
        const bool inferredNote = std::ranges::any_of(
            opened->notes, [](const std::string& n) { return n.starts_with("architecture inferred"); });
        QVERIFY(inferredNote);
    }

    void inferenceRecoversTheArchitectures()
    {
        auto resnext = openModel(formatFixture(QStringLiteral("tv_resnext50_32x4d.pth")).toStdString());
        QVERIFY(resnext);
        QCOMPARE(resnext->architecture, std::string("resnext50_32x4d"));
        QCOMPARE(resnext->model->config()["cardinality"].get<int>(), 32);
        QCOMPARE(resnext->model->config()["base_width"].get<int>(), 4);
        QCOMPARE(resnext->model->parameterCount(), std::uint64_t(25028904));
        // A timm deep-tiered net without its config: the stem says which.
        std::vector<TensorShape> shapes;
        auto timm = openModel(formatFixture(QStringLiteral("timm_resnet26t")).toStdString());
        QVERIFY(timm);
        for (const NamedTensor& t : modelStateDict(*timm->model, false))
            shapes.push_back({t.name, t.tensor.sizes().vec()});
        auto inferred = inferArchitecture(shapes);
        QVERIFY(inferred);
        QCOMPARE(inferred->timmName, std::string("resnet26t"));
        QCOMPARE(inferred->spec.numClasses, 10);
    }

    void recipesComeFromEachFormat()
    {
        auto timm = openModel(formatFixture(QStringLiteral("timm_resnet26t")).toStdString());
        QVERIFY(timm);
        QCOMPARE(timm->recipe.pipeline, PreprocessPipeline::Timm);
        QCOMPARE(timm->recipe.cropWidth, 256);
        QCOMPARE(timm->recipe.shortestEdge, 272); // floor(256 / 0.94)
        QCOMPARE(timm->recipe.resample, ResampleFilter::Bicubic);
        auto hf = openModel(formatFixture(QStringLiteral("hf_resnet18")).toStdString());
        QVERIFY(hf);
        QCOMPARE(hf->recipe.pipeline, PreprocessPipeline::Transformers);
        QCOMPARE(hf->recipe.shortestEdge, 256); // int(224 / 0.875)
        QCOMPARE(hf->recipe.cropWidth, 224);
        auto tv = openModel(formatFixture(QStringLiteral("tv_resnet50.pth")).toStdString());
        QVERIFY(tv);
        QCOMPARE(tv->recipe.resample, ResampleFilter::Bilinear); // torchvision's V1 eval transform
        QCOMPARE(tv->recipe.shortestEdge, 256);
        QCOMPARE(tv->recipe.cropWidth, 224);
    }

    // timm 1.0's eval transform where it departs from the simple case (torchvision references).
    void timmBorderAndNonSquareCenterMatchTimm_data()
    {
        QTest::addColumn<QString>("mode");
        QTest::addColumn<int>("height");
        QTest::addColumn<int>("width");
        QTest::addColumn<double>("cropPct");
        QTest::addColumn<QString>("expected");
        QTest::newRow("border") << "border" << 64 << 48 << 0.9 << "recipe_border.png";
        QTest::newRow("center non-square") << "center" << 48 << 64 << 0.875 << "recipe_center_nonsquare.png";
    }

    void timmBorderAndNonSquareCenterMatchTimm()
    {
        QFETCH(QString, mode);
        QFETCH(int, height);
        QFETCH(int, width);
        QFETCH(double, cropPct);
        QFETCH(QString, expected);
        const nlohmann::json config = {{"pretrained_cfg",
                                        {{"input_size", {3, height, width}},
                                         {"interpolation", "bicubic"},
                                         {"crop_pct", cropPct},
                                         {"crop_mode", mode.toStdString()}}}};
        auto recipe = preprocessRecipeFromJson(nullptr, &config);
        QVERIFY(recipe);
        if (mode == "center") // timm ignores `interpolation` here: ResizeKeepRatio's default bilinear
            QCOMPARE(recipe->resample, ResampleFilter::Bilinear);
        else
            QCOMPARE(recipe->padValues, (std::vector<int>{124, 116, 104})); // round(255 * mean)
        auto out = preprocessImageFile(formatFixture("recipe_input.png").toStdString(), *recipe);
        QVERIFY2(out, out ? "" : out.error().message.c_str());
        auto reference = decodeImageFile(formatFixture(expected).toStdString());
        QVERIFY(reference);
        QCOMPARE(out->modelInput.width, reference->width);
        QCOMPARE(out->modelInput.height, reference->height);
        int worst = 0;
        for (std::size_t i = 0; i < reference->pixels.size(); ++i)
            worst = std::max(worst, std::abs(int(out->modelInput.pixels[i]) - int(reference->pixels[i])));
        qInfo("%s: max difference to timm's transform %d levels", qPrintable(mode), worst);
        QVERIFY(worst <= 2); // the preprocessing tolerance the imaging tests state
    }

    void nearMissesAreRefusedWithTheReason_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("reason");
        QTest::newRow("timm SE attention") << "timm_seresnet50"
                                           << "squeeze-and-excitation";
        QTest::newRow("downsample_in_first_stage") << "hf_downsample_first"
                                                   << "downsample_in_first_stage";
        QTest::newRow("truncated") << "truncated.pth"
                                   << "truncated";
        QTest::newRow("not a ResNet") << "not_resnet.pth"
                                      << "not a ResNet";
    }

    void nearMissesAreRefusedWithTheReason()
    {
        QFETCH(QString, path);
        QFETCH(QString, reason);
        auto opened = openModel(formatFixture(path).toStdString());
        QVERIFY(!opened);
        QCOMPARE(opened.error().kind, ErrorKind::InvalidInput);
        QVERIFY2(opened.error().message.find(reason.toStdString()) != std::string::npos,
                 opened.error().message.c_str());
    }

    void configFamiliesAreToldApart()
    {
        const nlohmann::json hf = {{"model_type", "resnet"},
                                   {"depths", {2, 2, 2, 2}},
                                   {"layer_type", "basic"},
                                   {"hidden_sizes", {64, 128, 256, 512}}};
        QCOMPARE(detectConfigFamily(hf)->format, SourceFormat::Transformers);
        const nlohmann::json tutorial = {
            {"model_type", "resnet"}, {"block_type", "basic"}, {"layers", {2, 2, 2, 2}}};
        QCOMPARE(detectConfigFamily(tutorial)->format, SourceFormat::Tutorial);
        nlohmann::json both = hf;
        both["stem_type"] = "deep";
        QVERIFY(!detectConfigFamily(both));
        QVERIFY(detectConfigFamily(both).error().message.find("ambiguous") != std::string::npos);
        const nlohmann::json bare = {{"model_type", "resnet"}};
        QCOMPARE(detectConfigFamily(bare, {"resnet.embedder.embedder.convolution.weight"})->format,
                 SourceFormat::Transformers);
        QCOMPARE(detectConfigFamily(bare, {"model.conv1.weight"})->format, SourceFormat::Tutorial);
        const nlohmann::json thirdParty = {{"model_type", "resnet"},
                                           {"architectures", {"CifNetForImageClassification"}}};
        QVERIFY(!detectConfigFamily(thirdParty));
        const nlohmann::json timm = {{"architecture", "resnet50"},
                                     {"pretrained_cfg", nlohmann::json::object()}};
        QCOMPARE(detectConfigFamily(timm)->format, SourceFormat::Timm);
        // Deprecated timm names resolve and say so; a transformers config with a 2-label default head.
        auto tv = modelSourceFromConfig(
            {{"architecture", "tv_resnet50"}, {"pretrained_cfg", nlohmann::json::object()}});
        QVERIFY(tv);
        QCOMPARE(tv->architecture, std::string("resnet50"));
        QVERIFY(!tv->notes.empty() && tv->notes[0].find("deprecated") != std::string::npos);
        auto twoLabels = modelSourceFromConfig(hf);
        QVERIFY(twoLabels);
        QCOMPARE(twoLabels->config["num_classes"].get<int>(), 2);
        auto gelu = modelSourceFromConfig({{"model_type", "resnet"},
                                           {"layer_type", "basic"},
                                           {"hidden_sizes", {64, 128, 256, 512}},
                                           {"hidden_act", "gelu"}});
        QVERIFY(!gelu);
        QVERIFY(gelu.error().message.starts_with("hidden_act"));
        auto dilated = modelSourceFromConfig({{"architecture", "resnet50"},
                                              {"pretrained_cfg", nlohmann::json::object()},
                                              {"model_args", {{"output_stride", 16}}}});
        QVERIFY(!dilated);
        QVERIFY(dilated.error().message.starts_with("model_args.output_stride"));
    }
};

QTEST_GUILESS_MAIN(TestModelFormats)
#include "test_model_formats.moc"
