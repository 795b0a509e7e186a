#include "model/model_source.h"

#include "model/imagenet_labels.h"
#include "model/timm_architectures.h"

#include <algorithm>
#include <set>

namespace mwb {

namespace {

using json = nlohmann::json;

std::unexpected<Error> bad(const std::string& field, const std::string& problem)
{
    return fail(ErrorKind::InvalidInput, field + ": " + problem);
}

std::string stemTypeName(StemType stem)
{
    return stem == StemType::Plain ? "" : stem == StemType::Deep ? "deep" : "deep-tiered";
}

json id2labelOf(const std::vector<std::string>& labels)
{
    json out = json::object();
    for (std::size_t i = 0; i < labels.size(); ++i)
        out[std::to_string(i)] = labels[i];
    return out;
}

// label_names > ImageNet-1k names for 1000 classes > none (LABEL_i at classification time).
void attachLabels(ModelSource& source, std::vector<std::string> labels, const std::string& from, int classes)
{
    if (classes <= 0)
        return;
    if (labels.empty() && classes == 1000) {
        labels = imagenet1kLabels();
        source.labelSource = "ImageNet-1k names (1000 classes and no labels of its own)";
    } else if (!labels.empty()) {
        source.labelSource = from;
    }
    if (labels.empty() || static_cast<int>(labels.size()) != classes) {
        if (!labels.empty())
            source.notes.push_back(from + " has " + std::to_string(labels.size()) + " names for " +
                                   std::to_string(classes) + " classes; not used");
        source.labelSource = "LABEL_i (no labels)";
        return;
    }
    source.config["id2label"] = id2labelOf(labels);
}

int intField(const json& object, const char* key, int fallback, int minimum)
{
    const auto it = object.find(key);
    if (it == object.end() || it->is_null())
        return fallback;
    if (!it->is_number_integer() || it->get<long long>() < minimum)
        throw std::invalid_argument(std::string(key) + ": must be an integer of at least " +
                                    std::to_string(minimum));
    return it->get<int>();
}

// timm: label_names (a list, or {index: name}) shown through label_descriptions when present.
std::vector<std::string> timmLabels(const json& names, const json* descriptions, int classes)
{
    std::vector<std::string> out;
    if (names.is_array()) {
        for (const json& n : names)
            out.push_back(n.is_string() ? n.get<std::string>() : n.dump());
    } else if (names.is_object()) {
        out.resize(static_cast<std::size_t>(std::max(classes, 0)));
        for (int i = 0; i < classes; ++i) {
            const auto it = names.find(std::to_string(i));
            out[static_cast<std::size_t>(i)] =
                it != names.end() && it->is_string() ? it->get<std::string>() : "LABEL_" + std::to_string(i);
        }
    }
    if (descriptions && descriptions->is_object())
        for (std::string& name : out)
            if (const auto it = descriptions->find(name); it != descriptions->end() && it->is_string())
                name = it->get<std::string>();
    return out;
}

// timm's _parse_model_cfg (§2.3): cfg = pretrained_cfg (or the flat root), the root's num_classes and
// label_names win; in_chans = input_size[0].
Result<ModelSource> fromTimm(const json& config, SourceFormat format, const std::string& evidence)
{
    ModelSource source;
    source.format = format;
    source.evidence = evidence;
    const std::string architecture = config.at("architecture").get<std::string>();
    auto arch = timmArchitecture(architecture);
    if (!arch)
        return std::unexpected(arch.error());
    source.architecture = arch->name;
    if (!arch->resolved.empty())
        source.notes.push_back(arch->resolved);
    ResnetSpec spec = arch->spec;

    json cfg = format == SourceFormat::TimmLegacy ? config : config.at("pretrained_cfg");
    if (!cfg.is_object())
        return bad("pretrained_cfg", "must be an object");
    for (const char* key :
         {"architecture", "num_features", "url", "labels", "label_names", "label_descriptions"})
        if (format == SourceFormat::TimmLegacy)
            cfg.erase(key);
    try {
        spec.numClasses = intField(config, "num_classes", intField(cfg, "num_classes", 1000, 0), 0);
        if (const auto size = cfg.find("input_size");
            size != cfg.end() && size->is_array() && !size->empty()) {
            if (!(*size)[0].is_number_integer() || (*size)[0].get<int>() < 1)
                return bad("pretrained_cfg.input_size",
                           "must be [channels, height, width] of positive integers");
            spec.inputChannels = (*size)[0].get<int>();
        }
        source.labelOffset = intField(cfg, "label_offset", 0, 0);
    } catch (const std::exception& e) {
        return fail(ErrorKind::InvalidInput, e.what());
    }
    if (auto applied = applyTimmModelArgs(config.value("model_args", json()), spec, source.notes); !applied)
        return std::unexpected(applied.error());

    source.config = tutorialConfig(spec);
    cfg["num_classes"] = spec.numClasses;
    source.config["pretrained_cfg"] = cfg; // the eval recipe, kept with the model
    source.config["timm_architecture"] = source.architecture;

    // Labels: the root's label_names (timm >= 0.9), the legacy `labels`, or the cfg's own.
    std::vector<const json*> places{&config};
    if (format != SourceFormat::TimmLegacy && config.at("pretrained_cfg").is_object())
        places.push_back(&config.at("pretrained_cfg"));
    const json* names = nullptr;
    for (const json* where : places)
        for (const char* key : {"label_names", "labels"})
            if (!names && where->contains(key))
                names = &where->at(key);
    const json* descriptions =
        config.contains("label_descriptions") ? &config["label_descriptions"] : nullptr;
    std::vector<std::string> labels =
        names ? timmLabels(*names, descriptions, spec.numClasses) : std::vector<std::string>{};
    // timm 0.6 wrote placeholder labels ("LABEL_0", ...): they say nothing.
    if (!labels.empty() &&
        std::ranges::all_of(labels, [](const std::string& l) { return l.starts_with("LABEL_"); }))
        labels.clear();
    attachLabels(source, labels, names ? "label_names" : "", spec.numClasses);
    return source;
}

// transformers' ResNetConfig (§3.1, §3.5): refuse what has no equivalent, naming the field.
Result<ModelSource> fromTransformers(const json& c, const std::string& evidence)
{
    ModelSource source;
    source.format = SourceFormat::Transformers;
    source.evidence = evidence;
    source.usesPreprocessorConfig = true;
    ResnetSpec spec;
    const std::string layerType = c.value("layer_type", "bottleneck");
    if (layerType != "basic" && layerType != "bottleneck")
        return bad("layer_type", "\"" + layerType + "\" is neither \"basic\" nor \"bottleneck\"");
    spec.blockType = layerType == "basic" ? BlockType::Basic : BlockType::Bottleneck;
    for (const char* flag : {"downsample_in_first_stage", "downsample_in_bottleneck"}) {
        if (c.value(flag, false) == true)
            return bad(flag, std::string("true moves a stride (") +
                                 (std::string(flag) == "downsample_in_first_stage"
                                      ? "stage 1 is strided"
                                      : "ResNet v1: the stride sits on the bottleneck's first 1x1") +
                                 "): same tensors, different outputs; the app's ResNet (timm's v1.5) has no "
                                 "equivalent");
    }
    if (const std::string act = c.value("hidden_act", "relu"); act != "relu")
        return bad("hidden_act", "\"" + act + "\": the app's ResNet uses ReLU only");
    if (const int embedding = c.value("embedding_size", 64); embedding != 64)
        return bad("embedding_size",
                   std::to_string(embedding) + ": timm's 7x7 stem is always 64 channels wide");
    const json depths = c.value("depths", json::array({3, 4, 6, 3}));
    if (!depths.is_array() || depths.size() != 4 || !std::ranges::all_of(depths, [](const json& d) {
            return d.is_number_integer() && d.get<int>() >= 1;
        }))
        return bad("depths", "must be four positive integers (the app's ResNet has four stages)");
    for (std::size_t i = 0; i < 4; ++i)
        spec.layers[i] = depths[i].get<int>();
    const json standard = spec.blockType == BlockType::Basic ? json::array({64, 128, 256, 512})
                                                             : json::array({256, 512, 1024, 2048});
    const json hidden = c.value("hidden_sizes", json::array({256, 512, 1024, 2048}));
    if (hidden != standard)
        return bad("hidden_sizes", hidden.dump() + " for " + layerType +
                                       " blocks: the app's ResNet has stage widths " + standard.dump());
    spec.inputChannels = c.value("num_channels", 3);
    if (spec.inputChannels < 1)
        return bad("num_channels", "must be positive");

    std::vector<std::string> labels;
    int classes = 2; // PretrainedConfig's default
    if (const auto it = c.find("id2label"); it != c.end() && it->is_object() && !it->empty()) {
        classes = static_cast<int>(it->size());
        for (int i = 0; i < classes; ++i) {
            const auto label = it->find(std::to_string(i));
            if (label == it->end() || !label->is_string())
                return bad("id2label",
                           "keys must be \"0\" .. \"" + std::to_string(classes - 1) + "\" with names");
            labels.push_back(label->get<std::string>());
        }
    } else if (c.contains("num_labels") && c["num_labels"].is_number_integer()) {
        classes = c["num_labels"].get<int>();
    }
    std::string cls = "ResNetForImageClassification";
    if (const auto a = c.find("architectures");
        a != c.end() && a->is_array() && !a->empty() && a->front().is_string())
        cls = a->front().get<std::string>();
    if (cls != "ResNetForImageClassification") {
        classes = 0; // ResNetModel / ResNetBackbone have no classifier
        labels.clear();
    }
    spec.numClasses = classes;
    source.architecture = cls;
    source.config = tutorialConfig(spec);
    if (c.contains("problem_type"))
        source.config["problem_type"] = c["problem_type"];
    attachLabels(source, labels, "id2label", classes);
    return source;
}

} // namespace

json tutorialConfig(const ResnetSpec& s)
{
    return {{"model_type", "resnet"},
            {"block_type", s.blockType == BlockType::Basic ? "basic" : "bottleneck"},
            {"layers", s.layers},
            {"num_classes", s.numClasses},
            {"input_channels", s.inputChannels},
            {"cardinality", s.cardinality},
            {"base_width", s.baseWidth},
            {"stem_width", s.stemWidth},
            {"stem_type", stemTypeName(s.stemType)},
            {"avg_down", s.avgDown},
            {"architectures",
             json::array({s.numClasses > 0 ? "ResnetModelForImageClassification" : "ResnetModel"})}};
}

Result<ModelSource> modelSourceFromConfig(const json& config, const std::vector<std::string>& weightKeys)
{
    auto family = detectConfigFamily(config, weightKeys);
    if (!family)
        return std::unexpected(family.error());
    try {
        switch (family->format) {
        case SourceFormat::Tutorial: {
            ModelSource source;
            source.format = SourceFormat::Tutorial;
            source.evidence = family->evidence;
            source.config = config;
            source.labelSource = config.contains("id2label") ? "id2label" : "LABEL_i (no id2label)";
            return source;
        }
        case SourceFormat::Timm:
        case SourceFormat::TimmLegacy:
        case SourceFormat::TimmWrapper:
            return fromTimm(config, family->format, family->evidence);
        case SourceFormat::Transformers:
            return fromTransformers(config, family->evidence);
        case SourceFormat::StateDict:
            break;
        }
    } catch (const json::exception& e) {
        return fail(ErrorKind::InvalidInput, std::string("a field has the wrong JSON type: ") + e.what());
    }
    return fail(ErrorKind::InvalidInput, "unsupported config format");
}

Result<ModelSource> modelSourceFromStateDict(const std::vector<TensorShape>& tensors)
{
    auto inferred = inferArchitecture(tensors);
    if (!inferred)
        return std::unexpected(inferred.error());
    ModelSource source;
    source.format = SourceFormat::StateDict;
    source.evidence = "a weight file without config.json";
    source.architecture = inferred->timmName.empty() ? "ResNet" : inferred->timmName;
    source.notes = inferred->notes;
    source.config = tutorialConfig(inferred->spec);
    // torchvision's V1 eval transform (§4.4): bilinear, resize 256, center crop 224, ImageNet statistics.
    source.config["pretrained_cfg"] = {{"input_size", {inferred->spec.inputChannels, 224, 224}},
                                       {"interpolation", "bilinear"},
                                       {"crop_pct", 0.875},
                                       {"crop_mode", "center"},
                                       {"mean", {0.485, 0.456, 0.406}},
                                       {"std", {0.229, 0.224, 0.225}}};
    source.notes.push_back(
        "no preprocessing recipe in a bare file: torchvision's V1 eval transform (bilinear, "
        "resize 256, crop 224, ImageNet mean/std); V2 weights were evaluated at resize 232");
    attachLabels(source, {}, "", inferred->spec.numClasses);
    return source;
}

} // namespace mwb
