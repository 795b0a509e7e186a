#pragma once

// What `mwb model summary` and the GUI model panel show: per stage, the output shape, parameter count
// and multiply-accumulates at one input size. Plain values; computed without building the model.

#include <cstdint>
#include <string>
#include <vector>

namespace mwb {

struct SummaryRow
{
    std::string name;                      // "stem", "layer1".."layer4", "head"
    std::string description;               // e.g. "deep stem (3x3 convs 32, 32, 64) + maxpool"
    std::vector<std::int64_t> outputShape; // without the batch dimension: {C, H, W} or {classes}
    std::uint64_t parameters = 0;          // trainable; BatchNorm running statistics excluded
    std::uint64_t macs = 0;                // for one image
};

struct ModelSummary
{
    std::vector<std::int64_t> inputShape; // {C, H, W}
    std::vector<SummaryRow> rows;
    std::uint64_t totalParameters = 0;
    // Multiply-accumulates for one image, counted as timm's published GMACs count them: every conv
    // and linear MAC, plus 2 per element of each BatchNorm output (scale and shift, as fvcore counts
    // an affine norm). Pooling, activations and residual adds are free.
    std::uint64_t totalMacs = 0;
};

} // namespace mwb
