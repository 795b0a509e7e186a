#pragma once

// The Hub client, synchronous: each call sends its requests and returns when done. It runs a local
// event loop on the calling thread, so call it from a worker thread (see HubClient for the GUI) or from
// the CLI's main thread. One HubSession belongs to the thread that created it: it owns a
// QNetworkAccessManager, which must not be shared between threads. Errors come back as Error values
// whose message names the URL or repo and says what the user can do (see hub_errors.h).
//
// The endpoint, cache and token come from HubSettings (HF_ENDPOINT, HF_HUB_CACHE/HF_HOME, HF_TOKEN...).
// cancel() may be called from any thread; the running call then fails with ErrorKind::Cancelled and
// leaves partial downloads in blobs/<etag>.incomplete, where the next download resumes them.

#include "error.h"
#include "hub/hub_cache.h"
#include "hub/hub_paths.h"
#include "hub/hub_types.h"

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

#include <QList>
#include <QString>
#include <QStringList>
#include <QUrl>

namespace mwb::hub {

namespace detail {
class HubHttp;
struct HttpResponse;
struct ErrorContext;
} // namespace detail

using ProgressCallback = std::function<void(const DownloadProgress&)>;

class HubSession
{
public:
    // `token`: nullopt uses findToken(settings); an empty string sends no token.
    explicit HubSession(HubSettings settings = HubSettings::fromEnvironment(),
                        std::optional<QString> token = std::nullopt);
    ~HubSession();
    HubSession(const HubSession&) = delete;
    HubSession& operator=(const HubSession&) = delete;

    const HubSettings& settings() const;
    const HubCache& cache() const { return m_cache; }
    bool hasToken() const;
    // Warnings for the user collected by the calls so far (e.g. "the Hub could not be reached; using the
    // cached copy of ..."); a CLI prints them on stderr, a window in its status line.
    const QStringList& notes() const { return m_notes; }

    // Any thread. Also used by HubClient to share one flag with its task.
    void cancel();
    void setCancelFlag(std::shared_ptr<std::atomic_bool> flag);

    // GET /api/whoami-v2.
    Result<WhoAmI> whoAmI();
    // GET /api/models/{repo}[/revision/{rev}] (default branch when revision is empty);
    // filesMetadata adds sizes, blob ids and LFS data to the siblings.
    Result<RepoInfo>
    repoInfo(const QString& repoId, const QString& revision = {}, bool filesMetadata = false);
    // GET /api/models/{repo}/refs.
    Result<RepoRefs> refs(const QString& repoId);
    // One page of /commits/{rev}, newest first: the first page when `pageUrl` is empty, else the page a
    // previous CommitPage::next named. For a GUI list that loads more as the user scrolls.
    Result<CommitPage> commitsPage(const QString& repoId, const QString& revision, const QUrl& pageUrl = {});
    // Every commit reachable from the revision, following Link rel="next" to the end.
    Result<QList<CommitInfo>> commits(const QString& repoId, const QString& revision);
    // GET /tree/{rev}[/{path}], every page; recursive lists all descendants.
    Result<QList<TreeEntry>>
    tree(const QString& repoId, const QString& revision, const QString& path = {}, bool recursive = true);
    // POST /paths-info/{rev}; paths that do not exist are left out, as the Hub does.
    Result<QList<TreeEntry>>
    pathsInfo(const QString& repoId, const QString& revision, const QStringList& paths);
    // HEAD on /resolve/ following relative redirects only (ARCHITECTURE.md, "Hub: downloads").
    Result<FileMetadata> fileMetadata(const QString& repoId, const QString& revision, const QString& path);

    // hf_hub_download: one file into the cache; returns its snapshot path. A full commit id already cached
    // needs no request; offline mode serves from the cache only.
    Result<QString> downloadFile(const QString& repoId,
                                 const QString& revision,
                                 const QString& path,
                                 const ProgressCallback& progress = {});
    // snapshot_download: resolves the revision to a commit once, lists the tree at that commit and fetches
    // every file (or only `files`), with per-file and total progress.
    Result<SnapshotResult> downloadSnapshot(const QString& repoId,
                                            const QString& revision,
                                            const QStringList& files = {},
                                            const ProgressCallback& progress = {});

private:
    struct FileJob; // one file of a download, with its progress bookkeeping
    Result<detail::HttpResponse> apiGet(const QUrl& url, const detail::ErrorContext& context);
    QUrl apiUrl(const QString& repoId, const QString& tail) const;
    QUrl resolveUrl(const QString& repoId, const QString& revision, const QString& path) const;
    detail::ErrorContext
    context(const QString& repoId, const QString& revision, const QString& path = {}) const;
    // fileMetadata(); on EntryNotFound, `missingAtCommit` receives the X-Repo-Commit of the 404.
    Result<FileMetadata>
    headFile(const QString& repoId, const QString& revision, const QString& path, QString* missingAtCommit);
    // The snapshot folder of a cached commit as it is (ARCHITECTURE.md, "Hub: cache layout" offline): the
    // files of `files`, else those trees/<commit>.json lists, else every file found in the folder; `reason`
    // opens the note.
    Result<SnapshotResult> cachedSnapshotAsIs(const QString& repoId,
                                              const QString& revision,
                                              const QString& commit,
                                              const QStringList& files,
                                              const QString& reason);
    Result<QString>
    fetchIntoCache(const QString& repoId, const QString& revision, const QString& path, FileJob& job);
    Result<void> downloadBlob(const QString& repoId, const FileMetadata& meta, FileJob& job);
    Result<void> transfer(const QString& incomplete, const FileMetadata& meta, FileJob& job);
    std::optional<SnapshotResult>
    snapshotFromCache(const QString& repoId, const QString& revision, const QStringList& files) const;

    std::unique_ptr<detail::HubHttp> m_http;
    HubCache m_cache;
    QString m_tokenSource;
    QString m_implicitToken; // the stored token when HF_HUB_DISABLE_IMPLICIT_TOKEN kept it off requests
    QStringList m_notes;
    // Whether the last failed request failed in a way a cached copy may stand in for (allowsCacheFallback).
    bool m_lastFailureServable = false;
    std::shared_ptr<std::atomic_bool> m_cancel = std::make_shared<std::atomic_bool>(false);
};

} // namespace mwb::hub
