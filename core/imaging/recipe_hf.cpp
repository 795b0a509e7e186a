#include "imaging/recipe_sources.h"

#include <algorithm>
#include <array>

namespace mwb {
namespace {

using nlohmann::json;

// Processors whose legacy integer `size` means the shortest edge (get_size_dict with
// default_to_square=False); for the others it means a square.
bool legacySizeIsShortestEdge(const std::string& className)
{
    static const std::array<const char*, 8> prefixes{"ConvNext",    "CLIP",  "Bit",         "MobileNetV1",
                                                     "MobileNetV2", "Levit", "ChineseCLIP", "PoolFormer"};
    return std::any_of(prefixes.begin(), prefixes.end(),
                       [&](const char* p) { return className.starts_with(p); });
}

// `size` or `crop_size`: {"shortest_edge": S}, {"height": H, "width": W}, or a legacy integer.
struct SizeField
{
    int shortestEdge = 0; // 0 when height/width are given
    int height = 0;
    int width = 0;
};

Result<SizeField>
readSize(const RecipeFields& fields, const char* key, SizeField fallback, bool legacyIsShortestEdge)
{
    const json* value = fields.find(key);
    if (!value)
        return fallback;
    const std::string name = key;
    if (value->is_number()) {
        const auto side = fields.positiveIntIn(*value, name);
        if (!side)
            return std::unexpected(side.error());
        return legacyIsShortestEdge ? SizeField{*side, 0, 0} : SizeField{0, *side, *side};
    }
    if (!value->is_object())
        return fields.error(name, "must be an object with 'shortest_edge' or 'height' and 'width'");
    if (value->contains("longest_edge"))
        return fields.error(name + ".longest_edge", "is not supported for image classification");
    if (value->contains("shortest_edge")) {
        const auto side = fields.positiveIntIn(value->at("shortest_edge"), name + ".shortest_edge");
        if (!side)
            return std::unexpected(side.error());
        return SizeField{*side, 0, 0};
    }
    if (!value->contains("height") || !value->contains("width"))
        return fields.error(name, "must have 'shortest_edge' or both 'height' and 'width'");
    const auto height = fields.positiveIntIn(value->at("height"), name + ".height");
    if (!height)
        return std::unexpected(height.error());
    const auto width = fields.positiveIntIn(value->at("width"), name + ".width");
    if (!width)
        return std::unexpected(width.error());
    return SizeField{0, *height, *width};
}

Result<ResampleFilter> readResample(const RecipeFields& fields, ResampleFilter fallback)
{
    const json* value = fields.find("resample");
    if (!value)
        return fallback;
    if (!value->is_number_integer() || value->get<long long>() < 0 || value->get<long long>() > 5)
        return fields.error("resample", "must be a PIL resampling code from 0 to 5");
    return ResampleFilter(value->get<int>());
}

// ConvNextImageProcessor: shortest_edge < 384 resizes the short side to int(shortest_edge / crop_pct)
// and center-crops shortest_edge²; from 384 on it warps to shortest_edge² with no crop.
Result<void> readConvNextGeometry(const RecipeFields& fields, PreprocessRecipe& recipe)
{
    const auto doResize = fields.boolean("do_resize", true);
    if (!doResize)
        return std::unexpected(doResize.error());
    const auto size = readSize(fields, "size", SizeField{384, 0, 0}, true);
    if (!size)
        return std::unexpected(size.error());
    if (size->shortestEdge == 0)
        return fields.error("size", "must give 'shortest_edge' for ConvNextImageProcessor");
    const auto cropPct = fields.positiveNumber("crop_pct", 224.0 / 256.0);
    if (!cropPct)
        return std::unexpected(cropPct.error());
    recipe.centerCrop = false;
    recipe.resizeMode = ResizeMode::None;
    if (!*doResize)
        return {};
    const int edge = size->shortestEdge;
    if (edge < 384) {
        const double resized = edge / *cropPct;
        if (resized >= double(1 << 16))
            return fields.error("crop_pct", "gives a resize beyond 65536 pixels");
        recipe.resizeMode = ResizeMode::ShortestEdge;
        recipe.shortestEdge = std::max(int(resized), 1);
        recipe.centerCrop = true;
        recipe.cropHeight = recipe.cropWidth = edge;
    } else {
        recipe.resizeMode = ResizeMode::Exact;
        recipe.resizeHeight = recipe.resizeWidth = edge;
    }
    return {};
}

// The other classification processors (ViT, BiT, CLIP, ...): resize, then an optional center crop.
Result<void>
readResizeCropGeometry(const RecipeFields& fields, const std::string& className, PreprocessRecipe& recipe)
{
    const bool legacyShortest = legacySizeIsShortestEdge(className);
    const auto doResize = fields.boolean("do_resize", true);
    if (!doResize)
        return std::unexpected(doResize.error());
    const auto size = readSize(fields, "size", SizeField{0, 224, 224}, legacyShortest);
    if (!size)
        return std::unexpected(size.error());
    const auto doCrop = fields.boolean("do_center_crop", false);
    if (!doCrop)
        return std::unexpected(doCrop.error());
    const auto crop = readSize(fields, "crop_size", SizeField{0, 224, 224}, false);
    if (!crop)
        return std::unexpected(crop.error());
    if (*doCrop && crop->shortestEdge != 0)
        return fields.error("crop_size", "must give 'height' and 'width'");

    recipe.resizeMode = !*doResize                ? ResizeMode::None
                        : size->shortestEdge != 0 ? ResizeMode::ShortestEdge
                                                  : ResizeMode::Exact;
    recipe.shortestEdge = size->shortestEdge;
    recipe.resizeHeight = size->height;
    recipe.resizeWidth = size->width;
    recipe.centerCrop = *doCrop;
    recipe.cropHeight = crop->height;
    recipe.cropWidth = crop->width;
    return {};
}

Result<void> readRescaleAndNormalize(const RecipeFields& fields, int channels, PreprocessRecipe& recipe)
{
    const auto doRescale = fields.boolean("do_rescale", true);
    if (!doRescale)
        return std::unexpected(doRescale.error());
    const auto factor = fields.positiveNumber("rescale_factor", 1.0 / 255.0);
    if (!factor)
        return std::unexpected(factor.error());
    const auto doNormalize = fields.boolean("do_normalize", true);
    if (!doNormalize)
        return std::unexpected(doNormalize.error());
    const auto mean = fields.numbers("image_mean", kImagenetStandardMean, false);
    if (!mean)
        return std::unexpected(mean.error());
    const auto std = fields.numbers("image_std", kImagenetStandardStd, true);
    if (!std)
        return std::unexpected(std.error());
    const auto fittedMean = fitToChannels(*mean, channels, fields, "image_mean");
    if (!fittedMean)
        return std::unexpected(fittedMean.error());
    const auto fittedStd = fitToChannels(*std, channels, fields, "image_std");
    if (!fittedStd)
        return std::unexpected(fittedStd.error());
    recipe.rescale = *doRescale ? RescaleMode::MultiplyFloat64 : RescaleMode::None;
    recipe.rescaleFactor = *factor;
    recipe.normalize = *doNormalize;
    recipe.mean = *fittedMean;
    recipe.std = *fittedStd;
    return {};
}

} // namespace

Result<PreprocessRecipe>
recipeFromImageProcessor(const json& config, int channels, const std::string& fileLabel)
{
    if (!config.is_object())
        return fail(ErrorKind::InvalidInput, fileLabel + ": the top level must be a JSON object");
    const RecipeFields fields(config, fileLabel);
    auto className = fields.string("image_processor_type", "");
    if (!className)
        return std::unexpected(className.error());
    if (className->empty()) {
        className = fields.string("feature_extractor_type", "");
        if (!className)
            return std::unexpected(className.error());
    }
    // Without a class name, crop_pct and no crop_size can only mean ConvNext's rule.
    const bool convNext = className->starts_with("ConvNext") ||
                          (className->empty() && fields.has("crop_pct") && !fields.has("crop_size"));

    PreprocessRecipe recipe;
    recipe.pipeline = PreprocessPipeline::Transformers;
    recipe.channels = channels;
    recipe.cropRounding = CropRounding::Floor;
    recipe.source = "preprocessor_config.json (" +
                    (className->empty() ? std::string("image processor") : *className) + ")";
    const auto resample = readResample(fields, convNext ? ResampleFilter::Bicubic : ResampleFilter::Bilinear);
    if (!resample)
        return std::unexpected(resample.error());
    recipe.resample = *resample;
    const auto geometry =
        convNext ? readConvNextGeometry(fields, recipe) : readResizeCropGeometry(fields, *className, recipe);
    if (!geometry)
        return std::unexpected(geometry.error());
    const auto values = readRescaleAndNormalize(fields, channels, recipe);
    if (!values)
        return std::unexpected(values.error());
    return recipe;
}

} // namespace mwb
