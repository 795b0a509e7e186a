#pragma once

// Public, torch-free: what a weight file holds, read without loading tensors and without running
// any pickle code. Used by `mwb weights inspect`, the GUI and the review of Hub repos.
// Reentrant; call from any thread (reading a large pickle's structure takes a moment). Errors come
// back as values: InvalidInput for malformed files, Io for unreadable ones. A dangerous pickle is
// NOT an error here: it is reported in pickleGlobals/verdict, and its tensors are not listed.

#include "error.h"
#include "weights/pickle_scanner.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <QString>

namespace mwb {

struct TensorInfo
{
    std::string name, dtype; // dtype as safetensors spells it: "F32", "I64", ...
    std::vector<int64_t> shape;
    uint64_t bytes = 0;
};

struct WeightFileInfo
{
    std::string format; // "safetensors", "torch-zip", "torch-legacy", or "<format> shards" for an index
    std::vector<TensorInfo> tensors;
    std::map<std::string, std::string> metadata;
    std::vector<PickleGlobal> pickleGlobals; // pickles only
    PickleVerdict verdict = PickleVerdict::Safe;
    uint64_t totalBytes = 0; // sum of the tensors' bytes
};

// `path` is a weight file or a shard index (*.index.json).
Result<WeightFileInfo> inspectWeightFile(const QString& path);

} // namespace mwb
