#pragma once

// The Hub client for the GUI: every operation runs a HubSession as a Job (core/jobs) on the client's
// own JobPool, so the GUI thread never waits. Create and use HubClient from one thread with an event
// loop (the GUI thread). Each call returns a HubTask owned by the client (it deletes itself after
// `finished`); the completion callback runs on the client's thread with the Result, then `finished`
// is emitted. `progress` signals arrive on the client's thread too, at most about 20 per second.
// HubTask::cancel() may be called from any thread; the callback then receives an
// ErrorKind::Cancelled error. Deleting a HubTask drops its callback. Destroying the client cancels
// running tasks and waits for them.

#include "error.h"
#include "hub/hub_paths.h"
#include "hub/hub_session.h"
#include "hub/hub_types.h"
#include "jobs/job.h"

#include <atomic>
#include <functional>
#include <memory>

#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>

namespace mwb::hub {

class HubTask : public QObject
{
    Q_OBJECT

public:
    explicit HubTask(QObject* parent = nullptr) : QObject(parent) {}
    void cancel() { m_cancel->store(true); }
    bool isCancelled() const { return m_cancel->load(); }
    const std::shared_ptr<std::atomic_bool>& cancelFlag() const { return m_cancel; }

Q_SIGNALS:
    void progress(const mwb::hub::DownloadProgress& progress);
    void finished();

private:
    std::shared_ptr<std::atomic_bool> m_cancel = std::make_shared<std::atomic_bool>(false);
};

class HubClient : public QObject
{
    Q_OBJECT

public:
    explicit HubClient(HubSettings settings = HubSettings::fromEnvironment(), QObject* parent = nullptr);
    ~HubClient() override;

    const HubSettings& settings() const { return m_settings; }
    // Applies to tasks started afterwards (e.g. after login, to pick up the new token).
    void setSettings(HubSettings settings) { m_settings = std::move(settings); }

    template <typename T> using Done = std::function<void(Result<T>)>;

    HubTask* whoAmI(Done<WhoAmI> done);
    // Validates `token` with whoami-v2 without storing it (the login dialog).
    HubTask* whoAmIWithToken(const QString& token, Done<WhoAmI> done);
    HubTask* repoInfo(const QString& repoId, const QString& revision, Done<RepoInfo> done);
    HubTask* refs(const QString& repoId, Done<RepoRefs> done);
    // One page at a time, for a list that loads more as the user scrolls; pass the previous page's `next`.
    HubTask*
    commitsPage(const QString& repoId, const QString& revision, const QUrl& pageUrl, Done<CommitPage> done);
    HubTask* tree(const QString& repoId, const QString& revision, Done<QList<TreeEntry>> done);
    HubTask* downloadSnapshot(const QString& repoId,
                              const QString& revision,
                              const QStringList& files,
                              Done<SnapshotResult> done);

    // Runs any HubSession work on a worker thread; the building block of the calls above.
    template <typename T>
    HubTask* run(std::function<Result<T>(HubSession&, const ProgressCallback&)> work,
                 Done<T> done,
                 std::optional<QString> token = std::nullopt);

private:
    // Registers `task` for progress relayed from its worker (by id: the worker never touches it).
    quint64 track(HubTask* task);
    void relayProgress(quint64 id, const DownloadProgress& progress);

    HubSettings m_settings;
    QHash<quint64, QPointer<HubTask>> m_tasks;
    quint64 m_nextId = 1;
    JobPool m_jobs{8}; // network-bound work: several at once; declared last, so it is destroyed first
};

template <typename T>
HubTask* HubClient::run(std::function<Result<T>(HubSession&, const ProgressCallback&)> work,
                        Done<T> done,
                        std::optional<QString> token)
{
    auto* task = new HubTask(this);
    const quint64 id = track(task);
    auto flag = task->cancelFlag();
    auto job = [this, id, settings = m_settings, token, flag, work](JobContext&) -> Result<T> {
        HubSession session(settings, token);
        session.setCancelFlag(flag);
        QElapsedTimer sinceLast;
        sinceLast.start();
        const ProgressCallback progress = [&](const DownloadProgress& p) {
            const bool last = p.filesDone == p.filesTotal && p.totalDone == p.totalBytes;
            if (!last && sinceLast.elapsed() < 50)
                return;
            sinceLast.restart();
            // The client outlives every job (its destructor waits for them).
            QMetaObject::invokeMethod(
                this, [this, id, p] { relayProgress(id, p); }, Qt::QueuedConnection);
        };
        return work(session, progress);
    };
    // The job is the task's child: deleting the task drops the job's result and callback.
    startJob<T>(m_jobs, task, std::move(job), [task, done](Result<T> result) {
        if (done)
            done(std::move(result));
        Q_EMIT task->finished();
        task->deleteLater();
    });
    return task;
}

} // namespace mwb::hub

Q_DECLARE_METATYPE(mwb::hub::DownloadProgress)
