#pragma once

// Where the review gets repo snapshots from: the Hub (through hub::HubSession, into the shared
// huggingface_hub cache) or folders already on disk. Keeps code_review.h free of the Hub client.
//
// The session functions block (they run the session's network calls): call them from a worker thread
// or the CLI's main thread, on the thread that owns the session. Errors are the Hub client's (Network,
// InvalidInput for unknown repos or revisions, Io for the cache).

#include "error.h"
#include "review/code_review.h"

#include <optional>

#include <QString>

namespace mwb::hub {
class HubSession;
class HubCache;
} // namespace mwb::hub

namespace mwb::review {

// Downloads the repo at `revision` (every file: code, config and weights) into the cache, resolving
// the revision to one commit first, and describes the snapshot folder.
Result<SnapshotRef>
downloadRepoSnapshot(hub::HubSession& session, const QString& repoId, const QString& revision);

// For upstream code ("org/repo--module.Class"): resolves the revision, then downloads only that repo's
// .py files and config.json.
SnapshotProvider hubCodeProvider(hub::HubSession& session);

// Offline: upstream snapshots already in the cache (refs/<revision> -> snapshots/<commit>).
SnapshotProvider cacheCodeProvider(const hub::HubCache& cache);

// Resolves a branch or tag to a commit without downloading (for messages); nullopt when unknown.
std::optional<QString>
resolveRevision(hub::HubSession& session, const QString& repoId, const QString& revision);

// "<cache>/models--org--name/snapshots/<40-hex>" -> {repo "org/name", commit}; nullopt for other folders.
std::optional<SnapshotRef> snapshotFromCachePath(const QString& directory);

} // namespace mwb::review
