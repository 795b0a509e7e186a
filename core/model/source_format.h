#pragma once

// Where a model comes from: the source formats a pretrained ResNet is found in on the Hub and on
// disk (pretrained-formats.md §1), and telling them apart by a config.json's content. Every format maps
// onto the one internal ResNet (the tutorial's config fields and timm's state_dict keys) through a
// key-mapping table (key_mapping.h). Torch-free and pure: any thread.

#include "error.h"

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace mwb {

enum class SourceFormat
{
    Tutorial,     // the custom-models tutorial's ResnetConfig (today's app format), keys "model." + timm
    Timm,         // a timm Hub repo (timm >= 0.9): architecture + pretrained_cfg, timm's keys
    TimmLegacy,   // timm 0.6's flat config.json (architecture + the cfg at the root)
    TimmWrapper,  // transformers' TimmWrapper folder: model_type timm_wrapper, keys "timm_model." + timm
    Transformers, // transformers' ResNetConfig (ResNetForImageClassification / ResNetModel)
    StateDict,    // a bare state_dict (torchvision, timm release files): no config at all
};

// Stable id for --json and settings: "tutorial", "timm", "timm-legacy", "timm-wrapper",
// "transformers-resnet", "state-dict".
std::string sourceFormatId(SourceFormat format);
// For people: "timm Hub repo (timm >= 0.9)", "transformers ResNetConfig", ...
std::string sourceFormatName(SourceFormat format);

// What a config.json is, decided by its fields, never by model_type alone (§1). Both model_type
// "resnet" families are told apart by their fields; a config naming neither family's fields is
// decided by the weight key names when `weightKeys` are given, else taken as the tutorial's (its
// defaults describe the same network). Errors (InvalidInput) name the field that makes the document
// unrecognisable or ambiguous, e.g. a third party's model_type "resnet" with its own architectures.
struct ConfigFamily
{
    SourceFormat format = SourceFormat::Tutorial;
    std::string evidence; // "fields depths, hidden_sizes, layer_type", "architecture + pretrained_cfg"
};
Result<ConfigFamily> detectConfigFamily(const nlohmann::json& config,
                                        const std::vector<std::string>& weightKeys = {});

} // namespace mwb
