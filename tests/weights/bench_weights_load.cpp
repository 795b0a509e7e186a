// Benchmark (built, not run by CTest): load a resnet50d-sized model.safetensors (25.6 M float32
// parameters, ≈102 MB of random data) with readWeights and print load time and peak memory beside
// the file size, then the same for Python's torch.load of the same weights saved as a .bin.
//
//   bench_weights_load [DIR]      writes DIR/model.safetensors and DIR/pytorch_model.bin, then
//                                 measures each load in a fresh process
//   bench_weights_load --load F   (internal) the measured C++ load
//
// Peak memory is VmHWM from /proc/self/status. The safetensors tensors live on a private file
// mapping: touching them adds file-backed pages to RSS once, never a second (anonymous) copy.

#include "weights/weight_reader.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>

#include <ATen/ATen.h>

using namespace mwb;

namespace {

long statusKb(const char* field)
{
    std::ifstream status("/proc/self/status");
    std::string line;
    const std::string prefix = std::string(field) + ":";
    while (std::getline(status, line))
        if (line.starts_with(prefix))
            return std::stol(line.substr(prefix.size()));
    return -1;
}

void printMemory(const char* when)
{
    std::printf("  %-28s VmHWM %7.1f MB   VmRSS %7.1f MB\n", when, statusKb("VmHWM") / 1024.0,
                statusKb("VmRSS") / 1024.0);
}

// resnet50d has 25,576,264 parameters; this list has the same order of tensors and bytes.
TensorList makeResnet50dSizedWeights()
{
    at::manual_seed(0);
    TensorList tensors;
    for (int i = 0; i < 40; ++i)
        tensors.push_back({"layer.conv" + std::to_string(i) + ".weight", at::randn({256, 256, 3, 3})});
    for (int i = 0; i < 53; ++i) {
        const std::string bn = "layer.bn" + std::to_string(i);
        for (const char* part : {".weight", ".bias", ".running_mean", ".running_var"})
            tensors.push_back({bn + part, at::randn({128})});
        tensors.push_back({bn + ".num_batches_tracked", at::zeros({}, at::kLong)});
    }
    tensors.push_back({"fc.weight", at::randn({1000, 2048})});
    tensors.push_back({"fc.bias", at::randn({1000})});
    return tensors;
}

int measureLoad(const QString& path)
{
    std::printf("C++ readWeights (mmap, no copy) of %s, %.1f MB\n", qPrintable(path),
                QFileInfo(path).size() / 1e6);
    printMemory("before load:");
    const auto start = std::chrono::steady_clock::now();
    auto tensors = readWeights(path);
    const double loadMs =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (!tensors) {
        std::fprintf(stderr, "error: %s\n", tensors.error().message.c_str());
        return 1;
    }
    int64_t parameters = 0;
    for (const NamedTensor& t : *tensors)
        parameters += t.tensor.numel();
    std::printf("  load time: %.1f ms for %zu tensors, %lld elements\n", loadMs, tensors->size(),
                static_cast<long long>(parameters));
    printMemory("after load:");
    const auto touchStart = std::chrono::steady_clock::now();
    double sum = 0;
    for (const NamedTensor& t : *tensors)
        sum += t.tensor.to(at::kDouble).sum().item<double>();
    const double touchMs =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - touchStart).count();
    std::printf("  read every value (sum %.3f): %.1f ms\n", sum, touchMs);
    printMemory("after reading every value:");
    return 0;
}

int runAll(const QString& dir, const char* self)
{
    const QString safetensors = QDir(dir).filePath(QStringLiteral("model.safetensors"));
    const QString bin = QDir(dir).filePath(QStringLiteral("pytorch_model.bin"));
    if (!QFileInfo::exists(safetensors)) {
        std::printf("writing %s ...\n", qPrintable(safetensors));
        if (auto ok = writeSafetensors(safetensors, makeResnet50dSizedWeights()); !ok) {
            std::fprintf(stderr, "error: %s\n", ok.error().message.c_str());
            return 1;
        }
    }
    auto run = [](const QString& program, const QStringList& args) {
        std::fflush(stdout); // keep our lines before the child's
        QProcess process;
        process.setProcessChannelMode(QProcess::ForwardedChannels);
        process.start(program, args);
        process.waitForFinished(-1);
        return process.exitCode();
    };
    const QString python = QStringLiteral(MWB_PYTHON), script = QStringLiteral(MWB_BENCH_SCRIPT);
    if (!QFileInfo::exists(bin) && run(python, {script, QStringLiteral("--convert"), safetensors, bin}) != 0)
        return 1;
    std::printf("\n");
    if (run(QString::fromLocal8Bit(self), {QStringLiteral("--load"), safetensors}) != 0)
        return 1;
    std::printf("\n");
    return run(python, {script, QStringLiteral("--load"), bin});
}

} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() == 3 && args[1] == QStringLiteral("--load"))
        return measureLoad(args[2]);
    QTemporaryDir temporary;
    const QString dir = args.size() > 1 ? args[1] : temporary.path();
    QDir().mkpath(dir);
    return runAll(dir, argv[0]);
}
