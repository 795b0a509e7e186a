#pragma once

// What the Hub API returns, as plain values (ARCHITECTURE.md, "Hub: tokens and whoami" and "Hub: API
// answers"). Fields the client uses are parsed and checked; `raw` keeps the object exactly as received, for
// `--json` output and for fields not modelled here. Any thread.

#include <optional>

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>
#include <QUrl>

namespace mwb::hub {

struct WhoAmI
{
    QString type; // "user", "org" or "app"
    QString name;
    QString fullname;
    QStringList orgs;
    QString authType;  // "access_token", ...
    QString tokenName; // auth.accessToken.displayName
    QString tokenRole; // "read", "write", "fineGrained", ...
    QJsonObject raw;
};

struct RepoSibling
{
    QString path;
    std::optional<qint64> size; // only with files metadata (?blobs=true)
    QString blobId;
    QString lfsSha256;
};

struct RepoInfo
{
    QString id;
    QString author;
    QString sha; // the full commit the revision resolved to
    QString lastModified;
    QString gated; // "" when not gated, else "auto" or "manual"
    bool isPrivate = false;
    bool disabled = false;
    QString pipelineTag;
    QString libraryName;
    QStringList tags;
    QList<RepoSibling> siblings;
    QJsonObject raw;
};

struct GitRef
{
    QString name;         // "main", "v1.0"
    QString ref;          // "refs/heads/main"
    QString targetCommit; // 40-hex
};

struct RepoRefs
{
    QList<GitRef> branches;
    QList<GitRef> tags;
    QList<GitRef> converts;
    QList<GitRef> pullRequests;
};

struct CommitInfo
{
    QString id; // 40-hex
    QString title;
    QString message;
    QStringList authors; // authors[].user
    QString date;        // ISO-8601 UTC
    QJsonObject raw;     // the Hub's object: id, title, message, authors, date
};

// One page of a commit history; `next` is empty on the last page.
struct CommitPage
{
    QList<CommitInfo> commits;
    QUrl next;
    std::optional<qint64> totalCount; // X-Total-Count
};

struct TreeEntry
{
    enum class Type
    {
        File,
        Directory,
        Unknown
    };
    Type type = Type::Unknown;
    QString path; // repo-relative, '/'-separated, as the server sent it (not yet checked for safety)
    QString oid;  // git blob id (pointer file for LFS) or tree id
    qint64 size = 0;
    QString lfsSha256; // non-empty for LFS files
    QString xetHash;
    QJsonObject raw;

    bool isFile() const { return type == Type::File; }
    bool isLfs() const { return !lfsSha256.isEmpty(); }
};

// From the HEAD on /resolve/ (ARCHITECTURE.md, "Hub: downloads").
struct FileMetadata
{
    QString commit; // X-Repo-Commit
    QString etag;   // normalised X-Linked-Etag or ETag: 40-hex git sha1 or 64-hex sha256
    qint64 size = 0;
    QUrl location; // where to GET the bytes (the CDN for LFS files)
};

struct DownloadProgress
{
    QString file;        // repo path of the file being transferred
    qint64 fileDone = 0; // bytes of that file on disk
    qint64 fileTotal = 0;
    qint64 totalDone = 0; // bytes of the whole operation
    qint64 totalBytes = 0;
    int filesDone = 0;
    int filesTotal = 0;
};

struct SnapshotResult
{
    QString repoId;
    QString revision;
    QString commit;             // full commit id
    QString snapshotPath;       // <cache>/models--org--name/snapshots/<commit>
    QStringList files;          // repo paths now present in the snapshot
    bool fromCacheOnly = false; // true when the Hub was not asked (offline, or it could not be reached)
    QStringList notes;          // what the user should know: served from the cache because..., files found
};

} // namespace mwb::hub
