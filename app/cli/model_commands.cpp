// mwb model init | model summary, mwb weights import, mwb forward: the commands that build a model.

#include "cli/cli_output.h"
#include "cli/command_args.h"
#include "cli/commands.h"
#include "cli/engine_args.h"
#include "config/config_io.h"
#include "model/model.h"

#include <cstdio>
#include <map>
#include <memory>

#include <QDir>
#include <QFileInfo>

#include <nlohmann/json.hpp>

namespace mwb::cli {

namespace {

using json = nlohmann::json;

int modelInit(const Args& args);
int modelSummary(const Args& args);
int weightsImport(const Args& args);
int forward(const Args& args);

bool hasWeights(const QDir& dir)
{
    for (const char* name : {"model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
                             "pytorch_model.bin.index.json"}) {
        if (dir.exists(QString::fromLatin1(name)))
            return true;
    }
    return false;
}

// MODEL as the commands take it: a pretrained folder (its weights loaded when `withWeights` and it has
// any), or a config file / config-only folder (fresh weights). REPO@REV is for the Hub commands.
Result<std::unique_ptr<Model>> openModel(const std::string& argument, bool withWeights)
{
    const QString path = QString::fromStdString(argument);
    const QFileInfo info(path);
    if (!info.exists()) {
        if (argument.find('@') != std::string::npos || std::ranges::count(argument, '/') == 1) {
            return fail(
                ErrorKind::InvalidInput,
                argument + ": no such local folder; Hub models (REPO[@REVISION]) are not supported by this "
                           "command yet: download with `mwb hub download REPO` and pass the snapshot folder");
        }
        return fail(ErrorKind::InvalidInput, argument + ": no such file or folder");
    }
    if (info.isDir() && withWeights && hasWeights(QDir(path)))
        return Model::fromPretrained(path);
    auto config = readConfigFile(configFilePath(path));
    if (!config)
        return std::unexpected(config.error());
    auto model = Model::fromConfig(*config);
    if (!model)
        return fail(model.error().kind, configFilePath(path).toStdString() + ": " + model.error().message);
    return model;
}

std::string grouped(std::uint64_t n)
{
    std::string digits = std::to_string(n);
    for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3)
        digits.insert(static_cast<size_t>(i), ",");
    return digits;
}

std::string shapeText(const std::vector<std::int64_t>& shape)
{
    std::string text;
    for (size_t i = 0; i < shape.size(); ++i)
        text += (i ? "x" : "") + std::to_string(shape[i]);
    return text;
}

std::string gigaText(std::uint64_t macs)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f G", static_cast<double>(macs) / 1e9);
    return buffer;
}

std::string padded(std::string text, size_t width)
{
    if (text.size() < width)
        text.append(width - text.size(), ' ');
    return text;
}

} // namespace

void addModelCommands(std::vector<Command>& commands)
{
    commands.push_back({"model init", "mwb model init CONFIG -o DIR [--seed N]",
                        "instantiate with fresh weights and save a pretrained folder", modelInit});
    commands.push_back({"model summary", "mwb model summary MODEL [--input-size H[,W]] [--json]",
                        "stages, output shapes, parameters, MACs", modelSummary});
    commands.push_back({"weights import", "mwb weights import MODEL --from FILE [--non-strict] -o DIR",
                        "load weights into a model, print the load report, save the result", weightsImport});
    commands.push_back({"forward", "mwb forward MODEL --input IN.safetensors --output OUT.safetensors [--precision exact|fast] [--threads N]",
                        "run the model on pixel_values; write logits and features", forward});
}

namespace {

Result<std::uint64_t> parseSeed(const std::string& text)
{
    try {
        size_t used = 0;
        const unsigned long long seed = std::stoull(text, &used);
        if (used == text.size() && text.front() != '-')
            return seed;
    } catch (const std::exception&) {
    }
    return fail(ErrorKind::InvalidInput, "--seed " + text + ": expected a non-negative integer");
}

int modelInit(const Args& argv)
{
    const std::string usage = "usage: mwb model init CONFIG -o DIR [--seed N]";
    CommandArgs args(argv);
    auto output = args.takeOption({"-o", "--output"});
    auto seed = args.takeOption({"--seed"});
    if (!output)
        return reportError(output.error());
    if (!seed)
        return reportError(seed.error());
    auto positional = args.positionals(1, 1, usage);
    if (!positional)
        return reportError(positional.error());
    if (!*output)
        return reportError({ErrorKind::InvalidInput, "-o DIR is required; " + usage});

    auto model = openModel(positional->front(), /*withWeights=*/false);
    if (!model)
        return reportError(model.error());
    if (*seed) {
        auto value = parseSeed(**seed);
        if (!value)
            return reportError(value.error());
        (*model)->initializeWeights(*value);
    }
    if (auto saved = (*model)->savePretrained(QString::fromStdString(**output)); !saved)
        return reportError(saved.error());
    printLine("saved " + (*model)->className() + " (" + grouped((*model)->parameterCount()) +
              " parameters) to " + **output);
    return kExitOk;
}

Result<std::pair<std::int64_t, std::int64_t>> parseInputSize(const std::string& text)
{
    const auto bad =
        fail(ErrorKind::InvalidInput, "--input-size " + text + ": expected H or H,W (e.g. 224 or 256,192)");
    const auto comma = text.find(',');
    try {
        size_t used = 0;
        const std::string first = text.substr(0, comma);
        const std::int64_t h = std::stoll(first, &used);
        if (used != first.size())
            return bad;
        if (comma == std::string::npos)
            return std::pair{h, h};
        const std::string second = text.substr(comma + 1);
        const std::int64_t w = std::stoll(second, &used);
        if (used != second.size())
            return bad;
        return std::pair{h, w};
    } catch (const std::exception&) {
        return bad;
    }
}

json summaryJson(const Model& model, const ModelSummary& summary)
{
    json stages = json::array();
    for (const SummaryRow& row : summary.rows) {
        stages.push_back({{"name", row.name},
                          {"description", row.description},
                          {"output_shape", row.outputShape},
                          {"parameters", row.parameters},
                          {"macs", row.macs}});
    }
    return {{"class", model.className()},
            {"model_type", model.modelType()},
            {"input_shape", summary.inputShape},
            {"stages", stages},
            {"total_parameters", summary.totalParameters},
            {"total_macs", summary.totalMacs}};
}

void printSummary(const Model& model, const ModelSummary& summary)
{
    printLine(model.className() + " (" + model.modelType() + "), input " + shapeText(summary.inputShape));
    printLine(padded("stage", 8) + padded("output", 14) + padded("parameters", 14) + padded("MACs", 10) +
              "layers");
    for (const SummaryRow& row : summary.rows) {
        printLine(padded(row.name, 8) + padded(shapeText(row.outputShape), 14) +
                  padded(grouped(row.parameters), 14) + padded(gigaText(row.macs), 10) + row.description);
    }
    printLine(padded("total", 22) + padded(grouped(summary.totalParameters), 14) +
              gigaText(summary.totalMacs));
}

int modelSummary(const Args& argv)
{
    const std::string usage = "usage: mwb model summary MODEL [--input-size H[,W]] [--json]";
    CommandArgs args(argv);
    const bool asJson = args.takeFlag("--json");
    auto size = args.takeOption({"--input-size"});
    if (!size)
        return reportError(size.error());
    auto positional = args.positionals(1, 1, usage);
    if (!positional)
        return reportError(positional.error());
    std::pair<std::int64_t, std::int64_t> hw{224, 224};
    if (*size) {
        auto parsed = parseInputSize(**size);
        if (!parsed)
            return reportError(parsed.error());
        hw = *parsed;
    }
    auto model = openModel(positional->front(), /*withWeights=*/false);
    if (!model)
        return reportError(model.error());
    auto summary = (*model)->summary(hw.first, hw.second);
    if (!summary)
        return reportError(summary.error());
    if (asJson)
        printJson(summaryJson(**model, *summary));
    else
        printSummary(**model, *summary);
    return kExitOk;
}

void printLoadReport(const LoadReport& report)
{
    printLine("weights: " + report.file +
              (report.prefixed ? " (keys with the wrapper's \"model.\" prefix)" : " (timm's key names)"));
    printLine("matched: " + std::to_string(report.count(TensorStatus::Matched)) +
              ", missing: " + std::to_string(report.count(TensorStatus::Missing)) +
              ", unexpected: " + std::to_string(report.count(TensorStatus::Unexpected)) +
              ", wrong shape: " + std::to_string(report.count(TensorStatus::WrongShape)) +
              ", wrong dtype: " + std::to_string(report.count(TensorStatus::WrongDtype)) +
              ", converted dtype: " + std::to_string(report.convertedCount()));
    std::map<std::string, int> conversions;
    for (const TensorReport& t : report.tensors) {
        if (t.dtypeConverted())
            ++conversions[t.fileDtype + " to " + t.modelDtype];
        if (t.status == TensorStatus::Defaulted)
            printLine("  " + describeProblem(t));
    }
    for (const auto& [what, count] : conversions)
        printLine("  converted " + std::to_string(count) + (count == 1 ? " tensor from " : " tensors from ") +
                  what);
    for (const TensorReport& t : report.problems())
        printLine("  " + describeProblem(t));
}

int weightsImport(const Args& argv)
{
    const std::string usage = "usage: mwb weights import MODEL --from FILE [--non-strict] -o DIR";
    CommandArgs args(argv);
    const bool nonStrict = args.takeFlag("--non-strict");
    auto from = args.takeOption({"--from"});
    auto output = args.takeOption({"-o", "--output"});
    if (!from)
        return reportError(from.error());
    if (!output)
        return reportError(output.error());
    auto positional = args.positionals(1, 1, usage);
    if (!positional)
        return reportError(positional.error());
    if (!*from || !*output)
        return reportError({ErrorKind::InvalidInput, "--from FILE and -o DIR are required; " + usage});

    auto model = openModel(positional->front(), /*withWeights=*/true);
    if (!model)
        return reportError(model.error());
    const QString file = QString::fromStdString(**from);
    auto report = (*model)->checkWeights(file);
    if (!report)
        return reportError(report.error());
    printLoadReport(*report);
    if (!report->exact() && !nonStrict) {
        std::string message = **from + ": the weights do not fit the model (" +
                              std::to_string(report->problems().size()) + " mismatches, listed above)";
        if (report->onlyClassifierDiffers())
            message += "; only the classifier (fc) differs: pass --non-strict to load the rest and keep the "
                       "model's fresh head";
        else
            message += "; pass --non-strict to load only the tensors that match";
        return reportError({ErrorKind::InvalidInput, message});
    }
    auto applied = (*model)->applyWeights(file, {.strict = !nonStrict});
    if (!applied)
        return reportError(applied.error());
    if (!report->exact() && report->onlyClassifierDiffers())
        printLine("kept the model's freshly initialised classifier (fc)");
    if (auto saved = (*model)->savePretrained(QString::fromStdString(**output)); !saved)
        return reportError(saved.error());
    printLine("saved " + (*model)->className() + " to " + **output);
    return kExitOk;
}

int forward(const Args& argv)
{
    const std::string usage = "usage: mwb forward MODEL --input IN.safetensors --output OUT.safetensors "
                              "[--precision exact|fast] [--threads N]";
    CommandArgs args(argv);
    auto engine = takeEngineOptions(args);
    if (!engine)
        return reportError(engine.error());
    auto input = args.takeOption({"--input"});
    auto output = args.takeOption({"--output", "-o"});
    if (!input)
        return reportError(input.error());
    if (!output)
        return reportError(output.error());
    auto positional = args.positionals(1, 1, usage);
    if (!positional)
        return reportError(positional.error());
    if (!*input || !*output)
        return reportError({ErrorKind::InvalidInput, "--input and --output are required; " + usage});

    const QString modelPath = QString::fromStdString(positional->front());
    if (QFileInfo(modelPath).isDir() && !hasWeights(QDir(modelPath))) {
        return reportError({ErrorKind::InvalidInput,
                            positional->front() + ": the folder has no weights (model.safetensors or "
                                                  "pytorch_model.bin); create them with `mwb model init` or "
                                                  "`mwb weights import`"});
    }
    if (QFileInfo(modelPath).isFile()) {
        return reportError(
            {ErrorKind::InvalidInput,
             positional->front() + ": MODEL must be a pretrained folder (config.json and weights)"});
    }
    auto model = openModel(positional->front(), /*withWeights=*/true);
    if (!model)
        return reportError(model.error());
    if (auto done = forwardSafetensorsFile(**model, *engine, **input, **output); !done)
        return reportError(done.error());
    printLine("wrote logits and features to " + **output);
    return kExitOk;
}

} // namespace

} // namespace mwb::cli
