// mwb classify: preprocess and classify images, or evaluate on a labelled folder (--evaluate).

#include "builtin/builtin_models.h"
#include "cli/cli_output.h"
#include "cli/command_args.h"
#include "cli/commands.h"
#include "cli/engine_args.h"
#include "cli/open_args.h"
#include "explain/grad_cam.h"
#include "inference/classifier.h"
#include "inference/classify_export.h"
#include "inference/evaluation.h"
#include "inference/image_files.h"
#include "open/open_model.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <optional>

#include <QString>

#include <nlohmann/json.hpp>

namespace mwb::cli {

namespace {

using json = nlohmann::json;

const char* kUsage = "mwb classify MODEL IMAGE_OR_DIR... [--top-k K] [--json] [--csv FILE] "
                     "[--dump-input FILE.safetensors] [--batch-size N] [--evaluate] [--precision exact|fast] "
                     "[--threads N] [--cam DIR [--cam-class K]]";

struct ClassifyArgs
{
    std::string model;
    std::vector<std::filesystem::path> inputs;
    ClassifyOptions options;
    EngineOptions engine;
    bool asJson = false;
    bool evaluate = false;
    std::optional<std::string> csvPath;
    std::optional<std::string> dumpPath;
    std::optional<std::string> camDir; // Grad-CAM overlays (PNG) of the top class, or of camClass
    std::optional<int> camClass;
};

Result<int> positiveInteger(const std::string& option, const std::optional<std::string>& text, int fallback)
{
    if (!text)
        return fallback;
    try {
        std::size_t used = 0;
        const int value = std::stoi(*text, &used);
        if (used == text->size() && value >= 1)
            return value;
    } catch (const std::exception&) {
    }
    return fail(ErrorKind::InvalidInput, option + " " + *text + ": expected a positive integer");
}

Result<ClassifyArgs> parseArgs(const Args& argv)
{
    CommandArgs args(argv);
    ClassifyArgs parsed;
    parsed.asJson = args.takeFlag("--json");
    parsed.evaluate = args.takeFlag("--evaluate");
    auto engine = takeEngineOptions(args);
    if (!engine)
        return std::unexpected(engine.error());
    parsed.engine = *engine;
    auto topK = args.takeOption({"--top-k"});
    auto batch = args.takeOption({"--batch-size"});
    auto csv = args.takeOption({"--csv"});
    auto dump = args.takeOption({"--dump-input"});
    auto cam = args.takeOption({"--cam"});
    auto camClass = args.takeOption({"--cam-class"});
    for (const auto* option : {&topK, &batch, &csv, &dump, &cam, &camClass}) {
        if (!*option)
            return std::unexpected(option->error());
    }
    auto k = positiveInteger("--top-k", *topK, 5);
    if (!k)
        return std::unexpected(k.error());
    auto batchSize = positiveInteger("--batch-size", *batch, 8);
    if (!batchSize)
        return std::unexpected(batchSize.error());
    auto positional = args.positionals(2, std::numeric_limits<std::size_t>::max(), kUsage);
    if (!positional)
        return std::unexpected(positional.error());
    if (parsed.evaluate && (positional->size() != 2 || *csv || *dump))
        return fail(
            ErrorKind::InvalidInput,
            "--evaluate takes one labelled folder and no --csv or --dump-input; usage: mwb classify MODEL "
            "DIR --evaluate [--top-k K] [--json]");
    parsed.model = positional->front();
    parsed.inputs.assign(positional->begin() + 1, positional->end());
    parsed.options.topK = *k;
    parsed.options.batchSize = *batchSize;
    parsed.options.keepPixelValues = dump->has_value() || cam->has_value();
    parsed.options.keepModelInput = cam->has_value();
    parsed.camDir = *cam;
    if (*camClass) {
        const bool digits = !(*camClass)->empty() &&
                            std::ranges::all_of(**camClass, [](char c) { return c >= '0' && c <= '9'; });
        if (!digits || (*camClass)->size() > 6)
            return fail(ErrorKind::InvalidInput,
                        "--cam-class " + **camClass + ": expected a class index (0, 1, ...)");
        parsed.camClass = std::atoi((*camClass)->c_str());
    }
    parsed.csvPath = *csv;
    parsed.dumpPath = *dump;
    return parsed;
}

// MODEL in any form openModel takes (builtin:NAME too); the labels and the recipe come with it.
Result<Classifier> openClassifier(const std::string& model, const EngineOptions& engine)
{
    auto opened = openModel(model, openOptions(WeightsPolicy::Required));
    if (!opened)
        return std::unexpected(opened.error());
    return Classifier::create(opened->model, opened->recipe, engine);
}

std::string scoreText(float score)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.4f", static_cast<double>(score));
    return buffer;
}

void printResultText(const ClassifyResult& result)
{
    printLine(result.image);
    if (!result.ok()) {
        printLine("  error: " + result.error->message);
        return;
    }
    int rank = 1;
    for (const Prediction& p : result.predictions)
        printLine("  " + std::to_string(rank++) + ". " + scoreText(p.score) + "  " + p.label + " (" +
                  std::to_string(p.index) + ")");
}

std::vector<ImageSource> sourcesFor(const std::vector<std::filesystem::path>& files)
{
    std::vector<ImageSource> sources;
    sources.reserve(files.size());
    for (const auto& file : files)
        sources.push_back(ImageSource::file(file));
    return sources;
}

std::string percent(const std::optional<double>& value)
{
    if (!value)
        return "   -  ";
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%5.1f%%", *value * 100);
    return buffer;
}

void printEvaluationText(const LabelledFolder& folder,
                         const std::vector<ClassifyResult>& results,
                         const Evaluation& evaluation)
{
    for (const ClassFolder& f : folder.unmatched())
        printLine("unmatched folder: " + f.name + " (" + std::to_string(f.images) +
                  " images; no class label matches this name)");
    for (std::size_t i : evaluation.failedImages)
        printLine("failed: " + results[i].error->message);
    printLine("accuracy: " + percent(evaluation.accuracy) + " (" + std::to_string(evaluation.correct) +
              " of " + std::to_string(evaluation.evaluated) + " images)");
    printLine("class                      support  precision  recall");
    for (const ClassMetrics& c : evaluation.classes) {
        std::string name = c.label + " (" + std::to_string(c.classIndex) + ")";
        name.resize(std::max<std::size_t>(name.size(), 26), ' ');
        std::string support = std::to_string(c.support);
        support.insert(0, std::max<int>(0, 7 - static_cast<int>(support.size())), ' ');
        printLine(name + " " + support + "     " + percent(c.precision) + "  " + percent(c.recall));
    }
    printLine("confusion matrix (rows: true class, columns: predicted, in the order above):");
    for (const auto& row : evaluation.confusion) {
        std::string line = " ";
        for (int count : row) {
            std::string cell = std::to_string(count);
            line += std::string(std::max<int>(1, 5 - static_cast<int>(cell.size())), ' ') + cell;
        }
        printLine(line);
    }
}

int runEvaluation(const Classifier& classifier, const ClassifyArgs& args)
{
    auto folder = scanLabelledFolder(args.inputs.front(), classifier.labels());
    if (!folder)
        return reportError(folder.error());
    std::vector<std::filesystem::path> files;
    for (const LabelledImage& image : folder->images)
        files.push_back(image.path);
    const ClassifyRun run = classifier.classify(sourcesFor(files), args.options);
    const Evaluation evaluation = evaluate(*folder, run.results, classifier.labels());
    if (args.asJson)
        printJson(evaluationToJson(*folder, run.results, evaluation));
    else
        printEvaluationText(*folder, run.results, evaluation);
    if (folder->images.empty())
        return reportError(
            {ErrorKind::InvalidInput,
             args.inputs.front().string() + ": no subfolder name matches a class label of the model"});
    if (!evaluation.failedImages.empty())
        return reportError({ErrorKind::Io, std::to_string(evaluation.failedImages.size()) + " of " +
                                               std::to_string(folder->images.size()) + " images failed"});
    return kExitOk;
}

// --cam DIR: one PNG per image, the Grad-CAM heat map over the image the model saw.
Result<void>
writeCams(const Classifier& classifier, const std::vector<ClassifyResult>& results, const ClassifyArgs& args)
{
    std::error_code error;
    std::filesystem::create_directories(*args.camDir, error);
    if (error)
        return fail(ErrorKind::Io, *args.camDir + ": cannot create the folder: " + error.message());
    for (std::size_t i = 0; i < results.size(); ++i) {
        const ClassifyResult& r = results[i];
        if (!r.ok())
            continue;
        PreprocessedImage input{r.channels, r.height, r.width, r.pixelValues, r.modelInput};
        GradCamOptions options;
        options.classIndex = args.camClass;
        auto cam = gradCam(classifier.model(), input, options);
        if (!cam)
            return fail(cam.error().kind, r.image + ": " + cam.error().message);
        const std::string stem = std::to_string(i) + "_" + std::filesystem::path(r.image).stem().string();
        const std::filesystem::path out = std::filesystem::path(*args.camDir) / (stem + ".cam.png");
        if (auto written = writePng(out, overlayHeatMap(r.modelInput, *cam, 0.5)); !written)
            return written;
        if (!args.asJson)
            printLine("cam: " + out.string() + " (class " + std::to_string(cam->classIndex) + ", layer" +
                      std::to_string(cam->stage) + ")");
    }
    return {};
}

int classify(const Args& argv)
{
    auto args = parseArgs(argv);
    if (!args)
        return reportError(args.error());
    // Check the inputs before the (slow) model load, so a typo fails fast.
    auto files = collectImageFiles(args->inputs);
    if (!files)
        return reportError(files.error());
    auto classifier = openClassifier(args->model, args->engine);
    if (!classifier)
        return reportError(classifier.error());
    if (args->evaluate)
        return runEvaluation(*classifier, *args);
    if (files->empty())
        return reportError({ErrorKind::InvalidInput, "no image files found in the given folders"});

    // Text goes out as each batch is done and, unless an export needs them, results are not kept:
    // a folder of any size runs in bounded memory.
    ClassifyOptions options = args->options;
    options.keepResults = args->asJson || args->csvPath || args->dumpPath || args->camDir;
    // Each failed image's reason goes with its result (stdout); then one stderr line of the worst
    // failure's kind, which decides the exit code (DESIGN.md): an image refused for safety (a
    // decompression bomb) exits 3, a corrupt one 2, an unreadable one 1.
    std::size_t failed = 0;
    std::optional<Error> worst;
    const auto rank = [](ErrorKind kind) {
        return kind == ErrorKind::Unsafe ? 3 : kind == ErrorKind::InvalidInput ? 2 : 1;
    };
    const auto report = [&](std::size_t index, const ClassifyResult& result) {
        if (!result.ok()) {
            ++failed;
            if (!worst || rank(result.error->kind) > rank(worst->kind))
                worst = *result.error;
        }
        if (args->asJson)
            return;
        if (index > 0)
            printLine("");
        printResultText(result);
    };
    const ClassifyRun run = classifier->classify(sourcesFor(*files), options, nullptr, report);
    if (args->asJson)
        printJson(resultsToJson(run.results));
    int exitCode = kExitOk;
    if (args->camDir) {
        if (auto written = writeCams(*classifier, run.results, *args); !written)
            exitCode = reportError(written.error());
    }
    if (args->csvPath) {
        if (auto written = writeResultsCsv(QString::fromStdString(*args->csvPath), run.results); !written)
            exitCode = reportError(written.error());
    }
    if (args->dumpPath) {
        if (auto written = writePixelValues(QString::fromStdString(*args->dumpPath), run.results); !written)
            exitCode = reportError(written.error());
    }
    if (failed > 0 && exitCode == kExitOk)
        exitCode = reportError({worst->kind, std::to_string(failed) + " of " + std::to_string(run.handled) +
                                                 " images failed: " + worst->message});
    return exitCode;
}

} // namespace

void addClassifyCommands(std::vector<Command>& commands)
{
    commands.push_back({"classify", kUsage,
                        "preprocess and classify images (top-k), or evaluate on a folder of class subfolders",
                        classify});
}

} // namespace mwb::cli
