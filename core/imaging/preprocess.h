#pragma once

// Turning a decoded image into the tensor a model sees, exactly as the recipe's Python pipeline does:
// channel conversion (PIL convert("L") / "RGB"), PIL-compatible resize, center crop with the pipeline's
// offset rounding and zero padding when the image is smaller than the crop, then rescale and normalize
// with the pipeline's float arithmetic. Torch- and OpenCV-free: ui/ and app/ may include this header.
//
// Pure functions, safe to call from any thread concurrently. Errors come back as values whose message
// names the image (InvalidInput; Io for unreadable files; Unsafe for decompression bombs).

#include "error.h"
#include "imaging/image_buffer.h"
#include "imaging/image_decode.h"
#include "imaging/preprocess_recipe.h"

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace mwb {

struct PreprocessedImage
{
    int channels = 0;
    int height = 0;
    int width = 0;
    std::vector<float> data; // CHW float32, channels * height * width values: pixel_values[i]
    Image8 modelInput;       // the same pixels as uint8 after resize and crop: "what the model sees"
};

// `sourceName` only labels errors.
Result<PreprocessedImage>
preprocessImage(const Image8& image, const PreprocessRecipe& recipe, const std::string& sourceName = "image");

// Decode (with recipe.channels) and preprocess.
Result<PreprocessedImage> preprocessImageBytes(std::span<const std::uint8_t> bytes,
                                               const std::string& sourceName,
                                               const PreprocessRecipe& recipe,
                                               const DecodeOptions& limits = {});
Result<PreprocessedImage> preprocessImageFile(const std::filesystem::path& path,
                                              const PreprocessRecipe& recipe,
                                              const DecodeOptions& limits = {});

// Building blocks, exposed for tests and for callers that need one step.

struct ImageSize
{
    int width = 0;
    int height = 0;
};

// The size the recipe's resize gives an image of `size` (unchanged for ResizeMode::None). Fails when
// the result would be empty or larger than 65536 on a side.
Result<ImageSize> resizedSize(ImageSize size, const PreprocessRecipe& recipe);

// The top (or left) offset of a centred crop of `crop` pixels from `size` pixels; negative when the
// image is smaller than the crop (the rest is zero padding).
int centerCropOffset(int size, int crop, CropRounding rounding);

// uint8 HWC → float32 CHW with the recipe's rescale and normalize.
std::vector<float> toNormalizedChw(const Image8& image, const PreprocessRecipe& recipe);

} // namespace mwb
