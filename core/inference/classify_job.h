#pragma once

// A classification run on Qt's thread pool that reports to the thread that owns the job (the GUI
// thread): one imageFinished signal per image, in input order, then finished. Torch-free.
//
// Ownership: the job copies the Classifier (sharing its Model) and the image list. Create, start,
// cancel and destroy it on one thread (its owner's); the signals arrive there. Destroying a running
// job cancels it and waits for the batch in progress to end, so the model is never used after the
// job is gone. Only one job per model should run at a time (a Model is not synchronised).

#include "inference/classifier.h"

#include <atomic>
#include <future>
#include <memory>
#include <vector>

#include <QObject>

namespace mwb {

class ClassifyJob final : public QObject
{
    Q_OBJECT

public:
    ClassifyJob(Classifier classifier,
                std::vector<ImageSource> images,
                ClassifyOptions options,
                QObject* parent = nullptr);
    ~ClassifyJob() override;

    void start();  // once
    void cancel(); // stops before the next image; finished(true) follows
    bool isRunning() const { return m_running; }
    std::size_t imageCount() const { return m_images.size(); }

Q_SIGNALS:
    void imageFinished(int index, const mwb::ClassifyResult& result);
    void finished(bool cancelled);

private:
    Classifier m_classifier;
    std::vector<ImageSource> m_images;
    ClassifyOptions m_options;
    std::atomic<bool> m_cancel{false};
    bool m_running = false;
    std::future<void> m_done;
};

} // namespace mwb
