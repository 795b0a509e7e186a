#include "train/trainer.h"

#include "config/config_io.h"
#include "inference/engine/precision.h"
#include "model/model_internal.h"
#include "train/batch_maker.h"
#include "train/checkpoint.h"
#include "train/optimizer.h"
#include "weights/weight_reader.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <numeric>
#include <random>
#include <set>
#include <thread>

#include <QString>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#include <nlohmann/json.hpp>
#include <torch/csrc/api/include/torch/utils.h>

namespace mwb {

using namespace train_detail;
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point since)
{
    return std::chrono::duration<double>(Clock::now() - since).count();
}

// The cosine schedule with linear warm-up, per optimizer step (0-based), as timm's CosineLRScheduler
// with t_in_epochs=False and a floor of zero.
double learningRateAt(std::int64_t step, std::int64_t totalSteps, std::int64_t warmupSteps, double base)
{
    if (step < warmupSteps)
        return base * static_cast<double>(step + 1) / static_cast<double>(warmupSteps);
    const double span = static_cast<double>(std::max<std::int64_t>(1, totalSteps - warmupSteps));
    const double progress = static_cast<double>(step - warmupSteps) / span;
    return base * 0.5 * (1.0 + std::cos(M_PI * std::min(1.0, progress)));
}

// The shuffled sample order of one epoch; depends only on the seed and the epoch.
std::vector<std::size_t> epochOrder(std::size_t count, std::uint64_t seed, int epoch)
{
    std::vector<std::size_t> order(count);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::mt19937_64 random(mixBits(seed, static_cast<std::uint64_t>(epoch)));
    std::shuffle(order.begin(), order.end(), random);
    return order;
}

// Opens bf16 autocast for the forward pass and, on leaving, drops the weight casts it cached (the
// optimizer is about to change the weights).
class AutocastScope
{
public:
    explicit AutocastScope(bool enabled) : m_enabled(enabled)
    {
        if (!m_enabled)
            return;
        at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
        at::autocast::set_cpu_enabled(true);
        at::autocast::increment_nesting();
    }
    ~AutocastScope()
    {
        if (!m_enabled)
            return;
        at::autocast::set_cpu_enabled(false);
        if (at::autocast::decrement_nesting() == 0)
            at::autocast::clear_cache();
    }
    AutocastScope(const AutocastScope&) = delete;
    AutocastScope& operator=(const AutocastScope&) = delete;

private:
    bool m_enabled;
};

std::vector<Optimizer::Parameter> trainableParameters(ResnetNetImpl& net, bool freezeBackbone)
{
    std::vector<Optimizer::Parameter> parameters;
    for (const auto& item : net.named_parameters(/*recurse=*/true)) {
        const bool head = item.key().rfind("fc.", 0) == 0;
        const bool trainable = head || !freezeBackbone;
        item.value().set_requires_grad(trainable);
        if (trainable)
            parameters.push_back({"model." + item.key(), item.value(), item.value().dim() > 1});
    }
    return parameters;
}

Result<void> checkDataFitsModel(const Model& model, const ImageDataset& data, const std::string& role)
{
    const ResnetSpec& spec = ModelAccess::impl(model).spec;
    if (data.size() == 0)
        return fail(ErrorKind::InvalidInput, role + " data has no images");
    if (spec.numClasses != static_cast<int>(data.classNames.size()))
        return fail(ErrorKind::InvalidInput, role + " data has " + std::to_string(data.classNames.size()) +
                                                 " classes but the model's num_classes is " +
                                                 std::to_string(spec.numClasses));
    if (spec.inputChannels != data.channels)
        return fail(ErrorKind::InvalidInput, role + " images have " + std::to_string(data.channels) +
                                                 " channels but the model's input_channels is " +
                                                 std::to_string(spec.inputChannels));
    return {};
}

// Mean loss, accuracy and confusion of `net` (eval mode) on `data`.
EpochReport evaluateNet(ResnetNetImpl& net, const ImageDataset& data, const TrainOptions& options)
{
    EpochReport report;
    const std::size_t classes = data.classNames.size();
    report.confusion.assign(classes, std::vector<int>(classes, 0));
    if (data.size() == 0)
        return report;
    const BatchMaker maker(data, options.mean, options.std, /*augment=*/false);
    std::vector<std::size_t> order(data.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    const auto batchSize = static_cast<std::size_t>(std::max(1, options.batchSize) * 2);
    const std::size_t steps = (data.size() + batchSize - 1) / batchSize;
    Prefetcher batches(maker, order, batchSize, 0, steps, 0);
    c10::InferenceMode inference;
    net.eval();
    double lossSum = 0;
    std::size_t correct = 0;
    for (std::size_t s = 0; s < steps; ++s) {
        Batch batch = batches.next();
        at::Tensor logits;
        {
            AutocastScope autocast(options.precision == TrainPrecision::BFloat16);
            logits = net.forward(batch.pixels);
        }
        logits = logits.to(at::kFloat);
        lossSum += at::cross_entropy_loss(logits, batch.labels, {}, at::Reduction::Sum).item<double>();
        const at::Tensor predicted = logits.argmax(1);
        const auto* p = predicted.data_ptr<std::int64_t>();
        const auto* t = batch.labels.data_ptr<std::int64_t>();
        for (std::int64_t i = 0; i < predicted.size(0); ++i) {
            ++report.confusion[t[i]][p[i]];
            correct += p[i] == t[i] ? 1 : 0;
        }
    }
    report.validationLoss = lossSum / static_cast<double>(data.size());
    report.validationAccuracy = static_cast<double>(correct) / static_cast<double>(data.size());
    for (std::size_t c = 0; c < classes; ++c) {
        const int support = std::accumulate(report.confusion[c].begin(), report.confusion[c].end(), 0);
        report.classAccuracy.push_back(support ? static_cast<double>(report.confusion[c][c]) / support : 0.0);
    }
    return report;
}

Result<void> savePretrainedWithRecipe(const Model& model, const fs::path& folder, const TrainOptions& options)
{
    if (auto saved = model.savePretrained(QString::fromStdString(folder.string())); !saved)
        return saved;
    if (options.preprocessorConfigJson.empty())
        return {};
    return writeTextFileAtomically(folder / "preprocessor_config.json", options.preprocessorConfigJson);
}

// What must not change between a run and its resumption (the data order and the optimizer depend on
// it). The epoch count may change: the cosine schedule is then recomputed for the new length from
// where the run stands, so a run can be shortened or lengthened when resumed.
nlohmann::json runIdentity(const TrainOptions& options, const ImageDataset& trainData)
{
    return {{"batch_size", options.batchSize},
            {"learning_rate", options.learningRate},
            {"optimizer", options.optimizer == OptimizerKind::AdamW ? "adamw" : "sgd"},
            {"seed", options.seed},
            {"train_images", trainData.size()},
            {"freeze_backbone", options.freezeBackbone}};
}

} // namespace

bool cpuHasBFloat16()
{
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    while (std::getline(cpuinfo, line)) {
        if (line.rfind("flags", 0) == 0)
            return line.find(" avx512_bf16") != std::string::npos ||
                   line.find(" amx_bf16") != std::string::npos;
    }
    return false;
}

Result<EpochReport> evaluateDataset(const Model& model, const ImageDataset& data, const TrainOptions& options)
{
    if (auto fits = checkDataFitsModel(model, data, "evaluation"); !fits)
        return std::unexpected(fits.error());
    try {
        return evaluateNet(resnetModule(model), data, options);
    } catch (const c10::Error& e) {
        return fail(ErrorKind::InvalidInput, std::string("evaluation: ") + e.what_without_backtrace());
    }
}

Result<TrainResult> train(Model& model,
                          const ImageDataset& trainData,
                          const ImageDataset& validationData,
                          const TrainOptions& options,
                          const fs::path& outputFolder,
                          const std::optional<fs::path>& resumeFrom,
                          TrainControl* control,
                          const TrainCallbacks& callbacks)
{
    if (options.epochs < 1 || options.batchSize < 1 || !(options.learningRate > 0))
        return fail(ErrorKind::InvalidInput,
                    "training options: epochs, batch size and learning rate must be positive");
    if (auto fits = checkDataFitsModel(model, trainData, "training"); !fits)
        return std::unexpected(fits.error());
    if (validationData.size() > 0) {
        if (auto fits = checkDataFitsModel(model, validationData, "validation"); !fits)
            return std::unexpected(fits.error());
        if (validationData.width != trainData.width || validationData.height != trainData.height)
            return fail(ErrorKind::InvalidInput, "validation images are not the training images' size");
    }
    if (trainData.size() < static_cast<std::size_t>(options.batchSize))
        return fail(ErrorKind::InvalidInput, "training data has " + std::to_string(trainData.size()) +
                                                 " images, fewer than one batch of " +
                                                 std::to_string(options.batchSize));
    auto say = [&](const std::string& line) {
        if (callbacks.message)
            callbacks.message(line);
    };

    try {
        at::set_num_threads(options.threads > 0 ? options.threads : physicalCoreCount());
        ResnetNetImpl& net = resnetModule(model);
        Optimizer optimizer(options.optimizer, trainableParameters(net, options.freezeBackbone),
                            options.weightDecay, options.momentum);
        const BatchMaker maker(trainData, options.mean, options.std, options.augment);
        const auto batchSize = static_cast<std::size_t>(options.batchSize);
        const auto stepsPerEpoch = static_cast<std::int64_t>(trainData.size() / batchSize); // drop_last
        const std::int64_t totalSteps = stepsPerEpoch * options.epochs;
        const auto warmupSteps = std::min<std::int64_t>(
            totalSteps / 10, std::llround(options.warmupEpochs * static_cast<double>(stepsPerEpoch)));
        nlohmann::json identity = runIdentity(options, trainData);

        TrainResult result;
        result.outputFolder = outputFolder;
        RunPosition position; // where training stands: completed epochs, steps into the next one
        if (resumeFrom) {
            auto restored = restoreCheckpoint(*resumeFrom, model, optimizer, identity);
            if (!restored)
                return std::unexpected(restored.error());
            position = restored->position;
            result.history = restored->history;
            result.bestEpoch = restored->bestEpoch;
            result.bestAccuracy = restored->bestAccuracy;
            if (restored->epochs != options.epochs)
                say("the schedule now runs " + std::to_string(options.epochs) +
                    " epochs (the run was started with " + std::to_string(restored->epochs) + ")");
            if (position.epoch >= options.epochs)
                return fail(ErrorKind::InvalidInput,
                            "--epochs " + std::to_string(options.epochs) + ": the checkpoint has " +
                                std::to_string(position.epoch) + " epochs done already");
            say("resuming from " + restored->folder.string() + ": epoch " +
                std::to_string(position.epoch + 1) + ", step " + std::to_string(position.stepInEpoch) +
                " of " + std::to_string(stepsPerEpoch));
        }
        fs::create_directories(outputFolder);

        auto checkpoint = [&]() -> Result<void> {
            nlohmann::json run = identity;
            run["epochs"] = options.epochs;
            CheckpointState state{position, result.history, result.bestEpoch, result.bestAccuracy, run};
            return writeCheckpoint(outputFolder / "checkpoint", model, optimizer, state,
                                   options.preprocessorConfigJson);
        };

        for (int epoch = position.epoch; epoch < options.epochs; ++epoch) {
            const std::vector<std::size_t> order = epochOrder(trainData.size(), options.seed, epoch);
            const auto firstStep = static_cast<std::size_t>(position.stepInEpoch);
            Prefetcher batches(maker, order, batchSize, firstStep, static_cast<std::size_t>(stepsPerEpoch),
                               mixBits(options.seed ^ 0xa5a5U, static_cast<std::uint64_t>(epoch)));
            Clock::time_point started = Clock::now();
            std::size_t imagesThisRun = 0;
            if (options.freezeBackbone)
                net.eval(); // frozen BN statistics; the classifier has no mode
            else
                net.train();
            for (auto step = static_cast<std::int64_t>(firstStep); step < stepsPerEpoch; ++step) {
                if (control && control->pause.load() && !control->cancel.load()) {
                    const Clock::time_point pausedAt = Clock::now();
                    if (callbacks.paused)
                        callbacks.paused(true);
                    while (control->pause.load() && !control->cancel.load())
                        std::this_thread::sleep_for(std::chrono::milliseconds(20));
                    started += Clock::now() - pausedAt; // paused time is no training time
                    if (callbacks.paused)
                        callbacks.paused(false);
                }
                if (control && control->cancel.load()) {
                    net.eval();
                    return fail(ErrorKind::Cancelled, "training cancelled at epoch " +
                                                          std::to_string(epoch + 1) +
                                                          " (the last checkpoint is in " +
                                                          (outputFolder / "checkpoint").string() + ")");
                }
                Batch batch = batches.next();
                at::Tensor logits;
                {
                    AutocastScope autocast(options.precision == TrainPrecision::BFloat16);
                    logits = net.forward(batch.pixels);
                }
                auto loss = classificationLoss(logits.to(at::kFloat), batch.labels);
                if (!loss)
                    return std::unexpected(loss.error());
                optimizer.zeroGrad();
                loss->backward();
                const std::int64_t globalStep = epoch * stepsPerEpoch + step;
                const double lr = learningRateAt(globalStep, totalSteps, warmupSteps, options.learningRate);
                optimizer.step(lr);

                const double stepLoss = loss->item<double>();
                const auto stepCorrect = logits.argmax(1).eq(batch.labels).sum().item<std::int64_t>();
                position.lossSum += stepLoss * static_cast<double>(batch.labels.size(0));
                position.correct += stepCorrect;
                position.seen += batch.labels.size(0);
                position.stepInEpoch = step + 1;
                imagesThisRun += static_cast<std::size_t>(batch.labels.size(0));
                if (callbacks.step) {
                    callbacks.step(
                        {epoch + 1, static_cast<int>(globalStep + 1), static_cast<int>(stepsPerEpoch),
                         static_cast<int>(totalSteps), stepLoss, lr,
                         static_cast<double>(imagesThisRun) / std::max(1e-9, seconds(started)),
                         static_cast<double>(stepCorrect) /
                             static_cast<double>(std::max<std::int64_t>(1, batch.labels.size(0)))});
                }
                if (options.checkpointEverySteps > 0 && (step + 1) % options.checkpointEverySteps == 0 &&
                    step + 1 < stepsPerEpoch) {
                    if (auto saved = checkpoint(); !saved)
                        return std::unexpected(saved.error());
                }
            }
            const double trainSeconds = seconds(started);

            EpochReport report =
                validationData.size() > 0 ? evaluateNet(net, validationData, options) : EpochReport{};
            report.epoch = epoch + 1;
            report.epochs = options.epochs;
            report.trainLoss =
                position.lossSum / static_cast<double>(std::max<std::int64_t>(1, position.seen));
            report.trainAccuracy = static_cast<double>(position.correct) /
                                   static_cast<double>(std::max<std::int64_t>(1, position.seen));
            report.seconds = trainSeconds;
            report.imagesPerSecond = static_cast<double>(imagesThisRun) / std::max(1e-9, trainSeconds);
            const double score = validationData.size() > 0 ? report.validationAccuracy : report.trainAccuracy;
            report.best = result.bestEpoch == 0 || score > result.bestAccuracy;
            if (report.best) {
                result.bestEpoch = report.epoch;
                result.bestAccuracy = score;
                if (auto saved = savePretrainedWithRecipe(model, outputFolder, options); !saved)
                    return std::unexpected(saved.error());
            }
            result.history.push_back(report);
            position = RunPosition{epoch + 1, 0, 0, 0, 0};
            if (auto saved = checkpoint(); !saved)
                return std::unexpected(saved.error());
            const std::string log = trainResultToJson(result, options).dump(2) + "\n";
            if (auto written = writeTextFileAtomically(outputFolder / "training.json", log); !written)
                return std::unexpected(written.error());
            if (callbacks.epoch)
                callbacks.epoch(report);
            if (!options.freezeBackbone)
                net.train();
        }
        net.eval();
        for (const auto& p : net.parameters())
            p.set_requires_grad(true);
        return result;
    } catch (const c10::Error& e) {
        resnetModule(model).eval();
        return fail(ErrorKind::InvalidInput, std::string("training: ") + e.what_without_backtrace());
    } catch (const std::exception& e) {
        resnetModule(model).eval();
        return fail(ErrorKind::Io, std::string("training: ") + e.what());
    }
}

nlohmann::json epochReportToJson(const EpochReport& report)
{
    return {{"epoch", report.epoch},
            {"epochs", report.epochs},
            {"train_loss", report.trainLoss},
            {"train_accuracy", report.trainAccuracy},
            {"validation_loss", report.validationLoss},
            {"validation_accuracy", report.validationAccuracy},
            {"class_accuracy", report.classAccuracy},
            {"confusion", report.confusion},
            {"best", report.best},
            {"seconds", report.seconds},
            {"images_per_second", report.imagesPerSecond}};
}

nlohmann::json trainResultToJson(const TrainResult& result, const TrainOptions& options)
{
    nlohmann::json history = nlohmann::json::array();
    for (const EpochReport& report : result.history)
        history.push_back(epochReportToJson(report));
    return {{"options",
             {{"epochs", options.epochs},
              {"batch_size", options.batchSize},
              {"learning_rate", options.learningRate},
              {"optimizer", options.optimizer == OptimizerKind::AdamW ? "adamw" : "sgd"},
              {"weight_decay", options.weightDecay},
              {"momentum", options.momentum},
              {"warmup_epochs", options.warmupEpochs},
              {"freeze_backbone", options.freezeBackbone},
              {"augment", options.augment},
              {"seed", options.seed},
              {"precision", options.precision == TrainPrecision::BFloat16 ? "bf16" : "fp32"},
              {"mean", options.mean},
              {"std", options.std}}},
            {"history", history},
            {"best_epoch", result.bestEpoch},
            {"best_accuracy", result.bestAccuracy}};
}

} // namespace mwb
