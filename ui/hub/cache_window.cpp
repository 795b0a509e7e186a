#include "hub/cache_window.h"

#include "hub/download_monitor.h"

#include <memory>

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QMessageBox>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace mwb::ui {

namespace {

constexpr int kIdRole = Qt::UserRole;         // downloads: the monitor's id
constexpr int kRepoRole = Qt::UserRole;       // cache: repo id
constexpr int kCommitRole = Qt::UserRole + 1; // cache: commit, empty on a repo row

QString duration(qint64 seconds)
{
    if (seconds < 0)
        return QObject::tr("unknown");
    if (seconds < 60)
        return QObject::tr("%1 s").arg(seconds);
    if (seconds < 3600)
        return QObject::tr("%1 min %2 s").arg(seconds / 60).arg(seconds % 60);
    return QObject::tr("%1 h %2 min").arg(seconds / 3600).arg((seconds % 3600) / 60);
}

QString lastUsed(const QDateTime& time)
{
    return time.isValid() ? QLocale().toString(time.toLocalTime(), QLocale::ShortFormat)
                          : QStringLiteral("-");
}

} // namespace

CacheWindow::CacheWindow(QString cacheDir, QWidget* parent) : QWidget(parent), m_cacheDir(std::move(cacheDir))
{
    setWindowTitle(tr("Downloads and Hub cache"));
    auto* layout = new QVBoxLayout(this);

    layout->addWidget(new QLabel(tr("<b>Downloading</b>"), this));
    m_downloads = new QTreeWidget(this);
    m_downloads->setObjectName(QStringLiteral("downloads"));
    m_downloads->setHeaderLabels({tr("Repo"), tr("File"), tr("Done"), tr("Speed"), tr("Time left")});
    m_downloads->setRootIsDecorated(false);
    layout->addWidget(m_downloads, 1);
    m_cancel = new QPushButton(tr("&Cancel download"), this);
    m_cancel->setObjectName(QStringLiteral("cancelDownload"));
    auto* downloadButtons = new QHBoxLayout;
    downloadButtons->addStretch();
    downloadButtons->addWidget(m_cancel);
    layout->addLayout(downloadButtons);

    auto* cacheTitle = new QLabel(tr("<b>Cached</b> in %1").arg(m_cacheDir.toHtmlEscaped()), this);
    cacheTitle->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(cacheTitle);
    m_cached = new QTreeWidget(this);
    m_cached->setObjectName(QStringLiteral("cachedRepos"));
    m_cached->setHeaderLabels({tr("Repo / revision"), tr("Refs"), tr("Size"), tr("Files"), tr("Last used")});
    layout->addWidget(m_cached, 2);
    m_total = new QLabel(this);
    m_total->setObjectName(QStringLiteral("cacheTotal"));
    m_refresh = new QPushButton(tr("&Refresh"), this);
    m_refresh->setObjectName(QStringLiteral("refreshCache"));
    m_remove = new QPushButton(tr("Re&move..."), this);
    m_remove->setObjectName(QStringLiteral("removeCached"));
    m_remove->setToolTip(tr("Remove the selected repo, or the selected revision and the files no other "
                            "revision uses"));
    auto* cacheButtons = new QHBoxLayout;
    cacheButtons->addWidget(m_total, 1);
    cacheButtons->addWidget(m_refresh);
    cacheButtons->addWidget(m_remove);
    layout->addLayout(cacheButtons);

    connect(&hub::DownloadMonitor::instance(), &hub::DownloadMonitor::changed, this,
            &CacheWindow::showDownloads);
    connect(m_cancel, &QPushButton::clicked, this, &CacheWindow::cancelSelectedDownload);
    connect(m_refresh, &QPushButton::clicked, this, &CacheWindow::refreshCache);
    connect(m_remove, &QPushButton::clicked, this, &CacheWindow::removeSelected);
    connect(m_downloads, &QTreeWidget::itemSelectionChanged, this,
            [this] { m_cancel->setEnabled(!m_downloads->selectedItems().isEmpty()); });
    connect(m_cached, &QTreeWidget::itemSelectionChanged, this,
            [this] { m_remove->setEnabled(!m_scanning && !m_cached->selectedItems().isEmpty()); });
    resize(760, 520);
    showDownloads();
    refreshCache();
}

void CacheWindow::showDownloads()
{
    const quint64 selected =
        m_downloads->currentItem() ? m_downloads->currentItem()->data(0, kIdRole).toULongLong() : 0;
    m_downloads->clear();
    for (const hub::ActiveDownload& d : hub::DownloadMonitor::instance().downloads()) {
        const hub::DownloadProgress& p = d.progress;
        auto* item = new QTreeWidgetItem(m_downloads);
        item->setText(0, d.repoId + '@' + d.revision);
        item->setText(1, p.file.isEmpty()
                             ? tr("starting...")
                             : tr("%1 (%2 of %3 files)").arg(p.file).arg(p.filesDone).arg(p.filesTotal));
        item->setText(2, tr("%1 of %2").arg(hub::formatSize(p.totalDone), hub::formatSize(p.totalBytes)));
        item->setText(3, d.bytesPerSecond > 0 ? tr("%1/s").arg(hub::formatSize(qint64(d.bytesPerSecond)))
                                              : QStringLiteral("-"));
        item->setText(4, duration(d.secondsLeft));
        item->setData(0, kIdRole, QVariant::fromValue(d.id));
        if (d.id == selected)
            m_downloads->setCurrentItem(item);
    }
    if (!m_downloads->currentItem() && m_downloads->topLevelItemCount() > 0)
        m_downloads->setCurrentItem(m_downloads->topLevelItem(0));
    m_cancel->setEnabled(m_downloads->currentItem() != nullptr);
}

void CacheWindow::cancelSelectedDownload()
{
    if (QTreeWidgetItem* item = m_downloads->currentItem())
        hub::DownloadMonitor::instance().cancel(item->data(0, kIdRole).toULongLong());
}

void CacheWindow::refreshCache()
{
    if (m_scanning)
        return;
    m_scanning = true;
    m_remove->setEnabled(false);
    m_total->setText(tr("Scanning..."));
    startJob<hub::CacheInventory>(
        m_jobs, this, [root = m_cacheDir](JobContext&) { return hub::scanCache(root); },
        [this](Result<hub::CacheInventory> scan) {
            m_scanning = false;
            if (!scan)
                m_total->setText(QString::fromStdString(scan.error().message));
            else
                showCache(*scan);
            Q_EMIT cacheScanned();
        });
}

void CacheWindow::showCache(const hub::CacheInventory& inventory)
{
    m_cached->clear();
    for (const hub::CachedRepo& repo : inventory.repos) {
        auto* item = new QTreeWidgetItem(m_cached);
        QStringList refs;
        for (const hub::CachedRevision& r : repo.revisions)
            refs += r.refs;
        item->setText(0, repo.repoType == QLatin1String("model")
                             ? repo.repoId
                             : tr("%1 (%2: not used by Model Workbench)").arg(repo.repoId, repo.repoType));
        item->setText(1, refs.join(QStringLiteral(", ")));
        item->setText(2, hub::formatSize(repo.size));
        item->setText(3, tr("%n revision(s)", "", int(repo.revisions.size())));
        item->setText(4, lastUsed(repo.accessed));
        item->setData(0, kRepoRole, repo.repoType == QLatin1String("model") ? repo.repoId : QString());
        for (const hub::CachedRevision& r : repo.revisions) {
            auto* child = new QTreeWidgetItem(item);
            child->setText(0, r.commit);
            child->setText(1, r.refs.join(QStringLiteral(", ")));
            child->setText(2, hub::formatSize(r.size));
            child->setText(3, QString::number(r.files.size()));
            child->setText(4, lastUsed(r.modified));
            child->setToolTip(3, r.files.join('\n'));
            child->setData(0, kRepoRole, item->data(0, kRepoRole));
            child->setData(0, kCommitRole, r.commit);
        }
    }
    m_cached->resizeColumnToContents(0);
    m_total->setText(
        tr("%1 in %n repo(s)", "", int(inventory.repos.size())).arg(hub::formatSize(inventory.size)));
    m_remove->setEnabled(!m_cached->selectedItems().isEmpty());
}

void CacheWindow::removeSelected()
{
    QTreeWidgetItem* item = m_cached->currentItem();
    if (!item || m_scanning)
        return;
    const QString repoId = item->data(0, kRepoRole).toString();
    const QString commit = item->data(0, kCommitRole).toString();
    if (repoId.isEmpty()) {
        QMessageBox::information(this, tr("Remove"),
                                 tr("Datasets and Spaces are out of scope for Model Workbench; remove them "
                                    "with huggingface_hub's `hf cache rm`."));
        return;
    }
    auto plan = hub::planCacheRemoval(m_cacheDir, repoId, commit);
    if (!plan) {
        QMessageBox::warning(this, tr("Remove"), QString::fromStdString(plan.error().message));
        return;
    }
    const QString what = plan->wholeRepo ? repoId : repoId + '@' + commit.left(12);
    const auto answer = QMessageBox::question(
        this, tr("Remove from the Hub cache"),
        tr("Remove %1 from the shared Hub cache? This frees %2. Other tools that use the cache "
           "(Python included) will download it again when they need it.")
            .arg(what, hub::formatSize(plan->bytesFreed)),
        QMessageBox::Yes | QMessageBox::No, QMessageBox::No);
    if (answer != QMessageBox::Yes)
        return;
    m_scanning = true;
    m_remove->setEnabled(false);
    m_total->setText(tr("Removing %1...").arg(what));
    startJob<void>(
        m_jobs, this, [plan = *plan](JobContext&) { return hub::executeCacheRemoval(plan); },
        [this, what](Result<void> done) {
            m_scanning = false;
            if (!done)
                QMessageBox::warning(this, tr("Remove"), QString::fromStdString(done.error().message));
            else
                Q_EMIT removed(what);
            refreshCache();
        });
}

} // namespace mwb::ui
