#include "train/training_run.h"

#include "inference/engine/precision.h"

#include <QFile>
#include <QString>
#include <QTemporaryDir>

namespace mwb::ui {

void TrainingFeed::setClassNames(std::vector<std::string> names)
{
    std::lock_guard lock(m_mutex);
    m_pending.classNames = std::move(names);
}

void TrainingFeed::addStep(const StepReport& report)
{
    std::lock_guard lock(m_mutex);
    m_pending.steps.push_back(report);
}

void TrainingFeed::addEpoch(const EpochReport& report)
{
    std::lock_guard lock(m_mutex);
    m_pending.epochs.push_back(report);
}

void TrainingFeed::addMessage(std::string line)
{
    std::lock_guard lock(m_mutex);
    m_pending.messages.push_back(std::move(line));
}

void TrainingFeed::setPaused(bool paused)
{
    std::lock_guard lock(m_mutex);
    m_pending.paused = paused;
}

TrainingFeed::Drained TrainingFeed::drain()
{
    std::lock_guard lock(m_mutex);
    Drained drained = std::move(m_pending);
    m_pending = {};
    return drained;
}

Result<TrainResult>
runTraining(const TrainingSettings& settings, std::shared_ptr<TrainingFeed> feed, JobContext& context)
{
    TrainingRequest request = settings.request;
    // The editor's config is written to a private temporary file: prepareTraining reads a path, and
    // the output folder must hold only what training produces.
    QTemporaryDir configDir;
    if (settings.editorConfig) {
        if (!configDir.isValid())
            return fail(ErrorKind::Io, "cannot create a temporary folder for the editor's config.json");
        QFile file(configDir.filePath(QStringLiteral("config.json")));
        if (!file.open(QIODevice::WriteOnly) ||
            file.write(*settings.editorConfig) != settings.editorConfig->size())
            return fail(ErrorKind::Io, "cannot write " + file.fileName().toStdString());
        file.close();
        request.model = file.fileName().toStdString();
    }

    context.setProgress(-1, QStringLiteral("Reading the images"));
    const DatasetProgress loading = [&context](std::size_t done, std::size_t total) {
        if (total > 0)
            context.setProgress(static_cast<double>(done) / static_cast<double>(total),
                                QStringLiteral("Reading images: %1 of %2").arg(done).arg(total));
    };
    auto prepared = prepareTraining(request, &feed->control.cancel, loading);
    if (context.isCancelled() || feed->control.cancel.load())
        return std::unexpected(JobContext::cancelledError());
    if (!prepared)
        return std::unexpected(prepared.error());

    feed->setClassNames(prepared->train.classNames);
    for (std::string& note : prepared->notes)
        feed->addMessage(std::move(note));
    TrainOptions options = settings.options;
    options.mean = prepared->mean;
    options.std = prepared->std;
    options.preprocessorConfigJson = prepared->preprocessorConfigJson;
    feed->addMessage(std::string("precision ") +
                     (options.precision == TrainPrecision::BFloat16 ? "bf16 autocast" : "fp32") + ", " +
                     std::to_string(options.threads > 0 ? options.threads : physicalCoreCount()) +
                     " threads");

    TrainCallbacks callbacks;
    callbacks.message = [feed](const std::string& line) { feed->addMessage(line); };
    callbacks.paused = [feed](bool paused) { feed->setPaused(paused); };
    callbacks.step = [feed, &context](const StepReport& report) {
        if (context.isCancelled()) // the job was cancelled or its owner went away
            feed->control.cancel.store(true);
        feed->addStep(report);
        context.setProgress(static_cast<double>(report.step) / std::max(1, report.totalSteps),
                            QStringLiteral("Epoch %1, step %2 of %3, loss %4")
                                .arg(report.epoch)
                                .arg(report.step)
                                .arg(report.totalSteps)
                                .arg(report.loss, 0, 'f', 4));
    };
    callbacks.epoch = [feed](const EpochReport& report) { feed->addEpoch(report); };
    return train(*prepared->model, prepared->train, prepared->validation, options, settings.output,
                 std::nullopt, &feed->control, callbacks);
}

} // namespace mwb::ui
