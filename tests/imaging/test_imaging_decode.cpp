// Decoding: every supported format gives the pixels PIL gives after exif_transpose + convert("RGB"/"L");
// broken files and decompression bombs are refused with an error naming the file.

#include "imaging/image_decode.h"
#include "imaging/image_header.h"
#include "imaging_fixtures.h"

#include <fstream>
#include <sys/resource.h>

#include <QTest>

using namespace imaging_fixtures;

namespace {

// Current virtual memory size of this process, from /proc.
rlim_t currentVirtualMemoryBytes()
{
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmSize:", 0) == 0)
            return rlim_t(std::stoull(line.substr(7))) * 1024;
    return 0;
}

} // namespace

class TestImagingDecode final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY2(manifest().contains("decode"), "fixture manifest.json missing"); }

    void decodedPixelsMatchPil_data()
    {
        QTest::addColumn<QString>("image");
        QTest::addColumn<int>("channels");
        QTest::addColumn<int>("width");
        QTest::addColumn<int>("height");
        QTest::addColumn<QString>("pixels");
        for (const auto& c : manifest().value("decode", nlohmann::json::array()))
            QTest::newRow(c["name"].get<std::string>().c_str())
                << QString::fromStdString(c["image"]) << c["channels"].get<int>() << c["width"].get<int>()
                << c["height"].get<int>() << QString::fromStdString(c["pixels"]);
    }

    void decodedPixelsMatchPil()
    {
        QFETCH(QString, image);
        QFETCH(int, channels);
        QFETCH(int, width);
        QFETCH(int, height);
        QFETCH(QString, pixels);
        const auto decoded = mwb::decodeImageFile(fixturePath(image.toStdString()), {.channels = channels});
        QVERIFY2(decoded, decoded ? "" : decoded.error().message.c_str());
        QCOMPARE(decoded->channels, channels);
        QCOMPARE(decoded->width, width); // EXIF-rotated JPEGs swap width and height
        QCOMPARE(decoded->height, height);
        const std::vector<std::uint8_t> expected = readRaw<std::uint8_t>(pixels.toStdString());
        QCOMPARE(decoded->pixels.size(), expected.size());
        int maxDiff = 0;
        for (std::size_t i = 0; i < expected.size(); ++i)
            maxDiff = std::max(maxDiff, std::abs(int(decoded->pixels[i]) - int(expected[i])));
        // OpenCV and PIL call the same libjpeg-turbo, libpng, libwebp and libtiff: identical pixels.
        QCOMPARE(maxDiff, 0);
    }

    void brokenFilesAreRefusedWithTheirName_data()
    {
        QTest::addColumn<QString>("image");
        QTest::addColumn<QString>("kind");
        for (const auto& c : manifest().value("broken", nlohmann::json::array()))
            QTest::newRow(c["image"].get<std::string>().c_str())
                << QString::fromStdString(c["image"]) << QString::fromStdString(c["kind"]);
    }

    void brokenFilesAreRefusedWithTheirName()
    {
        QFETCH(QString, image);
        QFETCH(QString, kind);
        const std::string path = fixturePath(image.toStdString());
        const auto decoded = mwb::decodeImageFile(path);
        QVERIFY(!decoded);
        QVERIFY2(decoded.error().message.starts_with(path + ": "), decoded.error().message.c_str());
        QCOMPARE(decoded.error().kind,
                 kind == "Unsafe" ? mwb::ErrorKind::Unsafe : mwb::ErrorKind::InvalidInput);
    }

    // A 20000 x 20000 PNG needs 1.2 GB once decoded. With the address space capped at 256 MB above the
    // current size, the only way to get the bomb error is to refuse before allocating.
    void bombIsRefusedBeforeAllocating()
    {
        const QByteArray bytes = readFile("images/bomb_20000x20000.png");
        QVERIFY(!bytes.isEmpty());
        rlimit saved{};
        QCOMPARE(getrlimit(RLIMIT_AS, &saved), 0);
        const rlimit capped{currentVirtualMemoryBytes() + (rlim_t(256) << 20), saved.rlim_max};
        QCOMPARE(setrlimit(RLIMIT_AS, &capped), 0);
        const auto decoded = mwb::decodeImage(
            {reinterpret_cast<const std::uint8_t*>(bytes.constData()), std::size_t(bytes.size())},
            "bomb.png");
        setrlimit(RLIMIT_AS, &saved);
        QVERIFY(!decoded);
        QCOMPARE(decoded.error().kind, mwb::ErrorKind::Unsafe);
        QVERIFY2(decoded.error().message.find("20000x20000") != std::string::npos,
                 decoded.error().message.c_str());
        QVERIFY(decoded.error().message.starts_with("bomb.png: "));
    }

    void pixelLimitIsConfigurable()
    {
        const QByteArray bytes = readFile("images/odd_small_97x61.png");
        const std::span<const std::uint8_t> span{reinterpret_cast<const std::uint8_t*>(bytes.constData()),
                                                 std::size_t(bytes.size())};
        QVERIFY(mwb::decodeImage(span, "small.png", {.maxPixels = 97 * 61}));
        const auto refused = mwb::decodeImage(span, "small.png", {.maxPixels = 97 * 61 - 1});
        QVERIFY(!refused);
        QCOMPARE(refused.error().kind, mwb::ErrorKind::Unsafe);
    }

    void missingFileIsAnIoError()
    {
        const auto decoded = mwb::decodeImageFile("/nonexistent/picture.png");
        QVERIFY(!decoded);
        QCOMPARE(decoded.error().kind, mwb::ErrorKind::Io);
        QVERIFY(decoded.error().message.starts_with("/nonexistent/picture.png: "));
    }

    void exifOrientationIsReadInBothByteOrders()
    {
        // "Exif\0\0" + TIFF header + IFD0 with one SHORT entry: Orientation = 6.
        const std::vector<std::uint8_t> little{'E',  'x',  'i', 'f', 0, 0, 'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0,
                                               0x12, 0x01, 3,   0,   1, 0, 0,   0,   6,  0, 0, 0, 0, 0, 0, 0};
        const std::vector<std::uint8_t> big{'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0,
                                            3,   0,   0, 0,  1, 0, 8, 0, 0, 0, 0,    0,    0};
        QCOMPARE(mwb::exifOrientationFromTiffBlock(little), 6);
        QCOMPARE(mwb::exifOrientationFromTiffBlock(big), 8);
        QCOMPARE(
            mwb::exifOrientationFromTiffBlock(std::vector<std::uint8_t>(little.begin(), little.end() - 10)),
            1); // entry cut off: treated as absent
    }

    void lumaUsesPilWeights()
    {
        mwb::Image8 rgb = mwb::makeImage8(3, 1, 3);
        rgb.pixels = {255, 0, 0, 0, 255, 0, 10, 20, 30};
        const mwb::Image8 luma = mwb::toLuma(rgb);
        // (19595 R + 38470 G + 7471 B + 32768) >> 16
        QCOMPARE(luma.pixels, (std::vector<std::uint8_t>{76, 150, 18}));
    }
};

QTEST_GUILESS_MAIN(TestImagingDecode)
#include "test_imaging_decode.moc"
