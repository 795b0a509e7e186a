#pragma once

// Everything a training run needs, prepared from what a user names: the model (pretrained folder or
// config), the data (a folder of class subfolders or Fashion-MNIST's IDX files), validation data (a
// folder, the Fashion-MNIST test split, or a seeded split of the training data), the input size and
// the preprocessing recipe saved with the result. Shared by `mwb train` and the Train tab.
// Torch-free. Slow (reads and resizes every image): call it on a worker thread.

#include "error.h"
#include "model/model.h"
#include "train/image_dataset.h"
#include "train/trainer.h"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mwb {

struct TrainingRequest
{
    std::filesystem::path model; // pretrained folder or config.json
    std::filesystem::path data;
    std::optional<std::filesystem::path> validation; // folder, or Fashion-MNIST folder (its test split)
    std::optional<double> validationSplit;           // fraction of the training data held out
    std::optional<int> inputSize;                    // square side the images are resized to
    std::size_t limit = 0;                           // keep the first N training images (0: all)
    std::size_t validationLimit = 0;
    std::uint64_t seed = 0;
};

struct PreparedTraining
{
    std::unique_ptr<Model> model;
    ImageDataset train;
    ImageDataset validation;
    std::vector<double> mean, std;
    std::string preprocessorConfigJson;
    std::vector<std::string> notes; // lines for people: what was loaded, re-initialised, split
};

// Defaults: Fashion-MNIST validates on its test split, a folder on a 10 % split unless `validation`
// names a folder. The input size is the model recipe's crop (pretrained folders with a recipe), else
// the images' own size for Fashion-MNIST (28), else 224. Normalisation is the model recipe's, or the
// training images' own statistics for fresh models.
Result<PreparedTraining> prepareTraining(const TrainingRequest& request,
                                         const std::atomic<bool>* cancel = nullptr,
                                         const DatasetProgress& progress = {});

} // namespace mwb
