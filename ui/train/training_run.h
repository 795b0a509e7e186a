#pragma once

// One training run of the Train tab, as a background job: prepareTraining() then train() (core/train,
// what `mwb train` runs), with what the run reports handed to the GUI through a TrainingFeed.
//
// Threads: runTraining() blocks; it is the work of an mwb::Job (pool thread). The feed is shared by
// the job and the panel (shared_ptr): the worker appends, the panel drains it on the GUI thread with a
// timer, so no report ever calls into a widget and the GUI thread never waits on the run. Pause and
// Cancel are the feed's TrainControl, which the panel sets from the GUI thread. Errors come back as
// the job's Result (Cancelled when cancelled: the last checkpoint stays in the output folder).

#include "jobs/job.h"
#include "train/trainer.h"
#include "train/training_setup.h"

#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <QByteArray>

namespace mwb::ui {

struct TrainingSettings
{
    TrainingRequest request; // request.model is ignored when editorConfig is set
    TrainOptions options;    // mean, std and the recipe are filled from the prepared data
    std::filesystem::path output;
    std::optional<QByteArray> editorConfig; // the Model tab's config.json: fresh weights from it
};

// What the worker reports, queued until the panel drains it. Thread-safe.
class TrainingFeed
{
public:
    struct Drained
    {
        std::vector<std::string> classNames; // set once the data is read
        std::vector<StepReport> steps;
        std::vector<EpochReport> epochs;
        std::vector<std::string> messages;
        std::optional<bool> paused; // the latest pause state train() entered, if it changed
    };

    void setClassNames(std::vector<std::string> names);
    void addStep(const StepReport& report);
    void addEpoch(const EpochReport& report);
    void addMessage(std::string line);
    void setPaused(bool paused);
    // Everything queued since the last call; the queues are empty afterwards.
    Drained drain();

    TrainControl control; // set by the panel (any thread), polled by the trainer before each step

private:
    std::mutex m_mutex;
    Drained m_pending;
};

// Reads the data, prepares the model and trains it into settings.output. Loading progress and the
// run's progress go to `context` (a fraction and a sentence), everything else to `feed`.
Result<TrainResult>
runTraining(const TrainingSettings& settings, std::shared_ptr<TrainingFeed> feed, JobContext& context);

} // namespace mwb::ui
