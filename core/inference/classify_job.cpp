#include "inference/classify_job.h"

#include <QThreadPool>

namespace mwb {

ClassifyJob::ClassifyJob(Classifier classifier,
                         std::vector<ImageSource> images,
                         ClassifyOptions options,
                         QObject* parent)
    : QObject(parent), m_classifier(std::move(classifier)), m_images(std::move(images)), m_options(options)
{}

ClassifyJob::~ClassifyJob()
{
    m_cancel = true;
    if (m_done.valid())
        m_done.wait(); // the worker posts to `this`; it must be done before `this` goes away
}

void ClassifyJob::start()
{
    if (m_done.valid())
        return;
    m_running = true;
    auto done = std::make_shared<std::promise<void>>();
    m_done = done->get_future();
    QThreadPool::globalInstance()->start([this, done] {
        // Results are posted to this object's thread; pending posts die with the object.
        const auto report = [this](std::size_t index, const ClassifyResult& result) {
            QMetaObject::invokeMethod(
                this, [this, index, result] { Q_EMIT imageFinished(static_cast<int>(index), result); },
                Qt::QueuedConnection);
        };
        const ClassifyRun run = m_classifier.classify(m_images, m_options, &m_cancel, report);
        const bool cancelled = run.cancelled;
        QMetaObject::invokeMethod(
            this,
            [this, cancelled] {
                m_running = false;
                Q_EMIT finished(cancelled);
            },
            Qt::QueuedConnection);
        done->set_value();
    });
}

void ClassifyJob::cancel()
{
    m_cancel = true;
}

} // namespace mwb
