#include "config/resnet_config.h"

#include "input_limits.h"
#include "model/resnet_spec.h"

#include <iomanip>
#include <sstream>

namespace mwb {

namespace {

using json = nlohmann::json;

std::vector<FieldSpec> resnetFields()
{
    std::vector<FieldSpec> f;
    f.push_back({.name = "block_type",
                 .type = FieldType::Choice,
                 .defaultValue = "bottleneck",
                 .choices = {"basic", "bottleneck"},
                 .label = "Block type",
                 .help = "Residual block: \"basic\" (two 3x3 convolutions, ResNet-18/34) or \"bottleneck\" "
                         "(1x1, 3x3, 1x1, ResNet-50 and deeper)."});
    f.push_back({.name = "layers",
                 .type = FieldType::IntegerList,
                 .defaultValue = json::array({3, 4, 6, 3}),
                 .minimum = 1,
                 .maximum = 128,
                 .listLength = 4,
                 .label = "Layers",
                 .help = "Number of residual blocks in each of the four stages."});
    f.push_back({.name = "num_classes",
                 .type = FieldType::Integer,
                 .defaultValue = 1000,
                 .minimum = 0,
                 .maximum = 1'000'000,
                 .label = "Classes",
                 .help = "Outputs of the classifier; 0 builds the network without a classifier.",
                 .keptByPresets = true});
    f.push_back({.name = "input_channels",
                 .type = FieldType::Integer,
                 .defaultValue = 3,
                 .minimum = 1,
                 .maximum = 1024,
                 .label = "Input channels",
                 .help = "Channels of the input image: 3 for RGB, 1 for grayscale.",
                 .keptByPresets = true});
    f.push_back(
        {.name = "cardinality",
         .type = FieldType::Integer,
         .defaultValue = 1,
         .minimum = 1,
         .maximum = 1024,
         .label = "Cardinality",
         .help = "Groups in the 3x3 convolution of a bottleneck block (ResNeXt); basic blocks need 1."});
    f.push_back({.name = "base_width",
                 .type = FieldType::Integer,
                 .defaultValue = 64,
                 .minimum = 1,
                 .maximum = 4096,
                 .label = "Base width",
                 .help = "Width per group of a bottleneck block (ResNeXt); basic blocks need 64."});
    f.push_back({.name = "stem_width",
                 .type = FieldType::Integer,
                 .defaultValue = 64,
                 .minimum = 1,
                 .maximum = 4096,
                 .label = "Stem width",
                 .help = "Channels of the deep stem's convolutions; used only by the deep stems."});
    f.push_back({.name = "stem_type",
                 .type = FieldType::Choice,
                 .defaultValue = "",
                 .choices = {"", "deep", "deep-tiered"},
                 .label = "Stem type",
                 .help = "\"\" is one 7x7 convolution; \"deep\" three 3x3 convolutions; \"deep-tiered\" the "
                         "same with a narrower first convolution."});
    f.push_back({.name = "avg_down",
                 .type = FieldType::Boolean,
                 .defaultValue = false,
                 .label = "Average down",
                 .help = "Downsample shortcuts with average pooling then a 1x1 convolution (ResNet-D)."});
    return f;
}

void basicBlockRule(const json& c, std::vector<FieldProblem>& problems)
{
    if (c.at("block_type") != "basic")
        return;
    // timm's BasicBlock asserts both; the model could not be built otherwise.
    if (c.at("cardinality") != 1)
        problems.push_back({"cardinality", "basic blocks support only cardinality 1, got " +
                                               c.at("cardinality").dump() +
                                               "; use bottleneck blocks for ResNeXt"});
    if (c.at("base_width") != 64)
        problems.push_back({"base_width", "basic blocks support only base_width 64, got " +
                                              c.at("base_width").dump() +
                                              "; use bottleneck blocks for ResNeXt"});
}

void tieredStemRule(const json& c, std::vector<FieldProblem>& problems)
{
    const auto stem = c.at("stem_type").get<std::string>();
    const int width = c.at("stem_width").get<int>();
    // The tiered stem's first convolution has 3*(stem_width//4) channels: zero below 4.
    if (stem == "deep-tiered" && width < 4)
        problems.push_back({"stem_width", "the deep-tiered stem needs stem_width of at least 4 (its first "
                                          "convolution has 3*(stem_width/4) channels), got " +
                                              std::to_string(width)});
}

void labelsRule(const json& c, std::vector<FieldProblem>& problems)
{
    const int classes = c.at("num_classes").get<int>();
    if (c.contains("id2label") && c["id2label"].is_object() && !c["id2label"].empty()) {
        const auto& labels = c["id2label"];
        if (classes > 0 && static_cast<int>(labels.size()) != classes) {
            problems.push_back({"id2label", "has " + std::to_string(labels.size()) +
                                                " labels but num_classes is " + std::to_string(classes) +
                                                "; give one label per class"});
        } else if (classes > 0) {
            for (const auto& [key, value] : labels.items()) {
                const long index = std::strtol(key.c_str(), nullptr, 10);
                if (index < 0 || index >= classes) {
                    problems.push_back(
                        {"id2label", "label index " + key + " is outside 0.." + std::to_string(classes - 1)});
                    break;
                }
            }
        }
    }
}

void sizeRule(const json& c, std::vector<FieldProblem>& problems)
{
    const auto params = countParameters(ResnetSpec::fromConfig(c)).total();
    const std::string refusal = modelSizeRefusal(params);
    if (refusal.empty())
        return;
    std::ostringstream msg;
    msg << "this config describes a model of " << std::fixed << std::setprecision(1)
        << static_cast<double>(params) * 4 / 1e9 << " GB as float32: " << refusal;
    // Blame the field that most likely made it huge.
    const std::string field = c.at("num_classes").get<int>() > 100'000 ? "num_classes"
                              : c.at("base_width").get<int>() > 256 || c.at("cardinality").get<int>() > 64
                                  ? "base_width"
                                  : "layers";
    problems.push_back({field, msg.str()});
}

std::map<std::string, json> resnetPresets()
{
    return {
        {"resnet18", {{"block_type", "basic"}, {"layers", {2, 2, 2, 2}}}},
        {"resnet34", {{"block_type", "basic"}, {"layers", {3, 4, 6, 3}}}},
        {"resnet50", {{"block_type", "bottleneck"}, {"layers", {3, 4, 6, 3}}}},
        {"resnet50d",
         {{"block_type", "bottleneck"}, {"stem_width", 32}, {"stem_type", "deep"}, {"avg_down", true}}},
        {"resnext50_32x4d", {{"block_type", "bottleneck"}, {"cardinality", 32}, {"base_width", 4}}},
        {"resnet26t",
         {{"block_type", "bottleneck"},
          {"layers", {2, 2, 2, 2}},
          {"stem_width", 32},
          {"stem_type", "deep-tiered"},
          {"avg_down", true}}},
    };
}

} // namespace

std::shared_ptr<const ConfigSchema> resnetConfigSchema()
{
    static const auto schema = [] {
        auto s = std::make_shared<ConfigSchema>();
        s->modelType = "resnet";
        s->displayName = "ResNet (timm)";
        s->fields = resnetFields();
        s->rules = {basicBlockRule, tieredStemRule, labelsRule, sizeRule};
        s->presets = resnetPresets();
        return std::shared_ptr<const ConfigSchema>(s);
    }();
    return schema;
}

} // namespace mwb
