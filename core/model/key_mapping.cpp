#include "model/key_mapping.h"

#include <algorithm>
#include <charconv>
#include <map>

namespace mwb {

namespace {

std::vector<std::string> split(const std::string& text)
{
    std::vector<std::string> out;
    std::size_t start = 0;
    for (std::size_t dot = text.find('.'); dot != std::string::npos; dot = text.find('.', start)) {
        out.push_back(text.substr(start, dot - start));
        start = dot + 1;
    }
    out.push_back(text.substr(start));
    return out;
}

bool isVariable(const std::string& segment)
{
    return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

std::optional<std::map<std::string, std::string>> matchPattern(const std::vector<std::string>& pattern,
                                                               const std::vector<std::string>& key)
{
    if (pattern.size() != key.size())
        return std::nullopt;
    std::map<std::string, std::string> bound;
    for (std::size_t i = 0; i < key.size(); ++i) {
        if (isVariable(pattern[i]))
            bound[pattern[i].substr(1, pattern[i].size() - 2)] = key[i];
        else if (pattern[i] != key[i])
            return std::nullopt;
    }
    return bound;
}

// "{s}" -> bound value; "{s+1}" -> bound value plus one (bound numbers only).
std::optional<std::string> expand(const std::string& templ, const std::map<std::string, std::string>& bound)
{
    std::string out;
    std::size_t i = 0;
    while (i < templ.size()) {
        if (templ[i] != '{') {
            out += templ[i++];
            continue;
        }
        const std::size_t close = templ.find('}', i);
        if (close == std::string::npos)
            return std::nullopt;
        std::string name = templ.substr(i + 1, close - i - 1);
        int add = 0;
        if (const auto plus = name.find('+'); plus != std::string::npos) {
            add = std::stoi(name.substr(plus + 1));
            name = name.substr(0, plus);
        }
        const auto it = bound.find(name);
        if (it == bound.end())
            return std::nullopt;
        if (add == 0) {
            out += it->second;
        } else {
            int value = 0;
            const auto [end, error] =
                std::from_chars(it->second.data(), it->second.data() + it->second.size(), value);
            if (error != std::errc() || end != it->second.data() + it->second.size())
                return std::nullopt; // not a number: the rule does not apply
            out += std::to_string(value + add);
        }
        i = close + 1;
    }
    return out;
}

KeyMapping transformersMapping()
{
    // pretrained-formats.md §3.4; {p} is weight, bias, running_mean, running_var, num_batches_tracked.
    return {
        "transformers ResNet -> timm",
        {"resnet."},
        {},
        {
            {"embedder.embedder.convolution.weight", "conv1.weight"},
            {"embedder.embedder.normalization.{p}", "bn1.{p}"},
            {"encoder.stages.{s}.layers.{b}.shortcut.convolution.weight",
             "layer{s+1}.{b}.downsample.0.weight"},
            {"encoder.stages.{s}.layers.{b}.shortcut.normalization.{p}", "layer{s+1}.{b}.downsample.1.{p}"},
            {"encoder.stages.{s}.layers.{b}.layer.{j}.convolution.weight", "layer{s+1}.{b}.conv{j+1}.weight"},
            {"encoder.stages.{s}.layers.{b}.layer.{j}.normalization.{p}", "layer{s+1}.{b}.bn{j+1}.{p}"},
            {"classifier.1.{p}", "fc.{p}"},
        }};
}

} // namespace

const KeyMapping& keyMappingFor(SourceFormat format)
{
    static const KeyMapping tutorial{"the tutorial's wrapper (\"model.\" + timm) -> timm", {}, {}, {}};
    static const KeyMapping timm{"timm (identity)", {}, {}, {}};
    static const KeyMapping wrapper{"TimmWrapper (\"timm_model.\" + timm) -> timm", {"timm_model."}, {}, {}};
    static const KeyMapping transformers = transformersMapping();
    static const KeyMapping stateDict{
        "state_dict (timm/torchvision names)", {}, {"module.", "_orig_mod.", "model.", "timm_model."}, {}};
    switch (format) {
    case SourceFormat::Tutorial:
        return tutorial;
    case SourceFormat::Timm:
    case SourceFormat::TimmLegacy:
        return timm;
    case SourceFormat::TimmWrapper:
        return wrapper;
    case SourceFormat::Transformers:
        return transformers;
    case SourceFormat::StateDict:
        return stateDict;
    }
    return timm;
}

std::string sharedPrefix(const KeyMapping& mapping, const std::vector<std::string>& keys)
{
    std::string shared;
    for (int round = 0; round < 2 && !keys.empty(); ++round) {
        bool found = false;
        for (const std::string& prefix : mapping.sharedPrefixes) {
            const std::string candidate = shared + prefix;
            const bool all = std::all_of(keys.begin(), keys.end(),
                                         [&](const std::string& k) { return k.starts_with(candidate); });
            if (all) {
                shared = candidate;
                found = true;
                break;
            }
        }
        if (!found)
            break;
    }
    return shared;
}

std::string mapKey(const KeyMapping& mapping, const std::string& key, const std::string& stripped)
{
    std::string name = key.starts_with(stripped) ? key.substr(stripped.size()) : key;
    for (const std::string& prefix : mapping.keyPrefixes)
        if (name.starts_with(prefix)) {
            name = name.substr(prefix.size());
            break;
        }
    const auto segments = split(name);
    for (const KeyRule& rule : mapping.rules) {
        if (const auto bound = matchPattern(split(rule.from), segments))
            if (const auto out = expand(rule.to, *bound))
                return *out;
    }
    return name;
}

std::vector<std::string> describeMapping(const KeyMapping& mapping)
{
    std::vector<std::string> lines;
    for (const std::string& p : mapping.keyPrefixes)
        lines.push_back("strip the prefix \"" + p + "\" where a key has it");
    for (const std::string& p : mapping.sharedPrefixes)
        lines.push_back("strip \"" + p + "\" when every key has it");
    for (const KeyRule& r : mapping.rules)
        lines.push_back(r.from + " -> " + r.to);
    return lines;
}

} // namespace mwb
