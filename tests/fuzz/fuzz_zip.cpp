// The zip central directory and the torch.save structure read from it (no LibTorch involved).
#include "weights/torch_checkpoint.h"
#include "weights/zip_archive.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    (void)mwb::readZipDirectory(bytes, "fuzz.pt");
    (void)mwb::scanTorchLoadPickles(bytes, "fuzz.pt");
    (void)mwb::readTorchCheckpoint(bytes, "fuzz.pt");
    return 0;
}
