#pragma once

// What a model expects its input to look like, read from a pretrained folder the way the Python tools
// read it. Plain data, no torch or OpenCV: ui/ and app/ may include this header.
//
// Sources, first match wins:
//   1. preprocessor_config.json: a transformers image processor. ConvNextImageProcessor (and its
//      legacy ConvNextFeatureExtractor) use `shortest_edge` + `crop_pct`; the other classification
//      processors resize (`shortest_edge` or `height`/`width`) then optionally center-crop.
//   2. config.json `pretrained_cfg` (or timm 0.6's flat form at the root): timm's eval transform.
//   3. Defaults: timm's eval transform at 224 px, crop_pct 0.875 (resize short side to 256), bicubic,
//      ImageNet mean/std.
// The channel count comes from config.json (`input_channels`, else `num_channels`, else timm's
// input_size[0], else 3).
//
// Free functions, safe from any thread. Errors come back as values (InvalidInput) naming the file and
// the field at fault; Io when a file exists but cannot be read.

#include "error.h"
#include "imaging/pil_resample.h"

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace mwb {

// Which Python pipeline the recipe reproduces; it decides the arithmetic details below.
enum class PreprocessPipeline
{
    Transformers, // a transformers image processor (numpy + PIL)
    Timm,         // timm's transforms_imagenet_eval (torchvision on PIL images)
};

enum class ResizeMode
{
    None,
    ShortestEdge,     // short side to `shortestEdge`, long side int(shortestEdge * long / short)
    Exact,            // warp to resizeWidth × resizeHeight
    KeepRatio,        // timm ResizeKeepRatio: scale by min(h/resizeHeight, w/resizeWidth), sides rounded
    KeepRatioLongest, // ResizeKeepRatio(longest=1): scale by max(...), the whole image fits (crop_mode
                      // border)
};

// Center-crop offset when the image is larger than the crop: transformers floors (H - h) // 2,
// torchvision rounds round((H - h) / 2) half to even. They differ by one pixel when (H - h) % 4 == 3.
enum class CropRounding
{
    Floor,
    RoundHalfEven,
};

enum class RescaleMode
{
    None,
    DivideFloat32,   // torchvision ToTensor: float32(x) / 255 in float32
    MultiplyFloat64, // transformers rescale: float32(float64(x) * rescaleFactor)
};

struct PreprocessRecipe
{
    PreprocessPipeline pipeline = PreprocessPipeline::Timm;
    std::string source; // where the recipe came from, for people: "preprocessor_config.json (...)" etc.
    int channels = 3;   // 3: RGB; 1: luma as PIL's convert("L")

    ResizeMode resizeMode = ResizeMode::ShortestEdge;
    int shortestEdge = 256;
    int resizeHeight = 0;
    int resizeWidth = 0;
    ResampleFilter resample = ResampleFilter::Bicubic;

    bool centerCrop = true;
    int cropHeight = 224;
    int cropWidth = 224;
    CropRounding cropRounding = CropRounding::RoundHalfEven;
    // Where the crop is larger than the image, the border is filled with this value per channel (timm's
    // CenterCropOrPad fills round(255 * mean)); empty means 0, as torchvision's CenterCrop pads.
    std::vector<int> padValues;

    RescaleMode rescale = RescaleMode::DivideFloat32;
    double rescaleFactor = 1.0 / 255.0; // used by MultiplyFloat64

    bool normalize = true;
    std::vector<double> mean; // one value per channel
    std::vector<double> std;  // one value per channel, none zero

    // One line: "resize short side to 256 (bicubic), center crop 224x224, ...".
    std::string summary() const;
};

// The recipe for a pretrained folder (see the source order above). `preprocessorConfig` may be null.
// `modelConfig` may be null when there is no config.json.
Result<PreprocessRecipe> preprocessRecipeFromJson(const nlohmann::json* preprocessorConfig,
                                                  const nlohmann::json* modelConfig);

// Reads `folder/preprocessor_config.json` and `folder/config.json` when they exist.
Result<PreprocessRecipe> loadPreprocessRecipe(const std::filesystem::path& folder);

// The recipe used when a folder says nothing about preprocessing.
PreprocessRecipe defaultPreprocessRecipe(int channels);

} // namespace mwb
