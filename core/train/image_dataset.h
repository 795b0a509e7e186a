#pragma once

// Labelled images held in memory for training: every image already at the model's input size as
// 8-bit pixels, so an epoch costs no decoding. Torch-free: ui/ and app/ may include this header.
//
// Two sources:
//   - a folder of class subfolders (`DATA/<class name>/*.png|jpg|...`): class names are the folder
//     names, sorted; images are decoded and resized with the given recipe (what inference does);
//   - Fashion-MNIST's IDX files (as Debian's dataset-fashion-mnist installs them, gzipped or not):
//     `train-images-idx3-ubyte[.gz]` + labels, and `t10k-...` for the test split.
//
// Free functions, safe from any thread. Loading is slow for large folders: call it off the GUI thread.
// Errors come back as values (InvalidInput naming the file at fault, Io when a file cannot be read).

#include "error.h"
#include "imaging/image_buffer.h"
#include "imaging/preprocess_recipe.h"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace mwb {

struct ImageDataset
{
    int width = 0, height = 0, channels = 0; // every image has this shape
    std::vector<std::uint8_t> pixels;        // N * height * width * channels, HWC per image
    std::vector<int> labels;                 // N class indices into classNames
    std::vector<std::string> classNames;     // index -> name
    std::string source;                      // for people: "Fashion-MNIST train (60000 images)"

    std::size_t size() const { return labels.size(); }
    std::size_t imageBytes() const { return static_cast<std::size_t>(width) * height * channels; }
    const std::uint8_t* image(std::size_t index) const { return pixels.data() + index * imageBytes(); }
};

// The ten Fashion-MNIST class names, in label order ("T-shirt/top", "Trouser", ...).
const std::vector<std::string>& fashionMnistClassNames();

enum class DatasetSplit
{
    Train,
    Test,
};

// True when `folder` holds Fashion-MNIST IDX files (train images, gzipped or not).
bool isFashionMnistFolder(const std::filesystem::path& folder);
// Where Debian's dataset-fashion-mnist puts them; empty when it is not installed.
std::filesystem::path installedFashionMnistFolder();

// Reads one split at its native 28x28x1. `limit` > 0 keeps the first `limit` images.
Result<ImageDataset>
readFashionMnist(const std::filesystem::path& folder, DatasetSplit split, std::size_t limit = 0);

// Progress while a folder loads: images done, images in total. Called on the loading thread.
using DatasetProgress = std::function<void(std::size_t done, std::size_t total)>;

// A folder of class subfolders, each image decoded and preprocessed with `recipe` (its resize, crop
// and channel conversion; normalisation is left to training). Fails when there are fewer than two
// classes, or a class folder has no images, or an image cannot be decoded (naming it). `classNames`,
// when not empty, fixes the class order (a validation folder must name the training set's classes).
Result<ImageDataset> readImageFolder(const std::filesystem::path& folder,
                                     const PreprocessRecipe& recipe,
                                     const std::vector<std::string>& classNames = {},
                                     const std::atomic<bool>* cancel = nullptr,
                                     const DatasetProgress& progress = {});

// The dataset with every image resized (and channel-converted) by `recipe`, as inference will.
Result<ImageDataset> resizeDataset(const ImageDataset& dataset, const PreprocessRecipe& recipe);

// Splits off the last `fraction` of a seeded shuffle as validation. Class names are kept on both.
struct DatasetPair
{
    ImageDataset train;
    ImageDataset validation;
};
DatasetPair splitDataset(const ImageDataset& dataset, double fraction, std::uint64_t seed);

// A subset: the images at `indices`, in that order.
ImageDataset subsetOf(const ImageDataset& dataset, const std::vector<std::size_t>& indices);

// Per-channel mean and standard deviation of the pixels scaled to [0, 1].
void channelStatistics(const ImageDataset& dataset, std::vector<double>& mean, std::vector<double>& std);

} // namespace mwb
