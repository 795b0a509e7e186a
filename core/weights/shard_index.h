#pragma once

// Internal to core, torch-free: sharded checkpoints' index files (model.safetensors.index.json,
// pytorch_model.bin.index.json): {"metadata": {...}, "weight_map": {tensor: shard file}}. Shard names
// are checked before any is opened: plain relative names that stay inside the index's folder (no
// "..", no absolute paths, no symlinks leading out). Errors are InvalidInput naming the index and
// the offending entry.

#include "error.h"

#include <map>
#include <string>
#include <vector>

#include <QString>

namespace mwb {

struct ShardIndex
{
    std::map<QString, std::vector<std::string>> tensorsByShard; // absolute shard path → tensor names
    std::map<std::string, std::string> metadata;                // string values of "metadata"
};

Result<ShardIndex> readShardIndex(const QString& indexPath);

} // namespace mwb
