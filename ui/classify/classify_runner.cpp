#include "classify/classify_runner.h"

#include "classify/results_model.h"
#include "inference/image_files.h"

#include <mutex>

namespace mwb {

// Results handed from the worker to the GUI thread: the worker appends, the GUI thread takes them
// all when told progress was made (progress posts are coalesced, so a fast run drains in chunks).
struct ClassifyRunner::Inbox
{
    std::mutex mutex;
    std::size_t next = 0; // index of the first result not yet taken
    std::vector<ClassifyResult> results;
};

// What a drop turned into, found on a pool thread.
struct ClassifyRunner::Scan
{
    std::vector<ImageSource> sources;
    std::optional<LabelledFolder> evaluation;
};

ClassifyRunner::ClassifyRunner(ClassifyResultsModel& model, QObject* parent) : QObject(parent), m_model(model)
{}

ClassifyRunner::~ClassifyRunner()
{
    delete m_job; // detaches: the work ends on its own, nothing is delivered
}

void ClassifyRunner::classifyPaths(const Classifier& classifier,
                                   const QStringList& paths,
                                   const ClassifyOptions& options)
{
    startScan(classifier, paths, false, options);
}

void ClassifyRunner::evaluateFolder(const Classifier& classifier,
                                    const QString& folder,
                                    const ClassifyOptions& options)
{
    startScan(classifier, {folder}, true, options);
}

void ClassifyRunner::startScan(const Classifier& classifier,
                               QStringList paths,
                               bool evaluateOnly,
                               const ClassifyOptions& options)
{
    if (m_busy)
        return;
    m_busy = true;
    // Until the scan ends this "run" has no rows: a cancel now reports a run of nothing.
    m_firstRow = m_model.size();
    m_imageCount = 0;
    m_evaluation.reset();
    std::vector<std::filesystem::path> arguments;
    for (const QString& path : paths)
        arguments.push_back(path.toStdString());
    auto* job = new Job<Scan>(
        [arguments, labels = classifier.labels(), evaluateOnly](JobContext&) -> Result<Scan> {
            Scan scan;
            const bool oneFolder = arguments.size() == 1 && std::filesystem::is_directory(arguments.front());
            if (oneFolder) {
                auto labelled = scanLabelledFolder(arguments.front(), labels);
                if (labelled && !labelled->images.empty()) {
                    for (const LabelledImage& image : labelled->images)
                        scan.sources.push_back(ImageSource::file(image.path));
                    scan.evaluation = std::move(*labelled);
                    return scan;
                }
                if (evaluateOnly) {
                    if (!labelled)
                        return std::unexpected(labelled.error());
                    return fail(ErrorKind::InvalidInput, "no subfolder of " + arguments.front().string() +
                                                             " is named after a class of the model");
                }
            }
            auto files = collectImageFiles(arguments);
            if (!files)
                return std::unexpected(files.error());
            if (files->empty())
                return fail(ErrorKind::InvalidInput, "no image files in what was dropped");
            for (const auto& file : *files)
                scan.sources.push_back(ImageSource::file(file));
            return scan;
        },
        this);
    m_job = job;
    job->onFinished([this, classifier, options](Result<Scan> scan) {
        const bool cancelled = m_job->isCancelRequested();
        m_job->deleteLater();
        m_job = nullptr;
        m_busy = false;
        if (cancelled || (!scan && scan.error().kind == ErrorKind::Cancelled)) {
            Q_EMIT finished(true); // cancelled while looking for images: nothing was classified
            return;
        }
        if (!scan) {
            Q_EMIT failed(QString::fromStdString(scan.error().message));
            return;
        }
        classifySources(classifier, std::move(scan->sources), options, std::move(scan->evaluation));
    });
    job->start(m_pool);
}

void ClassifyRunner::classifySources(const Classifier& classifier,
                                     std::vector<ImageSource> sources,
                                     const ClassifyOptions& options,
                                     std::optional<LabelledFolder> evaluation)
{
    if (m_busy)
        return;
    if (sources.empty()) {
        Q_EMIT failed(tr("No image files in what was dropped."));
        return;
    }
    m_busy = true;
    m_firstRow = m_model.appendSources(sources);
    m_imageCount = static_cast<int>(sources.size());
    m_evaluation = std::move(evaluation);
    m_inbox = std::make_shared<Inbox>();

    ClassifyOptions streaming = options;
    streaming.keepResults = false; // results reach the inbox only: no second copy of a large run
    auto* job = new Job<ClassifyRun>(
        [classifier, sources = std::move(sources), streaming, inbox = m_inbox](JobContext& context) {
            const double total = static_cast<double>(sources.size());
            ClassifyRun run =
                classifier.classify(sources, streaming, &context.cancelFlag(),
                                    [&](std::size_t index, const ClassifyResult& result) {
                                        {
                                            std::lock_guard lock(inbox->mutex);
                                            inbox->results.push_back(result);
                                        }
                                        context.setProgress(static_cast<double>(index + 1) / total);
                                    });
            return Result<ClassifyRun>(std::move(run));
        },
        this);
    m_job = job;
    connect(job, &JobBase::progressChanged, this, &ClassifyRunner::drain);
    job->onFinished([this](Result<ClassifyRun> run) {
        drain();
        m_job->deleteLater();
        m_job = nullptr;
        m_busy = false;
        const int end = m_firstRow + m_imageCount;
        const bool cancelled = !run || run->cancelled;
        m_model.markCancelled(m_firstRow, end);
        Q_EMIT finished(cancelled);
    });
    Q_EMIT started(m_imageCount, m_evaluation.has_value());
    job->start(m_pool);
}

void ClassifyRunner::drain()
{
    if (!m_inbox)
        return;
    std::vector<ClassifyResult> taken;
    std::size_t first = 0;
    {
        std::lock_guard lock(m_inbox->mutex);
        first = m_inbox->next;
        taken = std::move(m_inbox->results);
        m_inbox->results.clear();
        m_inbox->next += taken.size();
    }
    if (taken.empty())
        return;
    const int done = static_cast<int>(first + taken.size());
    m_model.setResults(m_firstRow + static_cast<int>(first), std::move(taken));
    Q_EMIT progressChanged(done, m_imageCount);
}

void ClassifyRunner::cancel()
{
    if (m_job)
        m_job->cancel();
}

} // namespace mwb
