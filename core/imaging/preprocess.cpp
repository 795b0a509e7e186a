#include "imaging/preprocess.h"

#include "imaging/recipe_fields.h"
#include "input_limits.h"

#include <algorithm>
#include <cmath>

namespace mwb {
namespace {

constexpr int kMaxResizedSide = 1 << 16;

Image8 toChannels(const Image8& image, int channels)
{
    if (image.channels == channels)
        return image;
    if (channels == 1)
        return toLuma(image);
    Image8 rgb = makeImage8(image.width, image.height, 3); // PIL's "L" → "RGB" replicates
    for (std::size_t i = 0; i < image.pixels.size(); ++i)
        std::fill_n(&rgb.pixels[i * 3], 3, image.pixels[i]);
    return rgb;
}

// torchvision's and transformers' rule for a scalar size: short side to `edge`, long side truncated.
ImageSize shortestEdgeSize(ImageSize size, int edge)
{
    const bool portrait = size.width <= size.height;
    const long long shortSide = portrait ? size.width : size.height;
    const long long longSide = portrait ? size.height : size.width;
    const long long newLong = static_cast<long long>(double(edge * longSide) / double(shortSide));
    const int clamped = int(std::min<long long>(newLong, kMaxResizedSide + 1LL));
    return portrait ? ImageSize{edge, clamped} : ImageSize{clamped, edge};
}

// timm's ResizeKeepRatio: divide both sides by the smaller ratio (longest = 0: the short side fits,
// the rest is cropped) or the larger one (longest = 1: the whole image fits), round half to even.
ImageSize keepRatioSize(ImageSize size, int targetWidth, int targetHeight, bool longest)
{
    const double ratioHeight = double(size.height) / targetHeight;
    const double ratioWidth = double(size.width) / targetWidth;
    const double ratio = longest ? std::max(ratioHeight, ratioWidth) : std::min(ratioHeight, ratioWidth);
    const auto side = [&](int s) {
        return int(std::min<long long>(roundHalfEven(s / ratio), kMaxResizedSide + 1LL));
    };
    return {side(size.width), side(size.height)};
}

// Intersection of [begin, begin + length) with [0, size).
std::pair<int, int> clipSpan(int begin, int length, int size)
{
    const int first = std::clamp(begin, 0, size);
    const int last = std::clamp(begin + length, 0, size);
    return {first, last - first};
}

} // namespace

Result<ImageSize> resizedSize(ImageSize size, const PreprocessRecipe& recipe)
{
    ImageSize out = size;
    switch (recipe.resizeMode) {
    case ResizeMode::None:
        break;
    case ResizeMode::ShortestEdge:
        out = shortestEdgeSize(size, recipe.shortestEdge);
        break;
    case ResizeMode::Exact:
        out = {recipe.resizeWidth, recipe.resizeHeight};
        break;
    case ResizeMode::KeepRatio:
        out = keepRatioSize(size, recipe.resizeWidth, recipe.resizeHeight, false);
        break;
    case ResizeMode::KeepRatioLongest:
        out = keepRatioSize(size, recipe.resizeWidth, recipe.resizeHeight, true);
        break;
    }
    if (out.width < 1 || out.height < 1 || out.width > kMaxResizedSide || out.height > kMaxResizedSide)
        return fail(ErrorKind::InvalidInput,
                    "resizing " + std::to_string(size.width) + "x" + std::to_string(size.height) + " gives " +
                        std::to_string(out.width) + "x" + std::to_string(out.height) +
                        ", outside 1..65536 pixels per side");
    if (const auto pixels = std::uint64_t(out.width) * std::uint64_t(out.height);
        pixels > limits::kPreprocessPixels.value)
        return fail(ErrorKind::InvalidInput,
                    "resizing " + std::to_string(size.width) + "x" + std::to_string(size.height) + " to " +
                        std::to_string(out.width) + "x" + std::to_string(out.height) + ": " +
                        exceedsLimit(limits::kPreprocessPixels, pixels));
    return out;
}

int centerCropOffset(int size, int crop, CropRounding rounding)
{
    if (rounding == CropRounding::Floor) // Python's (size - crop) // 2, also when negative
        return int(std::floor((size - crop) / 2.0));
    if (size >= crop)
        return int(roundHalfEven((size - crop) / 2.0));
    return -((crop - size) / 2); // torchvision pads floor((crop - size) / 2) before the image
}

std::vector<float> toNormalizedChw(const Image8& image, const PreprocessRecipe& recipe)
{
    const std::size_t plane = std::size_t(image.width) * image.height;
    const int channels = image.channels;
    std::vector<float> out(plane * channels);
    for (int c = 0; c < channels; ++c) {
        // torch.as_tensor(mean, float32) and np.array(mean, dtype=float32) both round to float first.
        const float mean = recipe.normalize ? float(recipe.mean[c]) : 0.0f;
        const float std = recipe.normalize ? float(recipe.std[c]) : 1.0f;
        float* dst = out.data() + plane * c;
        const std::uint8_t* src = image.pixels.data() + c;
        for (std::size_t i = 0; i < plane; ++i, src += channels) {
            float value = float(*src);
            if (recipe.rescale == RescaleMode::DivideFloat32)
                value = value / 255.0f;
            else if (recipe.rescale == RescaleMode::MultiplyFloat64)
                value = float(double(*src) * recipe.rescaleFactor);
            dst[i] = recipe.normalize ? (value - mean) / std : value;
        }
    }
    return out;
}

Result<PreprocessedImage>
preprocessImage(const Image8& image, const PreprocessRecipe& recipe, const std::string& sourceName)
{
    if (image.width < 1 || image.height < 1 || (image.channels != 1 && image.channels != 3) ||
        image.pixels.size() != std::size_t(image.width) * image.height * image.channels)
        return fail(ErrorKind::InvalidInput, sourceName + ": not a valid 1- or 3-channel image buffer");
    if (recipe.normalize &&
        (int(recipe.mean.size()) != recipe.channels || int(recipe.std.size()) != recipe.channels))
        return fail(ErrorKind::InvalidInput,
                    sourceName + ": the recipe's mean/std do not match its channels");
    const Image8 input = toChannels(image, recipe.channels);
    const auto resized = resizedSize({input.width, input.height}, recipe);
    if (!resized)
        return fail(ErrorKind::InvalidInput, sourceName + ": " + resized.error().message);

    // The crop in resized coordinates; only its part inside the resized image is computed.
    const int cropWidth = recipe.centerCrop ? recipe.cropWidth : resized->width;
    const int cropHeight = recipe.centerCrop ? recipe.cropHeight : resized->height;
    const int left = recipe.centerCrop ? centerCropOffset(resized->width, cropWidth, recipe.cropRounding) : 0;
    const int top =
        recipe.centerCrop ? centerCropOffset(resized->height, cropHeight, recipe.cropRounding) : 0;
    const auto [x, w] = clipSpan(left, cropWidth, resized->width);
    const auto [y, h] = clipSpan(top, cropHeight, resized->height);

    PreprocessedImage out;
    out.channels = recipe.channels;
    out.width = cropWidth;
    out.height = cropHeight;
    if (w == cropWidth && h == cropHeight) {
        out.modelInput =
            resizeRegionLikePil(input, resized->width, resized->height, recipe.resample, {x, y, w, h});
    } else { // padding around the part of the image the crop covers
        out.modelInput = makeImage8(cropWidth, cropHeight, recipe.channels);
        if (!recipe.padValues.empty())
            for (std::size_t i = 0; i < out.modelInput.pixels.size(); ++i)
                out.modelInput.pixels[i] = static_cast<std::uint8_t>(
                    std::clamp(recipe.padValues[i % std::size_t(recipe.channels)], 0, 255));
        const Image8 part =
            resizeRegionLikePil(input, resized->width, resized->height, recipe.resample, {x, y, w, h});
        for (int row = 0; row < h; ++row)
            std::copy_n(part.row(row), part.rowBytes(),
                        out.modelInput.row(y - top + row) + std::size_t(x - left) * recipe.channels);
    }
    out.data = toNormalizedChw(out.modelInput, recipe);
    return out;
}

Result<PreprocessedImage> preprocessImageBytes(std::span<const std::uint8_t> bytes,
                                               const std::string& sourceName,
                                               const PreprocessRecipe& recipe,
                                               const DecodeOptions& limits)
{
    DecodeOptions options = limits;
    options.channels = recipe.channels;
    const auto image = decodeImage(bytes, sourceName, options);
    if (!image)
        return std::unexpected(image.error());
    return preprocessImage(*image, recipe, sourceName);
}

Result<PreprocessedImage> preprocessImageFile(const std::filesystem::path& path,
                                              const PreprocessRecipe& recipe,
                                              const DecodeOptions& limits)
{
    DecodeOptions options = limits;
    options.channels = recipe.channels;
    const auto image = decodeImageFile(path, options);
    if (!image)
        return std::unexpected(image.error());
    return preprocessImage(*image, recipe, path.string());
}

} // namespace mwb
