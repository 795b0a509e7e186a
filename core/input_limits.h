#pragma once

// (Named input_limits.h, not limits.h: core/ is on the include path and would shadow <limits.h>.)

// Limits on what a file from a stranger may make Model Workbench do, as data in one place. Every
// reader of untrusted input checks the limits that concern it *before* it allocates or recurses, and
// its error names the limit (by `Limit::name`) and the value it found, via `exceedsLimit`.
//
// The values are generous for real files (a transformers config nests a few levels, a state_dict of a
// large model has tens of thousands of tensors) and small enough that no input can crash, hang or
// take more than about a gigabyte beyond the model it describes. Header-only, constexpr, any thread.

#include <cstdint>
#include <string>
#include <string_view>

namespace mwb {

struct Limit
{
    std::string_view name; // what the limit is about, as it appears in error messages
    std::uint64_t value;
};

namespace limits {

// JSON (config.json, preprocessor_config.json, shard indexes, safetensors headers, Hub answers).
// The depth is checked by a pre-scan before nlohmann recurses into anything.
inline constexpr Limit kJsonDepth{"JSON nesting depth", 256};
inline constexpr Limit kJsonBytes{"JSON document size in bytes", 64ull * 1024 * 1024};

// Weight files.
inline constexpr Limit kSafetensorsHeaderBytes{"safetensors header size in bytes", 100'000'000};
inline constexpr Limit kTensorCount{"number of tensors in a weight file", 1'000'000};
// The restricted pickle machine: objects it may create in all, entries the memo may hold, and how
// deeply objects may nest when interpreted. ~150 bytes per object, so the budget is ~600 MB at most.
inline constexpr Limit kPickleObjects{"number of pickle objects", 4'000'000};
inline constexpr Limit kPickleMemoEntries{"number of pickle memo entries", 4'000'000};
inline constexpr Limit kPickleNesting{"pickle object nesting depth", 200};
// The scanner does not build objects, but a file can chain any number of pickles.
inline constexpr Limit kPicklesPerFile{"number of pickles in one file", 64};

// Images. PIL refuses (DecompressionBombError) above twice Image.MAX_IMAGE_PIXELS (89,478,485).
inline constexpr Limit kImagePixels{"image pixel count", 2 * 89'478'485ull};
// What the decoder would allocate for the decoded frame(s), all channels and sample bits included.
inline constexpr Limit kImageDecodedBytes{"decoded image size in bytes", 768ull * 1024 * 1024};
// Image files are read into memory before decoding.
inline constexpr Limit kImageFileBytes{"image file size in bytes", 512ull * 1024 * 1024};

// Preprocessing (resize/crop sizes from preprocessor_config.json or timm's pretrained_cfg).
inline constexpr Limit kPreprocessSide{"preprocessing size in pixels per side", 4096};
inline constexpr Limit kPreprocessPixels{"resized image size in pixels", 4096ull * 16384};

// Models: checked on the config's estimate before a single parameter is allocated (config validation,
// Model::create). The largest ResNet in timm's table (resnext101_32x32d) has 469 M parameters; a
// ~400-byte config asking for a million classes (518 M, 2.1 GB as float32) is refused.
inline constexpr Limit kModelParameters{"number of model parameters", 500'000'000};
inline constexpr Limit kModelBytes{"estimated model memory in bytes", 2'000'000'000};

// Text files read whole (code under review, configs): a bound on what is read into memory.
inline constexpr Limit kCodeFileBytes{"code file size in bytes", 8ull * 1024 * 1024};

} // namespace limits

// "JSON nesting depth 257 exceeds the limit of 256", for messages. `found` is what the input has, or
// the first value above the limit when counting stops there.
inline std::string exceedsLimit(const Limit& limit, std::uint64_t found)
{
    return std::string(limit.name) + " " + std::to_string(found) + " exceeds the limit of " +
           std::to_string(limit.value);
}

// Why a model of `parameters` parameters (float32) may not be built, or empty when it may: the one
// check config validation and Model::create share, so a config that validates can be built.
inline std::string modelSizeRefusal(std::uint64_t parameters)
{
    if (parameters > limits::kModelParameters.value)
        return exceedsLimit(limits::kModelParameters, parameters);
    if (const std::uint64_t bytes = parameters * 4; bytes > limits::kModelBytes.value)
        return exceedsLimit(limits::kModelBytes, bytes);
    return {};
}

} // namespace mwb
