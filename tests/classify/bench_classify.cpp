// Benchmark (not a test): images per second of Classifier on a resnet50-sized model at 224 px, batch
// 1 and 8, decode and preprocessing included, beside python3-torch eager on the same images in the
// same run (bench_classify.py). Fresh weights: speed does not depend on them.
//
// Usage: bench_classify [IMAGES=32] [--no-python]

#include "inference/classifier.h"
#include "model/model.h"

#include <cstdio>

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QImage>
#include <QProcess>
#include <QTemporaryDir>
#include <QThread>

#include <nlohmann/json.hpp>

using namespace mwb;

namespace {

// Photo-like JPEGs of assorted sizes, so decoding and resizing cost what they do on real photos.
std::vector<ImageSource> writeImages(const QDir& dir, int count)
{
    std::vector<ImageSource> sources;
    for (int i = 0; i < count; ++i) {
        QImage image(640 + 16 * (i % 5), 480 + 12 * (i % 3), QImage::Format_RGB888);
        for (int y = 0; y < image.height(); ++y) {
            uchar* row = image.scanLine(y);
            for (int x = 0; x < image.width(); ++x) {
                row[3 * x] = static_cast<uchar>((x * 255) / image.width());
                row[3 * x + 1] = static_cast<uchar>((y * 255) / image.height());
                row[3 * x + 2] = static_cast<uchar>((x * y + i * 37) % 256);
            }
        }
        const QString path = dir.filePath(QStringLiteral("photo_%1.jpg").arg(i, 3, 10, QLatin1Char('0')));
        image.save(path, "JPEG", 90);
        sources.push_back(ImageSource::file(path.toStdString()));
    }
    return sources;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    const int count = args.size() > 1 && args[1].toInt() > 0 ? args[1].toInt() : 32;
    const bool withPython = !args.contains(QStringLiteral("--no-python"));

    QTemporaryDir dir;
    const auto sources = writeImages(QDir(dir.path()), count);
    const nlohmann::json config = {{"model_type", "resnet"},
                                   {"block_type", "bottleneck"},
                                   {"layers", {3, 4, 6, 3}},
                                   {"num_classes", 1000}};
    auto model = Model::fromConfig(config);
    if (!model) {
        std::fprintf(stderr, "error: %s\n", model.error().message.c_str());
        return 1;
    }
    auto classifier =
        Classifier::create(std::shared_ptr<const Model>(std::move(*model)), defaultPreprocessRecipe(3));
    if (!classifier) {
        std::fprintf(stderr, "error: %s\n", classifier.error().message.c_str());
        return 1;
    }
    std::printf(
        "resnet50 (fresh weights), %d JPEG photos ~640x480, resize 256 + crop 224 (bicubic), %d CPU threads "
        "available\n",
        count, QThread::idealThreadCount());
    classifier->classify({sources.front()}, {.batchSize = 1}); // warm-up: allocator, kernels
    for (int batch : {1, 8}) {
        QElapsedTimer timer;
        timer.start();
        const ClassifyRun run = classifier->classify(sources, {.topK = 5, .batchSize = batch});
        const double seconds = timer.nsecsElapsed() / 1e9;
        std::printf("  Model Workbench (LibTorch), batch %d: %6.2f images/s (%zu images in %.2f s)\n", batch,
                    run.results.size() / seconds, run.results.size(), seconds);
    }
    std::fflush(stdout);
    if (withPython) {
        QProcess python;
        python.setProcessChannelMode(QProcess::ForwardedChannels);
        python.start(QStringLiteral(MWB_PYTHON_PATH), {QStringLiteral(MWB_BENCH_SCRIPT), dir.path()});
        python.waitForFinished(-1);
    }
    return 0;
}
