// summarize(): stage shapes and MACs of a ResNet spec, by arithmetic alone (no LibTorch).

#include "model/resnet_spec.h"

#include <string>

namespace mwb {

namespace {

using u64 = std::uint64_t;

// MACs of the ops timm's figures count, at an output of `h` x `w`.
u64 convMacs(u64 in, u64 out, u64 kernel, std::int64_t h, std::int64_t w, u64 groups = 1)
{
    return static_cast<u64>(h * w) * out * (in / groups) * kernel * kernel;
}

u64 normMacs(u64 channels, std::int64_t h, std::int64_t w)
{
    return 2 * channels * static_cast<u64>(h * w);
}

struct FeatureMap
{
    std::int64_t channels = 0, height = 0, width = 0;
};

u64 stemMacs(const ResnetSpec& s, FeatureMap& map)
{
    const u64 in = static_cast<u64>(s.inputChannels);
    const std::int64_t h = halved(map.height), w = halved(map.width);
    u64 macs = 0;
    if (s.stemType == StemType::Plain) {
        macs = convMacs(in, 64, 7, h, w) + normMacs(64, h, w);
    } else {
        const u64 sw = static_cast<u64>(s.stemWidth);
        const u64 first = s.stemType == StemType::DeepTiered ? 3 * (sw / 4) : sw;
        macs = convMacs(in, first, 3, h, w) + normMacs(first, h, w) + convMacs(first, sw, 3, h, w) +
               normMacs(sw, h, w) + convMacs(sw, 2 * sw, 3, h, w) + normMacs(2 * sw, h, w);
    }
    map = {s.stemChannels(), halved(h), halved(w)}; // then the stride-2 maxpool
    return macs;
}

u64 blockMacs(const ResnetSpec& s, const FeatureMap& in, u64 planes, std::int64_t stride, bool downsample)
{
    const std::int64_t h = stride == 1 ? in.height : halved(in.height);
    const std::int64_t w = stride == 1 ? in.width : halved(in.width);
    const u64 inChannels = static_cast<u64>(in.channels);
    const u64 out = planes * static_cast<u64>(s.expansion());
    u64 macs = 0;
    if (s.blockType == BlockType::Basic) {
        macs = convMacs(inChannels, planes, 3, h, w) + normMacs(planes, h, w) +
               convMacs(planes, planes, 3, h, w) + normMacs(planes, h, w);
    } else {
        const u64 width = static_cast<u64>(s.bottleneckWidth(static_cast<int>(planes)));
        macs = convMacs(inChannels, width, 1, in.height, in.width) + normMacs(width, in.height, in.width) +
               convMacs(width, width, 3, h, w, static_cast<u64>(s.cardinality)) + normMacs(width, h, w) +
               convMacs(width, out, 1, h, w) + normMacs(out, h, w);
    }
    if (downsample) // conv (strided, or after the average pool) and BN, both at the output size
        macs += convMacs(inChannels, out, 1, h, w) + normMacs(out, h, w);
    return macs;
}

std::string stemDescription(const ResnetSpec& s)
{
    if (s.stemType == StemType::Plain)
        return "7x7 conv 64, stride 2 + 3x3 max pool, stride 2";
    const int sw = s.stemWidth;
    const int first = s.stemType == StemType::DeepTiered ? 3 * (sw / 4) : sw;
    return std::string(s.stemType == StemType::DeepTiered ? "deep-tiered" : "deep") + " stem: 3x3 convs " +
           std::to_string(first) + ", " + std::to_string(sw) + ", " + std::to_string(2 * sw) +
           " + 3x3 max pool, stride 2";
}

std::string stageDescription(const ResnetSpec& s, int blocks, std::int64_t planes)
{
    const std::string kind = s.blockType == BlockType::Basic ? "basic" : "bottleneck";
    std::string text = std::to_string(blocks) + " " + kind + (blocks == 1 ? " block" : " blocks");
    if (s.blockType == BlockType::Bottleneck)
        text += ", width " + std::to_string(s.bottleneckWidth(static_cast<int>(planes)));
    if (s.cardinality > 1)
        text += ", " + std::to_string(s.cardinality) + " groups";
    return text;
}

} // namespace

ModelSummary summarize(const ResnetSpec& spec, std::int64_t height, std::int64_t width)
{
    const ResnetParameterCounts params = countParameters(spec);
    ModelSummary summary;
    summary.inputShape = {spec.inputChannels, height, width};

    FeatureMap map{spec.inputChannels, height, width};
    const u64 stem = stemMacs(spec, map);
    summary.rows.push_back(
        {"stem", stemDescription(spec), {map.channels, map.height, map.width}, params.stem, stem});

    for (size_t stage = 0; stage < 4; ++stage) {
        const std::int64_t planes = ResnetSpec::stagePlanes[stage];
        u64 macs = 0;
        for (int b = 0; b < spec.layers[stage]; ++b) {
            const std::int64_t stride = b == 0 && stage != 0 ? 2 : 1;
            const std::int64_t out = planes * spec.expansion();
            macs += blockMacs(spec, map, static_cast<u64>(planes), stride,
                              b == 0 && (stride != 1 || map.channels != out));
            map = {out, stride == 1 ? map.height : halved(map.height),
                   stride == 1 ? map.width : halved(map.width)};
        }
        summary.rows.push_back({"layer" + std::to_string(stage + 1),
                                stageDescription(spec, spec.layers[stage], planes),
                                {map.channels, map.height, map.width},
                                params.stages[stage],
                                macs});
    }

    const bool classifier = spec.numClasses > 0;
    const u64 features = static_cast<u64>(spec.numFeatures());
    summary.rows.push_back({"head",
                            classifier ? "global average pool + linear " + std::to_string(features) + " -> " +
                                             std::to_string(spec.numClasses)
                                       : "global average pool (no classifier: num_classes is 0)",
                            {classifier ? spec.numClasses : spec.numFeatures()},
                            params.head,
                            classifier ? features * static_cast<u64>(spec.numClasses) : 0});

    for (const SummaryRow& row : summary.rows)
        summary.totalMacs += row.macs;
    summary.totalParameters = params.total();
    return summary;
}

} // namespace mwb
