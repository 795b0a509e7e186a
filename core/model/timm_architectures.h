#pragma once

// timm's ResNet-family architecture names as data: the entry points of timm/models/resnet.py whose
// arguments the internal ResNet can express (pretrained-formats.md §2.4), the ones that need modules
// it lacks and why (§2.5), and deprecated names that resolve to a current one (§2.3). Torch-free and
// pure: any thread.

#include "error.h"
#include "model/resnet_spec.h"

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace mwb {

struct TimmArchitecture
{
    std::string name; // the name after resolving a deprecated one: "resnet50"
    std::string
        resolved;    // non-empty when `requested` was deprecated: "tv_resnet50 is resnet50 (tag tv_in1k)"
    ResnetSpec spec; // num_classes / input_channels at 1000 / 3
};

// The spec for a timm architecture name. Refused (InvalidInput) naming the architecture and what it
// needs (SE attention, anti-aliased downsampling, GroupNorm, ...) or, for unknown names, saying so.
Result<TimmArchitecture> timmArchitecture(const std::string& requested);

// The supported names, in table order (for messages and tests).
std::vector<std::string> timmArchitectureNames();

// Applies a timm config's `model_args` to the spec: in_chans and num_classes become fields;
// eval-neutral training args (drop_rate, drop_path_rate, drop_block_rate, zero_init_last) are
// accepted with a note; global_pool "avg" is the default; anything that changes the network is
// refused naming the argument.
Result<void>
applyTimmModelArgs(const nlohmann::json& modelArgs, ResnetSpec& spec, std::vector<std::string>& notes);

} // namespace mwb
