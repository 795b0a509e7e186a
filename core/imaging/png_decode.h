#pragma once

// PNG decoding through libpng with our own error and warning handlers. OpenCV's PNG reader leaves
// libpng's defaults, which print "libpng warning: iCCP: ..." or "libpng error: IDAT: CRC error" to
// stderr; here warnings are dropped (none changes the pixels we keep) and an error becomes the
// decode's one-line reason.
//
// The samples come out as OpenCV's imdecode(IMREAD_UNCHANGED) gives them, so the rest of
// image_decode.cpp treats both alike: palette expanded to colour; gray below 8 bits expanded to 8;
// 16-bit samples kept (native byte order); colour in BGR order; 4 channels (BGRA) when the file has
// alpha or a tRNS chunk, except plain gray, whose tRNS is ignored; gray + alpha becomes BGRA.
// Reentrant, any thread. The caller has checked the header's size against its limits.

#include "error.h"

#include <cstdint>
#include <span>
#include <vector>

namespace mwb {

struct PngPixels
{
    int width = 0, height = 0;
    int channels = 0;                  // 1, 3 or 4
    int bytesPerSample = 1;            // 1 or 2
    std::vector<std::uint8_t> samples; // rows of width * channels * bytesPerSample bytes, no padding
};

// `sourceName` starts the error message ("photo.png: cannot decode PNG: IDAT: CRC error").
Result<PngPixels> decodePng(std::span<const std::uint8_t> bytes, const std::string& sourceName);

} // namespace mwb
