#include "imaging/pil_resample.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>

namespace mwb {
namespace {

// Pillow keeps 8-bit convolution sums in int32: 8 bits of pixel, 2 bits of headroom for negative lobes.
constexpr int kPrecisionBits = 32 - 8 - 2;

double sinc(double x)
{
    if (x == 0.0)
        return 1.0;
    x *= std::numbers::pi;
    return std::sin(x) / x;
}

// The filter kernels Pillow defines, with their support radius at scale 1.
double filterSupport(ResampleFilter filter)
{
    switch (filter) {
    case ResampleFilter::Box:
        return 0.5;
    case ResampleFilter::Bilinear:
    case ResampleFilter::Hamming:
        return 1.0;
    case ResampleFilter::Bicubic:
        return 2.0;
    case ResampleFilter::Lanczos:
        return 3.0;
    case ResampleFilter::Nearest:
        break;
    }
    return 0.0;
}

double filterWeight(ResampleFilter filter, double x)
{
    switch (filter) {
    case ResampleFilter::Box:
        return x > -0.5 && x <= 0.5 ? 1.0 : 0.0;
    case ResampleFilter::Bilinear:
        x = std::abs(x);
        return x < 1.0 ? 1.0 - x : 0.0;
    case ResampleFilter::Hamming:
        x = std::abs(x);
        if (x == 0.0)
            return 1.0;
        if (x >= 1.0)
            return 0.0;
        return sinc(x) * (0.54 + 0.46 * std::cos(x * std::numbers::pi));
    case ResampleFilter::Bicubic: { // Keys cubic with a = -0.5
        constexpr double a = -0.5;
        x = std::abs(x);
        if (x < 1.0)
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
        if (x < 2.0)
            return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
        return 0.0;
    }
    case ResampleFilter::Lanczos:
        return x >= -3.0 && x < 3.0 ? sinc(x) * sinc(x / 3.0) : 0.0;
    case ResampleFilter::Nearest:
        break;
    }
    return 0.0;
}

// For each output index in [begin, end) along one axis: the first input index, how many inputs, and
// their fixed-point weights (stride `kernelSize`). Only the requested range is computed, so a crop of a
// huge resize costs only the crop.
struct AxisWeights
{
    int begin = 0;
    int kernelSize = 0;
    std::vector<int> firstInput;
    std::vector<int> inputCount;
    std::vector<std::int32_t> fixedWeights;

    int first(int out) const { return firstInput[out - begin]; }
    int count(int out) const { return inputCount[out - begin]; }
    const std::int32_t* weights(int out) const
    {
        return &fixedWeights[std::size_t(out - begin) * kernelSize];
    }
};

AxisWeights computeAxisWeights(int inSize, int outSize, ResampleFilter filter, int begin, int end)
{
    const double scale = double(inSize) / outSize;
    const double filterScale = std::max(scale, 1.0); // widen the kernel only when shrinking
    const double support = filterSupport(filter) * filterScale;
    AxisWeights axis;
    axis.begin = begin;
    axis.kernelSize = int(std::ceil(support)) * 2 + 1;
    axis.firstInput.resize(end - begin);
    axis.inputCount.resize(end - begin);
    axis.fixedWeights.assign(std::size_t(end - begin) * axis.kernelSize, 0);
    std::vector<double> w(axis.kernelSize);
    for (int out = begin; out < end; ++out) {
        const double center = (out + 0.5) * scale;
        // Truncation toward zero, then clamping, as Pillow computes the window.
        const int lo = std::max(int(center - support + 0.5), 0);
        const int hi = std::min(int(center + support + 0.5), inSize);
        const int n = std::max(hi - lo, 0);
        double total = 0.0;
        for (int i = 0; i < n; ++i) {
            w[i] = filterWeight(filter, (i + lo - center + 0.5) / filterScale);
            total += w[i];
        }
        for (int i = 0; i < n; ++i) {
            const double normalised = total != 0.0 ? w[i] / total : w[i];
            const double fixed = normalised * (1 << kPrecisionBits);
            axis.fixedWeights[std::size_t(out - begin) * axis.kernelSize + i] =
                std::int32_t(fixed < 0 ? fixed - 0.5 : fixed + 0.5); // rounds half away from zero
        }
        axis.firstInput[out - begin] = lo;
        axis.inputCount[out - begin] = n;
    }
    return axis;
}

std::uint8_t clipToByte(std::int32_t sum)
{
    const std::int32_t value = sum >> kPrecisionBits; // arithmetic shift: floor
    return std::uint8_t(std::clamp(value, 0, 255));
}

// Horizontal pass: rows [rowBegin, rowEnd) of `in`, output columns [colBegin, colEnd).
Image8
resampleRows(const Image8& in, const AxisWeights& axis, int rowBegin, int rowEnd, int colBegin, int colEnd)
{
    const int ch = in.channels;
    Image8 out = makeImage8(colEnd - colBegin, rowEnd - rowBegin, ch);
    for (int y = rowBegin; y < rowEnd; ++y) {
        const std::uint8_t* src = in.row(y);
        std::uint8_t* dst = out.row(y - rowBegin);
        for (int x = colBegin; x < colEnd; ++x) {
            const std::int32_t* w = axis.weights(x);
            const std::uint8_t* s = src + std::size_t(axis.first(x)) * ch;
            const int n = axis.count(x);
            for (int c = 0; c < ch; ++c) {
                std::int32_t sum = 1 << (kPrecisionBits - 1);
                for (int i = 0; i < n; ++i)
                    sum += s[i * ch + c] * w[i];
                *dst++ = clipToByte(sum);
            }
        }
    }
    return out;
}

// Vertical pass: output rows [rowBegin, rowEnd); `in` holds source rows from `inFirstRow` on, and
// exactly the output columns.
Image8 resampleColumns(const Image8& in, const AxisWeights& axis, int inFirstRow, int rowBegin, int rowEnd)
{
    const int ch = in.channels;
    const std::size_t rowBytes = in.rowBytes();
    Image8 out = makeImage8(in.width, rowEnd - rowBegin, ch);
    std::vector<std::int32_t> sums(rowBytes);
    for (int y = rowBegin; y < rowEnd; ++y) {
        std::fill(sums.begin(), sums.end(), 1 << (kPrecisionBits - 1));
        const std::int32_t* w = axis.weights(y);
        for (int i = 0; i < axis.count(y); ++i) {
            const std::uint8_t* src = in.row(axis.first(y) + i - inFirstRow);
            for (std::size_t b = 0; b < rowBytes; ++b)
                sums[b] += src[b] * w[i];
        }
        std::uint8_t* dst = out.row(y - rowBegin);
        for (std::size_t b = 0; b < rowBytes; ++b)
            dst[b] = clipToByte(sums[b]);
    }
    return out;
}

Image8 copyRegion(const Image8& in, PixelRect r)
{
    Image8 out = makeImage8(r.width, r.height, in.channels);
    for (int y = 0; y < r.height; ++y)
        std::copy_n(in.row(r.y + y) + std::size_t(r.x) * in.channels, out.rowBytes(), out.row(y));
    return out;
}

// Pillow's NEAREST resize is an affine transform sampling at pixel centres; positions are accumulated
// step by step in double precision, which decides ties the same way Pillow does.
std::vector<int> nearestIndices(int inSize, int outSize)
{
    const double step = double(inSize) / outSize;
    std::vector<int> index(outSize);
    double position = step * 0.5;
    for (int i = 0; i < outSize; ++i, position += step)
        index[i] = std::min(int(position), inSize - 1);
    return index;
}

Image8 resizeNearest(const Image8& in, int outWidth, int outHeight, PixelRect r)
{
    const std::vector<int> xs = nearestIndices(in.width, outWidth);
    const std::vector<int> ys = nearestIndices(in.height, outHeight);
    const int ch = in.channels;
    Image8 out = makeImage8(r.width, r.height, ch);
    for (int y = 0; y < r.height; ++y) {
        const std::uint8_t* src = in.row(ys[r.y + y]);
        std::uint8_t* dst = out.row(y);
        for (int x = 0; x < r.width; ++x)
            std::copy_n(src + std::size_t(xs[r.x + x]) * ch, ch, dst + std::size_t(x) * ch);
    }
    return out;
}

} // namespace

const char* resampleFilterName(ResampleFilter filter)
{
    switch (filter) {
    case ResampleFilter::Nearest:
        return "nearest";
    case ResampleFilter::Lanczos:
        return "lanczos";
    case ResampleFilter::Bilinear:
        return "bilinear";
    case ResampleFilter::Bicubic:
        return "bicubic";
    case ResampleFilter::Box:
        return "box";
    case ResampleFilter::Hamming:
        return "hamming";
    }
    return "unknown";
}

Image8 resizeRegionLikePil(
    const Image8& source, int outWidth, int outHeight, ResampleFilter filter, PixelRect region)
{
    const bool horizontal = outWidth != source.width;
    const bool vertical = outHeight != source.height;
    if (!horizontal && !vertical)
        return copyRegion(source, region);
    if (filter == ResampleFilter::Nearest)
        return resizeNearest(source, outWidth, outHeight, region);

    const int rowBegin = region.y;
    const int rowEnd = region.y + region.height;
    const int colBegin = region.x;
    const int colEnd = region.x + region.width;
    if (!vertical) {
        const AxisWeights xAxis = computeAxisWeights(source.width, outWidth, filter, colBegin, colEnd);
        return resampleRows(source, xAxis, rowBegin, rowEnd, colBegin, colEnd);
    }
    const AxisWeights yAxis = computeAxisWeights(source.height, outHeight, filter, rowBegin, rowEnd);
    if (!horizontal) {
        const Image8 columns = copyRegion(source, {colBegin, 0, region.width, source.height});
        return resampleColumns(columns, yAxis, 0, rowBegin, rowEnd);
    }
    // Source rows the vertical pass will read for the requested output rows.
    const int firstRow = yAxis.first(rowBegin);
    int lastRow = firstRow;
    for (int y = rowBegin; y < rowEnd; ++y)
        lastRow = std::max(lastRow, yAxis.first(y) + yAxis.count(y));
    const AxisWeights xAxis = computeAxisWeights(source.width, outWidth, filter, colBegin, colEnd);
    const Image8 rows = resampleRows(source, xAxis, firstRow, lastRow, colBegin, colEnd);
    return resampleColumns(rows, yAxis, firstRow, rowBegin, rowEnd);
}

Image8 resizeLikePil(const Image8& source, int outWidth, int outHeight, ResampleFilter filter)
{
    return resizeRegionLikePil(source, outWidth, outHeight, filter, {0, 0, outWidth, outHeight});
}

} // namespace mwb
