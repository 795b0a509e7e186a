#pragma once

// What the app is downloading from the Hub right now, for the Downloads/Cache window: every
// HubClient::downloadSnapshot registers here while it runs, with its latest progress, a transfer speed
// (bytes over the last few seconds) and an estimate of the time left, and a way to cancel it.
// One instance per process (instance()); use it from the GUI thread only (HubClient's thread), where
// task progress arrives.

#include "hub/hub_types.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QPair>
#include <QPointer>

namespace mwb::hub {

class HubTask;

struct ActiveDownload
{
    quint64 id = 0;
    QString repoId;
    QString revision;
    DownloadProgress progress;
    double bytesPerSecond = 0; // 0 until two samples a little apart are known
    qint64 secondsLeft = -1;   // -1 when unknown
};

class DownloadMonitor : public QObject
{
    Q_OBJECT

public:
    static DownloadMonitor& instance();

    // Follows `task` until it finishes (then the entry disappears).
    void track(HubTask* task, const QString& repoId, const QString& revision);
    QList<ActiveDownload> downloads() const;
    // Cancels the download with this id; false if it is no longer running.
    bool cancel(quint64 id);

Q_SIGNALS:
    void changed(); // a download started, progressed or ended

private:
    struct Entry
    {
        ActiveDownload download;
        QPointer<HubTask> task;
        QList<QPair<qint64, qint64>> samples; // (ms since start, bytes done), the last few seconds
        QElapsedTimer clock;
    };
    void update(quint64 id, const DownloadProgress& progress);
    void remove(quint64 id);

    QList<Entry> m_entries;
    quint64 m_nextId = 1;
};

} // namespace mwb::hub
