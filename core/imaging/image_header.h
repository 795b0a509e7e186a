#pragma once

// Reads what decoding needs to know before any pixel is allocated: the container format, the pixel
// dimensions (for the decompression-bomb check), the EXIF orientation, and whether a JPEG's entropy-coded
// data ends properly (libjpeg pads a truncated file with grey instead of failing). Pure byte parsing:
// no OpenCV, safe from any thread, never reads outside `bytes`.

#include "error.h"

#include <cstdint>
#include <span>
#include <string>

namespace mwb {

enum class ImageFormat
{
    Jpeg,
    Png,
    Bmp,
    WebP,
    Tiff,
};

const char* imageFormatName(ImageFormat format);

struct ImageHeaderInfo
{
    ImageFormat format = ImageFormat::Png;
    std::int64_t width = 0;
    std::int64_t height = 0;
    int exifOrientation = 1; // 1..8 as in the EXIF Orientation tag; 1 when absent or invalid
    bool truncated = false;  // the data stops before the format's end marker (JPEG only)
    // What the decoder allocates, read from the fields the decoder itself uses (not a trailing chunk
    // it ignores): its largest buffer in pixels (a TIFF tile can be larger than the image) and bytes
    // per pixel of that buffer (all channels, 16-bit samples counted as 2 bytes).
    std::int64_t bufferPixels = 0;
    int bytesPerPixel = 3;
};

// bufferPixels × bytesPerPixel without overflow (saturating at INT64_MAX).
std::int64_t decodedBytes(const ImageHeaderInfo& info);

// Errors (InvalidInput) name `sourceName`: not one of the formats above, or a header that is cut short
// or carries impossible dimensions.
Result<ImageHeaderInfo> probeImageHeader(std::span<const std::uint8_t> bytes, const std::string& sourceName);

// The Orientation tag (0x0112) of IFD0 in a TIFF-structured block (the payload of a JPEG "Exif" APP1
// segment, a PNG eXIf chunk, a WebP EXIF chunk, or a TIFF file). An optional "Exif\0\0" prefix is
// skipped. Returns 1 when the tag is missing or malformed.
int exifOrientationFromTiffBlock(std::span<const std::uint8_t> block);

} // namespace mwb
