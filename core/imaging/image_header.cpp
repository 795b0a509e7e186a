#include "imaging/image_header.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>

namespace mwb {
namespace {

using Bytes = std::span<const std::uint8_t>;

std::uint32_t readBigEndian(Bytes b, std::size_t at, int count)
{
    std::uint32_t value = 0;
    for (int i = 0; i < count; ++i)
        value = (value << 8) | b[at + i];
    return value;
}

std::uint32_t readLittleEndian(Bytes b, std::size_t at, int count)
{
    std::uint32_t value = 0;
    for (int i = count - 1; i >= 0; --i)
        value = (value << 8) | b[at + i];
    return value;
}

bool startsWith(Bytes b, std::size_t at, const char* magic, std::size_t length)
{
    return b.size() >= at + length && std::memcmp(b.data() + at, magic, length) == 0;
}

// A TIFF structure: byte order from "II"/"MM", IFD0 entries looked up by tag.
class TiffReader
{
public:
    explicit TiffReader(Bytes block) : m_block(block)
    {
        if (startsWith(block, 0, "II*\0", 4))
            m_littleEndian = true;
        else if (startsWith(block, 0, "MM\0*", 4))
            m_littleEndian = false;
        else
            return;
        m_ifd0 = read(4, 4);
        m_valid = m_ifd0 >= 8 && m_ifd0 + 2 <= block.size();
    }

    bool valid() const { return m_valid; }

    // The first value of a SHORT or LONG entry of IFD0.
    std::optional<std::uint32_t> tagValue(std::uint16_t tag) const
    {
        if (!m_valid)
            return std::nullopt;
        const std::uint32_t count = read(m_ifd0, 2);
        for (std::uint32_t i = 0; i < count; ++i) {
            const std::size_t entry = m_ifd0 + 2 + std::size_t(i) * 12;
            if (entry + 12 > m_block.size())
                break;
            if (read(entry, 2) != tag)
                continue;
            const std::uint32_t type = read(entry + 2, 2);
            if (type == 3) // SHORT, stored in the first two bytes of the value field
                return read(entry + 8, 2);
            if (type == 4) // LONG
                return read(entry + 8, 4);
            return std::nullopt;
        }
        return std::nullopt;
    }

private:
    std::uint32_t read(std::size_t at, int count) const
    {
        if (at + count > m_block.size())
            return 0;
        return m_littleEndian ? readLittleEndian(m_block, at, count) : readBigEndian(m_block, at, count);
    }

    Bytes m_block;
    bool m_littleEndian = true;
    bool m_valid = false;
    std::uint32_t m_ifd0 = 0;
};

std::int64_t saturatingProduct(std::int64_t a, std::int64_t b)
{
    std::int64_t product = 0;
    return __builtin_mul_overflow(a, b, &product) ? INT64_MAX : product;
}

Result<ImageHeaderInfo> truncatedHeader(const std::string& name, ImageFormat format)
{
    return fail(ErrorKind::InvalidInput,
                name + ": truncated or corrupt " + imageFormatName(format) + " header");
}

bool isJpegStartOfFrame(std::uint8_t marker)
{
    return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

// EOI (FF D9) can only appear as a marker after the first scan: entropy-coded data stuffs every FF.
bool hasEndOfImage(Bytes b, std::size_t from)
{
    for (std::size_t i = from; i + 1 < b.size(); ++i)
        if (b[i] == 0xFF && b[i + 1] == 0xD9)
            return true;
    return false;
}

Result<ImageHeaderInfo> probeJpeg(Bytes b, const std::string& name)
{
    ImageHeaderInfo info{.format = ImageFormat::Jpeg};
    bool haveFrame = false;
    bool haveExif = false;
    // Once the frame size is known, a header cut short is reported as truncated data, so that the
    // caller still applies the pixel limit first.
    const auto endOfData = [&]() -> Result<ImageHeaderInfo> {
        if (!haveFrame)
            return truncatedHeader(name, info.format);
        info.truncated = true;
        return info;
    };
    std::size_t at = 2;
    while (at + 4 <= b.size()) {
        if (b[at] != 0xFF)
            return endOfData();
        const std::uint8_t marker = b[at + 1];
        if (marker == 0xFF) { // fill byte
            ++at;
            continue;
        }
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD9)) {
            at += 2;
            continue;
        }
        const std::size_t length = readBigEndian(b, at + 2, 2);
        if (length < 2 || at + 2 + length > b.size())
            return endOfData();
        const Bytes segment = b.subspan(at + 4, length - 2);
        if (marker == 0xE1 && !haveExif && startsWith(segment, 0, "Exif\0\0", 6)) {
            info.exifOrientation = exifOrientationFromTiffBlock(segment);
            haveExif = true;
        } else if (isJpegStartOfFrame(marker) && !haveFrame) {
            if (segment.size() < 5)
                return truncatedHeader(name, info.format);
            info.height = readBigEndian(segment, 1, 2);
            info.width = readBigEndian(segment, 3, 2);
            haveFrame = true;
        } else if (marker == 0xDA) { // start of scan: the header is over
            if (!haveFrame)
                return truncatedHeader(name, info.format);
            info.truncated = !hasEndOfImage(b, at + 2 + length);
            return info;
        }
        at += 2 + length;
    }
    return endOfData();
}

Result<ImageHeaderInfo> probePng(Bytes b, const std::string& name)
{
    ImageHeaderInfo info{.format = ImageFormat::Png};
    if (b.size() < 24 || !startsWith(b, 12, "IHDR", 4))
        return truncatedHeader(name, info.format);
    info.width = readBigEndian(b, 16, 4);
    info.height = readBigEndian(b, 20, 4);
    if (b.size() >= 26) {
        // IHDR bit depth and colour type: OpenCV keeps 16-bit samples and alpha (IMREAD_UNCHANGED).
        const int bytesPerSample = b[24] == 16 ? 2 : 1;
        const int channels = b[25] == 0 ? 1 : b[25] == 4 ? 2 : b[25] == 6 ? 4 : 3;
        info.bytesPerPixel = channels * bytesPerSample;
    }
    // PIL finds an eXIf chunk wherever it is (it loads the image to look past IDAT).
    for (std::size_t at = 8; at + 12 <= b.size();) {
        const std::size_t length = readBigEndian(b, at, 4);
        if (length > b.size() - at - 12)
            break;
        if (startsWith(b, at + 4, "eXIf", 4)) {
            info.exifOrientation = exifOrientationFromTiffBlock(b.subspan(at + 8, length));
            break;
        }
        at += 12 + length;
    }
    return info;
}

Result<ImageHeaderInfo> probeBmp(Bytes b, const std::string& name)
{
    ImageHeaderInfo info{.format = ImageFormat::Bmp, .bytesPerPixel = 4};
    if (b.size() < 26)
        return truncatedHeader(name, info.format);
    const std::uint32_t dibSize = readLittleEndian(b, 14, 4);
    if (dibSize == 12) { // OS/2 BITMAPCOREHEADER: 16-bit dimensions
        info.width = readLittleEndian(b, 18, 2);
        info.height = readLittleEndian(b, 20, 2);
    } else {
        info.width = static_cast<std::int32_t>(readLittleEndian(b, 18, 4));
        const auto height = static_cast<std::int32_t>(readLittleEndian(b, 22, 4));
        info.height = height < 0 ? -std::int64_t(height) : height; // negative: stored top-down
    }
    return info;
}

Result<ImageHeaderInfo> probeWebP(Bytes b, const std::string& name)
{
    ImageHeaderInfo info{.format = ImageFormat::WebP, .bytesPerPixel = 4};
    bool haveSize = false;
    // libwebp takes the size from the first chunk (VP8X's canvas, or the bitstream of a simple file)
    // and ignores any later one, so only the first chunk may give the size.
    for (std::size_t at = 12; at + 8 <= b.size();) {
        const std::size_t length = readLittleEndian(b, at + 4, 4);
        if (length > b.size() - at - 8)
            break;
        const Bytes chunk = b.subspan(at + 8, length);
        if (at != 12) {
            // only EXIF is read from later chunks
        } else if (startsWith(b, at, "VP8X", 4) && chunk.size() >= 10) {
            info.width = std::int64_t(readLittleEndian(chunk, 4, 3)) + 1;
            info.height = std::int64_t(readLittleEndian(chunk, 7, 3)) + 1;
            haveSize = true;
        } else if (startsWith(b, at, "VP8 ", 4) && !haveSize && chunk.size() >= 10) {
            info.width = readLittleEndian(chunk, 6, 2) & 0x3FFF;
            info.height = readLittleEndian(chunk, 8, 2) & 0x3FFF;
            haveSize = true;
        } else if (startsWith(b, at, "VP8L", 4) && !haveSize && chunk.size() >= 5) {
            const std::uint32_t bits = readLittleEndian(chunk, 1, 4);
            info.width = std::int64_t(bits & 0x3FFF) + 1;
            info.height = std::int64_t((bits >> 14) & 0x3FFF) + 1;
            haveSize = true;
        }
        if (startsWith(b, at, "EXIF", 4)) {
            info.exifOrientation = exifOrientationFromTiffBlock(chunk);
        }
        at += 8 + length + (length & 1); // chunks are padded to even sizes
    }
    if (!haveSize)
        return truncatedHeader(name, info.format);
    return info;
}

Result<ImageHeaderInfo> probeTiff(Bytes b, const std::string& name)
{
    ImageHeaderInfo info{.format = ImageFormat::Tiff};
    const TiffReader tiff(b);
    const auto width = tiff.tagValue(256);
    const auto height = tiff.tagValue(257);
    if (!width || !height)
        return truncatedHeader(name, info.format);
    info.width = *width;
    info.height = *height;
    info.exifOrientation = exifOrientationFromTiffBlock(b);
    // libtiff decodes tile by tile (or strip by strip) into buffers of the tile's size, whatever the
    // image size; OpenCV reads them as RGBA when it cannot read the samples directly.
    const std::int64_t tileWidth = tiff.tagValue(322).value_or(0),
                       tileLength = tiff.tagValue(323).value_or(0);
    const std::int64_t rows = std::min<std::int64_t>(tiff.tagValue(278).value_or(*height), *height);
    const std::int64_t samples = std::max<std::int64_t>(tiff.tagValue(277).value_or(1), 4);
    const std::int64_t bits = std::max<std::int64_t>(tiff.tagValue(258).value_or(8), 8);
    info.bufferPixels =
        std::max({saturatingProduct(info.width, info.height), saturatingProduct(tileWidth, tileLength),
                  saturatingProduct(info.width, rows)});
    info.bytesPerPixel = int(std::min<std::int64_t>(samples * ((bits + 7) / 8), 1 << 16));
    return info;
}

} // namespace

std::int64_t decodedBytes(const ImageHeaderInfo& info)
{
    std::int64_t bytes = 0;
    if (__builtin_mul_overflow(info.bufferPixels, std::int64_t(info.bytesPerPixel), &bytes))
        return INT64_MAX;
    return bytes;
}

const char* imageFormatName(ImageFormat format)
{
    switch (format) {
    case ImageFormat::Jpeg:
        return "JPEG";
    case ImageFormat::Png:
        return "PNG";
    case ImageFormat::Bmp:
        return "BMP";
    case ImageFormat::WebP:
        return "WebP";
    case ImageFormat::Tiff:
        return "TIFF";
    }
    return "image";
}

int exifOrientationFromTiffBlock(Bytes block)
{
    if (startsWith(block, 0, "Exif\0\0", 6))
        block = block.subspan(6);
    const auto orientation = TiffReader(block).tagValue(0x0112);
    return orientation && *orientation >= 1 && *orientation <= 8 ? int(*orientation) : 1;
}

Result<ImageHeaderInfo> probeImageHeader(Bytes bytes, const std::string& sourceName)
{
    Result<ImageHeaderInfo> info = fail(ErrorKind::InvalidInput, "");
    if (startsWith(bytes, 0, "\xFF\xD8\xFF", 3))
        info = probeJpeg(bytes, sourceName);
    else if (startsWith(bytes, 0, "\x89PNG\r\n\x1A\n", 8))
        info = probePng(bytes, sourceName);
    else if (startsWith(bytes, 0, "BM", 2))
        info = probeBmp(bytes, sourceName);
    else if (startsWith(bytes, 0, "RIFF", 4) && startsWith(bytes, 8, "WEBP", 4))
        info = probeWebP(bytes, sourceName);
    else if (startsWith(bytes, 0, "II*\0", 4) || startsWith(bytes, 0, "MM\0*", 4))
        info = probeTiff(bytes, sourceName);
    else
        return fail(ErrorKind::InvalidInput,
                    sourceName + ": not an image in a supported format (JPEG, PNG, BMP, WebP, TIFF)");
    if (info && (info->width <= 0 || info->height <= 0))
        return fail(ErrorKind::InvalidInput,
                    sourceName + ": " + imageFormatName(info->format) + " header gives an empty image size");
    // Sides are at most 2^32 - 1 here, so their product fits in 64 bits unsigned.
    if (info) {
        const std::uint64_t pixels = std::uint64_t(info->width) * std::uint64_t(info->height);
        const std::int64_t framePixels = pixels > std::uint64_t(INT64_MAX) ? INT64_MAX : std::int64_t(pixels);
        info->bufferPixels = std::max(info->bufferPixels, framePixels);
    }
    return info;
}

} // namespace mwb
