#pragma once

// Reads `auto_map` from a config.json the way transformers does (ARCHITECTURE.md, "Hub: remote code"): values
// are "module.Class", a two-element [slow, fast] list (tokenizers; either may be null), or
// "other/repo--module.Class" when the code lives in another ("upstream") repo. Pure; any thread.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mwb::review {

struct CodeReference
{
    std::string autoClass;    // "AutoConfig", "AutoModelForImageClassification", "AutoTokenizer"
    std::string slot;         // "" for a plain entry; "slow" / "fast" for the two halves of a list
    std::string upstreamRepo; // "org/name" when the value was "org/name--module.Class", else ""
    std::string module;       // "modeling_resnet" (file modeling_resnet.py); dots mean folders
    std::string className;    // "ResnetModelForImageClassification"
    std::string raw;          // the value as written

    bool isUpstream() const { return !upstreamRepo.empty(); }
    // "modeling_resnet.py", or "pkg/mod.py" for "pkg.mod".
    std::string modulePath() const;
};

struct AutoMap
{
    std::vector<CodeReference> references;
    std::vector<std::string> problems; // malformed entries, named: "auto_map.AutoModel: ..."
};

// True when the config has a non-empty `auto_map` object: the repo ships custom code.
bool hasCustomCode(const nlohmann::json& config);

AutoMap parseAutoMap(const nlohmann::json& config);

} // namespace mwb::review
