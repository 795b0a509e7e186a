#pragma once

// Translating what a source format says about a model into the internal ResNet's config (the
// tutorial's ResnetConfig fields), with its labels, for every format of source_format.h. The weights'
// names are translated separately by the format's key mapping (key_mapping.h). Torch-free and pure:
// any thread. Errors (InvalidInput) name the field that has no equivalent in the internal ResNet
// (transformers' downsample_in_first_stage, timm's SE architectures, ...) or is malformed.

#include "error.h"
#include "model/architecture_inference.h"
#include "model/source_format.h"

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mwb {

struct ModelSource
{
    SourceFormat format = SourceFormat::Tutorial;
    std::string evidence;           // why the format was recognised
    nlohmann::json config;          // the tutorial-format config to build (model_type "resnet", id2label)
    std::string architecture;       // "resnet50d" (timm), "ResNetForImageClassification", "resnext50_32x4d"
    std::vector<std::string> notes; // deprecated names resolved, ignored training args, inferred architecture
    std::string labelSource; // "label_names", "id2label", "ImageNet-1k names (1000 classes)", "LABEL_i"
    int labelOffset = 0;     // timm's label_offset: leading classifier rows to drop
    // Where the eval recipe comes from: timm's pretrained_cfg is kept in `config` (so a saved or
    // converted model keeps it); transformers' preprocessor_config.json is read from the folder.
    bool usesPreprocessorConfig = false;
};

// From a folder's config.json. `weightKeys` decide a model_type "resnet" config with neither family's
// fields (§1).
Result<ModelSource> modelSourceFromConfig(const nlohmann::json& config,
                                          const std::vector<std::string>& weightKeys = {});

// From a bare state_dict's names and shapes (already mapped to timm's names). The recipe is
// torchvision's V1 eval transform (bilinear, resize 256, crop 224; §4.4), kept as a pretrained_cfg.
Result<ModelSource> modelSourceFromStateDict(const std::vector<TensorShape>& tensors);

// The tutorial's config for a spec (every field written, model_type "resnet").
nlohmann::json tutorialConfig(const ResnetSpec& spec);

} // namespace mwb
