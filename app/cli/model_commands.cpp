// mwb model init | model summary, mwb weights import, mwb forward: the commands that build a model.

#include "cli/cli_output.h"
#include "cli/command_args.h"
#include "cli/commands.h"
#include "cli/engine_args.h"
#include "cli/open_args.h"
#include "config/config_io.h"
#include "model/model.h"
#include "open/open_model.h"
#include "share/custom_code_repo.h"

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
int modelFromWeights(const Args& args);
int modelConvert(const Args& args);

// MODEL as every model command takes it (a folder in any supported format, a weight file, a config
// file for fresh weights, REPO[@REVISION], builtin:NAME), opened by the one core use case.
Result<std::shared_ptr<Model>> openModelArg(const std::string& argument, WeightsPolicy weights)
{
    auto opened = mwb::openModel(argument, openOptions(weights));
    if (!opened)
        return std::unexpected(opened.error());
    for (const std::string& note : opened->notes)
        printLine("note: " + note);
    return opened->model;
}

std::string grouped(std::uint64_t n)
{
    const std::string digits = std::to_string(n);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0)
            out.push_back(',');
        out.push_back(digits[i]);
    }
    return out;
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
    commands.push_back({"forward",
                        "mwb forward MODEL --input IN.safetensors --output OUT.safetensors [--precision "
                        "exact|fast] [--threads N]",
                        "run the model on pixel_values; write logits and features", forward});
    commands.push_back(
        {"model from-weights", "mwb model from-weights FILE -o DIR",
         "a pretrained folder in the app's format from a bare state_dict (architecture inferred "
         "from names and shapes)",
         modelFromWeights});
    commands.push_back(
        {"model convert",
         "mwb model convert MODEL -o DIR [--repo-id ID] [--auto-class CLASS]... [--overwrite]",
         "save any model the app opens (timm, transformers, state_dict, ...) as the tutorial's "
         "custom-code repo with its labels and preprocessing, ready for `mwb push`",
         modelConvert});
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

    auto model = openModelArg(positional->front(), WeightsPolicy::ConfigOnly);
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
    auto model = openModelArg(positional->front(), WeightsPolicy::ConfigOnly);
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
    if (!report.sourceFormat.empty())
        printLine(
            "source format: " + report.sourceFormat + "; key mapping: " + report.mapping +
            (report.strippedPrefix.empty() ? "" : "; stripped prefix \"" + report.strippedPrefix + "\"") +
            " (" + std::to_string(report.renamed) + " names translated)");
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

    auto model = openModelArg(positional->front(), WeightsPolicy::IfPresent);
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

    auto model = openModelArg(positional->front(), WeightsPolicy::Required);
    if (!model)
        return reportError(model.error());
    if (auto done = forwardSafetensorsFile(**model, *engine, **input, **output); !done)
        return reportError(done.error());
    printLine("wrote logits and features to " + **output);
    return kExitOk;
}

void printOpened(const OpenedModel& opened)
{
    printLine("source format: " + sourceFormatName(opened.format) + " (" + opened.formatEvidence + ")");
    if (!opened.architecture.empty())
        printLine("architecture: " + opened.architecture);
    for (const std::string& note : opened.notes)
        printLine("note: " + note);
    if (opened.report)
        printLoadReport(*opened.report);
    printLine("labels: " + std::to_string(opened.labels.size()) + " from " + opened.labelSource);
    printLine("preprocessing: " + opened.recipe.summary());
}

int modelFromWeights(const Args& argv)
{
    const std::string usage = "usage: mwb model from-weights FILE -o DIR";
    CommandArgs args(argv);
    auto output = args.takeOption({"-o", "--output"});
    if (!output)
        return reportError(output.error());
    auto positional = args.positionals(1, 1, usage);
    if (!positional)
        return reportError(positional.error());
    if (!*output)
        return reportError({ErrorKind::InvalidInput, "-o DIR is required; " + usage});
    const QFileInfo file(QString::fromStdString(positional->front()));
    if (!file.isFile())
        return reportError({ErrorKind::InvalidInput,
                            positional->front() + ": not a weight file (.safetensors, .pth, .pt, .bin)"});
    auto opened = mwb::openModel(positional->front(), openOptions(WeightsPolicy::Required));
    if (!opened)
        return reportError(opened.error());
    printOpened(*opened);
    if (auto saved = opened->model->savePretrained(QString::fromStdString(**output)); !saved)
        return reportError(saved.error());
    printLine("saved " + opened->model->className() + " (" + grouped(opened->model->parameterCount()) +
              " parameters) to " + **output);
    return kExitOk;
}

int modelConvert(const Args& argv)
{
    const std::string usage =
        "usage: mwb model convert MODEL -o DIR [--repo-id ID] [--auto-class CLASS]... [--overwrite]";
    CommandArgs args(argv);
    const bool overwrite = args.takeFlag("--overwrite");
    auto output = args.takeOption({"-o", "--output"});
    auto repoId = args.takeOption({"--repo-id"});
    auto autoClasses = args.takeOptions("--auto-class");
    if (!output)
        return reportError(output.error());
    if (!repoId)
        return reportError(repoId.error());
    if (!autoClasses)
        return reportError(autoClasses.error());
    auto positional = args.positionals(1, 1, usage);
    if (!positional)
        return reportError(positional.error());
    if (!*output)
        return reportError({ErrorKind::InvalidInput, "-o DIR is required; " + usage});
    auto opened = mwb::openModel(positional->front(), openOptions(WeightsPolicy::Required));
    if (!opened)
        return reportError(opened.error());
    printOpened(*opened);
    share::CustomCodeRepoOptions options;
    options.overwrite = overwrite;
    if (*repoId)
        options.repoId = QString::fromStdString(**repoId);
    if (!autoClasses->empty()) {
        options.autoClasses.clear();
        for (const std::string& c : *autoClasses)
            options.autoClasses.append(QString::fromStdString(c));
    }
    options.extraTags.append(QString::fromStdString("converted-from-" + sourceFormatId(opened->format)));
    const nlohmann::json processor =
        opened->format == SourceFormat::Transformers || opened->format == SourceFormat::Tutorial
            ? opened->preprocessorConfig
            : nlohmann::json();
    auto repo =
        share::writeCustomCodeRepo(*opened->model, QString::fromStdString(**output), options, processor);
    if (!repo)
        return reportError(repo.error());
    for (const share::RepoFile& f : repo->files)
        printLine("  " + f.path.toStdString() + "  " + std::to_string(f.size) + " bytes");
    printLine("wrote the custom-code repo " + **output + "; push it with: mwb push " + **output +
              " ORG/NAME");
    return kExitOk;
}

} // namespace

} // namespace mwb::cli
