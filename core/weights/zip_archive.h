#pragma once

// Internal to core, torch-free: the central directory of a zip archive held in memory (a mapped
// file), enough to read torch.save archives: stored (uncompressed) entries, ZIP64 sizes and offsets.
// Compressed or encrypted entries are listed with `stored` false (the caller decides: a compressed
// data.pkl is refused for safety, since PyTorch would unpickle it and it cannot be checked here).
// Multi-disk archives and entries whose data lies outside the file are errors (InvalidInput) naming
// the file and entry.

#include "error.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mwb {

struct ZipEntry
{
    std::string name;
    uint64_t dataOffset = 0;  // where the entry's bytes start in the archive
    uint64_t size = 0;        // bytes in the archive (compressed size when not stored)
    bool stored = true;       // uncompressed and not encrypted: `size` bytes at `dataOffset` are the data
    std::string whyNotStored; // "is encrypted", "is compressed (method 8)"
};

Result<std::vector<ZipEntry>> readZipDirectory(std::string_view archive, const std::string& fileName);

} // namespace mwb
