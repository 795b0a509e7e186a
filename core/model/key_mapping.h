#pragma once

// The key-mapping tables that turn each source format's state_dict names into the internal ResNet's
// names (timm's). A table is data: the prefixes it strips and a list of pattern rules. A pattern is
// dot-separated; a segment "{s}" matches one dot-free segment and binds it; an output segment may use
// "{s}" or "{s+1}" (the bound number plus one), embedded in text ("layer{s+1}", "conv{j+1}"). Names
// no rule matches are kept as they are (then the load report lists them as unexpected). Torch-free,
// pure data and functions: any thread.

#include "model/source_format.h"

#include <optional>
#include <string>
#include <vector>

namespace mwb {

struct KeyRule
{
    std::string from; // "encoder.stages.{s}.layers.{b}.layer.{j}.convolution.weight"
    std::string to;   // "layer{s+1}.{b}.conv{j+1}.weight"
};

struct KeyMapping
{
    std::string name; // "transformers ResNet -> timm", shown in the load report
    // Stripped from a key that starts with one (each key on its own: transformers' classifier has no
    // "resnet." prefix while the backbone has).
    std::vector<std::string> keyPrefixes;
    // Stripped only when every key of the file carries the same one (torch.compile, DDP, wrappers).
    std::vector<std::string> sharedPrefixes;
    std::vector<KeyRule> rules; // empty: names are already timm's
};

// The table for a format. Tutorial: none (the wrapper's "model." prefix is understood by the loader
// itself). Timm / TimmLegacy: identity. TimmWrapper: "timm_model.". Transformers: §3.4 of
// pretrained-formats.md. StateDict: the shared prefixes module., _orig_mod., model., timm_model.
const KeyMapping& keyMappingFor(SourceFormat format);

// The prefix every key shares among `mapping.sharedPrefixes` (applied up to twice, e.g.
// "module._orig_mod."); empty when none is shared.
std::string sharedPrefix(const KeyMapping& mapping, const std::vector<std::string>& keys);

// The internal name for one file key (after `stripped`, the shared prefix, is removed).
std::string mapKey(const KeyMapping& mapping, const std::string& key, const std::string& stripped = {});

// One line per rule, "from -> to", plus the prefixes, for the load report.
std::vector<std::string> describeMapping(const KeyMapping& mapping);

} // namespace mwb
