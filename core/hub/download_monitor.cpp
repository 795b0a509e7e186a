#include "hub/download_monitor.h"

#include "hub/hub_client.h"

namespace mwb::hub {

namespace {
constexpr qint64 kSpeedWindowMs = 5000;
}

DownloadMonitor& DownloadMonitor::instance()
{
    static DownloadMonitor monitor;
    return monitor;
}

void DownloadMonitor::track(HubTask* task, const QString& repoId, const QString& revision)
{
    Entry entry;
    entry.download.id = m_nextId++;
    entry.download.repoId = repoId;
    entry.download.revision = revision.isEmpty() ? QStringLiteral("main") : revision;
    entry.task = task;
    entry.clock.start();
    const quint64 id = entry.download.id;
    m_entries.append(entry);
    connect(task, &HubTask::progress, this, [this, id](const DownloadProgress& p) { update(id, p); });
    connect(task, &HubTask::finished, this, [this, id] { remove(id); });
    connect(task, &QObject::destroyed, this, [this, id] { remove(id); });
    Q_EMIT changed();
}

QList<ActiveDownload> DownloadMonitor::downloads() const
{
    QList<ActiveDownload> out;
    for (const Entry& e : m_entries)
        out.append(e.download);
    return out;
}

bool DownloadMonitor::cancel(quint64 id)
{
    for (Entry& e : m_entries)
        if (e.download.id == id && e.task) {
            e.task->cancel();
            return true;
        }
    return false;
}

void DownloadMonitor::update(quint64 id, const DownloadProgress& progress)
{
    for (Entry& e : m_entries) {
        if (e.download.id != id)
            continue;
        e.download.progress = progress;
        const qint64 now = e.clock.elapsed();
        e.samples.append({now, progress.totalDone});
        while (e.samples.size() > 2 && now - e.samples.first().first > kSpeedWindowMs)
            e.samples.removeFirst();
        const auto& first = e.samples.first();
        const qint64 spanMs = now - first.first;
        if (spanMs >= 200) {
            e.download.bytesPerSecond = double(progress.totalDone - first.second) * 1000.0 / double(spanMs);
            const qint64 left = progress.totalBytes - progress.totalDone;
            e.download.secondsLeft =
                e.download.bytesPerSecond > 0 ? qint64(double(left) / e.download.bytesPerSecond + 0.5) : -1;
        }
        Q_EMIT changed();
        return;
    }
}

void DownloadMonitor::remove(quint64 id)
{
    const qsizetype before = m_entries.size();
    m_entries.removeIf([id](const Entry& e) { return e.download.id == id; });
    if (m_entries.size() != before)
        Q_EMIT changed();
}

} // namespace mwb::hub
