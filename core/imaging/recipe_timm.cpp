#include "imaging/recipe_sources.h"

#include <array>
#include <cmath>
#include <map>

namespace mwb {
namespace {

using nlohmann::json;

Result<ResampleFilter> readInterpolation(const RecipeFields& fields)
{
    static const std::map<std::string, ResampleFilter> names{
        {"nearest", ResampleFilter::Nearest}, {"bilinear", ResampleFilter::Bilinear},
        {"bicubic", ResampleFilter::Bicubic}, {"box", ResampleFilter::Box},
        {"hamming", ResampleFilter::Hamming}, {"lanczos", ResampleFilter::Lanczos}};
    const auto name = fields.string("interpolation", "bicubic"); // PretrainedCfg's default
    if (!name)
        return std::unexpected(name.error());
    const auto it = names.find(*name);
    if (it == names.end())
        return fields.error("interpolation",
                            "must be one of nearest, bilinear, bicubic, box, hamming, lanczos (got '" +
                                *name + "')");
    return it->second;
}

// input_size is [channels, height, width].
Result<std::array<int, 3>> readInputSize(const RecipeFields& fields)
{
    const json* value = fields.find("input_size");
    if (!value)
        return std::array<int, 3>{3, 224, 224};
    if (!value->is_array() || value->size() != 3)
        return fields.error("input_size", "must be [channels, height, width]");
    std::array<int, 3> out{};
    for (std::size_t i = 0; i < 3; ++i) {
        const auto item = fields.positiveIntIn(value->at(i), "input_size[" + std::to_string(i) + "]");
        if (!item)
            return std::unexpected(item.error());
        out[i] = *item;
    }
    return out;
}

// transforms_imagenet_eval: scale = floor(size / crop_pct); "center" resizes (short side when square,
// else ResizeKeepRatio) then center-crops; "squash" resizes both sides to scale, then crops; "border"
// fits the whole image inside scale (ResizeKeepRatio longest=1) then center-crops or pads with
// round(255 * mean).
Result<void> readGeometry(const RecipeFields& fields,
                          int height,
                          int width,
                          const std::vector<double>& mean,
                          PreprocessRecipe& recipe)
{
    const auto cropPct = fields.positiveNumber("crop_pct", 0.875);
    if (!cropPct)
        return std::unexpected(cropPct.error());
    const auto cropMode = fields.string("crop_mode", "center");
    if (!cropMode)
        return std::unexpected(cropMode.error());
    const double scaleHeight = std::floor(height / *cropPct);
    const double scaleWidth = std::floor(width / *cropPct);
    if (scaleHeight >= double(1 << 16) || scaleWidth >= double(1 << 16))
        return fields.error("crop_pct", "gives a resize beyond 65536 pixels");
    recipe.centerCrop = true;
    recipe.cropHeight = height;
    recipe.cropWidth = width;
    recipe.resizeHeight = std::max(int(scaleHeight), 1);
    recipe.resizeWidth = std::max(int(scaleWidth), 1);
    if (*cropMode == "squash") {
        recipe.resizeMode = ResizeMode::Exact;
    } else if (*cropMode == "center" && scaleHeight == scaleWidth) {
        recipe.resizeMode = ResizeMode::ShortestEdge;
        recipe.shortestEdge = recipe.resizeHeight;
    } else if (*cropMode == "center") {
        // timm (0.9.16 to 1.0.x) builds ResizeKeepRatio(scale_size) here without passing the
        // interpolation, so its default bilinear filter is used whatever `interpolation` says. The
        // model was evaluated with that transform, so the recipe matches it rather than the field.
        recipe.resizeMode = ResizeMode::KeepRatio;
        recipe.resample = ResampleFilter::Bilinear;
    } else if (*cropMode == "border") {
        recipe.resizeMode = ResizeMode::KeepRatioLongest; // with `interpolation`, as timm passes it here
        recipe.padValues.clear();
        for (double m : mean)
            recipe.padValues.push_back(static_cast<int>(roundHalfEven(255.0 * m))); // Python's round()
    } else {
        return fields.error("crop_mode", "must be 'center', 'squash' or 'border' (got '" + *cropMode + "')");
    }
    return {};
}

} // namespace

Result<PreprocessRecipe>
recipeFromTimmConfig(const json& pretrainedCfg, int channels, const std::string& fileLabel)
{
    if (!pretrainedCfg.is_object())
        return fail(ErrorKind::InvalidInput, fileLabel + ": field 'pretrained_cfg' must be an object");
    const RecipeFields fields(pretrainedCfg, fileLabel);
    PreprocessRecipe recipe;
    recipe.pipeline = PreprocessPipeline::Timm;
    recipe.source = "config.json (timm pretrained_cfg)";
    recipe.channels = channels;
    recipe.cropRounding = CropRounding::RoundHalfEven;
    recipe.rescale = RescaleMode::DivideFloat32;
    recipe.normalize = true;

    const auto inputSize = readInputSize(fields);
    if (!inputSize)
        return std::unexpected(inputSize.error());
    const auto interpolation = readInterpolation(fields);
    if (!interpolation)
        return std::unexpected(interpolation.error());
    recipe.resample = *interpolation;

    const auto mean = fields.numbers("mean", kImagenetDefaultMean, false);
    if (!mean)
        return std::unexpected(mean.error());
    const auto std = fields.numbers("std", kImagenetDefaultStd, true);
    if (!std)
        return std::unexpected(std.error());
    const auto fittedMean = fitToChannels(*mean, channels, fields, "mean");
    if (!fittedMean)
        return std::unexpected(fittedMean.error());
    const auto fittedStd = fitToChannels(*std, channels, fields, "std");
    if (!fittedStd)
        return std::unexpected(fittedStd.error());
    recipe.mean = *fittedMean;
    recipe.std = *fittedStd;
    const auto geometry = readGeometry(fields, (*inputSize)[1], (*inputSize)[2], recipe.mean, recipe);
    if (!geometry)
        return std::unexpected(geometry.error());
    return recipe;
}

} // namespace mwb
