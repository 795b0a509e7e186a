// HubSession downloads: hf_hub_download and snapshot_download as huggingface_hub does them
// (ARCHITECTURE.md, "Hub: downloads" and "Hub: cache layout"), with resume, retries and content verification.

#include "hub/hub_errors.h"
#include "hub/hub_http.h"
#include "hub/hub_session.h"

#include <filesystem>

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSet>

namespace mwb::hub {

using detail::HttpRequest;
using detail::HttpResponse;

struct HubSession::FileJob
{
    DownloadProgress progress;
    ProgressCallback callback;

    void report()
    {
        if (callback)
            callback(progress);
    }
    void advance(qint64 bytes)
    {
        progress.fileDone += bytes;
        progress.totalDone += bytes;
        report();
    }
};

namespace {

QString actualDigest(const QString& file, const QString& etag)
{
    return etag.size() == 64 ? sha256OfFile(file) : gitBlobSha1OfFile(file);
}

// Probe mode for the requests of one step: with a cached copy to fall back on, a Hub that is down costs
// one short attempt, not every retry (ARCHITECTURE.md, "Hub: downloads").
class ProbeScope
{
public:
    ProbeScope(detail::HubHttp& http, bool probing) : m_http(http) { m_http.setProbing(probing); }
    ~ProbeScope() { m_http.setProbing(false); }
    ProbeScope(const ProbeScope&) = delete;
    ProbeScope& operator=(const ProbeScope&) = delete;

private:
    detail::HubHttp& m_http;
};

QString fileList(const QStringList& files)
{
    constexpr int kShown = 20;
    QString out = files.mid(0, kShown).join(QStringLiteral(", "));
    if (files.size() > kShown)
        out += QStringLiteral(" and %1 more").arg(files.size() - kShown);
    return out;
}

Result<void> renameInto(const QString& from, const QString& to)
{
    std::error_code ec;
    std::filesystem::rename(from.toStdString(), to.toStdString(), ec);
    if (ec)
        return fail(ErrorKind::Io,
                    to.toStdString() + ": cannot move the download into place: " + ec.message());
    return {};
}

} // namespace

Result<QString> HubSession::downloadFile(const QString& repoId,
                                         const QString& revision,
                                         const QString& path,
                                         const ProgressCallback& progress)
{
    FileJob job;
    job.callback = progress;
    job.progress.file = path;
    job.progress.filesTotal = 1;
    auto result = fetchIntoCache(repoId, revision.isEmpty() ? QStringLiteral("main") : revision, path, job);
    if (result) {
        job.progress.filesDone = 1;
        job.report();
    }
    return result;
}

Result<QString>
HubSession::fetchIntoCache(const QString& repoId, const QString& revision, const QString& path, FileJob& job)
{
    if (auto ok = validateRepoId(repoId); !ok)
        return std::unexpected(ok.error());
    if (auto ok = checkedRevision(revision); !ok)
        return std::unexpected(ok.error());
    if (auto ok = checkedRepoPath(path); !ok)
        return std::unexpected(ok.error());
    // A pinned commit that is already cached needs no request at all.
    if (isFullCommitId(revision))
        if (auto cached = m_cache.cachedFile(repoId, revision, path))
            return *cached;
    if (settings().offline) {
        if (auto cached = m_cache.cachedFile(repoId, revision, path))
            return *cached;
        return fail(ErrorKind::Network, "offline mode is on (HF_HUB_OFFLINE) and " + repoId.toStdString() +
                                            "/" + path.toStdString() + " at revision " +
                                            revision.toStdString() + " is not in the cache " +
                                            m_cache.root().toStdString() +
                                            "; unset HF_HUB_OFFLINE to download it");
    }
    const std::optional<QString> cachedCopy = m_cache.cachedFile(repoId, revision, path);
    QString missingAtCommit;
    Result<FileMetadata> meta = [&] {
        ProbeScope probe(*m_http, cachedCopy.has_value());
        return headFile(repoId, revision, path, &missingAtCommit);
    }();
    if (!meta) {
        if (meta.error().kind == ErrorKind::Cancelled)
            return std::unexpected(meta.error());
        if (!missingAtCommit.isEmpty()) {
            // As huggingface_hub: remember the absence at that commit, so readers can skip the request.
            if (auto ok = m_cache.markMissing(repoId, missingAtCommit, path); !ok)
                return std::unexpected(ok.error());
            if (auto ok = m_cache.writeRef(repoId, revision, missingAtCommit); !ok)
                return std::unexpected(ok.error());
            return std::unexpected(meta.error());
        }
        if (m_lastFailureServable && cachedCopy) { // as huggingface_hub: a stale cached copy beats failing
            m_notes.append(
                QStringLiteral("the Hub did not answer usably (%1); using the cached copy of %2/%3 "
                               "at revision %4, which may be out of date")
                    .arg(QString::fromStdString(meta.error().message), repoId, path, revision));
            return *cachedCopy;
        }
        return std::unexpected(meta.error());
    }
    if (auto ok = m_cache.writeRef(repoId, revision, meta->commit); !ok)
        return std::unexpected(ok.error());
    const QString snapshotFile = m_cache.snapshotFile(repoId, meta->commit, path);
    if (QFileInfo(snapshotFile).isFile()) {
        // The blob is complete: a partial download of it left behind (by us or an older
        // huggingface_hub) is garbage now.
        if (QFileInfo::exists(m_cache.incompletePath(repoId, meta->etag)) &&
            QFileInfo::exists(m_cache.blobPath(repoId, meta->etag)))
            if (auto lock = CacheLock::acquire(m_cache.lockPath(repoId, meta->etag)))
                QFile::remove(m_cache.incompletePath(repoId, meta->etag));
        return snapshotFile;
    }
    job.progress.fileTotal = meta->size;
    auto lock = CacheLock::acquire(m_cache.lockPath(repoId, meta->etag));
    if (!lock)
        return std::unexpected(lock.error());
    if (!QFileInfo::exists(m_cache.blobPath(repoId, meta->etag))) {
        if (auto ok = downloadBlob(repoId, *meta, job); !ok)
            return std::unexpected(ok.error());
    } else {
        // Another tool finished this blob; a partial download of it left behind is garbage now.
        QFile::remove(m_cache.incompletePath(repoId, meta->etag));
    }
    if (auto ok = m_cache.linkSnapshotFile(repoId, meta->commit, path, meta->etag); !ok)
        return std::unexpected(ok.error());
    return snapshotFile;
}

// Downloads into blobs/<etag>.incomplete (resuming what is there), checks size and hash, then renames it
// to blobs/<etag>. A hash mismatch is fetched once more from scratch before it is reported.
Result<void> HubSession::downloadBlob(const QString& repoId, const FileMetadata& meta, FileJob& job)
{
    const QString incomplete = m_cache.incompletePath(repoId, meta.etag);
    if (!QDir().mkpath(QFileInfo(incomplete).absolutePath()))
        return fail(ErrorKind::Io,
                    "cannot create folder " + QFileInfo(incomplete).absolutePath().toStdString());
    const qint64 doneBefore = job.progress.totalDone;
    for (int round = 0; round < 2; ++round) {
        if (auto ok = transfer(incomplete, meta, job); !ok)
            return ok;
        const qint64 got = QFileInfo(incomplete).size();
        const QString digest = actualDigest(incomplete, meta.etag);
        if (got == meta.size && digest == meta.etag)
            return renameInto(incomplete, m_cache.blobPath(repoId, meta.etag));
        QFile::remove(incomplete);
        job.progress.totalDone = doneBefore;
        job.progress.fileDone = 0;
        if (round == 1)
            return fail(ErrorKind::Network,
                        detail::displayUrlString(meta.location) + ": the downloaded content of \"" +
                            job.progress.file.toStdString() + "\" does not match its checksum (expected " +
                            (meta.etag.size() == 64 ? "sha256 " : "git sha1 ") + meta.etag.toStdString() +
                            ", got " + digest.toStdString() + ", " + std::to_string(got) + " of " +
                            std::to_string(meta.size) +
                            " bytes) even after fetching it twice. A proxy or the server is corrupting it; "
                            "try again later.");
    }
    return {};
}

// GET with Range resume: network failures and 408/429/5xx are retried with backoff, continuing from the
// bytes already on disk; a 200 where 206 was asked for restarts the file from zero.
Result<void> HubSession::transfer(const QString& incomplete, const FileMetadata& meta, FileJob& job)
{
    QFile file(incomplete);
    if (!file.open(QIODevice::ReadWrite))
        return fail(ErrorKind::Io,
                    incomplete.toStdString() + ": cannot write: " + file.errorString().toStdString());
    if (file.size() > meta.size)
        file.resize(0);
    job.progress.fileDone = file.size();
    job.progress.totalDone += file.size();
    job.report();
    QUrl url = meta.location;
    bool leftEndpoint = !m_http->isEndpointOrigin(url);
    int hops = 0;
    for (int attempt = 0;; ++attempt) {
        const qint64 have = file.size();
        if (have == meta.size)
            return {};
        file.seek(have);
        HttpRequest request;
        request.url = url;
        request.withoutToken = leftEndpoint; // once off the endpoint, no hop of the chain gets the token
        request.timeoutMs = settings().downloadTimeoutMs;
        request.sink = &file;
        if (have > 0)
            request.headers.append({"Range", "bytes=" + QByteArray::number(have) + '-'});
        request.onHeaders = [&](int status) {
            if (status == 200 && have > 0) { // the server ignored Range: start again cleanly
                job.progress.totalDone -= file.size();
                job.progress.fileDone = 0;
                file.resize(0);
                file.seek(0);
            }
        };
        request.onData = [&](qint64 bytes) { job.advance(bytes); };
        auto response = m_http->sendOnce(request);
        file.flush();
        if (!response)
            return std::unexpected(response.error()); // cancelled: the partial file stays for a resume
        if (response->isRedirect() && !response->header("Location").isEmpty()) {
            // CDNs redirect again (edge to edge); follow the chain, the token never goes along.
            if (++hops > 10)
                return fail(ErrorKind::Network, detail::displayUrlString(url) + ": too many redirects");
            url = url.resolved(QUrl::fromEncoded(response->header("Location")));
            leftEndpoint = leftEndpoint || !m_http->isEndpointOrigin(url);
            --attempt; // a redirect is not a failed attempt
            continue;
        }
        if (response->status == 206) {
            const QByteArray range = response->header("Content-Range");
            if (!range.startsWith("bytes " + QByteArray::number(have) + '-')) {
                file.resize(0); // not the range asked for: nothing on disk can be trusted
                return fail(ErrorKind::Network, detail::displayUrlString(meta.location) +
                                                    ": the server sent the wrong byte range (" +
                                                    range.toStdString() + "); try again");
            }
        }
        const bool ok = (response->status == 200 || response->status == 206) && !response->failedInTransfer();
        if (ok) {
            if (file.size() != meta.size)
                return fail(ErrorKind::Network, detail::displayUrlString(meta.location) +
                                                    ": consistency check failed: expected " +
                                                    std::to_string(meta.size) + " bytes, got " +
                                                    std::to_string(file.size()) + "; try again");
            return {};
        }
        if (file.size() > have)
            attempt = -1; // bytes arrived: the retry budget starts again, as huggingface_hub does
        else if (!detail::HubHttp::isRetryable(*response) || attempt >= settings().maxRetries)
            return std::unexpected(detail::errorFromResponse(*response, context({}, {}, job.progress.file)));
        if (!m_http->waitBeforeRetry(*response, std::max(attempt, 0)))
            return fail(ErrorKind::Cancelled, "cancelled");
    }
}

std::optional<SnapshotResult>
HubSession::snapshotFromCache(const QString& repoId, const QString& revision, const QStringList& files) const
{
    const auto commit = m_cache.cachedCommit(repoId, revision);
    if (!commit)
        return std::nullopt;
    QStringList wanted = files;
    if (wanted.isEmpty()) {
        const auto tree = m_cache.readTreeCache(repoId, *commit);
        if (!tree)
            return std::nullopt;
        for (const TreeEntry& e : *tree)
            wanted.append(e.path);
    }
    for (const QString& path : wanted)
        if (!m_cache.cachedFile(repoId, *commit, path))
            return std::nullopt;
    return SnapshotResult{repoId, revision, *commit, m_cache.snapshotDir(repoId, *commit), wanted, true, {}};
}

Result<SnapshotResult> HubSession::cachedSnapshotAsIs(const QString& repoId,
                                                      const QString& revision,
                                                      const QString& commit,
                                                      const QStringList& files,
                                                      const QString& reason)
{
    const QString dir = m_cache.snapshotDir(repoId, commit);
    SnapshotResult result{repoId, revision, commit, dir, {}, true, {}};
    QStringList missing;
    QString source;
    if (!files.isEmpty()) {
        result.files = files;
    } else if (const auto tree = m_cache.readTreeCache(repoId, commit)) {
        for (const TreeEntry& e : *tree)
            result.files.append(e.path);
        source = QStringLiteral("the file list trees/%1.json").arg(commit);
    } else {
        // hf_hub_download and transformers write no file list: the folder is all there is to go by.
        QDirIterator it(dir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
        while (it.hasNext())
            result.files.append(QDir(dir).relativeFilePath(it.next()));
        result.files.sort();
        source = QStringLiteral("the snapshot folder (no file list was cached for this commit)");
    }
    for (const QString& path : std::as_const(result.files))
        if (!m_cache.cachedFile(repoId, commit, path))
            missing.append(path);
    if (files.isEmpty())
        result.files.removeIf([&](const QString& path) { return missing.contains(path); });
    const std::string what = repoId.toStdString() + " at revision " + revision.toStdString();
    if (!files.isEmpty() && !missing.isEmpty())
        return fail(ErrorKind::Network, reason.toStdString() + ", and the cache " +
                                            m_cache.root().toStdString() + " lacks " +
                                            fileList(missing).toStdString() + " of " + what);
    if (result.files.isEmpty())
        return fail(ErrorKind::Network, reason.toStdString() + ", and the cached snapshot " +
                                            dir.toStdString() + " of " + what + " holds no files");
    QString note = reason + QStringLiteral("; using the cached snapshot %1 of %2").arg(commit, repoId);
    if (revision != commit)
        note += QStringLiteral(" (what %1 pointed to when it was downloaded)").arg(revision);
    if (!source.isEmpty())
        note += QStringLiteral(". Files found through %1: %2").arg(source, fileList(result.files));
    if (!missing.isEmpty())
        note += QStringLiteral(". Listed but not downloaded: %1").arg(fileList(missing));
    result.notes.append(note);
    m_notes.append(note);
    return result;
}

Result<SnapshotResult> HubSession::downloadSnapshot(const QString& repoId,
                                                    const QString& revisionArg,
                                                    const QStringList& files,
                                                    const ProgressCallback& progress)
{
    const QString revision = revisionArg.isEmpty() ? QStringLiteral("main") : revisionArg;
    if (auto ok = validateRepoId(repoId); !ok)
        return std::unexpected(ok.error());
    if (auto ok = checkedRevision(revision); !ok)
        return std::unexpected(ok.error());
    for (const QString& f : files)
        if (auto ok = checkedRepoPath(f); !ok)
            return std::unexpected(Error{ErrorKind::InvalidInput, ok.error().message});
    const std::optional<QString> cachedCommit = m_cache.cachedCommit(repoId, revision);
    const bool haveSnapshot = cachedCommit && QFileInfo(m_cache.snapshotDir(repoId, *cachedCommit)).isDir();
    if (isFullCommitId(revision) || settings().offline) {
        if (auto cached = snapshotFromCache(repoId, revision, files))
            return *cached;
        if (settings().offline) {
            if (haveSnapshot) // as huggingface_hub: the snapshot folder as it is
                return cachedSnapshotAsIs(repoId, revision, *cachedCommit, files,
                                          QStringLiteral("offline mode is on (HF_HUB_OFFLINE)"));
            return fail(ErrorKind::Network,
                        "offline mode is on (HF_HUB_OFFLINE) and " + repoId.toStdString() + " at revision " +
                            revision.toStdString() + " is not in the cache " + m_cache.root().toStdString() +
                            "; unset HF_HUB_OFFLINE to download it");
        }
    }
    // With a cached snapshot to fall back on, the Hub gets one short probe; when it is down or refuses
    // (network, timeout, 5xx, 401/403) the cached snapshot is used, with a note saying so.
    auto fallBack = [&](const Error& error) -> Result<SnapshotResult> {
        if (!haveSnapshot || !m_lastFailureServable || error.kind == ErrorKind::Cancelled)
            return std::unexpected(error);
        return cachedSnapshotAsIs(repoId, revision, *cachedCommit, files,
                                  QStringLiteral("the Hub could not be used (") +
                                      QString::fromStdString(error.message) + ')');
    };
    // Resolve once, then list and fetch at that commit, so a branch moving meanwhile cannot mix states.
    QString commit = revision;
    Result<QList<TreeEntry>> tree = std::unexpected(Error{});
    {
        ProbeScope probe(*m_http, haveSnapshot);
        if (!isFullCommitId(revision)) {
            auto info = repoInfo(repoId, revision);
            if (!info)
                return fallBack(info.error());
            commit = info->sha;
        }
        tree = this->tree(repoId, commit);
        if (!tree)
            return fallBack(tree.error());
    }
    QList<TreeEntry> toFetch;
    for (const TreeEntry& e : *tree) {
        if (!e.isFile())
            continue;
        if (auto ok = checkedRepoPath(e.path); !ok) // refuse the whole snapshot before writing anything
            return std::unexpected(ok.error());
        if (files.isEmpty() || files.contains(e.path))
            toFetch.append(e);
    }
    QStringList absent;
    for (const QString& f : files)
        if (std::none_of(toFetch.begin(), toFetch.end(), [&](const TreeEntry& e) { return e.path == f; })) {
            // As hf_hub_download: remember the absence, so try_to_load_from_cache readers skip the request.
            if (auto ok = m_cache.markMissing(repoId, commit, f); !ok)
                return std::unexpected(ok.error());
            absent.append(f);
        }
    if (!absent.isEmpty()) {
        if (auto ok = m_cache.writeRef(repoId, revision, commit); !ok)
            return std::unexpected(ok.error());
        const QString f = absent.first();
        return fail(ErrorKind::InvalidInput,
                    "file \"" + f.toStdString() + "\" not found in " + repoId.toStdString() +
                        " at revision " + revision.toStdString() + " (commit " + commit.toStdString() + ")");
    }
    if (auto ok = m_cache.writeRef(repoId, revision, commit); !ok)
        return std::unexpected(ok.error());
    FileJob job;
    job.callback = progress;
    job.progress.filesTotal = int(toFetch.size());
    for (const TreeEntry& e : toFetch)
        job.progress.totalBytes += e.size;
    SnapshotResult result{repoId, revision, commit, m_cache.snapshotDir(repoId, commit), {}, false, {}};
    for (const TreeEntry& e : toFetch) {
        job.progress.file = e.path;
        job.progress.fileDone = 0;
        job.progress.fileTotal = e.size;
        const qint64 before = job.progress.totalDone;
        auto fetched = fetchIntoCache(repoId, commit, e.path, job);
        if (!fetched)
            return std::unexpected(fetched.error());
        job.progress.totalDone = before + e.size; // cached files count as done too
        job.progress.fileDone = e.size;
        ++job.progress.filesDone;
        job.report();
        result.files.append(e.path);
    }
    if (files.isEmpty()) {
        QList<TreeEntry> fileEntries;
        for (const TreeEntry& e : *tree)
            if (e.isFile())
                fileEntries.append(e);
        if (auto ok = m_cache.writeTreeCache(repoId, commit, fileEntries); !ok)
            return std::unexpected(ok.error());
    }
    QDir().mkpath(result.snapshotPath); // an empty repo still has its snapshot folder
    return result;
}

} // namespace mwb::hub
