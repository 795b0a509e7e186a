#include "hub/hub_client.h"

#include "hub/download_monitor.h"

namespace mwb::hub {

HubClient::HubClient(HubSettings settings, QObject* parent) : QObject(parent), m_settings(std::move(settings))
{
    qRegisterMetaType<mwb::hub::DownloadProgress>();
}

HubClient::~HubClient()
{
    for (const QPointer<HubTask>& task : std::as_const(m_tasks))
        if (task)
            task->cancel();
    m_jobs.cancelAll();
    m_jobs.waitForDone();
}

quint64 HubClient::track(HubTask* task)
{
    const quint64 id = m_nextId++;
    m_tasks.insert(id, task);
    connect(task, &QObject::destroyed, this, [this, id] { m_tasks.remove(id); });
    return id;
}

void HubClient::relayProgress(quint64 id, const DownloadProgress& progress)
{
    if (HubTask* task = m_tasks.value(id))
        Q_EMIT task->progress(progress);
}

HubTask* HubClient::whoAmI(Done<WhoAmI> done)
{
    return run<WhoAmI>([](HubSession& s, const ProgressCallback&) { return s.whoAmI(); }, std::move(done));
}

HubTask* HubClient::whoAmIWithToken(const QString& token, Done<WhoAmI> done)
{
    return run<WhoAmI>([](HubSession& s, const ProgressCallback&) { return s.whoAmI(); }, std::move(done),
                       token);
}

HubTask* HubClient::repoInfo(const QString& repoId, const QString& revision, Done<RepoInfo> done)
{
    return run<RepoInfo>(
        [=](HubSession& s, const ProgressCallback&) { return s.repoInfo(repoId, revision, true); },
        std::move(done));
}

HubTask* HubClient::refs(const QString& repoId, Done<RepoRefs> done)
{
    return run<RepoRefs>([=](HubSession& s, const ProgressCallback&) { return s.refs(repoId); },
                         std::move(done));
}

HubTask* HubClient::commitsPage(const QString& repoId,
                                const QString& revision,
                                const QUrl& pageUrl,
                                Done<CommitPage> done)
{
    return run<CommitPage>(
        [=](HubSession& s, const ProgressCallback&) { return s.commitsPage(repoId, revision, pageUrl); },
        std::move(done));
}

HubTask* HubClient::tree(const QString& repoId, const QString& revision, Done<QList<TreeEntry>> done)
{
    return run<QList<TreeEntry>>(
        [=](HubSession& s, const ProgressCallback&) { return s.tree(repoId, revision); }, std::move(done));
}

HubTask* HubClient::downloadSnapshot(const QString& repoId,
                                     const QString& revision,
                                     const QStringList& files,
                                     Done<SnapshotResult> done)
{
    HubTask* task = run<SnapshotResult>(
        [=](HubSession& s, const ProgressCallback& progress) {
            return s.downloadSnapshot(repoId, revision, files, progress);
        },
        std::move(done));
    DownloadMonitor::instance().track(task, repoId, revision); // for the Downloads/Cache window
    return task;
}

} // namespace mwb::hub
