#pragma once

// Internal to core, torch-free: reading and validating a safetensors header (ARCHITECTURE.md, "Formats:
// safetensors") without touching the tensor data. Used by the reader (which then maps tensors on the data)
// and by inspection. Errors (ErrorKind::InvalidInput) name the file and, where it applies, the tensor.

#include "error.h"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace mwb {

inline constexpr uint64_t kSafetensorsMaxHeaderBytes = 100'000'000;

struct SafetensorsEntry
{
    std::string name;
    std::string dtype; // a format dtype string, e.g. "F32"
    std::vector<int64_t> shape;
    uint64_t begin = 0; // offsets relative to the data buffer, end exclusive
    uint64_t end = 0;
};

struct SafetensorsHeader
{
    std::vector<SafetensorsEntry> entries; // in data-offset order
    std::map<std::string, std::string> metadata;
    uint64_t dataStart = 0; // 8 + header length
};

// Validates the whole file given as `bytes`: header size bound, 8+N inside the file, UTF-8 JSON,
// string-to-string __metadata__, known dtypes (and, with `requireLibTorchDtype`, ones LibTorch 1.13
// has), contiguous offsets from 0 without holes or overlap, dtype × shape = byte length, last end ==
// file size, no duplicate names. `fileName` is only used in messages.
Result<SafetensorsHeader>
parseSafetensorsHeader(std::string_view bytes, const std::string& fileName, bool requireLibTorchDtype);

// True if `bytes` (at least the first 8 of a file) start like a safetensors file: a plausible
// little-endian header length. Whether the header is valid is parseSafetensorsHeader's job.
bool looksLikeSafetensors(std::string_view bytes);

} // namespace mwb
