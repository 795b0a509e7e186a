#pragma once

// Internal to core (ATen): the safetensors reader. See weight_reader.h for the public entry points.

#include "error.h"
#include "weights/tensor_list.h"

#include <QString>

namespace mwb {

// Memory-maps `path` and returns its tensors, in data-offset order, built on the mapping (copied
// only where misaligned, see tensorOnMapping). Validates the header first (safetensors_header.h).
Result<TensorList> readSafetensors(const QString& path);

} // namespace mwb
