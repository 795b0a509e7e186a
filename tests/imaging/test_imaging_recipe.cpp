// Where the preprocessing recipe comes from and what it says: transformers image processors, timm's
// pretrained_cfg (nested and legacy flat), defaults, channel count, and errors naming the field.

#include "imaging/preprocess.h"
#include "imaging/preprocess_recipe.h"
#include "imaging_fixtures.h"

#include <fstream>

#include <QTemporaryDir>
#include <QTest>

using json = nlohmann::json;
using namespace imaging_fixtures;
using mwb::CropRounding;
using mwb::ResizeMode;

namespace {

mwb::PreprocessRecipe fromProcessor(const json& processor, const json& model = json::object())
{
    const auto recipe = mwb::preprocessRecipeFromJson(&processor, &model);
    if (!recipe)
        qFatal("unexpected error: %s", recipe.error().message.c_str());
    return *recipe;
}

mwb::PreprocessRecipe fromModelConfig(const json& model)
{
    const auto recipe = mwb::preprocessRecipeFromJson(nullptr, &model);
    if (!recipe)
        qFatal("unexpected error: %s", recipe.error().message.c_str());
    return *recipe;
}

} // namespace

class TestImagingRecipe final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void convNextBelow384ResizesThenCrops()
    {
        const auto r = fromProcessor({{"image_processor_type", "ConvNextImageProcessor"},
                                      {"size", {{"shortest_edge", 224}}},
                                      {"crop_pct", 0.875},
                                      {"resample", 3},
                                      {"image_mean", {0.485, 0.456, 0.406}},
                                      {"image_std", {0.229, 0.224, 0.225}}});
        QCOMPARE(r.pipeline, mwb::PreprocessPipeline::Transformers);
        QCOMPARE(r.resizeMode, ResizeMode::ShortestEdge);
        QCOMPARE(r.shortestEdge, 256);
        QVERIFY(r.centerCrop);
        QCOMPARE(r.cropHeight, 224);
        QCOMPARE(r.cropWidth, 224);
        QCOMPARE(r.cropRounding, CropRounding::Floor);
        QCOMPARE(r.resample, mwb::ResampleFilter::Bicubic);
        QCOMPARE(r.rescale, mwb::RescaleMode::MultiplyFloat64);
        QCOMPARE(r.mean, (std::vector<double>{0.485, 0.456, 0.406}));
    }

    void convNextFrom384WarpsWithoutCrop()
    {
        const auto r = fromProcessor({{"image_processor_type", "ConvNextImageProcessor"},
                                      {"size", {{"shortest_edge", 384}}},
                                      {"crop_pct", nullptr}});
        QCOMPARE(r.resizeMode, ResizeMode::Exact);
        QCOMPARE(r.resizeWidth, 384);
        QCOMPARE(r.resizeHeight, 384);
        QVERIFY(!r.centerCrop);
        QCOMPARE(r.mean, (std::vector<double>{0.5, 0.5, 0.5})); // ConvNext's default: IMAGENET_STANDARD
    }

    void convNextNullCropPctMeansDefault()
    {
        const auto r = fromProcessor(
            {{"feature_extractor_type", "ConvNextFeatureExtractor"}, {"size", 288}, {"crop_pct", nullptr}});
        QCOMPARE(r.resizeMode, ResizeMode::ShortestEdge);
        QCOMPARE(r.shortestEdge, 329); // int(288 / 0.875)
        QCOMPARE(r.cropWidth, 288);
    }

    void legacyIntegerSizeFollowsTheProcessor()
    {
        const auto vit = fromProcessor({{"image_processor_type", "ViTImageProcessor"}, {"size", 224}});
        QCOMPARE(vit.resizeMode, ResizeMode::Exact);
        QCOMPARE(vit.resizeWidth, 224);
        QVERIFY(!vit.centerCrop);
        QCOMPARE(vit.resample, mwb::ResampleFilter::Bilinear);
        const auto clip = fromProcessor({{"image_processor_type", "CLIPImageProcessor"},
                                         {"size", 224},
                                         {"do_center_crop", true},
                                         {"crop_size", 224}});
        QCOMPARE(clip.resizeMode, ResizeMode::ShortestEdge);
        QCOMPARE(clip.shortestEdge, 224);
        QVERIFY(clip.centerCrop);
        QCOMPARE(clip.cropHeight, 224);
    }

    void processorSwitchesAreHonoured()
    {
        const auto r = fromProcessor({{"image_processor_type", "ViTImageProcessor"},
                                      {"do_resize", false},
                                      {"do_rescale", false},
                                      {"do_normalize", false}});
        QCOMPARE(r.resizeMode, ResizeMode::None);
        QCOMPARE(r.rescale, mwb::RescaleMode::None);
        QVERIFY(!r.normalize);
    }

    void timmNestedConfig()
    {
        const auto r = fromModelConfig({{"architecture", "resnet50"},
                                        {"pretrained_cfg",
                                         {{"input_size", {3, 224, 224}},
                                          {"interpolation", "bicubic"},
                                          {"crop_pct", 0.95},
                                          {"mean", {0.485, 0.456, 0.406}},
                                          {"std", {0.229, 0.224, 0.225}}}}});
        QCOMPARE(r.pipeline, mwb::PreprocessPipeline::Timm);
        QCOMPARE(r.resizeMode, ResizeMode::ShortestEdge);
        QCOMPARE(r.shortestEdge, 235); // floor(224 / 0.95)
        QCOMPARE(r.cropRounding, CropRounding::RoundHalfEven);
        QCOMPARE(r.rescale, mwb::RescaleMode::DivideFloat32);
        QCOMPARE(r.resample, mwb::ResampleFilter::Bicubic);
    }

    void timmLegacyFlatConfigAndDefaults()
    {
        const auto flat = fromModelConfig({{"architecture", "resnet18"},
                                           {"input_size", {3, 288, 288}},
                                           {"interpolation", "bilinear"},
                                           {"crop_pct", 1.0}});
        QCOMPARE(flat.pipeline, mwb::PreprocessPipeline::Timm);
        QCOMPARE(flat.shortestEdge, 288);
        QCOMPARE(flat.cropWidth, 288);
        QCOMPARE(flat.resample, mwb::ResampleFilter::Bilinear);
        QCOMPARE(flat.mean, (std::vector<double>{0.485, 0.456, 0.406}));
        // Fields missing from pretrained_cfg take PretrainedCfg's defaults: bicubic, 0.875.
        const auto sparse = fromModelConfig({{"pretrained_cfg", {{"input_size", {3, 160, 160}}}}});
        QCOMPARE(sparse.resample, mwb::ResampleFilter::Bicubic);
        QCOMPARE(sparse.shortestEdge, 182);
    }

    void timmNonSquareAndSquash()
    {
        const auto keep =
            fromModelConfig({{"pretrained_cfg", {{"input_size", {3, 192, 256}}, {"crop_pct", 1.0}}}});
        QCOMPARE(keep.resizeMode, ResizeMode::KeepRatio);
        QCOMPARE(keep.cropHeight, 192);
        QCOMPARE(keep.cropWidth, 256);
        const auto size = mwb::resizedSize({640, 480}, keep);
        QVERIFY(size);
        QCOMPARE(size->width, 256); // ratio = min(480/192, 640/256) = 2.5
        QCOMPARE(size->height, 192);
        const auto squash = fromModelConfig({{"pretrained_cfg", {{"crop_mode", "squash"}}}});
        QCOMPARE(squash.resizeMode, ResizeMode::Exact);
        QCOMPARE(squash.resizeWidth, 256);
        QCOMPARE(squash.resizeHeight, 256);
    }

    void defaultsWhenNothingIsSaid()
    {
        const auto r = fromModelConfig({{"model_type", "resnet"}, {"layers", {3, 4, 6, 3}}});
        QVERIFY(r.source.starts_with("defaults"));
        QCOMPARE(r.pipeline, mwb::PreprocessPipeline::Timm);
        QCOMPARE(r.shortestEdge, 256);
        QCOMPARE(r.cropWidth, 224);
        QCOMPARE(r.resample, mwb::ResampleFilter::Bicubic);
        QCOMPARE(r.std, (std::vector<double>{0.229, 0.224, 0.225}));
        const auto none = mwb::preprocessRecipeFromJson(nullptr, nullptr);
        QVERIFY(none);
        QCOMPARE(none->channels, 3);
    }

    void channelsFollowTheModelConfig()
    {
        const auto gray = fromModelConfig({{"model_type", "resnet"}, {"input_channels", 1}});
        QCOMPARE(gray.channels, 1);
        QCOMPARE(gray.mean.size(), std::size_t(1)); // ImageNet's three values averaged
        QVERIFY(std::abs(gray.mean[0] - (0.485 + 0.456 + 0.406) / 3) < 1e-12);
        const auto hf = fromProcessor({{"image_processor_type", "ViTImageProcessor"}, {"image_mean", {0.3}}},
                                      {{"num_channels", 1}});
        QCOMPARE(hf.channels, 1);
        QCOMPARE(hf.mean, (std::vector<double>{0.3}));
        const auto timm =
            fromModelConfig({{"pretrained_cfg", {{"input_size", {1, 224, 224}}, {"mean", {0.5}}}}});
        QCOMPARE(timm.channels, 1);
    }

    void badValuesNameTheField_data()
    {
        QTest::addColumn<QString>("processor");
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("field");
        const auto row = [](const char* name, json processor, json model, const char* field) {
            QTest::newRow(name) << QString::fromStdString(processor.dump())
                                << QString::fromStdString(model.dump()) << QString::fromLatin1(field);
        };
        row("size string", {{"size", "big"}}, nullptr, "size");
        row("size zero", {{"size", {{"shortest_edge", 0}}}}, nullptr, "size.shortest_edge");
        row("size width only", {{"size", {{"width", 10}}}}, nullptr, "size");
        row("longest_edge", {{"size", {{"longest_edge", 10}}}}, nullptr, "size.longest_edge");
        row("resample 9", {{"resample", 9}}, nullptr, "resample");
        row("std zero", {{"image_std", {0.5, 0.0, 0.5}}}, nullptr, "image_std");
        row("mean wrong count", {{"image_mean", {0.1, 0.2}}}, nullptr, "image_mean");
        row("mean text", {{"image_mean", "imagenet"}}, nullptr, "image_mean");
        row("crop_pct negative", {{"image_processor_type", "ConvNextImageProcessor"}, {"crop_pct", -1}},
            nullptr, "crop_pct");
        row("do_resize text", {{"do_resize", "yes"}}, nullptr, "do_resize");
        row("rescale_factor zero", {{"rescale_factor", 0}}, nullptr, "rescale_factor");
        row("crop_size text", {{"do_center_crop", true}, {"crop_size", "x"}}, nullptr, "crop_size");
        row("interpolation random", nullptr, {{"pretrained_cfg", {{"interpolation", "random"}}}},
            "interpolation");
        row("crop_mode unknown", nullptr, {{"pretrained_cfg", {{"crop_mode", "edge"}}}}, "crop_mode");
        row("input_size short", nullptr, {{"pretrained_cfg", {{"input_size", {3, 224}}}}}, "input_size");
        row("timm std text", nullptr, {{"pretrained_cfg", {{"std", {"a"}}}}}, "std");
        row("input_channels 4", nullptr, {{"input_channels", 4}}, "input_channels");
    }

    void badValuesNameTheField()
    {
        QFETCH(QString, processor);
        QFETCH(QString, model);
        QFETCH(QString, field);
        const json processorJson = json::parse(processor.toStdString());
        const json modelJson = json::parse(model.toStdString());
        const auto recipe = mwb::preprocessRecipeFromJson(processorJson.is_null() ? nullptr : &processorJson,
                                                          modelJson.is_null() ? nullptr : &modelJson);
        QVERIFY(!recipe);
        QCOMPARE(recipe.error().kind, mwb::ErrorKind::InvalidInput);
        const std::string expected = "field '" + field.toStdString() + "'";
        QVERIFY2(recipe.error().message.find(expected) != std::string::npos, recipe.error().message.c_str());
        const std::string file = processorJson.is_null() ? "config.json" : "preprocessor_config.json";
        QVERIFY2(recipe.error().message.starts_with(file), recipe.error().message.c_str());
    }

    void loadsFoldersAndNamesBrokenFiles()
    {
        const auto timm = mwb::loadPreprocessRecipe(fixturePath("models/timm_resnet50d"));
        QVERIFY(timm);
        QCOMPARE(timm->pipeline, mwb::PreprocessPipeline::Timm);
        const auto convnext = mwb::loadPreprocessRecipe(fixturePath("models/hf_convnext_224"));
        QVERIFY(convnext);
        QCOMPARE(convnext->source, std::string("preprocessor_config.json (ConvNextImageProcessor)"));
        QVERIFY(convnext->summary().find("resize short side to 256 (bicubic), center crop 224x224") !=
                std::string::npos);

        QTemporaryDir dir;
        const std::string broken = dir.filePath(QStringLiteral("preprocessor_config.json")).toStdString();
        std::ofstream(broken) << "{\"size\": ";
        const auto recipe = mwb::loadPreprocessRecipe(dir.path().toStdString());
        QVERIFY(!recipe);
        QVERIFY2(recipe.error().message.starts_with(broken + ": malformed JSON"),
                 recipe.error().message.c_str());
        std::ofstream(broken) << R"({"image_processor_type": "ViTImageProcessor", "resample": "bicubic"})";
        const auto badField = mwb::loadPreprocessRecipe(dir.path().toStdString());
        QVERIFY(!badField);
        QVERIFY2(badField.error().message.starts_with(broken + ": field 'resample'"),
                 badField.error().message.c_str());
    }

    // torchvision rounds half to even, transformers floors: they part exactly when (H - h) % 4 == 3.
    void cropOffsetsFollowEachPipeline_data()
    {
        QTest::addColumn<int>("size");
        QTest::addColumn<int>("crop");
        QTest::addColumn<int>("floored");
        QTest::addColumn<int>("rounded");
        QTest::newRow("263 -> 224, mod 4 == 3") << 263 << 224 << 19 << 20;
        QTest::newRow("227 -> 224, mod 4 == 3") << 227 << 224 << 1 << 2;
        QTest::newRow("262 -> 224") << 262 << 224 << 19 << 19;
        QTest::newRow("261 -> 224, 18.5 to even") << 261 << 224 << 18 << 18;
        QTest::newRow("265 -> 224, 20.5 to even") << 265 << 224 << 20 << 20;
        QTest::newRow("224 -> 224") << 224 << 224 << 0 << 0;
        QTest::newRow("201 -> 224, padded") << 201 << 224 << -12 << -11;
        QTest::newRow("200 -> 224, padded") << 200 << 224 << -12 << -12;
    }

    void cropOffsetsFollowEachPipeline()
    {
        QFETCH(int, size);
        QFETCH(int, crop);
        QFETCH(int, floored);
        QFETCH(int, rounded);
        QCOMPARE(mwb::centerCropOffset(size, crop, CropRounding::Floor), floored);
        QCOMPARE(mwb::centerCropOffset(size, crop, CropRounding::RoundHalfEven), rounded);
    }

    void shortestEdgeSizeTruncatesTheLongSide()
    {
        mwb::PreprocessRecipe r = mwb::defaultPreprocessRecipe(3);
        const auto tall = mwb::resizedSize({400, 411}, r);
        QVERIFY(tall);
        QCOMPARE(tall->width, 256);
        QCOMPARE(tall->height, 263); // int(256 * 411 / 400) = int(263.04)
        const auto wide = mwb::resizedSize({333, 517}, r);
        QCOMPARE(wide->height, 397); // int(256 * 517 / 333) = int(397.45)
        const auto extreme = mwb::resizedSize({100000, 1}, r);
        QVERIFY(!extreme);
    }

    void smallImagesArePaddedWithZeros()
    {
        mwb::PreprocessRecipe r = mwb::defaultPreprocessRecipe(3);
        r.resizeMode = ResizeMode::None;
        r.normalize = false;
        r.rescale = mwb::RescaleMode::None;
        mwb::Image8 image = mwb::makeImage8(200, 201, 3);
        std::fill(image.pixels.begin(), image.pixels.end(), 100);
        const auto out = mwb::preprocessImage(image, r);
        QVERIFY(out);
        QCOMPARE(out->width, 224);
        QCOMPARE(out->height, 224);
        // torchvision: pad left (224-200)//2 = 12, top (224-201)//2 = 11.
        QCOMPARE(int(out->modelInput.row(11)[12 * 3]), 100);
        QCOMPARE(int(out->modelInput.row(10)[12 * 3]), 0);
        QCOMPARE(int(out->modelInput.row(11)[11 * 3]), 0);
        QCOMPARE(out->data[11 * 224 + 12], 100.0f);
    }
};

QTEST_GUILESS_MAIN(TestImagingRecipe)
#include "test_imaging_recipe.moc"
