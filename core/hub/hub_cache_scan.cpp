#include "hub/hub_cache_scan.h"

#include "hub/hub_cache.h"
#include "hub/hub_paths.h"

#include <filesystem>
#include <map>
#include <set>

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>

namespace mwb::hub {

namespace {

constexpr QDir::Filters kEntries = QDir::Files | QDir::System | QDir::Hidden; // System: dangling links

// One repo folder, with what removal needs beyond CachedRepo: which blobs each revision uses.
struct RepoScan
{
    CachedRepo repo;
    std::map<QString, qint64> blobSizes;          // blob name -> bytes
    std::map<QString, std::set<QString>> blobsOf; // commit -> blob names its links use
    std::map<QString, qint64> copiedBytes;        // commit -> bytes of real files (no-symlink mode)
    std::map<QString, QStringList> refFiles;      // commit -> refs/ paths naming it
};

// Whether a snapshot link's target lies directly in `blobs` (both sides with their links resolved).
bool pointsIntoBlobs(const QFileInfo& target, const QString& blobs)
{
    return QFileInfo(target.absolutePath()).canonicalFilePath() == QFileInfo(blobs).canonicalFilePath();
}

QDateTime newer(const QDateTime& a, const QDateTime& b)
{
    return !a.isValid() || (b.isValid() && b > a) ? b : a;
}

bool splitFolderName(const QString& name, QString& type, QString& repoId)
{
    static const QRegularExpression re(QStringLiteral("^(models|datasets|spaces)--(.+)$"));
    const auto m = re.match(name);
    if (!m.hasMatch())
        return false;
    type = m.captured(1).chopped(1); // "models" -> "model"
    repoId = m.captured(2).replace(QStringLiteral("--"), QStringLiteral("/"));
    return true;
}

RepoScan scanRepo(const QString& folder, const QString& type, const QString& repoId)
{
    RepoScan scan;
    CachedRepo& repo = scan.repo;
    repo.repoType = type;
    repo.repoId = repoId;
    repo.folder = folder;
    const QString blobs = folder + QStringLiteral("/blobs");
    for (const QFileInfo& blob : QDir(blobs).entryInfoList(kEntries, QDir::Name)) {
        if (blob.fileName().endsWith(QLatin1String(".incomplete"))) {
            repo.incomplete.append(blob.fileName());
            continue;
        }
        scan.blobSizes[blob.fileName()] = blob.size();
        repo.size += blob.size();
        ++repo.blobCount;
        repo.accessed = newer(repo.accessed, blob.lastRead());
        repo.modified = newer(repo.modified, blob.lastModified());
    }
    QDirIterator refs(folder + QStringLiteral("/refs"), kEntries, QDirIterator::Subdirectories);
    while (refs.hasNext()) {
        const QString path = refs.next();
        QFile file(path);
        if (file.open(QIODevice::ReadOnly))
            scan.refFiles[QString::fromLatin1(file.read(100)).trimmed()].append(path);
    }
    const QString snapshots = folder + QStringLiteral("/snapshots");
    for (const QString& commit : QDir(snapshots).entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
        CachedRevision revision;
        revision.commit = commit;
        const QString dir = snapshots + '/' + commit;
        std::set<QString>& used = scan.blobsOf[commit];
        QDirIterator it(dir, kEntries, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QFileInfo entry(it.next());
            revision.files.append(QDir(dir).relativeFilePath(entry.filePath()));
            revision.modified = newer(revision.modified, entry.lastModified());
            if (entry.isSymLink()) {
                const QFileInfo target(entry.symLinkTarget());
                if (pointsIntoBlobs(target, blobs))
                    used.insert(target.fileName());
            } else {
                scan.copiedBytes[commit] += entry.size();
                repo.size += entry.size();
            }
        }
        revision.files.sort();
        for (const QString& blob : used)
            revision.size += scan.blobSizes.count(blob) ? scan.blobSizes[blob] : 0;
        revision.size += scan.copiedBytes[commit];
        for (const QString& refPath : scan.refFiles[commit])
            revision.refs.append(QDir(folder + QStringLiteral("/refs")).relativeFilePath(refPath));
        revision.refs.sort();
        repo.modified = newer(repo.modified, revision.modified);
        repo.revisions.append(revision);
    }
    std::sort(repo.revisions.begin(), repo.revisions.end(),
              [](const CachedRevision& a, const CachedRevision& b) { return a.modified > b.modified; });
    return scan;
}

// The model repo folder of `repoId`, or an error saying why it cannot be used.
Result<QString> cachedRepoFolder(const QString& root, const QString& repoId)
{
    if (auto ok = validateRepoId(repoId); !ok)
        return std::unexpected(ok.error());
    const QString folder = HubCache(root).repoDir(repoId);
    if (!QFileInfo(folder).isDir())
        return fail(ErrorKind::InvalidInput, repoId.toStdString() + " is not in the Hub cache " +
                                                 root.toStdString() + "; `mwb cache ls` lists what is");
    return folder;
}

QString hashOfBlob(const QString& path, const QString& name)
{
    return name.size() == 64 ? sha256OfFile(path) : gitBlobSha1OfFile(path);
}

} // namespace

Result<CacheInventory> scanCache(const QString& root)
{
    CacheInventory inventory;
    inventory.root = root;
    for (const QFileInfo& entry : QDir(root).entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
        QString type, repoId;
        if (!splitFolderName(entry.fileName(), type, repoId))
            continue; // .locks, CACHEDIR.TAG, unrelated folders
        inventory.repos.append(scanRepo(entry.absoluteFilePath(), type, repoId).repo);
        inventory.size += inventory.repos.last().size;
    }
    std::sort(inventory.repos.begin(), inventory.repos.end(), [](const CachedRepo& a, const CachedRepo& b) {
        return std::pair(a.repoType, a.repoId) < std::pair(b.repoType, b.repoId);
    });
    return inventory;
}

Result<VerifyReport> verifyCachedRepo(const QString& root,
                                      const QString& repoId,
                                      const std::atomic_bool* cancel,
                                      const VerifyProgress& progress)
{
    auto folder = cachedRepoFolder(root, repoId);
    if (!folder)
        return std::unexpected(folder.error());
    const RepoScan scan = scanRepo(*folder, QStringLiteral("model"), repoId);
    VerifyReport report;
    report.repoId = repoId;
    qint64 total = 0;
    for (const auto& [name, size] : scan.blobSizes)
        total += size;
    static const QRegularExpression etag(QStringLiteral("^([0-9a-f]{40}|[0-9a-f]{64})$"));
    const QString blobs = *folder + QStringLiteral("/blobs/");
    for (const auto& [name, size] : scan.blobSizes) {
        if (cancel && cancel->load())
            return fail(ErrorKind::Cancelled, "cancelled");
        const QString path = blobs + name;
        ++report.blobsChecked;
        if (!etag.match(name).hasMatch()) {
            report.problems.append(
                {path, QStringLiteral("not named by a sha256 or git sha1, so it cannot be checked")});
            continue;
        }
        const QString actual = hashOfBlob(path, name);
        if (actual.isEmpty())
            report.problems.append({path, QStringLiteral("cannot be read")});
        else if (actual != name)
            report.problems.append(
                {path, QStringLiteral("its content does not match its name (%1 %2)")
                           .arg(name.size() == 64 ? QStringLiteral("sha256") : QStringLiteral("git sha1"),
                                actual)});
        report.bytesHashed += size;
        if (progress)
            progress(report.bytesHashed, total);
    }
    for (const CachedRevision& revision : scan.repo.revisions)
        for (const QString& file : revision.files) {
            const QString path = *folder + QStringLiteral("/snapshots/") + revision.commit + '/' + file;
            const QFileInfo entry(path);
            ++report.filesChecked;
            if (!entry.isSymLink())
                continue; // a no-symlink copy: its blob name is not recorded next to it
            const QFileInfo target(entry.symLinkTarget());
            if (!pointsIntoBlobs(target, blobs))
                report.problems.append({path, QStringLiteral("links outside the repo's blobs folder, to %1")
                                                  .arg(entry.symLinkTarget())});
            else if (!target.exists())
                report.problems.append(
                    {path, QStringLiteral("links to a missing blob %1").arg(target.fileName())});
        }
    return report;
}

Result<RemovalPlan> planCacheRemoval(const QString& root, const QString& repoId, const QString& revision)
{
    auto folder = cachedRepoFolder(root, repoId);
    if (!folder)
        return std::unexpected(folder.error());
    const RepoScan scan = scanRepo(*folder, QStringLiteral("model"), repoId);
    RemovalPlan plan;
    plan.repoId = repoId;
    plan.folder = *folder;
    QString commit;
    if (!revision.isEmpty()) {
        const auto resolved = HubCache(root).cachedCommit(repoId, revision);
        commit = resolved.value_or(QString());
        if (commit.isEmpty() || !QFileInfo(*folder + QStringLiteral("/snapshots/") + commit).isDir()) {
            QStringList known;
            for (const CachedRevision& r : scan.repo.revisions)
                known.append(r.commit.left(12) +
                             (r.refs.isEmpty() ? QString() : " (" + r.refs.join(", ") + ')'));
            return fail(ErrorKind::InvalidInput,
                        "revision \"" + revision.toStdString() + "\" of " + repoId.toStdString() +
                            " is not in the cache; cached revisions: " +
                            (known.isEmpty() ? std::string("none") : known.join(", ").toStdString()));
        }
    }
    if (revision.isEmpty() || scan.repo.revisions.size() <= 1) {
        plan.wholeRepo = true;
        for (const CachedRevision& r : scan.repo.revisions) {
            plan.commits.append(r.commit);
            plan.refs += r.refs;
        }
        plan.deletions = {*folder, root + QStringLiteral("/.locks/") + QFileInfo(*folder).fileName()};
        plan.bytesFreed = scan.repo.size;
        return plan;
    }
    plan.commits = {commit};
    std::set<QString> usedElsewhere;
    for (const auto& [other, blobs] : scan.blobsOf)
        if (other != commit)
            usedElsewhere.insert(blobs.begin(), blobs.end());
    plan.deletions.append(*folder + QStringLiteral("/snapshots/") + commit);
    for (const QString& extra :
         {QStringLiteral("/.no_exist/") + commit, QStringLiteral("/trees/") + commit + ".json"})
        if (QFileInfo::exists(*folder + extra))
            plan.deletions.append(*folder + extra);
    if (scan.refFiles.count(commit))
        for (const QString& ref : scan.refFiles.at(commit)) {
            plan.deletions.append(ref);
            plan.refs.append(QDir(*folder + QStringLiteral("/refs")).relativeFilePath(ref));
        }
    if (scan.blobsOf.count(commit))
        for (const QString& blob : scan.blobsOf.at(commit))
            if (!usedElsewhere.count(blob) && scan.blobSizes.count(blob)) {
                plan.deletions.append(*folder + QStringLiteral("/blobs/") + blob);
                plan.bytesFreed += scan.blobSizes.at(blob);
            }
    plan.bytesFreed += scan.copiedBytes.count(commit) ? scan.copiedBytes.at(commit) : 0;
    return plan;
}

Result<void> executeCacheRemoval(const RemovalPlan& plan)
{
    const QString root = QFileInfo(plan.folder).absolutePath();
    for (const QString& path : plan.deletions) {
        // Only the repo folder and its lock folder, ever; remove_all deletes links, not their targets.
        const QString locks = root + QStringLiteral("/.locks/") + QFileInfo(plan.folder).fileName();
        if (!(path == plan.folder || path.startsWith(plan.folder + '/') || path == locks))
            return fail(ErrorKind::Unsafe, path.toStdString() + ": outside " + plan.folder.toStdString() +
                                               "; refusing to delete it");
        std::error_code ec;
        std::filesystem::remove_all(path.toStdString(), ec);
        if (ec)
            return fail(ErrorKind::Io, path.toStdString() + ": cannot remove: " + ec.message());
    }
    return {};
}

QString formatSize(qint64 bytes)
{
    if (bytes < 1000)
        return QStringLiteral("%1 B").arg(bytes);
    static const char* const units[] = {"kB", "MB", "GB", "TB", "PB"};
    double value = double(bytes);
    int unit = -1;
    while (value >= 1000 && unit < 4) {
        value /= 1000;
        ++unit;
    }
    return QStringLiteral("%1 %2").arg(value, 0, 'f', 1).arg(QLatin1String(units[unit]));
}

} // namespace mwb::hub
