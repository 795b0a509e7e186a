#pragma once

// Resampling that reproduces Pillow's Image.resize (libImaging/Resample.c, 8-bit path) for Image8:
// a separable convolution whose support widens by the scale factor when shrinking (so it antialiases),
// coefficients normalised per output pixel and rounded to fixed point with 22 fractional bits, the
// horizontal pass first (rounded and clipped to uint8) and then the vertical pass. A pass whose size
// does not change is skipped, as in Pillow. Nearest follows Pillow's affine nearest-neighbour path.
// OpenCV's resize does not antialias, so it cannot stand in for this.
//
// Pure functions, safe from any thread. Sizes must be positive (checked by callers).

#include "imaging/image_buffer.h"

namespace mwb {

// Values are PIL's resample codes (PIL.Image.Resampling), as stored in preprocessor_config.json.
enum class ResampleFilter
{
    Nearest = 0,
    Lanczos = 1,
    Bilinear = 2,
    Bicubic = 3,
    Box = 4,
    Hamming = 5,
};

const char* resampleFilterName(ResampleFilter filter);

// A rectangle in output pixel coordinates.
struct PixelRect
{
    int x = 0;
    int y = 0;
    int width = 0;
    int height = 0;
};

// Pillow's image.resize((outWidth, outHeight), filter).
Image8 resizeLikePil(const Image8& source, int outWidth, int outHeight, ResampleFilter filter);

// Only `region` (which must lie inside outWidth × outHeight) of that same resize, bit-identical to
// cropping the full result: each output pixel depends only on its own row and column weights. Saves
// the work for pixels a center crop would throw away.
Image8 resizeRegionLikePil(
    const Image8& source, int outWidth, int outHeight, ResampleFilter filter, PixelRect region);

} // namespace mwb
