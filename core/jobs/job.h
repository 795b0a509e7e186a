#pragma once

// One way to run long work off the GUI thread: a Job runs a function on a JobPool's threads, reports
// progress (a fraction and a sentence), can be cancelled, and hands its Result<T> to a handler on the
// thread that owns the job. Torch-free; used by core, ui and app alike.
//
// Owners and threads
// - A JobPool is held by whoever owns the work (a window, a panel, a command). Its destructor
//   cancels every job still running on it and waits for them, so declare it as a member *before* (i.e.
//   destroyed after) anything the work reads through a pointer, or better, let the work own what it uses.
// - A Job is a QObject that lives on its owner's thread (normally a child of the owner). Create,
//   start, cancel and destroy it there; progressChanged, finished and the handler arrive there.
// - The work function runs on a pool thread. It must not touch widgets or the owner; it gets a
//   JobContext to poll for cancellation and to report progress. Capture what it needs by value or
//   by shared_ptr: the work may outlive the Job (see below).
//
// Lifetime
// - Destroying a Job (or its owner) while it runs cancels it and detaches it: the work finishes on
//   its own, its result is dropped, and no signal or handler is called. Nothing points back at the
//   destroyed Job, so there is no use after free.
// - cancel() may be called at any time, including before start(): a job cancelled before it starts
//   never calls its work and finishes with ErrorKind::Cancelled.
//
// Errors
// - The work returns Result<T>. Any exception that escapes it (LibTorch, OpenCV, nlohmann_json,
//   std::bad_alloc) is caught at the job's edge and becomes an mwb::Error; no exception crosses
//   threads. A job whose work observed the cancel request should return
//   fail(ErrorKind::Cancelled, ...) (JobContext::cancelledError() builds one).
//
// Typical use (in a widget):
//     auto* job = new mwb::Job<Model>([config](mwb::JobContext& ctx) { return buildModel(config, ctx); },
//                                     this);
//     connect(job, &mwb::JobBase::progressChanged, bar, ...);
//     job->onFinished([this](mwb::Result<Model> model) { ... });
//     job->start(m_jobs);

#include "error.h"

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <QObject>
#include <QString>
#include <QThreadPool>

namespace mwb {

class JobBase;
class JobPool;

namespace detail {
struct JobState; // shared by a Job and its running task; defined in job.cpp
}

// What the work function sees. Thread-safe: the work calls it from its pool thread.
class JobContext final
{
public:
    explicit JobContext(std::shared_ptr<detail::JobState> state);

    bool isCancelled() const noexcept;
    // For core APIs that poll a flag themselves (HubClient, Classifier, ...).
    const std::atomic<bool>& cancelFlag() const noexcept;
    // Reports progress in [0, 1] (negative: unknown) with a short sentence. Cheap: updates are
    // coalesced, the owner sees the latest one.
    void setProgress(double fraction, const QString& text = {});
    // The error a cancelled job returns.
    static Error cancelledError();

private:
    std::shared_ptr<detail::JobState> m_state;
};

// The threads jobs run on. Not copyable; destroy it on the thread that created it.
class JobPool final
{
public:
    explicit JobPool(int maxThreads = QThread::idealThreadCount());
    ~JobPool(); // cancels every job still running here and waits for them to end
    JobPool(const JobPool&) = delete;
    JobPool& operator=(const JobPool&) = delete;

    QThreadPool& threadPool() { return m_pool; }
    void cancelAll();
    // Blocks until every job started here has ended (tests, shutdown). True if all ended in time.
    bool waitForDone(int msecs = -1);

private:
    friend class JobBase;
    void submit(std::shared_ptr<detail::JobState> state, std::function<void()> task);

    QThreadPool m_pool;
    std::mutex m_mutex;
    std::vector<std::weak_ptr<detail::JobState>> m_states;
};

// The untyped half of a Job: signals, cancel, state. Use Job<T>.
class JobBase : public QObject
{
    Q_OBJECT

public:
    ~JobBase() override; // cancels and detaches a running job (its result is dropped)

    void start(JobPool& pool); // once, on the owner's thread
    void cancel();             // any time; before start() it makes the job finish as Cancelled
    bool isStarted() const { return m_started; }
    bool isRunning() const { return m_started && !m_finished; }
    bool isFinished() const { return m_finished; }
    bool isCancelRequested() const;
    double progress() const { return m_progress; }
    QString progressText() const { return m_progressText; }

Q_SIGNALS:
    void progressChanged(double fraction, const QString& text);
    // After the handler given to Job<T>::onFinished has run.
    void finished();

protected:
    explicit JobBase(QObject* parent);
    // The task run on the pool thread: runs the work (unless cancelled) and stores its result.
    virtual std::function<void()> makeTask(JobContext context) = 0;
    // On the owner's thread, once the task has ended: hands the stored result to the handler.
    virtual void deliverResult() = 0;

private:
    friend struct detail::JobState;
    void onProgressPosted();
    void onTaskEnded();

    std::shared_ptr<detail::JobState> m_state;
    bool m_started = false;
    bool m_finished = false;
    double m_progress = 0.0;
    QString m_progressText;
};

// Turns whatever escaped the work into an Error (call only from inside a catch block).
Error errorFromCurrentException();

template <typename T> class Job final : public JobBase
{
public:
    using Work = std::function<Result<T>(JobContext&)>;
    using Handler = std::function<void(Result<T>)>;

    explicit Job(Work work, QObject* parent = nullptr)
        : JobBase(parent), m_work(std::move(work)), m_slot(std::make_shared<std::optional<Result<T>>>())
    {}

    // Called once on the owner's thread with the work's result, unless the job is destroyed first.
    void onFinished(Handler handler) { m_handler = std::move(handler); }

protected:
    std::function<void()> makeTask(JobContext context) override
    {
        return [work = std::move(m_work), slot = m_slot, context]() mutable {
            if (context.isCancelled()) {
                slot->emplace(std::unexpected(JobContext::cancelledError()));
                return;
            }
            try {
                slot->emplace(work(context));
            } catch (...) {
                slot->emplace(std::unexpected(errorFromCurrentException()));
            }
        };
    }

    void deliverResult() override
    {
        if (!m_handler || !m_slot->has_value())
            return;
        Result<T> result = std::move(**m_slot);
        m_slot->reset();
        Handler handler = std::move(m_handler);
        handler(std::move(result));
    }

private:
    Work m_work;
    Handler m_handler;
    std::shared_ptr<std::optional<Result<T>>> m_slot;
};

// Creates a job owned by `owner`, connects `handler`, starts it on `pool` and returns it (so the
// caller can cancel it or watch its progress). The job deletes itself after the handler has run.
template <typename T>
Job<T>* startJob(JobPool& pool, QObject* owner, typename Job<T>::Work work, typename Job<T>::Handler handler)
{
    auto* job = new Job<T>(std::move(work), owner);
    job->onFinished(std::move(handler));
    QObject::connect(job, &JobBase::finished, job, &QObject::deleteLater);
    job->start(pool);
    return job;
}

} // namespace mwb
