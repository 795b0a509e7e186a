#include "model/resnet_spec.h"

#include <nlohmann/json.hpp>

namespace mwb {

namespace {

using u64 = std::uint64_t;

u64 conv(u64 in, u64 out, u64 kernel, u64 groups = 1)
{
    return out * (in / groups) * kernel * kernel;
}

u64 batchNorm(u64 channels)
{
    return 2 * channels;
}

u64 stemParameters(const ResnetSpec& s)
{
    const u64 in = s.inputChannels;
    if (s.stemType == StemType::Plain)
        return conv(in, 64, 7) + batchNorm(64);
    const u64 sw = s.stemWidth;
    const u64 first = s.stemType == StemType::DeepTiered ? 3 * (sw / 4) : sw;
    const u64 second = sw;
    return conv(in, first, 3) + batchNorm(first) + conv(first, second, 3) + batchNorm(second) +
           conv(second, 2 * sw, 3) + batchNorm(2 * sw);
}

u64 blockParameters(const ResnetSpec& s, u64 in, u64 planes, bool hasDownsample)
{
    u64 n = 0;
    u64 out = planes * s.expansion();
    if (s.blockType == BlockType::Basic) {
        n = conv(in, planes, 3) + batchNorm(planes) + conv(planes, planes, 3) + batchNorm(planes);
    } else {
        const u64 width = s.bottleneckWidth(static_cast<int>(planes));
        n = conv(in, width, 1) + batchNorm(width) + conv(width, width, 3, s.cardinality) + batchNorm(width) +
            conv(width, out, 1) + batchNorm(out);
    }
    if (hasDownsample)
        n += conv(in, out, 1) + batchNorm(out);
    return n;
}

} // namespace

ResnetSpec ResnetSpec::fromConfig(const nlohmann::json& c)
{
    ResnetSpec s;
    s.blockType = c.at("block_type").get<std::string>() == "basic" ? BlockType::Basic : BlockType::Bottleneck;
    for (size_t i = 0; i < 4; ++i)
        s.layers[i] = c.at("layers").at(i).get<int>();
    s.numClasses = c.at("num_classes").get<int>();
    s.inputChannels = c.at("input_channels").get<int>();
    s.cardinality = c.at("cardinality").get<int>();
    s.baseWidth = c.at("base_width").get<int>();
    s.stemWidth = c.at("stem_width").get<int>();
    const auto stem = c.at("stem_type").get<std::string>();
    s.stemType = stem.find("deep") == std::string::npos     ? StemType::Plain
                 : stem.find("tiered") != std::string::npos ? StemType::DeepTiered
                                                            : StemType::Deep;
    s.avgDown = c.at("avg_down").get<bool>();
    return s;
}

ResnetParameterCounts countParameters(const ResnetSpec& s)
{
    ResnetParameterCounts counts;
    counts.stem = stemParameters(s);
    u64 in = s.stemChannels();
    for (size_t stage = 0; stage < 4; ++stage) {
        const u64 planes = ResnetSpec::stagePlanes[stage];
        const u64 out = planes * s.expansion();
        const bool strided = stage != 0;
        for (int b = 0; b < s.layers[stage]; ++b) {
            const bool downsample = b == 0 && (strided || in != out);
            counts.stages[stage] += blockParameters(s, in, planes, downsample);
            in = out;
        }
    }
    if (s.numClasses > 0)
        counts.head = static_cast<u64>(s.numFeatures()) * s.numClasses + s.numClasses;
    return counts;
}

} // namespace mwb
