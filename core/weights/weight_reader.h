#pragma once

// Internal to core (uses TensorList, i.e. ATen): read and write weight files.
//
// Thread safety: every function here is reentrant; call from any thread (never block the GUI thread
// with them, a large file takes a while). Errors come back as values (ErrorKind::InvalidInput for
// malformed files, Io for unreadable ones, Unsafe for pickles that import what a tensor checkpoint
// never needs); the message names the file and, where it applies, the tensor or pickle global.

#include "error.h"
#include "weights/tensor_list.h"

#include <map>
#include <string>

#include <QString>

namespace mwb {

// Reads a weight file or a pretrained folder into tensors, dispatching on the file's content:
// safetensors, torch.save zip, legacy (pre-1.6) torch.save, or a shard index
// (model.safetensors.index.json / pytorch_model.bin.index.json). A folder is read from
// model.safetensors, else model.safetensors.index.json, else pytorch_model.bin, else
// pytorch_model.bin.index.json. Checkpoints that wrap the weights ({"state_dict": ...},
// {"model": ...}) are unwrapped. safetensors tensors share a memory mapping of the file (the
// mapping lives as long as any tensor using it); pickled tensors are views of their storages.
Result<TensorList> readWeights(const QString& pathOrFolder);

// Writes a safetensors file atomically: header padded with spaces to a multiple of 8, tensors sorted
// by dtype alignment (descending) then name, as the reference writer does. Tensors are written
// contiguous, little-endian. Duplicate names are refused.
Result<void> writeSafetensors(const QString& path,
                              const TensorList& tensors,
                              const std::map<std::string, std::string>& metadata = {{"format", "pt"}});

} // namespace mwb
