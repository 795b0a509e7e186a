#pragma once

// Inferring the ResNet architecture a bare state_dict holds from its tensor names and shapes
// (pretrained-formats.md §4.3), for files with no config (torchvision, timm release files). Works on
// the names after the format's key mapping (timm's names). Torch-free and pure: any thread.
//
// What the weights cannot show (anti-aliasing, dilation, the activation, the pooling) is assumed to
// be the plain network; `notes` says so. Refusals (InvalidInput) say why: "not a ResNet" (no conv1 /
// layer tensors), "truncated" (a stage missing or blocks with gaps), shapes that fit no ResNet,
// tensors no ResNet has (se.*, a stem pool with weights, norms without running statistics).

#include "error.h"
#include "model/resnet_spec.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mwb {

struct TensorShape
{
    std::string name;
    std::vector<std::int64_t> shape;
};

struct InferredArchitecture
{
    ResnetSpec spec;
    std::string description; // "bottleneck [3, 4, 6, 3], plain stem, cardinality 32, base_width 4"
    std::string timmName;    // the timm architecture with this spec, when there is one: "resnext50_32x4d"
    std::vector<std::string> notes; // what was assumed
};

Result<InferredArchitecture> inferArchitecture(const std::vector<TensorShape>& tensors);

} // namespace mwb
