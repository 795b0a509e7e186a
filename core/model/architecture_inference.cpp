#include "model/architecture_inference.h"

#include "model/timm_architectures.h"

#include <algorithm>
#include <map>
#include <optional>

namespace mwb {

namespace {

using Shape = std::vector<std::int64_t>;
using Shapes = std::map<std::string, Shape>;

std::unexpected<Error> refuse(const std::string& why)
{
    return fail(ErrorKind::InvalidInput, why);
}

const Shape* find(const Shapes& shapes, const std::string& name)
{
    const auto it = shapes.find(name);
    return it == shapes.end() ? nullptr : &it->second;
}

std::string shapeText(const Shape& s)
{
    std::string out = "[";
    for (std::size_t i = 0; i < s.size(); ++i)
        out += (i ? ", " : "") + std::to_string(s[i]);
    return out + "]";
}

bool is4d(const Shape* s)
{
    return s && s->size() == 4;
}

// Stem: conv1.weight [64, C, 7, 7], or the deep stem conv1.{0,3,6}.weight.
Result<void> inferStem(const Shapes& shapes, ResnetSpec& spec)
{
    if (const Shape* plain = find(shapes, "conv1.weight")) {
        if (!is4d(plain) || (*plain)[0] != 64 || (*plain)[2] != 7 || (*plain)[3] != 7)
            return refuse("conv1.weight " + shapeText(*plain) +
                          ": a ResNet's 7x7 stem convolution is [64, channels, 7, 7]");
        spec.stemType = StemType::Plain;
        spec.inputChannels = static_cast<int>((*plain)[1]);
        return {};
    }
    const Shape* c0 = find(shapes, "conv1.0.weight");
    const Shape* c3 = find(shapes, "conv1.3.weight");
    const Shape* c6 = find(shapes, "conv1.6.weight");
    if (!c0 && !c3 && !c6)
        return refuse("not a ResNet: there is no stem convolution (conv1.weight or conv1.0.weight)");
    if (!is4d(c0) || !is4d(c3) || !is4d(c6))
        return refuse(
            "a deep stem needs conv1.0.weight, conv1.3.weight and conv1.6.weight (3x3 convolutions)");
    const std::int64_t w0 = (*c0)[0], w1 = (*c3)[0];
    if ((*c3)[1] != w0 || (*c6)[0] != 2 * w1 || (*c6)[1] != w1)
        return refuse("deep stem shapes do not chain: conv1.0 " + shapeText(*c0) + ", conv1.3 " +
                      shapeText(*c3) + ", conv1.6 " + shapeText(*c6));
    spec.inputChannels = static_cast<int>((*c0)[1]);
    spec.stemWidth = static_cast<int>(w1);
    if (w0 == w1)
        spec.stemType = StemType::Deep;
    else if (w0 == 3 * (w1 / 4))
        spec.stemType = StemType::DeepTiered;
    else
        return refuse("deep stem widths " + std::to_string(w0) + " -> " + std::to_string(w1) +
                      " are neither timm's deep (equal) nor deep-tiered (3 * (width / 4)) stem");
    return {};
}

// Blocks per stage: layerL.B.conv1.weight for B = 0..n-1, no gaps.
Result<void> inferLayers(const Shapes& shapes, ResnetSpec& spec)
{
    for (int stage = 1; stage <= 4; ++stage) {
        const std::string prefix = "layer" + std::to_string(stage) + ".";
        int blocks = 0;
        std::vector<int> seen;
        for (const auto& [name, shape] : shapes) {
            if (!name.starts_with(prefix))
                continue;
            const std::string rest = name.substr(prefix.size());
            const auto dot = rest.find('.');
            try {
                seen.push_back(std::stoi(rest.substr(0, dot)));
            } catch (const std::exception&) {
                return refuse(name + ": a ResNet stage holds numbered blocks (layer" + std::to_string(stage) +
                              ".0, .1, ...)");
            }
        }
        if (seen.empty())
            return refuse("truncated: no tensors of stage layer" + std::to_string(stage) +
                          " (a ResNet has four stages, layer1 to layer4)");
        const int last = *std::ranges::max_element(seen);
        for (int b = 0; b <= last; ++b) {
            if (!find(shapes, prefix + std::to_string(b) + ".conv1.weight"))
                return refuse("truncated: layer" + std::to_string(stage) + "." + std::to_string(b) +
                              ".conv1.weight is missing while later blocks of the stage exist");
            ++blocks;
        }
        spec.layers[static_cast<std::size_t>(stage - 1)] = blocks;
    }
    return {};
}

// Cardinality and base width from layer1.0.conv2 [w, w/g, 3, 3]: g = w / shape[1], base = w / g.
Result<void> inferWidths(const Shapes& shapes, ResnetSpec& spec)
{
    if (spec.blockType == BlockType::Basic)
        return {};
    const Shape* conv2 = find(shapes, "layer1.0.conv2.weight");
    if (!is4d(conv2) || (*conv2)[1] == 0 || (*conv2)[0] % (*conv2)[1] != 0)
        return refuse(
            "layer1.0.conv2.weight: expected a grouped 3x3 convolution [width, width / groups, 3, 3]");
    const std::int64_t width = (*conv2)[0];
    const std::int64_t groups = width / (*conv2)[1];
    if (width % groups != 0)
        return refuse("layer1.0.conv2.weight " + shapeText(*conv2) +
                      ": the width is not a multiple of the groups");
    spec.cardinality = static_cast<int>(groups);
    spec.baseWidth = static_cast<int>(width / groups);
    return {};
}

// avg_down from layer2.0.downsample: 1 a conv and 2 a BN (avg-down) or 0 a conv and 1 a BN.
Result<void> inferDownsample(const Shapes& shapes, ResnetSpec& spec)
{
    std::optional<bool> avgDown;
    for (int stage = 1; stage <= 4; ++stage) {
        const std::string ds = "layer" + std::to_string(stage) + ".0.downsample.";
        const bool conv0 = is4d(find(shapes, ds + "0.weight"));
        const bool conv1 = is4d(find(shapes, ds + "1.weight"));
        if (!conv0 && !conv1)
            continue;
        const bool thisAvg = conv1 && find(shapes, ds + "2.weight");
        if (avgDown && *avgDown != thisAvg)
            return refuse(ds + "*: the stages disagree on the shortcut (average pool + conv in some, strided "
                               "conv in others)");
        avgDown = thisAvg;
        const Shape* conv = find(shapes, ds + (thisAvg ? "1.weight" : "0.weight"));
        if ((*conv)[2] != 1 || (*conv)[3] != 1)
            return refuse(ds + (thisAvg ? "1" : "0") + ".weight " + shapeText(*conv) +
                          ": the shortcut convolution is not 1x1 (down_kernel_size, as in senet154, is not "
                          "supported)");
    }
    spec.avgDown = avgDown.value_or(false);
    return {};
}

std::string stemName(StemType stem)
{
    return stem == StemType::Plain  ? "plain 7x7 stem"
           : stem == StemType::Deep ? "deep stem"
                                    : "deep-tiered stem";
}

std::string layersText(const std::array<int, 4>& layers)
{
    return "[" + std::to_string(layers[0]) + ", " + std::to_string(layers[1]) + ", " +
           std::to_string(layers[2]) + ", " + std::to_string(layers[3]) + "]";
}

bool sameArchitecture(const ResnetSpec& a, const ResnetSpec& b)
{
    const bool stemWidthMatters = a.stemType != StemType::Plain;
    return a.blockType == b.blockType && a.layers == b.layers && a.stemType == b.stemType &&
           (!stemWidthMatters || a.stemWidth == b.stemWidth) && a.avgDown == b.avgDown &&
           a.cardinality == b.cardinality && a.baseWidth == b.baseWidth;
}

} // namespace

Result<InferredArchitecture> inferArchitecture(const std::vector<TensorShape>& tensors)
{
    Shapes shapes;
    for (const TensorShape& t : tensors)
        shapes[t.name] = t.shape;
    const bool anyLayer =
        std::ranges::any_of(shapes, [](const auto& s) { return s.first.starts_with("layer1."); });
    if (!find(shapes, "conv1.weight") && !find(shapes, "conv1.0.weight") && !anyLayer) {
        std::string sample = tensors.empty() ? "none" : tensors.front().name;
        return refuse(
            "not a ResNet state_dict: no conv1.* stem and no layer1..layer4 stages (first tensor: " + sample +
            ")");
    }
    InferredArchitecture out;
    ResnetSpec& spec = out.spec;
    if (auto r = inferStem(shapes, spec); !r)
        return std::unexpected(r.error());
    spec.blockType = find(shapes, "layer1.0.conv3.weight") ? BlockType::Bottleneck : BlockType::Basic;
    if (auto r = inferLayers(shapes, spec); !r)
        return std::unexpected(r.error());
    if (auto r = inferWidths(shapes, spec); !r)
        return std::unexpected(r.error());
    if (auto r = inferDownsample(shapes, spec); !r)
        return std::unexpected(r.error());
    for (const auto& [name, shape] : shapes) {
        if (name.find(".se.") != std::string::npos)
            return refuse(name +
                          ": squeeze-and-excitation attention tensors; the app's ResNet has none (an SE "
                          "ResNet such as seresnet50)");
        if (name.starts_with("maxpool."))
            return refuse(name +
                          ": a stem pool with weights (replace_stem_pool, as in resnetrs) is not supported");
    }
    if (!find(shapes, "bn1.running_mean"))
        return refuse(
            "bn1.running_mean is missing: the network's norms are not BatchNorm (GroupNorm or another "
            "norm), which the app's ResNet does not have");
    if (const Shape* fc = find(shapes, "fc.weight")) {
        if (fc->size() != 2)
            return refuse("fc.weight " + shapeText(*fc) +
                          ": the classifier must be a Linear [classes, features]");
        spec.numClasses = static_cast<int>((*fc)[0]);
    } else {
        spec.numClasses = 0;
    }
    out.description =
        std::string(spec.blockType == BlockType::Basic ? "basic" : "bottleneck") + " blocks " +
        layersText(spec.layers) + ", " + stemName(spec.stemType) +
        (spec.stemType != StemType::Plain ? " of width " + std::to_string(spec.stemWidth) : "") +
        (spec.avgDown ? ", avg-down shortcuts" : "") +
        (spec.cardinality != 1 || spec.baseWidth != 64 ? ", cardinality " + std::to_string(spec.cardinality) +
                                                             ", base width " + std::to_string(spec.baseWidth)
                                                       : "") +
        ", " + std::to_string(spec.inputChannels) + " input channel(s), " + std::to_string(spec.numClasses) +
        " classes";
    for (const std::string& name : timmArchitectureNames())
        if (auto arch = timmArchitecture(name); arch && sameArchitecture(arch->spec, spec)) {
            out.timmName = name;
            break;
        }
    out.notes.push_back("architecture inferred from the tensor names and shapes: " + out.description +
                        (out.timmName.empty() ? "" : " (timm/torchvision " + out.timmName + ")"));
    out.notes.push_back("assumed the plain network: anti-aliasing, dilation, the activation and the pooling "
                        "cannot be seen in the weights");
    return out;
}

} // namespace mwb
