#pragma once

// The download cache exactly as huggingface_hub lays it out (ARCHITECTURE.md, "Hub: cache layout"), so Python
// tools and Model Workbench share downloads both ways:
//   <cache>/models--org--name/blobs/<etag>                 file content (etag: git sha1 or sha256)
//   <cache>/models--org--name/refs/<revision>              the 40-hex commit, no newline
//   <cache>/models--org--name/snapshots/<commit>/<path>    relative symlink to ../../blobs/<etag>
//   <cache>/models--org--name/.no_exist/<commit>/<path>    empty: "absent at this commit"
//   <cache>/models--org--name/trees/<commit>.json          file list of a complete snapshot (HH 2026 format)
//   <cache>/.locks/models--org--name/<etag>.lock           flock()ed while a blob is written or linked
// Every write goes to a temporary name first and is renamed into place. Repo paths and revisions are
// checked by checkedRepoPath()/checkedRevision() before they become file names, so hostile names never
// write outside the cache. Stateless apart from the root; any thread.

#include "error.h"
#include "hub/hub_paths.h"
#include "hub/hub_types.h"

#include <optional>
#include <utility>

#include <QString>

namespace mwb::hub {

// A repo path safe to use under a snapshot folder: relative, '/'-separated, no "." / ".." / empty
// segments, no backslash, no NUL, no drive letter. Returns it unchanged, or an Unsafe error naming it.
Result<QString> checkedRepoPath(const QString& path);
// A revision safe to use as refs/<revision> (may contain '/' as in refs/pr/1).
Result<QString> checkedRevision(const QString& revision);

// git's blob id of some content: sha1("blob <size>\0" + content), lowercase hex. For regular files this
// is the tree `oid` and the cache blob name.
QString gitBlobSha1OfFile(const QString& filePath);
QString sha256OfFile(const QString& filePath);

// Holds an exclusive flock() on a lock file for its lifetime (compatible with Python's filelock).
class CacheLock
{
public:
    CacheLock() = default;
    CacheLock(CacheLock&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
    CacheLock& operator=(CacheLock&&) = delete;
    ~CacheLock();
    static Result<CacheLock> acquire(const QString& lockPath);

private:
    int m_fd = -1;
};

class HubCache
{
public:
    explicit HubCache(QString cacheDir) : m_root(std::move(cacheDir)) {}

    const QString& root() const { return m_root; }
    QString repoDir(const QString& repoId) const;
    QString blobPath(const QString& repoId, const QString& etag) const;
    QString incompletePath(const QString& repoId, const QString& etag) const; // blobs/<etag>.incomplete
    QString lockPath(const QString& repoId, const QString& etag) const;
    QString snapshotDir(const QString& repoId, const QString& commit) const;
    QString snapshotFile(const QString& repoId, const QString& commit, const QString& path) const;
    QString refPath(const QString& repoId, const QString& revision) const;
    QString noExistPath(const QString& repoId, const QString& commit, const QString& path) const;
    QString treeCachePath(const QString& repoId, const QString& commit) const;

    // A full commit id stands for itself; anything else is looked up in refs/. nullopt when unknown.
    std::optional<QString> cachedCommit(const QString& repoId, const QString& revision) const;
    // try_to_load_from_cache: the snapshot file for the revision if it is there (following symlinks).
    std::optional<QString>
    cachedFile(const QString& repoId, const QString& revision, const QString& path) const;
    bool isKnownMissing(const QString& repoId, const QString& revision, const QString& path) const;

    // refs/<revision> := commit, unless the revision is the commit itself; only rewritten when it changed.
    Result<void> writeRef(const QString& repoId, const QString& revision, const QString& commit) const;
    // snapshots/<commit>/<path> -> relative path to blobs/<etag>, replacing what was there atomically.
    Result<void> linkSnapshotFile(const QString& repoId,
                                  const QString& commit,
                                  const QString& path,
                                  const QString& etag) const;
    Result<void> markMissing(const QString& repoId, const QString& commit, const QString& path) const;

    // trees/<commit>.json: written once a whole snapshot is present; read to serve a full commit id with
    // no request at all.
    Result<void>
    writeTreeCache(const QString& repoId, const QString& commit, const QList<TreeEntry>& files) const;
    std::optional<QList<TreeEntry>> readTreeCache(const QString& repoId, const QString& commit) const;

private:
    QString m_root;
};

} // namespace mwb::hub
