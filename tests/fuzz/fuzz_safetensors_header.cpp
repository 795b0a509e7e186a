// The safetensors header: length prefix, JSON (depth and size limits), entries, offsets.
#include "weights/safetensors_header.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    (void)mwb::parseSafetensorsHeader(bytes, "fuzz.safetensors", /*requireLibTorchDtype=*/false);
    return 0;
}
