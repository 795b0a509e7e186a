#pragma once

// After trust, a custom-code repo is built natively, never by running its Python: its `model_type`
// and the class names in `auto_map` / `architectures` are matched to implementations registered in
// ModelRegistry (the tutorial's ResnetConfig / ResnetModel / ResnetModelForImageClassification map to
// ours). What has no native implementation is named. Pure; any thread (the builtin registry is
// read-only).

#include "registry/model_registry.h"

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mwb::review {

struct ClassMatch
{
    std::string autoClass; // "AutoConfig", "AutoModel", ... or "architectures"
    std::string className; // "ResnetModelForImageClassification"
    bool native = false;   // an implementation is registered for it
};

struct NativeMatch
{
    std::string modelType;
    bool configKnown = false; // a config schema is registered for model_type
    std::vector<ClassMatch> classes;
    std::string loadClass; // the class a load builds: architectures[0], else the image-classification
                           // or base model class of auto_map; empty = the registry's default
    bool canLoad = false;
    std::vector<std::string> missing; // classes without a native implementation
    std::string message;              // one sentence for the user
};

NativeMatch matchNativeModel(const nlohmann::json& config,
                             const ModelRegistry& registry = ModelRegistry::builtin());

} // namespace mwb::review
