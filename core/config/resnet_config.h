#pragma once

// The tutorial's ResnetConfig (model_type "resnet") as a schema: fields, defaults, the constraints
// timm's ResNet asserts, and the presets timm ships (resnet18 ... resnet26t).

#include "config/config_schema.h"

#include <memory>

namespace mwb {

// The largest model a config may describe. Beyond this, building it would exhaust a desktop's memory.
inline constexpr std::uint64_t kMaxResnetParameters = 1'000'000'000;

std::shared_ptr<const ConfigSchema> resnetConfigSchema();

} // namespace mwb
