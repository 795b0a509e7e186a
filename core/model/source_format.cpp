#include "model/source_format.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace mwb {

namespace {

using json = nlohmann::json;

// The fields that only one model_type "resnet" family has (pretrained-formats.md §1).
const std::vector<std::string> kTransformersFields{"layer_type", "depths", "hidden_sizes", "embedding_size"};
const std::vector<std::string> kTutorialFields{"block_type", "layers",      "stem_type",  "stem_width",
                                               "avg_down",   "cardinality", "base_width", "input_channels"};
const std::vector<std::string> kTransformersClasses{"ResNetForImageClassification", "ResNetModel",
                                                    "ResNetBackbone"};

std::vector<std::string> present(const json& config, const std::vector<std::string>& fields)
{
    std::vector<std::string> out;
    for (const std::string& f : fields)
        if (config.contains(f))
            out.push_back(f);
    return out;
}

std::string joined(const std::vector<std::string>& items)
{
    std::string out;
    for (const std::string& i : items)
        out += (out.empty() ? "" : ", ") + i;
    return out;
}

std::vector<std::string> architectures(const json& config)
{
    std::vector<std::string> out;
    if (auto it = config.find("architectures"); it != config.end() && it->is_array())
        for (const json& a : *it)
            if (a.is_string())
                out.push_back(a.get<std::string>());
    return out;
}

bool isTutorialClass(const std::string& name)
{
    return name == "ResnetModel" || name == "ResnetModelForImageClassification";
}

Result<ConfigFamily> resnetFamily(const json& config, const std::vector<std::string>& weightKeys)
{
    const auto hf = present(config, kTransformersFields);
    const auto tutorial = present(config, kTutorialFields);
    if (!hf.empty() && !tutorial.empty())
        return fail(ErrorKind::InvalidInput,
                    "model_type: \"resnet\" with fields of both families (transformers' " + joined(hf) +
                        " and the tutorial's " + joined(tutorial) + "): ambiguous, refusing to guess");
    // A third party's own classes under model_type "resnet" (e.g. CifNetForImageClassification).
    for (const std::string& a : architectures(config)) {
        const bool known =
            isTutorialClass(a) || std::ranges::find(kTransformersClasses, a) != kTransformersClasses.end();
        if (!known)
            return fail(
                ErrorKind::InvalidInput,
                "architectures: \"" + a +
                    "\" is neither transformers' ResNet nor the tutorial's "
                    "ResnetModel classes; a model_type \"resnet\" of another project cannot be built");
    }
    if (!hf.empty())
        return ConfigFamily{SourceFormat::Transformers, "transformers ResNetConfig fields " + joined(hf)};
    if (!tutorial.empty())
        return ConfigFamily{SourceFormat::Tutorial, "the tutorial's ResnetConfig fields " + joined(tutorial)};
    for (const std::string& a : architectures(config)) {
        if (std::ranges::find(kTransformersClasses, a) != kTransformersClasses.end())
            return ConfigFamily{SourceFormat::Transformers, "architectures " + a};
        if (isTutorialClass(a))
            return ConfigFamily{SourceFormat::Tutorial, "architectures " + a};
    }
    // Neither family's fields: the weight names decide (both families' defaults are ResNet-50).
    for (const std::string& key : weightKeys) {
        if (key.starts_with("resnet.embedder.") || key.starts_with("embedder."))
            return ConfigFamily{SourceFormat::Transformers, "weight names " + key};
        if (key.starts_with("conv1.") || key.starts_with("model.conv1."))
            return ConfigFamily{SourceFormat::Tutorial, "weight names " + key};
    }
    return ConfigFamily{SourceFormat::Tutorial, "model_type \"resnet\" with every field at its default"};
}

} // namespace

std::string sourceFormatId(SourceFormat format)
{
    switch (format) {
    case SourceFormat::Tutorial:
        return "tutorial";
    case SourceFormat::Timm:
        return "timm";
    case SourceFormat::TimmLegacy:
        return "timm-legacy";
    case SourceFormat::TimmWrapper:
        return "timm-wrapper";
    case SourceFormat::Transformers:
        return "transformers-resnet";
    case SourceFormat::StateDict:
        return "state-dict";
    }
    return "unknown";
}

std::string sourceFormatName(SourceFormat format)
{
    switch (format) {
    case SourceFormat::Tutorial:
        return "the tutorial's custom ResnetConfig";
    case SourceFormat::Timm:
        return "timm Hub repo (timm >= 0.9)";
    case SourceFormat::TimmLegacy:
        return "timm Hub repo, legacy flat config (timm 0.6)";
    case SourceFormat::TimmWrapper:
        return "transformers TimmWrapper folder";
    case SourceFormat::Transformers:
        return "transformers ResNetConfig (ResNetForImageClassification)";
    case SourceFormat::StateDict:
        return "bare state_dict (no config)";
    }
    return "unknown";
}

Result<ConfigFamily> detectConfigFamily(const json& config, const std::vector<std::string>& weightKeys)
{
    if (!config.is_object())
        return fail(ErrorKind::InvalidInput, "the top level must be a JSON object");
    const auto modelType = config.find("model_type");
    if (modelType != config.end() && !modelType->is_string())
        return fail(ErrorKind::InvalidInput, "model_type: must be a string");
    const bool hasArchitecture = config.contains("architecture") && config["architecture"].is_string();
    if (modelType != config.end()) {
        const std::string type = modelType->get<std::string>();
        if (type == "resnet")
            return resnetFamily(config, weightKeys);
        if (type == "timm_wrapper") {
            if (!hasArchitecture)
                return fail(ErrorKind::InvalidInput, "architecture: missing (a timm_wrapper config names the "
                                                     "timm architecture it wraps)");
            return ConfigFamily{SourceFormat::TimmWrapper, "model_type \"timm_wrapper\""};
        }
        return fail(ErrorKind::InvalidInput,
                    "model_type: unknown model type \"" + type +
                        "\"; known: \"resnet\" (the tutorial's or transformers'), \"timm_wrapper\", "
                        "or a timm config with \"architecture\"");
    }
    if (hasArchitecture) {
        if (config.contains("pretrained_cfg"))
            return ConfigFamily{SourceFormat::Timm, "architecture + pretrained_cfg"};
        return ConfigFamily{SourceFormat::TimmLegacy, "architecture with the cfg at the root"};
    }
    return fail(ErrorKind::InvalidInput,
                "model_type: missing, and no timm \"architecture\" either: not a config of a known format");
}

} // namespace mwb
