// mwb train: train or fine-tune a model on a folder of class subfolders or Fashion-MNIST's IDX files.

#include "cli/cli_output.h"
#include "cli/command_args.h"
#include "cli/commands.h"
#include "inference/engine/precision.h"
#include "train/trainer.h"
#include "train/training_setup.h"

#include <cstdio>
#include <limits>
#include <map>

#include <nlohmann/json.hpp>

namespace mwb::cli {

namespace {

const char* kUsage =
    "mwb train MODEL --data DIR [--val DIR | --val-split F] [--epochs N] [--batch-size B] [--lr LR] "
    "[--optimizer adamw|sgd] [--weight-decay W] [--warmup-epochs E] [--input-size S] [--freeze-backbone] "
    "[--no-augment] [--precision fp32|bf16] [--threads N] [--limit N] [--val-limit N] [--checkpoint-every "
    "STEPS] "
    "[--log-every STEPS] [--resume CHECKPOINT] [--seed N] [--json] -o DIR";

struct TrainArgs
{
    TrainingRequest request;
    TrainOptions options;
    std::optional<std::filesystem::path> resume;
    std::filesystem::path output;
    bool asJson = false;
    int logEvery = 100;
};

template <typename T> Result<T> number(const std::string& option, const std::string& text, T min, T max)
{
    try {
        std::size_t used = 0;
        T value{};
        if constexpr (std::is_floating_point_v<T>)
            value = static_cast<T>(std::stod(text, &used));
        else
            value = static_cast<T>(std::stoll(text, &used));
        if (used == text.size() && value >= min && value <= max)
            return value;
    } catch (const std::exception&) {
    }
    return fail(ErrorKind::InvalidInput, option + " " + text + ": expected a number from " +
                                             std::to_string(min) + " to " + std::to_string(max));
}

Result<TrainArgs> parseArgs(const Args& argv)
{
    CommandArgs args(argv);
    TrainArgs parsed;
    parsed.asJson = args.takeFlag("--json");
    parsed.options.freezeBackbone = args.takeFlag("--freeze-backbone");
    parsed.options.augment = !args.takeFlag("--no-augment");
    std::map<std::string, std::optional<std::string>> values;
    for (const char* name :
         {"--data", "--val", "--val-split", "--epochs", "--batch-size", "--lr", "--optimizer",
          "--weight-decay", "--warmup-epochs", "--input-size", "--precision", "--threads", "--limit",
          "--val-limit", "--checkpoint-every", "--log-every", "--resume", "--seed", "-o"}) {
        auto value = args.takeOption({name});
        if (!value)
            return std::unexpected(value.error());
        values[name] = *value;
    }
    auto positional = args.positionals(1, 1, kUsage);
    if (!positional)
        return std::unexpected(positional.error());
    if (!values["--data"] || !values["-o"])
        return fail(ErrorKind::InvalidInput, "--data and -o are required; usage: " + std::string(kUsage));
    if (values["--val"] && values["--val-split"])
        return fail(ErrorKind::InvalidInput, "give --val DIR or --val-split F, not both");
    parsed.request.model = positional->front();
    parsed.request.data = *values["--data"];
    parsed.output = *values["-o"];
    if (values["--val"])
        parsed.request.validation = *values["--val"];
    if (values["--resume"])
        parsed.resume = *values["--resume"];

    auto apply = [&]<typename T>(const char* name, T& into, T min, T max) -> Result<void> {
        if (!values[name])
            return {};
        auto value = number<T>(name, *values[name], min, max);
        if (!value)
            return std::unexpected(value.error());
        into = *value;
        return {};
    };
    TrainOptions& o = parsed.options;
    double split = -1;
    int inputSize = 0;
    long long limit = 0, validationLimit = 0, seed = 0;
    for (auto result :
         {apply("--epochs", o.epochs, 1, 100000), apply("--batch-size", o.batchSize, 1, 65536),
          apply("--lr", o.learningRate, 1e-9, 100.0), apply("--weight-decay", o.weightDecay, 0.0, 10.0),
          apply("--warmup-epochs", o.warmupEpochs, 0.0, 1000.0), apply("--val-split", split, 0.0, 0.99),
          apply("--input-size", inputSize, 8, 1024), apply("--threads", o.threads, 1, 1024),
          apply("--limit", limit, 1LL, std::numeric_limits<long long>::max()),
          apply("--val-limit", validationLimit, 1LL, std::numeric_limits<long long>::max()),
          apply("--checkpoint-every", o.checkpointEverySteps, 1, 1 << 30),
          apply("--log-every", parsed.logEvery, 1, 1 << 30),
          apply("--seed", seed, 0LL, std::numeric_limits<long long>::max())}) {
        if (!result)
            return std::unexpected(result.error());
    }
    if (split >= 0)
        parsed.request.validationSplit = split;
    if (inputSize > 0)
        parsed.request.inputSize = inputSize;
    parsed.request.limit = static_cast<std::size_t>(limit);
    parsed.request.validationLimit = static_cast<std::size_t>(validationLimit);
    parsed.request.seed = o.seed = static_cast<std::uint64_t>(seed);
    if (values["--optimizer"]) {
        if (*values["--optimizer"] == "adamw")
            o.optimizer = OptimizerKind::AdamW;
        else if (*values["--optimizer"] == "sgd")
            o.optimizer = OptimizerKind::Sgd;
        else
            return fail(ErrorKind::InvalidInput,
                        "--optimizer " + *values["--optimizer"] + ": expected adamw or sgd");
    }
    if (values["--precision"]) {
        if (*values["--precision"] == "bf16")
            o.precision = TrainPrecision::BFloat16;
        else if (*values["--precision"] != "fp32")
            return fail(ErrorKind::InvalidInput,
                        "--precision " + *values["--precision"] + ": expected fp32 or bf16");
    }
    return parsed;
}

std::string percent(double fraction)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f%%", fraction * 100);
    return buffer;
}

std::string fixed(double value, int digits)
{
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "%.*f", digits, value);
    return buffer;
}

void printEpoch(const EpochReport& r)
{
    printLine("epoch " + std::to_string(r.epoch) + "/" + std::to_string(r.epochs) + "  train loss " +
              fixed(r.trainLoss, 4) + " acc " + percent(r.trainAccuracy) + "  val loss " +
              fixed(r.validationLoss, 4) + " acc " + percent(r.validationAccuracy) + "  " +
              fixed(r.imagesPerSecond, 1) + " img/s  " + fixed(r.seconds, 1) + " s" +
              (r.best ? "  best" : ""));
}

int trainCommand(const Args& argv)
{
    auto args = parseArgs(argv);
    if (!args)
        return reportError(args.error());
    // A line per step/epoch is progress: show it at once even when stdout is a file or a pipe.
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    auto prepared = prepareTraining(args->request);
    if (!prepared)
        return reportError(prepared.error());
    TrainOptions options = args->options;
    options.mean = prepared->mean;
    options.std = prepared->std;
    options.preprocessorConfigJson = prepared->preprocessorConfigJson;

    const bool asJson = args->asJson;
    auto message = [asJson](const std::string& line) {
        if (asJson)
            printLine(nlohmann::json{{"event", "message"}, {"message", line}}.dump());
        else
            printLine(line);
    };
    for (const std::string& note : prepared->notes)
        message(note);
    message(std::string("precision ") +
            (options.precision == TrainPrecision::BFloat16 ? "bf16 autocast" : "fp32") + ", " +
            std::to_string(options.threads > 0 ? options.threads : physicalCoreCount()) + " threads");

    TrainCallbacks callbacks;
    callbacks.message = message;
    const int logEvery = args->logEvery;
    callbacks.step = [asJson, logEvery](const StepReport& s) {
        if (asJson || s.step % logEvery != 0)
            return;
        printLine("  step " + std::to_string(s.step) + "/" + std::to_string(s.totalSteps) + "  loss " +
                  fixed(s.loss, 4) + "  lr " + fixed(s.learningRate, 6) + "  " + fixed(s.imagesPerSecond, 1) +
                  " img/s");
    };
    callbacks.epoch = [asJson](const EpochReport& r) {
        if (asJson) {
            nlohmann::json doc = epochReportToJson(r);
            doc["event"] = "epoch";
            printLine(doc.dump());
        } else {
            printEpoch(r);
        }
    };
    auto result = train(*prepared->model, prepared->train, prepared->validation, options, args->output,
                        args->resume, nullptr, callbacks);
    if (!result)
        return reportError(result.error());
    if (asJson) {
        nlohmann::json doc = trainResultToJson(*result, options);
        doc["event"] = "done";
        doc["output"] = args->output.string();
        printLine(doc.dump());
    } else {
        printLine("best epoch " + std::to_string(result->bestEpoch) + ": validation accuracy " +
                  percent(result->bestAccuracy) + ", saved in " + args->output.string());
    }
    return kExitOk;
}

} // namespace

void addTrainCommands(std::vector<Command>& commands)
{
    commands.push_back(
        {"train", kUsage,
         "train or fine-tune on a folder of class subfolders or Fashion-MNIST (a line per epoch)",
         trainCommand});
}

} // namespace mwb::cli
