// The resampler alone against Pillow's Image.resize: every filter, shrinking (antialiased), enlarging,
// one axis only and mixed, RGB and L. The issue allows 1 level; the figures show how close it is.

#include "imaging/image_decode.h"
#include "imaging/pil_resample.h"
#include "imaging_fixtures.h"

#include <QTest>

using namespace imaging_fixtures;

class TestImagingResample final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY2(manifest().contains("resample"), "fixture manifest.json missing"); }

    void resizeMatchesPillow_data()
    {
        QTest::addColumn<QString>("image");
        QTest::addColumn<int>("filter");
        QTest::addColumn<int>("width");
        QTest::addColumn<int>("height");
        QTest::addColumn<QString>("pixels");
        for (const auto& c : manifest().value("resample", nlohmann::json::array()))
            QTest::newRow(c["name"].get<std::string>().c_str())
                << QString::fromStdString(c["image"]) << c["filter"].get<int>() << c["width"].get<int>()
                << c["height"].get<int>() << QString::fromStdString(c["pixels"]);
    }

    void resizeMatchesPillow()
    {
        QFETCH(QString, image);
        QFETCH(int, filter);
        QFETCH(int, width);
        QFETCH(int, height);
        QFETCH(QString, pixels);
        const bool gray = image.contains(QStringLiteral("gray"));
        const auto source =
            mwb::decodeImageFile(fixturePath(image.toStdString()), {.channels = gray ? 1 : 3});
        QVERIFY(source);
        const mwb::Image8 resized = mwb::resizeLikePil(*source, width, height, mwb::ResampleFilter(filter));
        const std::vector<std::uint8_t> expected = readRaw<std::uint8_t>(pixels.toStdString());
        QCOMPARE(resized.width, width);
        QCOMPARE(resized.height, height);
        QCOMPARE(resized.pixels.size(), expected.size());
        int maxDiff = 0;
        std::size_t differing = 0;
        for (std::size_t i = 0; i < expected.size(); ++i) {
            const int diff = std::abs(int(resized.pixels[i]) - int(expected[i]));
            maxDiff = std::max(maxDiff, diff);
            differing += diff != 0;
        }
        if (differing)
            qInfo("%zu of %zu values differ, at most by %d", differing, expected.size(), maxDiff);
        QVERIFY2(maxDiff <= 1, qPrintable(QStringLiteral("max difference %1 levels").arg(maxDiff)));
    }

    // Computing only a region gives exactly the crop of the full resize (what preprocessing relies on).
    void regionEqualsCropOfFullResize_data()
    {
        QTest::addColumn<int>("filter");
        QTest::addColumn<int>("width");
        QTest::addColumn<int>("height");
        QTest::newRow("bicubic down") << int(mwb::ResampleFilter::Bicubic) << 61 << 47;
        QTest::newRow("bilinear up") << int(mwb::ResampleFilter::Bilinear) << 300 << 257;
        QTest::newRow("lanczos mixed") << int(mwb::ResampleFilter::Lanczos) << 400 << 60;
        QTest::newRow("vertical only") << int(mwb::ResampleFilter::Bicubic) << 173 << 90;
        QTest::newRow("nearest") << int(mwb::ResampleFilter::Nearest) << 100 << 80;
    }

    void regionEqualsCropOfFullResize()
    {
        QFETCH(int, filter);
        QFETCH(int, width);
        QFETCH(int, height);
        const auto source = mwb::decodeImageFile(fixturePath("images/resample_rgb_173x131.png"));
        QVERIFY(source);
        const auto f = mwb::ResampleFilter(filter);
        const mwb::Image8 full = mwb::resizeLikePil(*source, width, height, f);
        const mwb::PixelRect region{width / 5, height / 3, width / 2, height / 2};
        const mwb::Image8 part = mwb::resizeRegionLikePil(*source, width, height, f, region);
        QCOMPARE(part.width, region.width);
        QCOMPARE(part.height, region.height);
        for (int y = 0; y < region.height; ++y)
            QVERIFY(std::equal(part.row(y), part.row(y) + part.rowBytes(),
                               full.row(region.y + y) + std::size_t(region.x) * 3));
    }
};

QTEST_GUILESS_MAIN(TestImagingResample)
#include "test_imaging_resample.moc"
