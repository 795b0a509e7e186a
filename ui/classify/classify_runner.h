#pragma once

// The run state of the Classify tab, out of the widget: turns what was dropped into images (folders
// are walked, and a folder of class subfolders becomes an evaluation, on a job so a large folder does
// not freeze the window), classifies them on a job (core/jobs) and streams the results into a
// ClassifyResultsModel as batches finish. Rows accumulate across runs; the model's clear() empties
// them. One run at a time.
//
// GUI thread only. The work captures the Classifier by value (sharing its Model and engine), so the
// panel may swap in another classifier while a run goes on: that run finishes on the one it started
// with. Destroying the runner cancels the run and drops its results.

#include "inference/classifier.h"
#include "inference/evaluation.h"
#include "jobs/job.h"

#include <optional>

#include <QObject>
#include <QStringList>

namespace mwb {

class ClassifyResultsModel;

class ClassifyRunner final : public QObject
{
    Q_OBJECT

public:
    explicit ClassifyRunner(ClassifyResultsModel& model, QObject* parent = nullptr);
    ~ClassifyRunner() override;

    // Files and folders (recursively); a single folder of class subfolders named after the
    // classifier's labels is evaluated instead. Errors (nothing to classify) come back as failed().
    void
    classifyPaths(const Classifier& classifier, const QStringList& paths, const ClassifyOptions& options);
    void evaluateFolder(const Classifier& classifier, const QString& folder, const ClassifyOptions& options);
    void classifySources(const Classifier& classifier,
                         std::vector<ImageSource> sources,
                         const ClassifyOptions& options,
                         std::optional<LabelledFolder> evaluation = std::nullopt);
    void cancel();
    bool isBusy() const { return m_busy; }

    // The run in progress or the last one: its rows in the model, and its labelled folder when it
    // evaluates one.
    int runFirstRow() const { return m_firstRow; }
    int runImageCount() const { return m_imageCount; }
    const std::optional<LabelledFolder>& evaluationFolder() const { return m_evaluation; }

Q_SIGNALS:
    void started(int imageCount, bool evaluation);
    void progressChanged(int done, int total);
    // The run ended (cancelled: by cancel(), possibly while the images were still being looked for,
    // in which case runImageCount() is 0).
    void finished(bool cancelled);
    // Nothing was started: the message says why (no images, a folder that cannot be read).
    void failed(const QString& message);

private:
    struct Inbox;
    struct Scan;
    void startScan(const Classifier& classifier,
                   QStringList paths,
                   bool evaluateOnly,
                   const ClassifyOptions& options);
    void drain();

    ClassifyResultsModel& m_model;
    JobPool m_pool{1}; // one run at a time; the engine uses its own threads
    JobBase* m_job = nullptr;
    std::shared_ptr<Inbox> m_inbox;
    bool m_busy = false;
    int m_firstRow = 0;
    int m_imageCount = 0;
    std::optional<LabelledFolder> m_evaluation;
};

} // namespace mwb
