#pragma once

// Internal to core (ATen): tensors that live on a MappedFile, and the dtype names the weight formats
// use for LibTorch scalar types.

#include "weights/mapped_file.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <ATen/core/Tensor.h>

namespace mwb {

// A 1-D or shaped tensor over `byteCount` bytes at `offset` in `file`, without a copy: the tensor's
// deleter holds a reference to the mapping. When the bytes are not aligned to the element size
// (safetensors files from before the 8-byte header padding, legacy torch.save storages), the data
// is copied into a fresh, aligned tensor instead, because LibTorch kernels assume aligned data.
// The caller has checked that offset + byteCount lies inside the file and matches the shape.
at::Tensor tensorOnMapping(const std::shared_ptr<MappedFile>& file,
                           uint64_t offset,
                           const std::vector<int64_t>& shape,
                           at::ScalarType dtype);

std::optional<at::ScalarType> scalarTypeForSafetensorsDtype(std::string_view name);
std::optional<std::string> safetensorsDtypeFor(at::ScalarType type);

} // namespace mwb
