#include "imaging/png_decode.h"

#include <csetjmp>
#include <cstring>
#include <new>
#include <png.h>
#include <string>

namespace mwb {
namespace {

struct ReadState
{
    std::span<const std::uint8_t> bytes;
    std::size_t at = 0;
    char error[256] = {}; // libpng's message; a plain array, as nothing may be destroyed by longjmp
};

void onError(png_structp png, png_const_charp message)
{
    auto* state = static_cast<ReadState*>(png_get_error_ptr(png));
    std::strncpy(state->error, message, sizeof state->error - 1);
    png_longjmp(png, 1);
}

void onWarning(png_structp, png_const_charp)
{
    // Dropped: the warnings concern chunks whose data is not used (iCCP, tEXt, sBIT, ...).
}

void onRead(png_structp png, png_bytep out, png_size_t length)
{
    auto* state = static_cast<ReadState*>(png_get_io_ptr(png));
    if (length > state->bytes.size() - state->at)
        png_error(png, "truncated data");
    std::memcpy(out, state->bytes.data() + state->at, length);
    state->at += length;
}

// Everything between setjmp and a longjmp is plain data owned by the caller, so a jump skips no
// destructor: `out` and `rows` are sized before the setjmp and only written after it.
bool readInto(png_structp png, png_infop info, PngPixels& out, std::vector<png_bytep>& rows)
{
    if (setjmp(png_jmpbuf(png)))
        return false;
    png_read_info(png, info);
    const int colour = png_get_color_type(png, info);
    const int depth = png_get_bit_depth(png, info);
    const bool trns = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
    // OpenCV's choice of channels (grfmt_png.cpp, readHeader).
    int channels = 1;
    if (colour == PNG_COLOR_TYPE_RGB || colour == PNG_COLOR_TYPE_PALETTE)
        channels = trns ? 4 : 3;
    else if (colour == PNG_COLOR_TYPE_GRAY_ALPHA || colour == PNG_COLOR_TYPE_RGB_ALPHA)
        channels = 4;
    // ... and its transformations (readData).
    if (depth == 16) {
        const int one = 1;
        if (*reinterpret_cast<const char*>(&one) == 1)
            png_set_swap(png);
    }
    if (channels < 4)
        png_set_strip_alpha(png);
    else
        png_set_tRNS_to_alpha(png);
    if (colour == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png);
    if ((colour & PNG_COLOR_MASK_COLOR) == 0 && depth < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    if ((colour & PNG_COLOR_MASK_COLOR) && channels > 1)
        png_set_bgr(png);
    else if (channels > 1)
        png_set_gray_to_rgb(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    out.width = int(png_get_image_width(png, info));
    out.height = int(png_get_image_height(png, info));
    out.channels = channels;
    out.bytesPerSample = depth == 16 ? 2 : 1;
    const std::size_t rowBytes = std::size_t(out.width) * channels * out.bytesPerSample;
    if (png_get_rowbytes(png, info) != rowBytes)
        png_error(png, "unexpected row size after the transformations");
    out.samples.resize(rowBytes * std::size_t(out.height));
    rows.resize(std::size_t(out.height));
    for (std::size_t y = 0; y < rows.size(); ++y)
        rows[y] = out.samples.data() + y * rowBytes;
    png_read_image(png, rows.data());
    png_read_end(png, nullptr);
    return true;
}

} // namespace

Result<PngPixels> decodePng(std::span<const std::uint8_t> bytes, const std::string& sourceName)
{
    ReadState state{bytes};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, onError, onWarning);
    if (!png)
        return fail(ErrorKind::Io, sourceName + ": cannot decode PNG: out of memory");
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, nullptr, nullptr);
        return fail(ErrorKind::Io, sourceName + ": cannot decode PNG: out of memory");
    }
    png_set_read_fn(png, &state, onRead);
    PngPixels out;
    std::vector<png_bytep> rows;
    bool ok = false;
    try {
        ok = readInto(png, info, out, rows);
    } catch (const std::bad_alloc&) { // the pixel buffer (its size passed the caller's limits)
        std::strncpy(state.error, "out of memory", sizeof state.error - 1);
    }
    png_destroy_read_struct(&png, &info, nullptr);
    if (!ok)
        return fail(ErrorKind::InvalidInput, sourceName + ": cannot decode PNG: " + std::string(state.error));
    return out;
}

} // namespace mwb
