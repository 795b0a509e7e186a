#include "imaging/image_decode.h"

#include "imaging/image_header.h"
#include "imaging/png_decode.h"
#include "input_limits.h"
#include "util/input_file.h"

#include <cstdint>

#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgcodecs.hpp>

namespace mwb {
namespace {

// ImageOps.exif_transpose: 2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 90° clockwise,
// 7 transverse, 8 rotate 90° counter-clockwise.
cv::Mat applyExifOrientation(const cv::Mat& image, int orientation)
{
    cv::Mat out;
    switch (orientation) {
    case 2:
        cv::flip(image, out, 1);
        return out;
    case 3:
        cv::rotate(image, out, cv::ROTATE_180);
        return out;
    case 4:
        cv::flip(image, out, 0);
        return out;
    case 5:
        cv::transpose(image, out);
        return out;
    case 6:
        cv::rotate(image, out, cv::ROTATE_90_CLOCKWISE);
        return out;
    case 7:
        cv::transpose(image, out);
        cv::rotate(out, out, cv::ROTATE_180);
        return out;
    case 8:
        cv::rotate(image, out, cv::ROTATE_90_COUNTERCLOCKWISE);
        return out;
    default:
        return image;
    }
}

// PIL's 16 → 8 bit rules when converting to RGB or L (see the header).
std::uint8_t sampleTo8Bit(std::uint16_t value, bool grayscale)
{
    if (grayscale)
        return value > 255 ? 255 : std::uint8_t(value);
    return std::uint8_t(value >> 8);
}

template <typename Sample> Image8 toRgb(const cv::Mat& decoded)
{
    const int cn = decoded.channels();
    const bool grayscale = cn <= 2; // 2: gray + alpha
    Image8 out = makeImage8(decoded.cols, decoded.rows, 3);
    for (int y = 0; y < decoded.rows; ++y) {
        const Sample* in = decoded.ptr<Sample>(y);
        std::uint8_t* px = out.row(y);
        for (int x = 0; x < decoded.cols; ++x, in += cn, px += 3) {
            auto to8 = [&](Sample v) {
                return sizeof(Sample) == 1 ? std::uint8_t(v) : sampleTo8Bit(std::uint16_t(v), grayscale);
            };
            if (grayscale) {
                px[0] = px[1] = px[2] = to8(in[0]);
            } else { // OpenCV's order is BGR(A)
                px[0] = to8(in[2]);
                px[1] = to8(in[1]);
                px[2] = to8(in[0]);
            }
        }
    }
    return out;
}

Result<Image8> matToImage8(const cv::Mat& decoded, const std::string& sourceName, int channels)
{
    Image8 rgb;
    if (decoded.depth() == CV_8U)
        rgb = toRgb<std::uint8_t>(decoded);
    else if (decoded.depth() == CV_16U)
        rgb = toRgb<std::uint16_t>(decoded);
    else
        return fail(ErrorKind::InvalidInput, sourceName + ": unsupported sample format (only 8- and "
                                                          "16-bit integer images are read)");
    // Gray replicated to RGB gives back the same gray under PIL's luma weights (they sum to 65536).
    return channels == 1 ? toLuma(rgb) : rgb;
}

cv::Mat decodeWithOpenCv(std::span<const std::uint8_t> bytes)
{
    // IMREAD_UNCHANGED keeps 16-bit samples and alpha and does not apply EXIF orientation (OpenCV skips
    // orientation for exactly this flag value), so both are handled here as PIL handles them.
    // OpenCV's own warnings (an unreadable header, ...) would go to stderr; errors come back as values.
    static const bool quiet = [] {
        cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
        return true;
    }();
    (void)quiet;
    const cv::Mat buffer(1, int(bytes.size()), CV_8UC1, const_cast<std::uint8_t*>(bytes.data()));
    return cv::imdecode(buffer, cv::IMREAD_UNCHANGED);
}

} // namespace

Image8 toLuma(const Image8& image)
{
    if (image.channels == 1)
        return image;
    Image8 out = makeImage8(image.width, image.height, 1);
    const std::size_t count = std::size_t(image.width) * image.height;
    const std::uint8_t* in = image.pixels.data();
    for (std::size_t i = 0; i < count; ++i, in += image.channels)
        out.pixels[i] = std::uint8_t((19595u * in[0] + 38470u * in[1] + 7471u * in[2] + 0x8000u) >> 16);
    return out;
}

Result<Image8>
decodeImage(std::span<const std::uint8_t> bytes, const std::string& sourceName, const DecodeOptions& options)
{
    if (options.channels != 1 && options.channels != 3)
        return fail(ErrorKind::InvalidInput, sourceName + ": images can be read with 1 or 3 channels, not " +
                                                 std::to_string(options.channels));
    const auto header = probeImageHeader(bytes, sourceName);
    if (!header)
        return std::unexpected(header.error());
    const char* format = imageFormatName(header->format);
    std::int64_t pixels = 0;
    if (__builtin_mul_overflow(header->width, header->height, &pixels))
        pixels = INT64_MAX;
    if (pixels > options.maxPixels)
        return fail(ErrorKind::Unsafe, sourceName + ": image size " + std::to_string(header->width) + "x" +
                                           std::to_string(header->height) + " (" + std::to_string(pixels) +
                                           " pixels) exceeds the limit of " +
                                           std::to_string(options.maxPixels) +
                                           " pixels; refused as a possible decompression bomb");
    // What the decoder will allocate (a TIFF tile, 16-bit RGBA samples), not just what the size claims.
    if (const std::int64_t decoded = decodedBytes(*header);
        std::uint64_t(decoded) > limits::kImageDecodedBytes.value)
        return fail(ErrorKind::Unsafe,
                    sourceName + ": decoding this " + format + " would allocate " + std::to_string(decoded) +
                        " bytes: " + exceedsLimit(limits::kImageDecodedBytes, std::uint64_t(decoded)) +
                        "; refused as a possible decompression bomb");
    if (header->bufferPixels > options.maxPixels)
        return fail(ErrorKind::Unsafe,
                    sourceName + ": the " + format + " decoder would allocate " +
                        std::to_string(header->bufferPixels) +
                        " pixels at once (a tile larger than the image), above the limit of " +
                        std::to_string(options.maxPixels) +
                        " pixels; refused as a possible decompression bomb");
    if (header->truncated)
        return fail(ErrorKind::InvalidInput, sourceName + ": truncated " + format + " data");
    cv::Mat decoded;
    PngPixels png; // owns the samples `decoded` points at, for PNG
    try {
        if (header->format == ImageFormat::Png) {
            auto read = decodePng(bytes, sourceName);
            if (!read)
                return std::unexpected(read.error());
            png = std::move(*read);
            decoded = cv::Mat(png.height, png.width,
                              CV_MAKETYPE(png.bytesPerSample == 2 ? CV_16U : CV_8U, png.channels),
                              png.samples.data());
        } else {
            decoded = decodeWithOpenCv(bytes);
        }
    } catch (const cv::Exception& e) {
        return fail(ErrorKind::InvalidInput, sourceName + ": cannot decode " + format + ": " + e.what());
    }
    if (decoded.empty())
        return fail(ErrorKind::InvalidInput, sourceName + ": corrupt or truncated " + format + " data");
    // libtiff (under both OpenCV and Pillow) already orients TIFF pixels, swapping the sides for 5..8.
    const bool swapped = header->format == ImageFormat::Tiff && header->exifOrientation >= 5;
    if (decoded.cols != (swapped ? header->height : header->width) ||
        decoded.rows != (swapped ? header->width : header->height))
        return fail(ErrorKind::InvalidInput,
                    sourceName + ": decoded size does not match the " + format + " header");
    return matToImage8(applyExifOrientation(decoded, header->exifOrientation), sourceName, options.channels);
}

Result<Image8> decodeImageFile(const std::filesystem::path& path, const DecodeOptions& options)
{
    // Regular files only (a FIFO or /dev/zero would block or never end), and bounded in size.
    auto bytes = readRegularFile(QString::fromStdString(path.string()), limits::kImageFileBytes);
    if (!bytes)
        return std::unexpected(bytes.error());
    const auto* data = reinterpret_cast<const std::uint8_t*>(bytes->constData());
    return decodeImage(std::span<const std::uint8_t>(data, std::size_t(bytes->size())), path.string(),
                       options);
}

} // namespace mwb
