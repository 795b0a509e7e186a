#include "train/training_setup.h"

#include "config/config_io.h"
#include "imaging/preprocess_recipe.h"
#include "model/model.h"

#include <fstream>
#include <sstream>

#include <QString>

#include <nlohmann/json.hpp>

namespace mwb {

namespace fs = std::filesystem;

namespace {

bool folderHasRecipe(const fs::path& model, const nlohmann::json& config)
{
    std::error_code error;
    return fs::is_directory(model, error) &&
           (fs::is_regular_file(model / "preprocessor_config.json", error) ||
            config.contains("pretrained_cfg"));
}

// What transformers' ViTImageProcessor does for these settings: resize to size x size (PIL bilinear),
// rescale by 1/255, normalise. Training resizes with the same code, so inference sees what training saw.
PreprocessRecipe squareRecipe(int size, int channels)
{
    PreprocessRecipe recipe;
    recipe.pipeline = PreprocessPipeline::Transformers;
    recipe.source = "training input " + std::to_string(size) + "x" + std::to_string(size);
    recipe.channels = channels;
    recipe.resizeMode = ResizeMode::Exact;
    recipe.resizeHeight = recipe.resizeWidth = size;
    recipe.resample = ResampleFilter::Bilinear;
    recipe.centerCrop = false;
    recipe.cropHeight = recipe.cropWidth = size;
    recipe.rescale = RescaleMode::MultiplyFloat64;
    recipe.normalize = true;
    recipe.mean.assign(static_cast<std::size_t>(channels), 0.0);
    recipe.std.assign(static_cast<std::size_t>(channels), 1.0);
    return recipe;
}

std::string processorJson(int size, const std::vector<double>& mean, const std::vector<double>& std)
{
    const nlohmann::json doc{{"image_processor_type", "ViTImageProcessor"},
                             {"do_resize", true},
                             {"size", {{"height", size}, {"width", size}}},
                             {"resample", 2},
                             {"do_rescale", true},
                             {"rescale_factor", 1.0 / 255.0},
                             {"do_normalize", true},
                             {"image_mean", mean},
                             {"image_std", std}};
    return doc.dump(2) + "\n";
}

std::string readText(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

Result<ImageDataset> readAny(const fs::path& path,
                             DatasetSplit split,
                             std::size_t limit,
                             const PreprocessRecipe& recipe,
                             const std::vector<std::string>& classNames,
                             const std::atomic<bool>* cancel,
                             const DatasetProgress& progress)
{
    if (isFashionMnistFolder(path)) {
        auto native = readFashionMnist(path, split, limit);
        if (!native)
            return native;
        return resizeDataset(*native, recipe);
    }
    auto folder = readImageFolder(path, recipe, classNames, cancel, progress);
    if (!folder || limit == 0 || folder->size() <= limit)
        return folder;
    // Keep a seeded, class-mixed subset rather than the first classes only.
    return splitDataset(*folder, static_cast<double>(limit) / static_cast<double>(folder->size()), 1)
        .validation;
}

} // namespace

Result<PreparedTraining> prepareTraining(const TrainingRequest& request,
                                         const std::atomic<bool>* cancel,
                                         const DatasetProgress& progress)
{
    auto config = readConfigFile(QString::fromStdString(request.model.string()));
    if (!config)
        return std::unexpected(config.error());
    const int channels = config->value("input_channels", 3);
    const bool fashion = isFashionMnistFolder(request.data);
    const bool modelRecipe = folderHasRecipe(request.model, *config) && !request.inputSize;

    PreparedTraining prepared;
    PreprocessRecipe recipe;
    if (modelRecipe) {
        auto loaded = loadPreprocessRecipe(request.model);
        if (!loaded)
            return std::unexpected(loaded.error());
        recipe = *loaded;
        recipe.channels = channels;
        if (fs::exists(request.model / "preprocessor_config.json"))
            prepared.preprocessorConfigJson = readText(request.model / "preprocessor_config.json");
    } else {
        const int size = request.inputSize.value_or(fashion ? 28 : 224);
        if (size < 8 || size > 1024)
            return fail(ErrorKind::InvalidInput,
                        "--input-size " + std::to_string(size) + ": expected 8 to 1024 pixels");
        recipe = squareRecipe(size, channels);
    }

    auto train = readAny(request.data, DatasetSplit::Train, request.limit, recipe, {}, cancel, progress);
    if (!train)
        return std::unexpected(train.error());
    prepared.train = std::move(*train);

    if (request.validation) {
        auto validation = readAny(*request.validation, DatasetSplit::Test, request.validationLimit, recipe,
                                  prepared.train.classNames, cancel, progress);
        if (!validation)
            return std::unexpected(validation.error());
        if (validation->classNames != prepared.train.classNames)
            return fail(ErrorKind::InvalidInput, request.validation->string() +
                                                     ": validation classes differ from the training classes");
        prepared.validation = std::move(*validation);
    } else if (fashion && !request.validationSplit) {
        auto test =
            readAny(request.data, DatasetSplit::Test, request.validationLimit, recipe, {}, cancel, progress);
        if (!test)
            return std::unexpected(test.error());
        prepared.validation = std::move(*test);
    } else {
        const double fraction = request.validationSplit.value_or(0.1);
        if (fraction < 0 || fraction >= 1)
            return fail(ErrorKind::InvalidInput,
                        "--val-split " + std::to_string(fraction) + ": expected 0 <= F < 1");
        DatasetPair pair = splitDataset(prepared.train, fraction, request.seed);
        prepared.train = std::move(pair.train);
        prepared.validation = std::move(pair.validation);
        if (request.validationLimit > 0 && prepared.validation.size() > request.validationLimit)
            prepared.validation = splitDataset(prepared.validation,
                                               static_cast<double>(request.validationLimit) /
                                                   static_cast<double>(prepared.validation.size()),
                                               2)
                                      .validation;
    }
    prepared.notes.push_back(
        "training data: " + prepared.train.source + ", " + std::to_string(prepared.train.size()) +
        " images at " + std::to_string(prepared.train.width) + "x" + std::to_string(prepared.train.height));
    prepared.notes.push_back("validation data: " + std::to_string(prepared.validation.size()) + " images");

    if (modelRecipe) {
        prepared.mean = recipe.mean;
        prepared.std = recipe.std;
    } else {
        channelStatistics(prepared.train, prepared.mean, prepared.std);
        prepared.preprocessorConfigJson = processorJson(prepared.train.width, prepared.mean, prepared.std);
    }

    auto model = prepareModelForData(request.model, prepared.train.classNames, request.seed, prepared.notes);
    if (!model)
        return std::unexpected(model.error());
    prepared.model = std::move(*model);
    return prepared;
}

} // namespace mwb
