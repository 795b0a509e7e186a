#include "imaging/preprocess_recipe.h"

#include "imaging/recipe_sources.h"
#include "util/input_file.h"
#include "util/json_parse.h"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <numeric>

namespace mwb {
namespace {

using nlohmann::json;

const char* const kProcessorFile = "preprocessor_config.json";
const char* const kModelConfigFile = "config.json";

std::string formatNumber(double value)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.6g", value);
    return buffer;
}

std::string formatNumbers(const std::vector<double>& values)
{
    std::string out = "[";
    for (std::size_t i = 0; i < values.size(); ++i)
        out += (i ? ", " : "") + formatNumber(values[i]);
    return out + "]";
}

// config.json: `input_channels` (the tutorial's ResnetConfig), `num_channels` (transformers vision
// configs), timm's input_size[0]; else 3. Only 1 and 3 can be made from an image.
Result<int> channelsFromModelConfig(const json* modelConfig, const json* timmCfg, const std::string& label)
{
    int channels = 3;
    std::string field = "input_channels";
    if (modelConfig && modelConfig->is_object()) {
        const RecipeFields fields(*modelConfig, label);
        const char* key = fields.has("input_channels") ? "input_channels"
                          : fields.has("num_channels") ? "num_channels"
                                                       : nullptr;
        if (key) {
            const auto value = fields.positiveInt(key, 3);
            if (!value)
                return std::unexpected(value.error());
            channels = *value;
            field = key;
        } else if (timmCfg && timmCfg->contains("input_size") && (*timmCfg)["input_size"].is_array() &&
                   !(*timmCfg)["input_size"].empty() && (*timmCfg)["input_size"][0].is_number_integer()) {
            channels = (*timmCfg)["input_size"][0].get<int>();
            field = "input_size[0]";
        }
    }
    if (channels != 1 && channels != 3)
        return fail(ErrorKind::InvalidInput,
                    label + ": field '" + field + "' is " + std::to_string(channels) +
                        "; images can only be fed to models with 1 (luma) or 3 (RGB) input channels");
    return channels;
}

// timm ≥ 0.9 nests the cfg under `pretrained_cfg`; timm 0.6 wrote it flat at the root.
const json* timmPretrainedCfg(const json* modelConfig)
{
    if (!modelConfig || !modelConfig->is_object())
        return nullptr;
    const auto nested = modelConfig->find("pretrained_cfg");
    if (nested != modelConfig->end() && !nested->is_null())
        return &*nested;
    for (const char* key : {"input_size", "interpolation", "crop_pct", "mean", "std"})
        if (modelConfig->contains(key))
            return modelConfig;
    return nullptr;
}

Result<PreprocessRecipe> recipeFromDocuments(const json* processor,
                                             const json* modelConfig,
                                             const std::string& processorLabel,
                                             const std::string& modelLabel)
{
    if (modelConfig && !modelConfig->is_object())
        return fail(ErrorKind::InvalidInput, modelLabel + ": the top level must be a JSON object");
    const json* timmCfg = timmPretrainedCfg(modelConfig);
    const auto channels = channelsFromModelConfig(modelConfig, timmCfg, modelLabel);
    if (!channels)
        return std::unexpected(channels.error());
    if (processor)
        return recipeFromImageProcessor(*processor, *channels, processorLabel);
    if (timmCfg)
        return recipeFromTimmConfig(*timmCfg, *channels, modelLabel);
    return defaultPreprocessRecipe(*channels);
}

// Missing file: nullopt. Present but unreadable or invalid: an error naming it.
Result<std::optional<json>> readJsonIfPresent(const std::filesystem::path& path)
{
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        return std::optional<json>{};
    auto bytes = readRegularFile(QString::fromStdString(path.string()), limits::kJsonBytes);
    if (!bytes)
        return std::unexpected(bytes.error());
    auto doc = parseJson(std::string_view(bytes->constData(), size_t(bytes->size())), path.string());
    if (!doc)
        return std::unexpected(doc.error());
    return std::optional<json>{std::move(*doc)};
}

} // namespace

Result<std::vector<double>>
fitToChannels(const std::vector<double>& values, int channels, const RecipeFields& fields, const char* key)
{
    if (int(values.size()) == channels)
        return values;
    if (values.size() == 1)
        return std::vector<double>(channels, values[0]);
    if (channels == 1 && values.size() == 3)
        return std::vector<double>{std::accumulate(values.begin(), values.end(), 0.0) / 3.0};
    return fields.error(key, "has " + std::to_string(values.size()) + " values but the model takes " +
                                 std::to_string(channels) + " channels");
}

PreprocessRecipe defaultPreprocessRecipe(int channels)
{
    PreprocessRecipe recipe; // the struct's defaults are timm's eval transform at 224 px, bicubic
    recipe.source = "defaults (timm eval transform: ImageNet mean/std, crop_pct 0.875, bicubic)";
    recipe.channels = channels;
    const json none = json::object();
    const RecipeFields fields(none, "defaults");
    recipe.mean = *fitToChannels(kImagenetDefaultMean, channels, fields, "mean");
    recipe.std = *fitToChannels(kImagenetDefaultStd, channels, fields, "std");
    return recipe;
}

std::string PreprocessRecipe::summary() const
{
    std::string out = source + ": ";
    const std::string filter = std::string(" (") + resampleFilterName(resample) + ")";
    switch (resizeMode) {
    case ResizeMode::None:
        out += "no resize";
        break;
    case ResizeMode::ShortestEdge:
        out += "resize short side to " + std::to_string(shortestEdge) + filter;
        break;
    case ResizeMode::Exact:
        out += "resize to " + std::to_string(resizeWidth) + "x" + std::to_string(resizeHeight) + filter;
        break;
    case ResizeMode::KeepRatio:
        out += "resize keeping the aspect ratio to cover " + std::to_string(resizeWidth) + "x" +
               std::to_string(resizeHeight) + filter;
        break;
    case ResizeMode::KeepRatioLongest:
        out += "resize keeping the aspect ratio to fit inside " + std::to_string(resizeWidth) + "x" +
               std::to_string(resizeHeight) + filter;
        break;
    }
    if (centerCrop)
        out += ", center crop " + std::to_string(cropWidth) + "x" + std::to_string(cropHeight) +
               (cropRounding == CropRounding::Floor ? " (offsets floored)" : " (offsets rounded)");
    if (centerCrop && !padValues.empty()) {
        std::string fill;
        for (int v : padValues)
            fill += (fill.empty() ? "" : ", ") + std::to_string(v);
        out += " padded with [" + fill + "]";
    }
    if (rescale == RescaleMode::DivideFloat32)
        out += ", x/255";
    else if (rescale == RescaleMode::MultiplyFloat64)
        out += ", x*" + formatNumber(rescaleFactor) + " in float64";
    if (normalize)
        out += ", normalize mean " + formatNumbers(mean) + " std " + formatNumbers(std);
    out += channels == 1 ? ", 1 channel (luma)" : ", RGB";
    return out;
}

Result<PreprocessRecipe> preprocessRecipeFromJson(const json* preprocessorConfig, const json* modelConfig)
{
    return recipeFromDocuments(preprocessorConfig, modelConfig, kProcessorFile, kModelConfigFile);
}

Result<PreprocessRecipe> loadPreprocessRecipe(const std::filesystem::path& folder)
{
    const std::filesystem::path processorPath = folder / kProcessorFile;
    const std::filesystem::path modelPath = folder / kModelConfigFile;
    const auto processor = readJsonIfPresent(processorPath);
    if (!processor)
        return std::unexpected(processor.error());
    const auto model = readJsonIfPresent(modelPath);
    if (!model)
        return std::unexpected(model.error());
    return recipeFromDocuments(*processor ? &**processor : nullptr, *model ? &**model : nullptr,
                               processorPath.string(), modelPath.string());
}

} // namespace mwb
