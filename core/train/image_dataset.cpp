#include "train/image_dataset.h"

#include "imaging/preprocess.h"
#include "inference/image_files.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <zlib.h>

namespace mwb {

namespace fs = std::filesystem;

namespace {

// IDX files store big-endian 32-bit integers after a magic number (0x00000803 images, 0x00000801 labels).
std::uint32_t bigEndian32(const std::uint8_t* p)
{
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

// The whole file, gunzipped when it is gzip (zlib reads plain files unchanged).
Result<std::vector<std::uint8_t>> readMaybeGzipped(const fs::path& path)
{
    gzFile file = gzopen(path.c_str(), "rb");
    if (!file)
        return fail(ErrorKind::Io, path.string() + ": cannot open");
    std::vector<std::uint8_t> data;
    std::uint8_t buffer[1 << 16];
    for (;;) {
        const int got = gzread(file, buffer, sizeof buffer);
        if (got < 0) {
            gzclose(file);
            return fail(ErrorKind::InvalidInput, path.string() + ": corrupt gzip data");
        }
        if (got == 0)
            break;
        data.insert(data.end(), buffer, buffer + got);
    }
    gzclose(file);
    return data;
}

fs::path idxFile(const fs::path& folder, const std::string& stem)
{
    for (const char* suffix : {"", ".gz"}) {
        fs::path candidate = folder / (stem + suffix);
        std::error_code error;
        if (fs::is_regular_file(candidate, error))
            return candidate;
    }
    return {};
}

std::string splitPrefix(DatasetSplit split)
{
    return split == DatasetSplit::Train ? "train" : "t10k";
}

} // namespace

const std::vector<std::string>& fashionMnistClassNames()
{
    static const std::vector<std::string> names{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
    return names;
}

bool isFashionMnistFolder(const fs::path& folder)
{
    return !idxFile(folder, "train-images-idx3-ubyte").empty() ||
           !idxFile(folder, "t10k-images-idx3-ubyte").empty();
}

fs::path installedFashionMnistFolder()
{
    const fs::path debian = "/usr/share/datasets/fashion-mnist";
    return isFashionMnistFolder(debian) ? debian : fs::path{};
}

Result<ImageDataset> readFashionMnist(const fs::path& folder, DatasetSplit split, std::size_t limit)
{
    const std::string prefix = splitPrefix(split);
    const fs::path imagesPath = idxFile(folder, prefix + "-images-idx3-ubyte");
    const fs::path labelsPath = idxFile(folder, prefix + "-labels-idx1-ubyte");
    if (imagesPath.empty() || labelsPath.empty())
        return fail(ErrorKind::InvalidInput, (folder / (prefix + "-images-idx3-ubyte.gz")).string() +
                                                 ": Fashion-MNIST IDX files not found (images and labels)");
    auto images = readMaybeGzipped(imagesPath);
    if (!images)
        return std::unexpected(images.error());
    auto labels = readMaybeGzipped(labelsPath);
    if (!labels)
        return std::unexpected(labels.error());
    if (images->size() < 16 || bigEndian32(images->data()) != 0x803)
        return fail(ErrorKind::InvalidInput,
                    imagesPath.string() + ": not an IDX image file (magic 0x00000803)");
    if (labels->size() < 8 || bigEndian32(labels->data()) != 0x801)
        return fail(ErrorKind::InvalidInput,
                    labelsPath.string() + ": not an IDX label file (magic 0x00000801)");
    const std::size_t count = bigEndian32(images->data() + 4);
    const std::size_t rows = bigEndian32(images->data() + 8);
    const std::size_t cols = bigEndian32(images->data() + 12);
    if (rows == 0 || cols == 0 || rows > 4096 || cols > 4096 || images->size() != 16 + count * rows * cols)
        return fail(ErrorKind::InvalidInput, imagesPath.string() + ": size does not match its header");
    if (bigEndian32(labels->data() + 4) != count || labels->size() != 8 + count)
        return fail(ErrorKind::InvalidInput,
                    labelsPath.string() + ": label count does not match " + imagesPath.filename().string());
    const std::size_t kept = limit > 0 ? std::min(limit, count) : count;

    ImageDataset dataset;
    dataset.width = static_cast<int>(cols);
    dataset.height = static_cast<int>(rows);
    dataset.channels = 1;
    dataset.classNames = fashionMnistClassNames();
    dataset.pixels.assign(images->begin() + 16,
                          images->begin() + 16 + static_cast<std::ptrdiff_t>(kept * rows * cols));
    dataset.labels.reserve(kept);
    for (std::size_t i = 0; i < kept; ++i) {
        const int label = (*labels)[8 + i];
        if (label >= static_cast<int>(dataset.classNames.size()))
            return fail(ErrorKind::InvalidInput, labelsPath.string() + ": label " + std::to_string(label) +
                                                     " at " + std::to_string(i) +
                                                     " is not a Fashion-MNIST class (0..9)");
        dataset.labels.push_back(label);
    }
    dataset.source =
        "Fashion-MNIST " + prefix + " (" + std::to_string(kept) + " images, " + folder.string() + ")";
    return dataset;
}

Result<ImageDataset> readImageFolder(const fs::path& folder,
                                     const PreprocessRecipe& recipe,
                                     const std::vector<std::string>& classNames,
                                     const std::atomic<bool>* cancel,
                                     const DatasetProgress& progress)
{
    std::error_code error;
    if (!fs::is_directory(folder, error))
        return fail(ErrorKind::InvalidInput, folder.string() + ": not a folder of class subfolders");
    std::vector<std::string> names = classNames;
    if (names.empty()) {
        for (const fs::directory_entry& entry : fs::directory_iterator(folder, error)) {
            if (entry.is_directory(error) && entry.path().filename().string().front() != '.')
                names.push_back(entry.path().filename().string());
        }
        if (error)
            return fail(ErrorKind::Io, folder.string() + ": cannot list: " + error.message());
        std::sort(names.begin(), names.end());
    }
    if (names.size() < 2)
        return fail(ErrorKind::InvalidInput,
                    folder.string() +
                        ": needs at least two class subfolders (one folder of images per class)");

    std::vector<std::pair<fs::path, int>> files;
    for (std::size_t c = 0; c < names.size(); ++c) {
        // A validation folder may lack a class; a training folder may not.
        const fs::path classFolder = folder / names[c];
        if (!fs::is_directory(classFolder, error)) {
            if (classNames.empty())
                return fail(ErrorKind::InvalidInput, classFolder.string() + ": not a folder");
            continue;
        }
        auto images = imageFilesUnder(classFolder);
        if (!images)
            return std::unexpected(images.error());
        if (images->empty() && classNames.empty())
            return fail(ErrorKind::InvalidInput,
                        classFolder.string() + ": no image files in this class folder");
        for (const fs::path& image : *images)
            files.emplace_back(image, static_cast<int>(c));
    }
    if (files.empty())
        return fail(ErrorKind::InvalidInput,
                    folder.string() + ": no images in folders named after the classes");

    ImageDataset dataset;
    dataset.classNames = names;
    dataset.labels.reserve(files.size());
    for (std::size_t i = 0; i < files.size(); ++i) {
        if (cancel && cancel->load())
            return fail(ErrorKind::Cancelled, "cancelled while reading " + folder.string());
        auto image = preprocessImageFile(files[i].first, recipe);
        if (!image)
            return std::unexpected(image.error());
        const Image8& input = image->modelInput;
        if (dataset.labels.empty()) {
            dataset.width = input.width;
            dataset.height = input.height;
            dataset.channels = input.channels;
            dataset.pixels.reserve(files.size() * dataset.imageBytes());
        } else if (input.width != dataset.width || input.height != dataset.height ||
                   input.channels != dataset.channels) {
            return fail(ErrorKind::InvalidInput, files[i].first.string() +
                                                     ": preprocessed to another size than the other images "
                                                     "(the recipe must resize to a fixed size)");
        }
        dataset.pixels.insert(dataset.pixels.end(), input.pixels.begin(), input.pixels.end());
        dataset.labels.push_back(files[i].second);
        if (progress)
            progress(i + 1, files.size());
    }
    dataset.source = folder.string() + " (" + std::to_string(dataset.size()) + " images, " +
                     std::to_string(names.size()) + " classes)";
    return dataset;
}

Result<ImageDataset> resizeDataset(const ImageDataset& dataset, const PreprocessRecipe& recipe)
{
    ImageDataset resized;
    resized.labels = dataset.labels;
    resized.classNames = dataset.classNames;
    resized.source = dataset.source;
    for (std::size_t i = 0; i < dataset.size(); ++i) {
        Image8 image{dataset.width, dataset.height, dataset.channels,
                     std::vector<std::uint8_t>(dataset.image(i), dataset.image(i) + dataset.imageBytes())};
        auto done = preprocessImage(image, recipe, "image " + std::to_string(i));
        if (!done)
            return std::unexpected(done.error());
        const Image8& input = done->modelInput;
        if (i == 0) {
            resized.width = input.width;
            resized.height = input.height;
            resized.channels = input.channels;
            resized.pixels.reserve(dataset.size() * resized.imageBytes());
        }
        resized.pixels.insert(resized.pixels.end(), input.pixels.begin(), input.pixels.end());
    }
    return resized;
}

ImageDataset subsetOf(const ImageDataset& dataset, const std::vector<std::size_t>& indices)
{
    ImageDataset subset;
    subset.width = dataset.width;
    subset.height = dataset.height;
    subset.channels = dataset.channels;
    subset.classNames = dataset.classNames;
    subset.source = dataset.source;
    subset.pixels.reserve(indices.size() * dataset.imageBytes());
    for (std::size_t index : indices) {
        subset.pixels.insert(subset.pixels.end(), dataset.image(index),
                             dataset.image(index) + dataset.imageBytes());
        subset.labels.push_back(dataset.labels[index]);
    }
    return subset;
}

DatasetPair splitDataset(const ImageDataset& dataset, double fraction, std::uint64_t seed)
{
    std::vector<std::size_t> order(dataset.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::mt19937_64 random(seed ^ 0x5eed5011ULL);
    std::shuffle(order.begin(), order.end(), random);
    const auto validationCount = static_cast<std::size_t>(
        std::llround(std::clamp(fraction, 0.0, 1.0) * static_cast<double>(order.size())));
    const auto cut = order.begin() + static_cast<std::ptrdiff_t>(order.size() - validationCount);
    std::vector<std::size_t> train(order.begin(), cut), validation(cut, order.end());
    std::sort(train.begin(), train.end());
    std::sort(validation.begin(), validation.end());
    return {subsetOf(dataset, train), subsetOf(dataset, validation)};
}

void channelStatistics(const ImageDataset& dataset, std::vector<double>& mean, std::vector<double>& std)
{
    const int channels = std::max(dataset.channels, 1);
    std::vector<double> sum(channels, 0.0), squares(channels, 0.0);
    const std::size_t values = dataset.pixels.size();
    for (std::size_t i = 0; i < values; ++i) {
        const double v = dataset.pixels[i] / 255.0;
        sum[i % channels] += v;
        squares[i % channels] += v * v;
    }
    const double perChannel = std::max<double>(1.0, static_cast<double>(values / channels));
    mean.assign(channels, 0.0);
    std.assign(channels, 1.0);
    for (int c = 0; c < channels; ++c) {
        mean[c] = sum[c] / perChannel;
        std[c] = std::sqrt(std::max(1e-12, squares[c] / perChannel - mean[c] * mean[c]));
    }
}

} // namespace mwb
