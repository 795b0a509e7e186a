#pragma once

// The models Model Workbench ships (today: "fashion-mnist", a small ResNet trained with `mwb train`
// on Fashion-MNIST). Each is a pretrained folder with a samples/ subfolder of test images. They are
// files, not Qt resources, because weights are memory-mapped. Torch-free; any thread.
//
// Where they are looked for, first match wins:
//   1. $MWB_BUILTIN_DIR/NAME
//   2. <folder of the executable>/../share/model-workbench/builtin/NAME (installed)
//   3. the source tree's resources/builtin/NAME (compiled in, so a build tree works without copying)

#include "error.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mwb {

inline constexpr const char* kBuiltinPrefix = "builtin:";
inline constexpr const char* kDefaultBuiltinModel = "fashion-mnist";

// The folder of the built-in model NAME, or nullopt when it is not installed.
std::optional<std::filesystem::path> builtinModelFolder(const std::string& name);

// "builtin:NAME" -> its folder; anything else is returned unchanged. Fails (InvalidInput) for an
// unknown NAME, listing the known ones.
Result<std::filesystem::path> resolveBuiltinModel(const std::string& spec);

// The names of the built-in models found.
std::vector<std::string> builtinModelNames();

// The sample images shipped with a built-in model (sorted), empty when none.
std::vector<std::filesystem::path> builtinModelSamples(const std::string& name);

} // namespace mwb
