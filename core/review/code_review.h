#pragma once

// The review of one repo snapshot before trusting it: the custom code (code_collector.h) with its
// imports and findings, the globals every pickle weight file would import (the weight loader's
// allowlist: safe / suspicious / dangerous), the trust state at this exact commit, the diff of every
// code file against the last commit the user trusted, and which native implementation would be built.
// Code in another repo ("org/repo--module.Class") is reviewed from that repo's own snapshot, fetched
// through a SnapshotProvider (the Hub client, or local folders in tests), and needs its own trust.
//
// Works on a local folder holding the repo's files at one commit (e.g. a Hub cache snapshot); it
// does not talk to the network itself. Reads files and hashes them: call it off the GUI thread.
// Nothing here runs the repository's Python. Results are plain values, safe to move between threads.

#include "error.h"
#include "review/code_collector.h"
#include "review/native_match.h"
#include "review/trust_store.h"
#include "weights/pickle_scanner.h"

#include <functional>
#include <map>
#include <optional>
#include <vector>

#include <QDateTime>
#include <QString>

#include <nlohmann/json.hpp>

namespace mwb::review {

struct SnapshotRef
{
    QString directory; // the repo's files at `commit`
    QString repoId;    // "org/name"
    QString commit;    // the full 40-hex commit the files come from
    QString revision;  // what the user asked for: "main", "v1.0" or the commit itself
};

struct PickleFileReview
{
    QString path; // repo-relative
    std::vector<PickleGlobal> globals;
    PickleVerdict verdict = PickleVerdict::Safe;
    QString error; // non-empty when the file could not be read as a pickle: never loaded
};

struct FileDiff
{
    enum class Change
    {
        Unchanged,
        Modified,
        Added,   // not in the trusted commit
        Removed, // only in the trusted commit
    };
    QString path;
    Change change = Change::Unchanged;
    std::string unifiedDiff;            // empty when unchanged
    bool trustedContentMissing = false; // the trusted version's content is not in the store
};

const char* changeName(FileDiff::Change change); // "unchanged", "modified", "added", "removed"

struct TrustDiff
{
    QString baseCommit; // the last commit the user trusted for this repo
    QDateTime baseDate;
    std::vector<FileDiff> files; // sorted by path
};

struct RepoReview
{
    SnapshotRef snapshot;
    nlohmann::json config;
    bool customCode = false; // config.json has an auto_map
    CodeSet code;
    std::vector<PickleFileReview> pickles;
    TrustCheck trust;              // for this repo at snapshot.commit
    std::optional<TrustDiff> diff; // against the last other trusted commit, when there is one
    NativeMatch native;
    std::vector<RepoReview> upstream; // repos whose code auto_map names ("org/repo--module.Class")
    QStringList unresolvedUpstream;   // "org/repo: why it could not be reviewed"

    // Path -> sha256 of the code files.
    std::map<QString, QString> codeHashes() const;
    // Custom code needs no trust, or is trusted at this commit, and so is every upstream repo.
    bool codeTrusted() const;
};

// Fetches another repo's snapshot at a revision (for upstream code: its default branch, as
// transformers' code_revision does). May block; called from reviewSnapshot's thread.
using SnapshotProvider = std::function<Result<SnapshotRef>(const QString& repoId, const QString& revision)>;

// Errors: Io / InvalidInput when config.json is unreadable or not JSON. Problems with single files
// are part of the review (missing code, unreadable pickles), not errors.
Result<RepoReview> reviewSnapshot(const SnapshotRef& snapshot,
                                  const TrustStore& store,
                                  const SnapshotProvider& upstreamProvider = {});

// `mwb review --json`: files [path, sha256, imports, findings], pickle_imports, trusted, diff, ...
nlohmann::json reviewToJson(const RepoReview& review);

// Records trust for the reviewed commit. `revisionAsGiven` is what the user typed: a branch or tag
// name is refused (InvalidInput) with the commit it resolves to, so they can trust that explicitly.
Result<void> trustReviewedCommit(TrustStore& store,
                                 const RepoReview& review,
                                 const QString& revisionAsGiven,
                                 const QString& note = {});

// Whether the snapshot may be loaded: Unsafe when its custom code (or an upstream repo's) is not
// trusted at this exact commit, when a trust entry is void, or when a pickle would run code.
Result<void> checkLoadAllowed(const RepoReview& review);

} // namespace mwb::review
