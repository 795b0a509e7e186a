#include "model/timm_architectures.h"

#include <algorithm>
#include <array>

#include <nlohmann/json.hpp>

namespace mwb {

namespace {

struct Row
{
    const char* name;
    BlockType block;
    std::array<int, 4> layers;
    StemType stem;
    int stemWidth;
    bool avgDown;
    int cardinality;
    int baseWidth;
};

constexpr BlockType B = BlockType::Basic;
constexpr BlockType N = BlockType::Bottleneck;
constexpr StemType P = StemType::Plain;
constexpr StemType D = StemType::Deep;
constexpr StemType T = StemType::DeepTiered;
constexpr std::array<int, 4> L18{2, 2, 2, 2}, L34{3, 4, 6, 3}, L101{3, 4, 23, 3}, L152{3, 8, 36, 3},
    L200{3, 24, 36, 3}, L1{1, 1, 1, 1};

// pretrained-formats.md §2.4: block, layers, stem, stem_width, avg_down, cardinality, base_width.
const Row kTable[] = {
    {"resnet10t", B, L1, T, 32, true, 1, 64},
    {"resnet14t", N, L1, T, 32, true, 1, 64},
    {"resnet18", B, L18, P, 64, false, 1, 64},
    {"resnet18d", B, L18, D, 32, true, 1, 64},
    {"resnet26", N, L18, P, 64, false, 1, 64},
    {"resnet26d", N, L18, D, 32, true, 1, 64},
    {"resnet26t", N, L18, T, 32, true, 1, 64},
    {"resnet34", B, L34, P, 64, false, 1, 64},
    {"resnet34d", B, L34, D, 32, true, 1, 64},
    {"resnet50", N, L34, P, 64, false, 1, 64},
    {"resnet50c", N, L34, D, 32, false, 1, 64},
    {"resnet50d", N, L34, D, 32, true, 1, 64},
    {"resnet50s", N, L34, D, 64, false, 1, 64},
    {"resnet50t", N, L34, T, 32, true, 1, 64},
    {"resnet101", N, L101, P, 64, false, 1, 64},
    {"resnet101c", N, L101, D, 32, false, 1, 64},
    {"resnet101d", N, L101, D, 32, true, 1, 64},
    {"resnet101s", N, L101, D, 64, false, 1, 64},
    {"resnet152", N, L152, P, 64, false, 1, 64},
    {"resnet152c", N, L152, D, 32, false, 1, 64},
    {"resnet152d", N, L152, D, 32, true, 1, 64},
    {"resnet152s", N, L152, D, 64, false, 1, 64},
    {"resnet200", N, L200, P, 64, false, 1, 64},
    {"resnet200d", N, L200, D, 32, true, 1, 64},
    {"resnext50_32x4d", N, L34, P, 64, false, 32, 4},
    {"resnext50d_32x4d", N, L34, D, 32, true, 32, 4},
    {"resnext101_32x4d", N, L101, P, 64, false, 32, 4},
    {"resnext101_32x8d", N, L101, P, 64, false, 32, 8},
    {"resnext101_32x16d", N, L101, P, 64, false, 32, 16},
    {"resnext101_32x32d", N, L101, P, 64, false, 32, 32},
    {"resnext101_64x4d", N, L101, P, 64, false, 64, 4},
    {"wide_resnet50_2", N, L34, P, 64, false, 1, 128},
    {"wide_resnet101_2", N, L101, P, 64, false, 1, 128},
};

// §2.5, checked in order: a name with this prefix (or equal to it) needs what the text says.
struct Refusal
{
    const char* prefix;
    const char* needs;
};
const Refusal kRefusals[] = {
    {"seresnetaa", "squeeze-and-excitation attention and anti-aliased downsampling"},
    {"seresnextaa", "squeeze-and-excitation attention and anti-aliased downsampling"},
    {"seresne", "squeeze-and-excitation attention in every block (block_args attn_layer \"se\")"},
    {"gluon_seresnext", "squeeze-and-excitation attention in every block"},
    {"gluon_senet154", "squeeze-and-excitation attention, 3x3 downsample convolutions"},
    {"senet154", "squeeze-and-excitation attention, 3x3 downsample convolutions, block_reduce_first 2"},
    {"ecaresne", "ECA attention in every block (attn_layer \"eca\")"},
    {"resnetrs", "squeeze-and-excitation attention and a convolutional stem pool (replace_stem_pool)"},
    {"resnetaa", "anti-aliased downsampling (aa_layer)"},
    {"resnetblur", "blur-pool anti-aliased downsampling (aa_layer BlurPool2d)"},
    {"resnet50_gn", "GroupNorm instead of BatchNorm"},
    {"test_resnet", "mixed block types per stage and non-standard channels"},
    {"resnetv2", "a pre-activation ResNet (another module tree)"},
    {"resnest", "split attention (another module tree)"},
    {"res2net", "Res2Net blocks (another module tree)"},
    {"regnet", "RegNet blocks (another module tree)"},
    {"nf_", "normalizer-free blocks (another module tree)"},
    {"eca_nfnet", "normalizer-free blocks (another module tree)"},
};

struct Deprecated
{
    const char* from;
    const char* to;
    const char* tag;
};
// §2.3: timm's register_model_deprecations for the ResNet family.
const Deprecated kDeprecated[] = {
    {"tv_resnet34", "resnet34", "tv_in1k"},
    {"tv_resnet50", "resnet50", "tv_in1k"},
    {"tv_resnet101", "resnet101", "tv_in1k"},
    {"tv_resnet152", "resnet152", "tv_in1k"},
    {"tv_resnext50_32x4d", "resnext50_32x4d", "tv_in1k"},
    {"gluon_resnet18_v1b", "resnet18", "gluon_in1k"},
    {"gluon_resnet34_v1b", "resnet34", "gluon_in1k"},
    {"gluon_resnet50_v1b", "resnet50", "gluon_in1k"},
    {"gluon_resnet101_v1b", "resnet101", "gluon_in1k"},
    {"gluon_resnet152_v1b", "resnet152", "gluon_in1k"},
    {"gluon_resnet50_v1c", "resnet50c", "gluon_in1k"},
    {"gluon_resnet101_v1c", "resnet101c", "gluon_in1k"},
    {"gluon_resnet152_v1c", "resnet152c", "gluon_in1k"},
    {"gluon_resnet50_v1d", "resnet50d", "gluon_in1k"},
    {"gluon_resnet101_v1d", "resnet101d", "gluon_in1k"},
    {"gluon_resnet152_v1d", "resnet152d", "gluon_in1k"},
    {"gluon_resnet50_v1s", "resnet50s", "gluon_in1k"},
    {"gluon_resnet101_v1s", "resnet101s", "gluon_in1k"},
    {"gluon_resnet152_v1s", "resnet152s", "gluon_in1k"},
    {"gluon_resnext50_32x4d", "resnext50_32x4d", "gluon_in1k"},
    {"gluon_resnext101_32x4d", "resnext101_32x4d", "gluon_in1k"},
    {"gluon_resnext101_64x4d", "resnext101_64x4d", "gluon_in1k"},
    {"ssl_resnet18", "resnet18", "fb_ssl_yfcc100m_ft_in1k"},
    {"ssl_resnet50", "resnet50", "fb_ssl_yfcc100m_ft_in1k"},
    {"ssl_resnext50_32x4d", "resnext50_32x4d", "fb_ssl_yfcc100m_ft_in1k"},
    {"ssl_resnext101_32x4d", "resnext101_32x4d", "fb_ssl_yfcc100m_ft_in1k"},
    {"ssl_resnext101_32x8d", "resnext101_32x8d", "fb_ssl_yfcc100m_ft_in1k"},
    {"ssl_resnext101_32x16d", "resnext101_32x16d", "fb_ssl_yfcc100m_ft_in1k"},
    {"swsl_resnet18", "resnet18", "fb_swsl_ig1b_ft_in1k"},
    {"swsl_resnet50", "resnet50", "fb_swsl_ig1b_ft_in1k"},
    {"swsl_resnext50_32x4d", "resnext50_32x4d", "fb_swsl_ig1b_ft_in1k"},
    {"swsl_resnext101_32x4d", "resnext101_32x4d", "fb_swsl_ig1b_ft_in1k"},
    {"swsl_resnext101_32x8d", "resnext101_32x8d", "fb_swsl_ig1b_ft_in1k"},
    {"swsl_resnext101_32x16d", "resnext101_32x16d", "fb_swsl_ig1b_ft_in1k"},
    {"ig_resnext101_32x8d", "resnext101_32x8d", "fb_wsl_ig1b_ft_in1k"},
    {"ig_resnext101_32x16d", "resnext101_32x16d", "fb_wsl_ig1b_ft_in1k"},
    {"ig_resnext101_32x32d", "resnext101_32x32d", "fb_wsl_ig1b_ft_in1k"},
};

ResnetSpec specOf(const Row& row)
{
    ResnetSpec s;
    s.blockType = row.block;
    s.layers = row.layers;
    s.stemType = row.stem;
    s.stemWidth = row.stemWidth;
    s.avgDown = row.avgDown;
    s.cardinality = row.cardinality;
    s.baseWidth = row.baseWidth;
    return s;
}

} // namespace

Result<TimmArchitecture> timmArchitecture(const std::string& requested)
{
    std::string name = requested;
    // A tag ("resnet50.a1_in1k") is not part of the architecture.
    if (const auto dot = name.find('.'); dot != std::string::npos)
        name = name.substr(0, dot);
    std::string resolved;
    for (const Deprecated& d : kDeprecated)
        if (name == d.from) {
            resolved = name + " is timm's deprecated name of " + d.to + " (tag " + d.tag + ")";
            name = d.to;
        }
    for (const Row& row : kTable)
        if (name == row.name)
            return TimmArchitecture{name, resolved, specOf(row)};
    for (const Refusal& r : kRefusals)
        if (name.starts_with(r.prefix))
            return fail(ErrorKind::InvalidInput,
                        "architecture: timm's \"" + requested + "\" needs " + r.needs +
                            ", which the app's ResNet does not have; it cannot be opened");
    return fail(
        ErrorKind::InvalidInput,
        "architecture: \"" + requested +
            "\" is not one of timm's ResNet architectures the app can build (resnet18 ... resnet200d, "
            "their c/d/s/t variants, resnext*, wide_resnet*)");
}

std::vector<std::string> timmArchitectureNames()
{
    std::vector<std::string> names;
    for (const Row& row : kTable)
        names.emplace_back(row.name);
    return names;
}

Result<void>
applyTimmModelArgs(const nlohmann::json& modelArgs, ResnetSpec& spec, std::vector<std::string>& notes)
{
    if (modelArgs.is_null())
        return {};
    if (!modelArgs.is_object())
        return fail(ErrorKind::InvalidInput, "model_args: must be an object");
    static const std::array<const char*, 4> evalNeutral{"drop_rate", "drop_path_rate", "drop_block_rate",
                                                        "zero_init_last"};
    for (const auto& [key, value] : modelArgs.items()) {
        const auto field = "model_args." + key;
        if (key == "in_chans" || key == "num_classes") {
            if (!value.is_number_integer() || value.get<int>() < (key == "in_chans" ? 1 : 0))
                return fail(ErrorKind::InvalidInput, field + ": must be a " +
                                                         (key == "in_chans" ? "positive" : "non-negative") +
                                                         " integer");
            (key == "in_chans" ? spec.inputChannels : spec.numClasses) = value.get<int>();
        } else if (std::ranges::find(evalNeutral, key) != evalNeutral.end()) {
            notes.push_back(field + " " + value.dump() +
                            " only changes training (identity in eval mode); ignored for inference");
        } else if (key == "global_pool" && value == "avg") {
            continue;
        } else {
            return fail(ErrorKind::InvalidInput,
                        field + " " + value.dump() +
                            " changes the network in a way the app's ResNet does not "
                            "implement; it cannot be opened");
        }
    }
    return {};
}

} // namespace mwb
