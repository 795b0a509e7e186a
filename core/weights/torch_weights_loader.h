#pragma once

// Internal to core (ATen): tensors of a torch.save file (zip or legacy), read without running any
// pickle code (see torch_checkpoint.h). Storages stay on the memory mapping of the file; each tensor
// is a strided view of its storage, as in Python.

#include "error.h"
#include "weights/tensor_list.h"

#include <QString>

namespace mwb {

Result<TensorList> readTorchWeights(const QString& path);

} // namespace mwb
