#include "jobs/job.h"

#include <exception>
#include <new>

#include <QMetaObject>

namespace mwb {

namespace detail {

// Shared by a Job (owner thread) and its task (pool thread). `owner` is reset under `mutex` by the
// Job's destructor, and the task only posts to the owner under the same mutex, so a post never
// targets a destroyed Job (and Qt drops events still queued for an object when it is destroyed).
struct JobState
{
    std::atomic<bool> cancel{false};
    std::mutex mutex;
    JobBase* owner = nullptr;
    double fraction = 0.0;
    QString text;
    bool progressPosted = false;

    void postProgress(double newFraction, const QString& newText)
    {
        std::lock_guard lock(mutex);
        fraction = newFraction;
        text = newText;
        if (progressPosted || !owner)
            return;
        progressPosted = true;
        JobBase* target = owner;
        QMetaObject::invokeMethod(
            target, [target] { target->onProgressPosted(); }, Qt::QueuedConnection);
    }

    void postEnded()
    {
        std::lock_guard lock(mutex);
        if (!owner)
            return;
        JobBase* target = owner;
        QMetaObject::invokeMethod(
            target, [target] { target->onTaskEnded(); }, Qt::QueuedConnection);
    }
};

} // namespace detail

// --- JobContext ---

JobContext::JobContext(std::shared_ptr<detail::JobState> state) : m_state(std::move(state)) {}

bool JobContext::isCancelled() const noexcept
{
    return m_state->cancel.load(std::memory_order_relaxed);
}

const std::atomic<bool>& JobContext::cancelFlag() const noexcept
{
    return m_state->cancel;
}

void JobContext::setProgress(double fraction, const QString& text)
{
    m_state->postProgress(fraction, text);
}

Error JobContext::cancelledError()
{
    return Error{ErrorKind::Cancelled, "cancelled"};
}

// --- JobPool ---

JobPool::JobPool(int maxThreads)
{
    m_pool.setMaxThreadCount(maxThreads < 1 ? 1 : maxThreads);
}

JobPool::~JobPool()
{
    cancelAll();
    m_pool.waitForDone();
}

void JobPool::cancelAll()
{
    std::lock_guard lock(m_mutex);
    for (const auto& weak : m_states)
        if (auto state = weak.lock())
            state->cancel.store(true);
}

bool JobPool::waitForDone(int msecs)
{
    return m_pool.waitForDone(msecs);
}

void JobPool::submit(std::shared_ptr<detail::JobState> state, std::function<void()> task)
{
    {
        std::lock_guard lock(m_mutex);
        std::erase_if(m_states, [](const auto& weak) { return weak.expired(); });
        m_states.push_back(state);
    }
    m_pool.start([state = std::move(state), task = std::move(task)]() mutable {
        task();
        task = nullptr; // release what the work captured before telling the owner
        state->postEnded();
    });
}

// --- JobBase ---

JobBase::JobBase(QObject* parent) : QObject(parent), m_state(std::make_shared<detail::JobState>())
{
    m_state->owner = this;
}

JobBase::~JobBase()
{
    m_state->cancel.store(true);
    std::lock_guard lock(m_state->mutex);
    m_state->owner = nullptr;
}

void JobBase::start(JobPool& pool)
{
    if (m_started)
        return;
    m_started = true;
    pool.submit(m_state, makeTask(JobContext(m_state)));
}

void JobBase::cancel()
{
    m_state->cancel.store(true);
}

bool JobBase::isCancelRequested() const
{
    return m_state->cancel.load();
}

void JobBase::onProgressPosted()
{
    {
        std::lock_guard lock(m_state->mutex);
        m_state->progressPosted = false;
        m_progress = m_state->fraction;
        m_progressText = m_state->text;
    }
    Q_EMIT progressChanged(m_progress, m_progressText);
}

void JobBase::onTaskEnded()
{
    m_finished = true;
    deliverResult();
    Q_EMIT finished();
}

Error errorFromCurrentException()
{
    try {
        throw;
    } catch (const std::bad_alloc&) {
        return Error{ErrorKind::Io, "out of memory"};
    } catch (const std::exception& e) {
        return Error{ErrorKind::InvalidInput, std::string("unexpected error: ") + e.what()};
    } catch (...) {
        return Error{ErrorKind::InvalidInput, "unexpected error of an unknown type"};
    }
}

} // namespace mwb
