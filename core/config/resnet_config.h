#pragma once

// The tutorial's ResnetConfig (model_type "resnet") as a schema: fields, defaults, the constraints
// timm's ResNet asserts, and the presets timm ships (resnet18 ... resnet26t).

#include "config/config_schema.h"

#include <memory>

namespace mwb {

std::shared_ptr<const ConfigSchema> resnetConfigSchema();

} // namespace mwb
