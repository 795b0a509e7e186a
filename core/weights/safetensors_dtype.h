#pragma once

// Internal to core, torch-free: the dtype strings of the safetensors format (ARCHITECTURE.md, "Formats:
// safetensors"), their bit widths, the reference writer's sort rank, and whether LibTorch 1.13 can hold them.

#include <optional>
#include <string_view>

namespace mwb {

struct SafetensorsDtype
{
    std::string_view name; // "F32"
    int bits;              // 32; sub-byte types have 4 or 6
    int sortRank;          // the reference Dtype enum order; the writer sorts by it, descending
    bool inLibTorch113;    // false for F8*, U16/U32/U64, F4, F6*: a 1.13 loader must reject them
};

// The dtype called `name`, or nothing if the format has no such dtype.
std::optional<SafetensorsDtype> findSafetensorsDtype(std::string_view name);

} // namespace mwb
