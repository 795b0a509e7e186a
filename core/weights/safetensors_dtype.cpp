#include "weights/safetensors_dtype.h"

#include <array>

namespace mwb {

std::optional<SafetensorsDtype> findSafetensorsDtype(std::string_view name)
{
    // Ranks follow the reference enum: BOOL < F4 < F6 < U8 < I8 < F8* < I16 < U16 < F16 < BF16 < I32 <
    // U32 < F32 < C64 < F64 < I64 < U64.
    static constexpr std::array<SafetensorsDtype, 22> dtypes = {{
        {"BOOL", 8, 0, true},
        {"F4", 4, 1, false},
        {"F6_E2M3", 6, 2, false},
        {"F6_E3M2", 6, 3, false},
        {"U8", 8, 4, true},
        {"I8", 8, 5, true},
        {"F8_E5M2", 8, 6, false},
        {"F8_E4M3", 8, 7, false},
        {"F8_E8M0", 8, 8, false},
        {"F8_E4M3FNUZ", 8, 9, false},
        {"F8_E5M2FNUZ", 8, 10, false},
        {"I16", 16, 11, true},
        {"U16", 16, 12, false},
        {"F16", 16, 13, true},
        {"BF16", 16, 14, true},
        {"I32", 32, 15, true},
        {"U32", 32, 16, false},
        {"F32", 32, 17, true},
        {"C64", 64, 18, true},
        {"F64", 64, 19, true},
        {"I64", 64, 20, true},
        {"U64", 64, 21, false},
    }};
    for (const SafetensorsDtype& dtype : dtypes)
        if (dtype.name == name)
            return dtype;
    return std::nullopt;
}

} // namespace mwb
