#pragma once

// The Downloads/Cache window (Hub ▸ Downloads and Cache...): what is downloading right now (repo, file,
// bytes, speed, time left, Cancel) from hub::DownloadMonitor, and what the shared Hub cache holds (repos
// and their revisions with refs, sizes, last used, the total), with Remove for a repo or one revision
// (the same removal as `mwb cache rm`, confirmed first). Scanning and removing run off the GUI thread.
// GUI thread only. Widget names for tests: "downloads", "cancelDownload", "cachedRepos", "cacheTotal",
// "refreshCache", "removeCached".

#include "hub/hub_cache_scan.h"
#include "jobs/job.h"

#include <QWidget>

class QLabel;
class QPushButton;
class QTreeWidget;

namespace mwb::ui {

class CacheWindow : public QWidget
{
    Q_OBJECT

public:
    // `cacheDir`: the cache to show (HubSettings::fromEnvironment().cacheDir in the app).
    explicit CacheWindow(QString cacheDir, QWidget* parent = nullptr);

    void refreshCache(); // rescans in the background; cacheScanned() when the list is up to date

Q_SIGNALS:
    void cacheScanned();
    void removed(const QString& what); // after a removal finished (then a rescan starts)

private:
    void showDownloads();
    void showCache(const hub::CacheInventory& inventory);
    void cancelSelectedDownload();
    void removeSelected();

    QString m_cacheDir;
    QTreeWidget* m_downloads = nullptr;
    QPushButton* m_cancel = nullptr;
    QTreeWidget* m_cached = nullptr;
    QLabel* m_total = nullptr;
    QPushButton* m_remove = nullptr;
    QPushButton* m_refresh = nullptr;
    bool m_scanning = false;
    JobPool m_jobs{1}; // scans and removals, one at a time; destroyed first (it waits for them)
};

} // namespace mwb::ui
