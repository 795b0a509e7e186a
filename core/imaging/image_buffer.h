#pragma once

// A decoded 8-bit image as the preprocessing code passes it around: row-major, channels interleaved
// (RGB for 3 channels, luma for 1). Plain data, torch- and OpenCV-free, so ui/ and app/ may include it
// (e.g. to show "what the model sees" by wrapping `pixels` in a QImage of Format_RGB888/Grayscale8).

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mwb {

struct Image8
{
    int width = 0;
    int height = 0;
    int channels = 0;                 // 1 (luma) or 3 (RGB)
    std::vector<std::uint8_t> pixels; // height * width * channels bytes, no row padding

    std::size_t rowBytes() const { return static_cast<std::size_t>(width) * channels; }
    const std::uint8_t* row(int y) const { return pixels.data() + rowBytes() * y; }
    std::uint8_t* row(int y) { return pixels.data() + rowBytes() * y; }
};

// A zero-filled image of the given shape.
inline Image8 makeImage8(int width, int height, int channels)
{
    return Image8{width, height, channels,
                  std::vector<std::uint8_t>(static_cast<std::size_t>(width) * height * channels)};
}

} // namespace mwb
