#include "weights/mapped_tensor.h"

#include <array>
#include <bit>
#include <cstring>

#include <ATen/ops/empty.h>
#include <ATen/ops/from_blob.h>

namespace mwb {

static_assert(std::endian::native == std::endian::little, "weight files are little-endian");

at::Tensor tensorOnMapping(const std::shared_ptr<MappedFile>& file,
                           uint64_t offset,
                           const std::vector<int64_t>& shape,
                           at::ScalarType dtype)
{
    std::byte* data = file->mutableData() + offset;
    const auto options = at::TensorOptions().dtype(dtype).device(at::kCPU);
    if (reinterpret_cast<uintptr_t>(data) % c10::elementSize(dtype) == 0)
        return at::from_blob(
            data, shape, [keepAlive = file](void*) {}, options);
    at::Tensor copy = at::empty(shape, options);
    if (copy.nbytes() > 0)
        std::memcpy(copy.data_ptr(), data, copy.nbytes());
    return copy;
}

namespace {

struct DtypeName
{
    std::string_view name;
    at::ScalarType type;
};

constexpr std::array<DtypeName, 11> kDtypeNames = {{
    {"BOOL", at::kBool},
    {"U8", at::kByte},
    {"I8", at::kChar},
    {"I16", at::kShort},
    {"F16", at::kHalf},
    {"BF16", at::kBFloat16},
    {"I32", at::kInt},
    {"F32", at::kFloat},
    {"C64", at::kComplexFloat},
    {"F64", at::kDouble},
    {"I64", at::kLong},
}};

} // namespace

std::optional<at::ScalarType> scalarTypeForSafetensorsDtype(std::string_view name)
{
    for (const DtypeName& entry : kDtypeNames)
        if (entry.name == name)
            return entry.type;
    return std::nullopt;
}

std::optional<std::string> safetensorsDtypeFor(at::ScalarType type)
{
    for (const DtypeName& entry : kDtypeNames)
        if (entry.type == type)
            return std::string(entry.name);
    return std::nullopt;
}

} // namespace mwb
