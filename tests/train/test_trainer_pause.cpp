// TrainControl as the Train tab uses it: a paused run computes nothing until it is resumed, then ends
// with exactly the losses of a run that never paused; a run cancelled while paused stops at once and
// keeps the checkpoint of its last finished epoch.

#include "model/model.h"
#include "train/trainer.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace mwb;

namespace {

// Two classes of 12x12 grey images: class 0 bright on the left half, class 1 on the right half.
ImageDataset twoHalves(int perClass)
{
    ImageDataset data;
    data.width = data.height = 12;
    data.channels = 1;
    data.classNames = {"left", "right"};
    for (int i = 0; i < perClass * 2; ++i) {
        const int label = i % 2;
        for (int y = 0; y < 12; ++y)
            for (int x = 0; x < 12; ++x) {
                const bool bright = label == 0 ? x < 6 : x >= 6;
                data.pixels.push_back(
                    static_cast<std::uint8_t>(bright ? 200 + (i * 7 + y) % 50 : (x * y) % 40));
            }
        data.labels.push_back(label);
    }
    data.source = "two halves";
    return data;
}

std::unique_ptr<Model> tinyModel(const QTemporaryDir& dir)
{
    const QString path = dir.filePath(QStringLiteral("config.json"));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return nullptr;
    file.write(R"({"model_type": "resnet", "block_type": "basic", "layers": [1, 1, 1, 1],
                  "input_channels": 1, "num_classes": 2})");
    file.close();
    std::vector<std::string> notes;
    auto model = prepareModelForData(path.toStdString(), {"left", "right"}, 3, notes);
    return model ? std::move(*model) : nullptr;
}

TrainOptions tinyOptions()
{
    TrainOptions options;
    options.epochs = 2;
    options.batchSize = 8;
    options.learningRate = 0.01;
    options.threads = 1;
    options.seed = 5;
    options.mean = {0.3};
    options.std = {0.3};
    return options;
}

// What a run reported, filled on the training thread and read on the test's thread.
struct Recorder
{
    std::mutex mutex;
    std::vector<double> stepLosses;
    std::vector<double> stepAccuracies;
    std::atomic<int> steps{0};
    std::atomic<int> pauses{0}, resumes{0};

    TrainCallbacks callbacks(TrainControl* control, int pauseAtStep)
    {
        TrainCallbacks callbacks;
        callbacks.step = [this, control, pauseAtStep](const StepReport& report) {
            {
                std::lock_guard lock(mutex);
                stepLosses.push_back(report.loss);
                stepAccuracies.push_back(report.accuracy);
            }
            steps.store(report.step);
            if (report.step == pauseAtStep)
                control->pause.store(true);
        };
        callbacks.paused = [this](bool paused) { (paused ? pauses : resumes).fetch_add(1); };
        return callbacks;
    }
};

} // namespace

class TestTrainerPause final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void pausedRunWaitsThenMatchesAnUnpausedRun()
    {
        QTemporaryDir dir;
        const ImageDataset train = twoHalves(12), validation = twoHalves(4);
        const TrainOptions options = tinyOptions(); // 24 images, batches of 8: 3 steps an epoch

        auto reference = tinyModel(dir);
        QVERIFY(reference);
        Recorder unpaused;
        TrainControl neverPaused;
        auto expected = mwb::train(*reference, train, validation, options, dir.filePath("a").toStdString(),
                                   std::nullopt, &neverPaused, unpaused.callbacks(&neverPaused, -1));
        QVERIFY2(expected, expected ? "" : expected.error().message.c_str());
        QCOMPARE(unpaused.stepLosses.size(), std::size_t{6});
        QCOMPARE(unpaused.pauses.load(), 0);
        // Each step's accuracy (what the live plot shows) averages to the epoch's training accuracy:
        // every batch has the same size.
        for (std::size_t epoch = 0; epoch < 2; ++epoch) {
            const double mean = (unpaused.stepAccuracies[epoch * 3] + unpaused.stepAccuracies[epoch * 3 + 1] +
                                 unpaused.stepAccuracies[epoch * 3 + 2]) /
                                3;
            QVERIFY(qAbs(mean - expected->history[epoch].trainAccuracy) < 1e-9);
        }

        auto model = tinyModel(dir);
        QVERIFY(model);
        Recorder paused;
        TrainControl control;
        std::optional<Result<TrainResult>> result;
        std::thread worker([&] {
            result = mwb::train(*model, train, validation, options, dir.filePath("b").toStdString(),
                                std::nullopt, &control, paused.callbacks(&control, 4));
        });
        QTRY_COMPARE_WITH_TIMEOUT(paused.pauses.load(), 1, 60000);
        const int stepsWhenPaused = paused.steps.load();
        QCOMPARE(stepsWhenPaused, 4);
        // Paused: however long we wait, no further step runs.
        std::this_thread::sleep_for(std::chrono::milliseconds(400));
        QCOMPARE(paused.steps.load(), stepsWhenPaused);
        QCOMPARE(paused.resumes.load(), 0);

        control.pause.store(false);
        worker.join();
        QVERIFY(result.has_value());
        QVERIFY2(*result, *result ? "" : (*result).error().message.c_str());
        QCOMPARE(paused.resumes.load(), 1);
        QCOMPARE(paused.stepLosses, unpaused.stepLosses);
        QCOMPARE((**result).history.size(), expected->history.size());
        for (std::size_t i = 0; i < expected->history.size(); ++i)
            QCOMPARE((**result).history[i].validationLoss, expected->history[i].validationLoss);
    }

    void cancelWhilePausedStopsAndKeepsTheCheckpoint()
    {
        QTemporaryDir dir;
        const ImageDataset train = twoHalves(12), validation = twoHalves(4);
        auto model = tinyModel(dir);
        QVERIFY(model);
        Recorder recorder;
        TrainControl control;
        const std::filesystem::path output = dir.filePath("run").toStdString();
        std::optional<Result<TrainResult>> result;
        std::thread worker([&] {
            result = mwb::train(*model, train, validation, tinyOptions(), output, std::nullopt, &control,
                                recorder.callbacks(&control, 5)); // in epoch 2
        });
        QTRY_COMPARE_WITH_TIMEOUT(recorder.pauses.load(), 1, 60000);
        control.cancel.store(true);
        worker.join();
        QVERIFY(result.has_value());
        QVERIFY(!*result);
        QCOMPARE((*result).error().kind, ErrorKind::Cancelled);
        QCOMPARE(recorder.steps.load(), 5);
        QVERIFY(std::filesystem::is_regular_file(output / "checkpoint" / "state.json"));
        QVERIFY(std::filesystem::is_regular_file(output / "model.safetensors")); // epoch 1, the best so far
    }
};

QTEST_GUILESS_MAIN(TestTrainerPause)
#include "test_trainer_pause.moc"
