#pragma once

// Training and fine-tuning a classification model on an in-memory ImageDataset: the model's own loss
// (cross-entropy), AdamW or SGD with momentum, a cosine learning-rate schedule with linear warm-up,
// pad-and-crop / horizontal-flip augmentation, evaluation after every epoch, the best epoch kept as a
// pretrained folder, and checkpoints a killed run resumes from. Torch-free: ui/ and app/ may include it.
//
// Output folder layout (`outputFolder`):
//   config.json, model.safetensors, preprocessor_config.json   the best epoch (a pretrained folder)
//   training.json                                              options, per-epoch history, best epoch
//   checkpoint/                                                the last checkpoint: a pretrained folder
//                                                              plus optimizer.safetensors and state.json
//
// Determinism: with the same seed, options, data and thread count a run gives the same weights, and
// a run resumed from a checkpoint gives the same result as one that was never interrupted (the data
// order and augmentation of every sample depend only on seed, epoch and position).
//
// Threads: train() blocks; call it on a worker thread (never the GUI thread). Callbacks run on that
// thread. `TrainControl` may be set from any thread. Errors come back as values: InvalidInput for bad
// options or data that does not fit the model, Io for files, Cancelled when cancelled (the last
// checkpoint stays on disk).

#include "error.h"
#include "train/image_dataset.h"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace mwb {

class Model;

enum class OptimizerKind
{
    AdamW,
    Sgd, // with momentum (and Nesterov off), weight decay added to the gradient as torch.optim.SGD
};

enum class TrainPrecision
{
    Float32,
    BFloat16, // CPU autocast to bfloat16 for the forward pass; fp32 weights, gradients and optimizer
};

struct TrainOptions
{
    int epochs = 10;
    int batchSize = 64;
    double learningRate = 1e-3;
    OptimizerKind optimizer = OptimizerKind::AdamW;
    double weightDecay = 0.05;   // not applied to norms and biases
    double momentum = 0.9;       // SGD
    double warmupEpochs = 1.0;   // linear warm-up, at most a tenth of the run
    bool freezeBackbone = false; // train only the classifier; the backbone's BN stays in eval mode
    bool augment = true;         // pad-and-crop (1/8 of the side) and horizontal flip
    std::uint64_t seed = 0;
    TrainPrecision precision = TrainPrecision::Float32;
    int threads = 0;               // intra-op threads; 0: the physical cores
    int checkpointEverySteps = 0;  // also checkpoint mid-epoch every N steps (0: at epoch ends only)
    std::vector<double> mean, std; // normalisation per channel (pixels / 255, then (x - mean) / std)
    // Written as preprocessor_config.json beside every saved model (the recipe inference will use).
    std::string preprocessorConfigJson;
};

struct StepReport
{
    int epoch = 0; // 1-based
    int step = 0;  // 1-based, over the whole run
    int stepsPerEpoch = 0;
    int totalSteps = 0;
    double loss = 0; // this step's mean loss
    double learningRate = 0;
    double imagesPerSecond = 0; // over the epoch so far
    double accuracy = 0;        // this step's share of correct predictions (training mode, augmented)
};

struct EpochReport
{
    int epoch = 0; // 1-based
    int epochs = 0;
    double trainLoss = 0, trainAccuracy = 0;
    double validationLoss = 0, validationAccuracy = 0;
    std::vector<double> classAccuracy;       // recall per class on validation
    std::vector<std::vector<int>> confusion; // rows: true class, columns: predicted
    bool best = false;                       // the best validation accuracy so far (saved)
    double seconds = 0;
    double imagesPerSecond = 0; // training images per second this epoch
};

struct TrainControl
{
    std::atomic<bool> cancel{false};
    // Polled before every step: while set, train() waits (without computing) until it is cleared or
    // `cancel` is set. Pausing changes nothing in the result: a paused run ends with the weights of one
    // that never paused. The paused time does not count in images per second.
    std::atomic<bool> pause{false};
};

struct TrainCallbacks
{
    std::function<void(const StepReport&)> step;
    std::function<void(const EpochReport&)> epoch;
    std::function<void(const std::string&)> message; // one line for people ("resuming from epoch 3")
    // true when train() starts waiting on TrainControl::pause, false when it goes on (or is cancelled).
    std::function<void(bool paused)> paused;
};

struct TrainResult
{
    std::vector<EpochReport> history; // every epoch, including those before a resume
    int bestEpoch = 0;
    double bestAccuracy = 0;
    std::filesystem::path outputFolder;
};

// Trains `model` in place (its weights are those of the last step when train() returns). The model's
// num_classes must equal the dataset's class count and its input channels the dataset's channels
// (prepareModelForData does both). Both datasets must share one image shape. When `resumeFrom` names a
// checkpoint folder (or an output folder holding `checkpoint/`), weights, optimizer state, schedule
// position and history come from it and training continues where it stopped.
Result<TrainResult> train(Model& model,
                          const ImageDataset& trainData,
                          const ImageDataset& validationData,
                          const TrainOptions& options,
                          const std::filesystem::path& outputFolder,
                          const std::optional<std::filesystem::path>& resumeFrom = std::nullopt,
                          TrainControl* control = nullptr,
                          const TrainCallbacks& callbacks = {});

// The model to train for this data: `modelPath` is a pretrained folder (its weights are loaded) or a
// config.json (fresh weights from `seed`). num_classes and id2label/label2id follow `classNames`;
// when num_classes changes, the classifier is re-initialised and `notes` says so in a line.
Result<std::unique_ptr<Model>> prepareModelForData(const std::filesystem::path& modelPath,
                                                   const std::vector<std::string>& classNames,
                                                   std::uint64_t seed,
                                                   std::vector<std::string>& notes);

// Evaluates a model on a dataset (eval mode, batches of `batchSize`), as train() does each epoch.
Result<EpochReport>
evaluateDataset(const Model& model, const ImageDataset& data, const TrainOptions& options);

// The CPU supports bf16 well (AVX512_BF16 or AMX): what `TrainPrecision` default should be.
bool cpuHasBFloat16();

// The options and history as training.json stores them.
nlohmann::json trainResultToJson(const TrainResult& result, const TrainOptions& options);
nlohmann::json epochReportToJson(const EpochReport& report);

} // namespace mwb
