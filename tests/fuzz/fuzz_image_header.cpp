// Image header probing (JPEG, PNG, BMP, WebP, TIFF, EXIF) and the decoder-allocation estimate.
#include "imaging/image_header.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const auto info = mwb::probeImageHeader(std::span<const std::uint8_t>(data, size), "fuzz.img");
    if (info)
        (void)mwb::decodedBytes(*info);
    (void)mwb::exifOrientationFromTiffBlock(std::span<const std::uint8_t>(data, size));
    return 0;
}
