#pragma once

// Decoding image files the way the Python tools load them: PIL's Image.open + ImageOps.exif_transpose
// (as transformers' load_image does) + convert("RGB") or convert("L").
//
// - Formats: JPEG, PNG (1..16 bit, palette, alpha), BMP, WebP, TIFF. Anything else is refused.
// - EXIF orientation (JPEG APP1, PNG eXIf, WebP EXIF, TIFF IFD0) is applied like exif_transpose.
//   For TIFF, Pillow 9.4 (Debian 12) already orients the pixels when loading and exif_transpose then
//   applies the tag a second time; OpenCV's TIFF reader orients like Pillow's loader, so applying the
//   tag here once more gives the same pixels as the Python tools (tested).
// - Alpha is dropped, not composited (convert("RGB") ignores it).
// - 16-bit samples become 8-bit as PIL converts them: colour keeps the high byte; grayscale (PIL mode
//   "I") is clipped to 255, so values above 255 turn white — that is what PIL gives Python users.
// - Luma is PIL's convert("L"): L = (19595 R + 38470 G + 7471 B + 32768) >> 16.
// - The pixel count is read from the header first; above `maxPixels` the file is refused (Unsafe)
//   before any pixel buffer is allocated, like PIL's DecompressionBombError.
//
// Free functions, safe from any thread. Errors come back as values whose message starts with the
// source name: InvalidInput for a non-image, corrupt or truncated file; Io when the file can't be read;
// Unsafe for a decompression bomb.

#include "error.h"
#include "imaging/image_buffer.h"

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

namespace mwb {

// PIL's Image.MAX_IMAGE_PIXELS; PIL raises DecompressionBombError above twice this.
inline constexpr std::int64_t kPilMaxImagePixels = 89'478'485;

struct DecodeOptions
{
    int channels = 3; // 3: RGB as convert("RGB"); 1: luma as convert("L")
    std::int64_t maxPixels = 2 * kPilMaxImagePixels;
};

Result<Image8> decodeImage(std::span<const std::uint8_t> bytes,
                           const std::string& sourceName,
                           const DecodeOptions& options = {});

Result<Image8> decodeImageFile(const std::filesystem::path& path, const DecodeOptions& options = {});

// PIL's convert("L") of an RGB image; a 1-channel image is returned unchanged.
Image8 toLuma(const Image8& image);

} // namespace mwb
