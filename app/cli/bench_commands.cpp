// mwb bench: throughput and latency of the inference engine's forward pass (like timm's
// benchmark.py), and end to end (decode, preprocess, forward, top-k) when images are given.

#include "cli/cli_output.h"
#include "cli/command_args.h"
#include "cli/commands.h"
#include "cli/engine_args.h"
#include "imaging/preprocess_recipe.h"
#include "inference/classifier.h"
#include "inference/engine/inference_engine.h"
#include "inference/image_files.h"
#include "model/model.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>

#include <QDir>
#include <QFileInfo>
#include <QString>

#include <nlohmann/json.hpp>

namespace mwb::cli {

namespace {

using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

const char* kUsage = "mwb bench MODEL [--batch-size N] [--threads T] [--precision exact|fast] "
                     "[--input-size H,W] [--seconds S] [--no-overlap] [--json] [IMAGES_OR_DIRS...]";

double secondsSince(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

struct BenchArgs
{
    std::string model;
    std::vector<std::filesystem::path> images;
    int batchSize = 8;
    EngineOptions engine;
    int height = 224, width = 224;
    double seconds = 5;
    bool asJson = false;
    bool overlapDecode = true;
};

Result<int> parseInteger(const std::string& option, const std::string& text, int min)
{
    try {
        std::size_t used = 0;
        const int value = std::stoi(text, &used);
        if (used == text.size() && value >= min)
            return value;
    } catch (const std::exception&) {
    }
    return fail(ErrorKind::InvalidInput,
                option + " " + text + ": expected an integer of at least " + std::to_string(min));
}

Result<BenchArgs> parseArgs(const Args& argv)
{
    CommandArgs args(argv);
    BenchArgs parsed;
    parsed.asJson = args.takeFlag("--json");
    parsed.overlapDecode = !args.takeFlag("--no-overlap");
    auto engine = takeEngineOptions(args);
    if (!engine)
        return std::unexpected(engine.error());
    parsed.engine = *engine;
    auto batch = args.takeOption({"--batch-size", "-b"});
    auto size = args.takeOption({"--input-size"});
    auto seconds = args.takeOption({"--seconds"});
    for (auto* option : {&batch, &size, &seconds}) {
        if (!*option)
            return std::unexpected(option->error());
    }
    if (*batch) {
        auto value = parseInteger("--batch-size", **batch, 1);
        if (!value)
            return std::unexpected(value.error());
        parsed.batchSize = *value;
    }
    if (*size) {
        const std::string& text = **size;
        const auto comma = text.find(',');
        auto h = parseInteger("--input-size", text.substr(0, comma), 1);
        auto w = comma == std::string::npos ? h : parseInteger("--input-size", text.substr(comma + 1), 1);
        if (!h || !w)
            return fail(ErrorKind::InvalidInput,
                        "--input-size " + text + ": expected H or H,W (positive integers)");
        parsed.height = *h;
        parsed.width = *w;
    }
    if (*seconds) {
        auto value = parseInteger("--seconds", **seconds, 1);
        if (!value)
            return std::unexpected(value.error());
        parsed.seconds = *value;
    }
    auto positional = args.positionals(1, std::numeric_limits<std::size_t>::max(), kUsage);
    if (!positional)
        return std::unexpected(positional.error());
    parsed.model = positional->front();
    for (std::size_t i = 1; i < positional->size(); ++i)
        parsed.images.emplace_back((*positional)[i]);
    return parsed;
}

// A pretrained folder (weights loaded), or a config (folder or .json) with fresh weights: speed
// does not depend on the weights' values.
Result<std::unique_ptr<Model>> loadModel(const std::string& path)
{
    const QString qpath = QString::fromStdString(path);
    const QFileInfo info(qpath);
    if (info.isDir()) {
        const QDir dir(qpath);
        if (dir.exists(QStringLiteral("model.safetensors")) ||
            dir.exists(QStringLiteral("pytorch_model.bin")) ||
            dir.exists(QStringLiteral("model.safetensors.index.json")))
            return Model::fromPretrained(qpath);
    }
    const std::filesystem::path configPath =
        info.isDir() ? std::filesystem::path(path) / "config.json" : std::filesystem::path(path);
    std::ifstream in(configPath);
    if (!in)
        return fail(ErrorKind::Io,
                    configPath.string() + ": cannot read (MODEL is a pretrained folder or a config)");
    try {
        auto model = Model::fromConfig(json::parse(in));
        if (model)
            (*model)->initializeWeights(0);
        return model;
    } catch (const json::exception& e) {
        return fail(ErrorKind::InvalidInput, configPath.string() + ": " + e.what());
    }
}

struct Timing
{
    double imagesPerSecond = 0;
    double medianMs = 0;
    double p90Ms = 0;
    int runs = 0;
};

Timing summarise(std::vector<double> batchSeconds, int batchSize)
{
    Timing timing;
    timing.runs = static_cast<int>(batchSeconds.size());
    double total = 0;
    for (double s : batchSeconds)
        total += s;
    std::ranges::sort(batchSeconds);
    timing.imagesPerSecond = total > 0 ? batchSize * timing.runs / total : 0;
    timing.medianMs = 1000 * batchSeconds[batchSeconds.size() / 2];
    timing.p90Ms = 1000 * batchSeconds[std::min(batchSeconds.size() - 1, batchSeconds.size() * 9 / 10)];
    return timing;
}

Result<Timing> benchForward(InferenceEngine& engine, const BenchArgs& args)
{
    const std::size_t values =
        static_cast<std::size_t>(args.batchSize) * engine.inputChannels() * args.height * args.width;
    std::vector<float> pixels(values);
    std::mt19937 random(0);
    std::normal_distribution<float> normal;
    for (float& v : pixels)
        v = normal(random);
    std::vector<double> runs;
    for (int warmup = 0; warmup < 3; ++warmup) {
        auto out =
            engine.logits(pixels.data(), args.batchSize, engine.inputChannels(), args.height, args.width);
        if (!out)
            return std::unexpected(out.error());
    }
    const auto start = Clock::now();
    while (runs.size() < 5 || (secondsSince(start) < args.seconds && runs.size() < 10000)) {
        const auto begin = Clock::now();
        auto out =
            engine.logits(pixels.data(), args.batchSize, engine.inputChannels(), args.height, args.width);
        if (!out)
            return std::unexpected(out.error());
        runs.push_back(secondsSince(begin));
    }
    return summarise(std::move(runs), args.batchSize);
}

struct EndToEnd
{
    int images = 0;
    int failed = 0;
    double seconds = 0;
    double imagesPerSecond = 0;
};

// Classifies every image once (after one warm-up batch), as `mwb classify` does: the folder's
// preprocessing recipe (timm's eval transform when it has none), top-5, results not kept.
Result<EndToEnd> benchEndToEnd(std::shared_ptr<const Model> model, const BenchArgs& args)
{
    auto files = collectImageFiles(args.images);
    if (!files)
        return std::unexpected(files.error());
    if (files->empty())
        return fail(ErrorKind::InvalidInput, "no image files found in the given folders");
    std::error_code error;
    Result<PreprocessRecipe> recipe = std::filesystem::is_directory(args.model, error)
                                          ? loadPreprocessRecipe(args.model)
                                          : Result<PreprocessRecipe>(defaultPreprocessRecipe(3));
    if (!recipe)
        return std::unexpected(recipe.error());
    const int channels = model->config().value("input_channels", 3);
    if (recipe->channels != channels)
        recipe = defaultPreprocessRecipe(channels);
    auto classifier = Classifier::create(std::move(model), std::move(*recipe), args.engine);
    if (!classifier)
        return std::unexpected(classifier.error());
    std::vector<ImageSource> sources;
    for (const auto& file : *files)
        sources.push_back(ImageSource::file(file));
    ClassifyOptions options;
    options.batchSize = args.batchSize;
    options.keepResults = false;
    options.overlapDecode = args.overlapDecode;
    const std::vector<ImageSource> warmup(
        sources.begin(), sources.begin() + std::min<std::ptrdiff_t>(args.batchSize, sources.size()));
    classifier->classify(warmup, options);
    EndToEnd measured;
    const auto start = Clock::now();
    classifier->classify(sources, options, nullptr, [&](std::size_t, const ClassifyResult& result) {
        ++measured.images;
        measured.failed += result.ok() ? 0 : 1;
    });
    measured.seconds = secondsSince(start);
    measured.imagesPerSecond = measured.images / measured.seconds;
    return measured;
}

int bench(const Args& argv)
{
    auto args = parseArgs(argv);
    if (!args)
        return reportError(args.error());
    const auto loadStart = Clock::now();
    auto model = loadModel(args->model);
    if (!model)
        return reportError(model.error());
    const double loadSeconds = secondsSince(loadStart);
    const auto buildStart = Clock::now();
    auto engine = InferenceEngine::build(**model, args->engine);
    if (!engine)
        return reportError(engine.error());
    if (auto prepared = (*engine)->prepare(args->batchSize, args->height, args->width); !prepared)
        return reportError(prepared.error());
    const double buildSeconds = secondsSince(buildStart);

    auto forward = benchForward(**engine, *args);
    if (!forward)
        return reportError(forward.error());

    json doc = {{"model", args->model},
                {"engine", (*engine)->description()},
                {"precision", std::string(precisionName((*engine)->precision()))},
                {"threads", (*engine)->threads()},
                {"batch_size", args->batchSize},
                {"input_size", {args->height, args->width}},
                {"load_seconds", loadSeconds},
                {"build_seconds", buildSeconds},
                {"forward",
                 {{"images_per_second", forward->imagesPerSecond},
                  {"latency_ms_median", forward->medianMs},
                  {"latency_ms_p90", forward->p90Ms},
                  {"runs", forward->runs}}}};

    std::optional<EndToEnd> endToEnd;
    if (!args->images.empty()) {
        auto measured = benchEndToEnd(std::shared_ptr<const Model>(std::move(*model)), *args);
        if (!measured)
            return reportError(measured.error());
        endToEnd = *measured;
        doc["end_to_end"] = {{"images", endToEnd->images},
                             {"images_per_second", endToEnd->imagesPerSecond},
                             {"seconds", endToEnd->seconds},
                             {"overlap_decode", args->overlapDecode},
                             {"failed", endToEnd->failed}};
    }

    if (args->asJson) {
        printJson(doc);
        return kExitOk;
    }
    char line[256];
    std::snprintf(line, sizeof line, "model load %.3f s, engine build %.3f s; %s", loadSeconds, buildSeconds,
                  (*engine)->description().c_str());
    printLine(line);
    std::snprintf(
        line, sizeof line,
        "forward, batch %d, %dx%d: %.2f images/s, latency per batch median %.2f ms, p90 %.2f ms (%d runs)",
        args->batchSize, args->height, args->width, forward->imagesPerSecond, forward->medianMs,
        forward->p90Ms, forward->runs);
    printLine(line);
    if (endToEnd) {
        std::snprintf(
            line, sizeof line,
            "end to end (decode, preprocess, forward, top-5), batch %d: %.2f images/s (%d images in "
            "%.2f s%s)",
            args->batchSize, endToEnd->imagesPerSecond, endToEnd->images, endToEnd->seconds,
            args->overlapDecode ? ", decode overlapped" : ", decode then forward");
        printLine(line);
    }
    return kExitOk;
}

} // namespace

void addBenchCommands(std::vector<Command>& commands)
{
    commands.push_back(
        {"bench", kUsage, "forward and end-to-end throughput and latency of the inference engine", bench});
}

} // namespace mwb::cli
