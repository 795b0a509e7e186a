#pragma once

// Internal to core (includes ATen): the in-memory form of a weight file, an ordered list of named
// tensors. Readers fill it in file order; writers sort it as their format requires.

#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

namespace mwb {

struct NamedTensor
{
    std::string name;
    at::Tensor tensor;
};

using TensorList = std::vector<NamedTensor>;

} // namespace mwb
