#pragma once

// What the shared Hub cache holds, checked and pruned, as `hf cache ls / verify / rm` do
// (ARCHITECTURE.md, "Hub: cache layout"): repos with their revisions (snapshots/<commit>), the refs naming
// them, sizes counted once per blob, and when they were last used. Verification re-hashes every blob against
// the ETag it is named by (sha256 for LFS files, git blob sha1 for regular ones). Removal deletes a whole
// repo, or one revision plus the blobs no other revision of the repo uses; it never follows a symlink out of
// the repo folder. Besides downloads, removal is the only thing in the app that changes the cache.
//
// Free functions over the file system, synchronous: run them off the GUI thread (they read every
// file). Any thread; a cancel flag, when given, is polled between files. Errors come back as values that
// name the path.

#include "error.h"

#include <atomic>
#include <functional>

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

namespace mwb::hub {

struct CachedRevision
{
    QString commit;     // 40-hex: the snapshots/<commit> folder name
    QStringList refs;   // revisions whose refs/ file names this commit ("main", "v1.0", "refs/pr/1")
    QStringList files;  // repo paths in the snapshot, sorted
    qint64 size = 0;    // bytes of the distinct blobs the snapshot uses
    QDateTime modified; // newest modification time of its files
};

struct CachedRepo
{
    QString repoType; // "model", "dataset" or "space" (Model Workbench uses models only)
    QString repoId;   // "org/name"
    QString folder;   // <cache>/models--org--name
    qint64 size = 0;  // bytes in blobs/ (plus real files of no-symlink snapshots)
    int blobCount = 0;
    QDateTime accessed;              // newest access time of a blob: "last used"
    QDateTime modified;              // newest modification time
    QList<CachedRevision> revisions; // newest first
    QStringList incomplete;          // blobs/*.incomplete: interrupted downloads
};

struct CacheInventory
{
    QString root;
    QList<CachedRepo> repos; // sorted by repo id
    qint64 size = 0;
};

// Every repo folder under `root` (a missing root is an empty inventory).
Result<CacheInventory> scanCache(const QString& root);

struct VerifyProblem
{
    QString path;    // the blob or snapshot entry at fault
    QString problem; // "content does not match its name (sha256 ...)", "link points to a missing blob", ...
};

struct VerifyReport
{
    QString repoId;
    int blobsChecked = 0;
    int filesChecked = 0; // snapshot entries (links and no-symlink copies)
    qint64 bytesHashed = 0;
    QList<VerifyProblem> problems;
};

using VerifyProgress = std::function<void(qint64 bytesDone, qint64 bytesTotal)>;

// Re-hashes every blob of `repoId` against its name and checks every snapshot entry resolves to a blob
// (or, in no-symlink mode, to content equal to a blob of that name elsewhere in the repo).
Result<VerifyReport> verifyCachedRepo(const QString& root,
                                      const QString& repoId,
                                      const std::atomic_bool* cancel = nullptr,
                                      const VerifyProgress& progress = {});

struct RemovalPlan
{
    QString repoId;
    QString folder;
    bool wholeRepo = false;
    QStringList commits;   // revisions removed
    QStringList refs;      // refs/ files removed
    QStringList deletions; // absolute paths to delete (files, links or folders)
    qint64 bytesFreed = 0;
};

// What `rm REPO` (revision empty) or `rm REPO@REV` would delete. REV is a full commit id or a revision
// with a refs/ file. Removing the last revision removes the whole repo. Nothing is deleted here.
Result<RemovalPlan>
planCacheRemoval(const QString& root, const QString& repoId, const QString& revision = {});
// Deletes what the plan lists (links themselves, never their targets).
Result<void> executeCacheRemoval(const RemovalPlan& plan);

// "12.3 MB": sizes as `hf cache ls` shows them (powers of 1000).
QString formatSize(qint64 bytes);

} // namespace mwb::hub
