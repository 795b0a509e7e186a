#pragma once

// The architecture a ResNet config describes, as plain numbers (no LibTorch): the values timm's
// ResNet constructor receives from the tutorial's wrapper, plus arithmetic on them (parameter counts)
// that validation and summaries need without building the model. Pure functions; any thread.

#include "model/model_summary.h"

#include <array>
#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace mwb {

enum class BlockType
{
    Basic,
    Bottleneck
};

enum class StemType
{
    Plain,      // ""
    Deep,       // "deep"
    DeepTiered, // "deep-tiered" (timm also spells it "deep_tiered")
};

struct ResnetSpec
{
    BlockType blockType = BlockType::Bottleneck;
    std::array<int, 4> layers{3, 4, 6, 3};
    int numClasses = 1000;
    int inputChannels = 3;
    int cardinality = 1;
    int baseWidth = 64;
    int stemWidth = 64;
    StemType stemType = StemType::Plain;
    bool avgDown = false;

    static constexpr std::array<int, 4> stagePlanes{64, 128, 256, 512};

    int expansion() const { return blockType == BlockType::Basic ? 1 : 4; }
    // Channels out of the stem (and into layer1): 2*stem_width for deep stems, else 64.
    int stemChannels() const { return stemType == StemType::Plain ? 64 : 2 * stemWidth; }
    // Bottleneck inner width of a stage: floor(planes*base_width/64)*cardinality.
    int bottleneckWidth(int planes) const { return planes * baseWidth / 64 * cardinality; }
    int numFeatures() const { return stagePlanes[3] * expansion(); }

    // Reads the spec from an effective (validated, defaults filled) ResNet config.
    static ResnetSpec fromConfig(const nlohmann::json& effective);
};

struct ResnetParameterCounts
{
    std::uint64_t stem = 0;
    std::array<std::uint64_t, 4> stages{};
    std::uint64_t head = 0;

    std::uint64_t total() const { return stem + stages[0] + stages[1] + stages[2] + stages[3] + head; }
};

// Trainable parameters (BatchNorm running statistics excluded), counted as timm builds the model.
ResnetParameterCounts countParameters(const ResnetSpec& spec);

// Output size of every stride-2 op in the net (7x7/p3 and 3x3/p1 convs, 3x3/p1 maxpool, 1x1 conv,
// AvgPool2d(2, ceil)): ceil(size / 2).
constexpr std::int64_t halved(std::int64_t size)
{
    return (size + 1) / 2;
}

// Stages, shapes, parameters and MACs for an input of height x width (both >= 1).
ModelSummary summarize(const ResnetSpec& spec, std::int64_t height, std::int64_t width);

} // namespace mwb
