// Decoding: every supported format gives the pixels PIL gives after exif_transpose + convert("RGB"/"L");
// broken files and decompression bombs are refused with an error naming the file.

#include "imaging/image_decode.h"
#include "imaging/image_header.h"
#include "imaging_fixtures.h"

#include <cstdio>
#include <fstream>
#include <sys/resource.h>
#include <unistd.h>

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

// A PNG chunk (length, type, data, CRC-32 of type and data), as the PNG specification defines it.
QByteArray pngChunk(const char (&type)[5], const QByteArray& data)
{
    const QByteArray typed = QByteArray(type, 4) + data;
    std::uint32_t crc = 0xFFFFFFFFu;
    for (const char byte : typed) {
        crc ^= std::uint8_t(byte);
        for (int bit = 0; bit < 8; ++bit)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    crc ^= 0xFFFFFFFFu;
    auto bigEndian = [](std::uint32_t v) {
        const char bytes[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
        return QByteArray(bytes, 4);
    };
    return bigEndian(std::uint32_t(data.size())) + typed + bigEndian(crc);
}

// Whatever this process writes to file descriptor 2 while `work` runs (libpng writes there directly).
template <typename Work> QByteArray stderrOf(Work&& work)
{
    std::fflush(stderr);
    FILE* capture = std::tmpfile();
    const int saved = dup(STDERR_FILENO);
    dup2(fileno(capture), STDERR_FILENO);
    work();
    std::fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    QByteArray text(int(std::ftell(capture)), '\0');
    std::rewind(capture);
    text.resize(int(std::fread(text.data(), 1, std::size_t(text.size()), capture)));
    std::fclose(capture);
    return text;
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

    // libpng prints "libpng warning: iCCP: too short" (and the like) to stderr for odd ancillary chunks;
    // `mwb classify` must print only its own lines. The pixels stay those of the plain file.
    void oddPngChunksLeaveStderrQuiet()
    {
        const QByteArray plain = readFile("images/odd_small_97x61.png");
        QVERIFY(plain.size() > 33);
        const QByteArray odd = plain.left(33) // signature + IHDR
                               + pngChunk("iCCP", QByteArray("bad\0\0", 5) + "not a zlib stream") +
                               pngChunk("tEXt", QByteArray("\0no keyword", 11)) +
                               pngChunk("sBIT", QByteArray(7, '\x40')) + plain.mid(33);
        auto span = [](const QByteArray& bytes) {
            return std::span<const std::uint8_t>{reinterpret_cast<const std::uint8_t*>(bytes.constData()),
                                                 std::size_t(bytes.size())};
        };
        mwb::Result<mwb::Image8> decoded = std::unexpected(mwb::Error{});
        const QByteArray printed = stderrOf([&] { decoded = mwb::decodeImage(span(odd), "odd.png"); });
        QVERIFY2(printed.isEmpty(), printed.constData());
        QVERIFY2(decoded, decoded ? "" : decoded.error().message.c_str());
        const auto expected = mwb::decodeImage(span(plain), "plain.png");
        QVERIFY(expected);
        QCOMPARE(decoded->width, expected->width);
        QVERIFY(decoded->pixels == expected->pixels);
    }

    // A damaged critical chunk: libpng's own handler would print "libpng error: IDAT: CRC error";
    // the reason belongs in the one error the decode returns.
    void corruptPngSaysWhyOnlyInItsError()
    {
        QByteArray damaged = readFile("images/odd_small_97x61.png");
        const qsizetype idat = damaged.indexOf("IDAT");
        QVERIFY(idat > 0);
        const auto length = std::uint32_t(std::uint8_t(damaged[idat - 4])) << 24 |
                            std::uint32_t(std::uint8_t(damaged[idat - 3])) << 16 |
                            std::uint32_t(std::uint8_t(damaged[idat - 2])) << 8 |
                            std::uint8_t(damaged[idat - 1]);
        const qsizetype crc = idat + 4 + qsizetype(length);
        damaged[crc] = char(damaged[crc] ^ 0x01); // the data stay intact, their CRC no longer matches
        const auto span = std::span<const std::uint8_t>{
            reinterpret_cast<const std::uint8_t*>(damaged.constData()), std::size_t(damaged.size())};
        mwb::Result<mwb::Image8> decoded = mwb::Image8{};
        const QByteArray printed = stderrOf([&] { decoded = mwb::decodeImage(span, "damaged.png"); });
        QVERIFY2(printed.isEmpty(), printed.constData());
        QVERIFY(!decoded);
        QCOMPARE(decoded.error().kind, mwb::ErrorKind::InvalidInput);
        QCOMPARE(QString::fromStdString(decoded.error().message),
                 QStringLiteral("damaged.png: cannot decode PNG: IDAT: CRC error"));
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
