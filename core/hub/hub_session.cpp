// HubSession: the API calls (whoami, repo info, refs, commits, tree, paths-info, file metadata).
// Downloads are in hub_download.cpp.

#include "hub/hub_session.h"

#include "hub/hub_errors.h"
#include "hub/hub_http.h"
#include "hub/hub_json.h"
#include "hub/hub_token.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>

namespace mwb::hub {

using detail::ErrorContext;
using detail::HttpRequest;
using detail::HttpResponse;

namespace {

QByteArray encodeRevision(const QString& revision)
{
    return QUrl::toPercentEncoding(revision); // no safe characters: refs/pr/1 -> refs%2Fpr%2F1
}

// The URL of `Link: <...>; rel="next"`, resolved against the request URL (absolute or host-relative).
QUrl nextPageUrl(const HttpResponse& response)
{
    static const QRegularExpression next(QStringLiteral("<([^>]*)>\\s*;\\s*rel=\"?next\"?"));
    const auto m = next.match(QString::fromLatin1(response.header("Link")));
    if (!m.hasMatch())
        return {};
    return response.url.resolved(QUrl::fromEncoded(m.captured(1).toLatin1()));
}

Result<void> checkRepo(const QString& repoId, const QString& revision = {})
{
    if (auto ok = validateRepoId(repoId); !ok)
        return ok;
    if (!revision.isEmpty())
        if (auto ok = checkedRevision(revision); !ok)
            return std::unexpected(ok.error());
    return {};
}

} // namespace

HubSession::HubSession(HubSettings settings, std::optional<QString> token) : m_cache(settings.cacheDir)
{
    QString chosen;
    if (token) {
        chosen = *token;
        m_tokenSource = QStringLiteral("given directly");
    } else if (const auto found = findToken(settings)) {
        chosen = found->token;
        m_tokenSource = found->describeSource(settings);
        if (settings.disableImplicitToken) { // as huggingface_hub: sent only where an account is needed
            m_implicitToken = chosen;
            chosen.clear();
        }
    }
    if (chosen.isEmpty())
        m_tokenSource.clear();
    m_http = std::make_unique<detail::HubHttp>(std::move(settings), chosen);
    m_http->setCancelFlag(m_cancel);
}

HubSession::~HubSession() = default;

const HubSettings& HubSession::settings() const
{
    return m_http->settings();
}
bool HubSession::hasToken() const
{
    return !m_http->token().isEmpty();
}

void HubSession::cancel()
{
    m_cancel->store(true);
}

void HubSession::setCancelFlag(std::shared_ptr<std::atomic_bool> flag)
{
    m_cancel = std::move(flag);
    m_http->setCancelFlag(m_cancel);
}

ErrorContext HubSession::context(const QString& repoId, const QString& revision, const QString& path) const
{
    return ErrorContext{repoId, revision, path, m_tokenSource};
}

QUrl HubSession::apiUrl(const QString& repoId, const QString& tail) const
{
    return QUrl::fromEncoded(settings().endpoint.toUtf8() + "/api/models/" + repoId.toUtf8() + tail.toUtf8());
}

QUrl HubSession::resolveUrl(const QString& repoId, const QString& revision, const QString& path) const
{
    return QUrl::fromEncoded(settings().endpoint.toUtf8() + '/' + repoId.toUtf8() + "/resolve/" +
                             encodeRevision(revision) + '/' + QUrl::toPercentEncoding(path, "/"));
}

Result<HttpResponse> HubSession::apiGet(const QUrl& url, const ErrorContext& ctx)
{
    HttpRequest request;
    request.url = url;
    request.timeoutMs = settings().metadataTimeoutMs;
    auto response = m_http->sendFollowingRedirects(request);
    m_lastFailureServable =
        !response ? response.error().kind == ErrorKind::Network : detail::allowsCacheFallback(*response);
    if (!response)
        return response;
    if (response->status != 200 || response->failedInTransfer())
        return std::unexpected(detail::errorFromResponse(*response, ctx));
    return response;
}

Result<WhoAmI> HubSession::whoAmI()
{
    const QUrl url = QUrl::fromEncoded(settings().endpoint.toUtf8() + "/api/whoami-v2");
    if (!hasToken() && !m_implicitToken.isEmpty())
        m_http->setToken(m_implicitToken); // "who am I" is about the stored token itself
    if (!hasToken())
        return fail(ErrorKind::Network, "not logged in: no token in HF_TOKEN, HUGGING_FACE_HUB_TOKEN or " +
                                            settings().tokenPath.toStdString() + ". Run `mwb login`.");
    auto response = apiGet(url, context({}, {}));
    if (!response) {
        Error e = response.error();
        if (e.message.find("rejected the token") == std::string::npos && e.kind != ErrorKind::Cancelled &&
            e.message.find("offline") == std::string::npos)
            e.message = "whoami failed: " + e.message;
        return std::unexpected(e);
    }
    return detail::parseWhoAmI(response->body, url);
}

Result<RepoInfo> HubSession::repoInfo(const QString& repoId, const QString& revision, bool filesMetadata)
{
    if (auto ok = checkRepo(repoId, revision); !ok)
        return std::unexpected(ok.error());
    QString tail = revision.isEmpty()
                       ? QString()
                       : QStringLiteral("/revision/") + QString::fromLatin1(encodeRevision(revision));
    if (filesMetadata)
        tail += QStringLiteral("?blobs=true");
    const QUrl url = apiUrl(repoId, tail);
    auto response = apiGet(url, context(repoId, revision));
    if (!response)
        return std::unexpected(response.error());
    return detail::parseRepoInfo(response->body, url);
}

Result<RepoRefs> HubSession::refs(const QString& repoId)
{
    if (auto ok = checkRepo(repoId); !ok)
        return std::unexpected(ok.error());
    const QUrl url = apiUrl(repoId, QStringLiteral("/refs"));
    auto response = apiGet(url, context(repoId, {}));
    if (!response)
        return std::unexpected(response.error());
    return detail::parseRefs(response->body, url);
}

Result<CommitPage>
HubSession::commitsPage(const QString& repoId, const QString& revision, const QUrl& pageUrl)
{
    const QString rev = revision.isEmpty() ? QStringLiteral("main") : revision;
    if (auto ok = checkRepo(repoId, rev); !ok)
        return std::unexpected(ok.error());
    const QUrl url =
        pageUrl.isEmpty() ? apiUrl(repoId, "/commits/" + QString::fromLatin1(encodeRevision(rev))) : pageUrl;
    auto response = apiGet(url, context(repoId, rev));
    if (!response)
        return std::unexpected(response.error());
    auto commits = detail::parseCommits(response->body, url);
    if (!commits)
        return std::unexpected(commits.error());
    CommitPage page{*commits, nextPageUrl(*response), std::nullopt};
    bool ok = false;
    const qint64 total = response->header("X-Total-Count").toLongLong(&ok);
    if (ok && total >= 0)
        page.totalCount = total;
    return page;
}

Result<QList<CommitInfo>> HubSession::commits(const QString& repoId, const QString& revision)
{
    QList<CommitInfo> all;
    QSet<QUrl> seen;
    QUrl next;
    do {
        auto page = commitsPage(repoId, revision, next);
        if (!page)
            return std::unexpected(page.error());
        all += page->commits;
        next = page->next;
        if (!next.isEmpty() && seen.contains(next))
            return fail(ErrorKind::Network, detail::displayUrlString(next) +
                                                ": the Hub's pagination loops back to a page already read");
        seen.insert(next);
    } while (!next.isEmpty());
    return all;
}

Result<QList<TreeEntry>>
HubSession::tree(const QString& repoId, const QString& revision, const QString& path, bool recursive)
{
    const QString rev = revision.isEmpty() ? QStringLiteral("main") : revision;
    if (auto ok = checkRepo(repoId, rev); !ok)
        return std::unexpected(ok.error());
    QString tail = "/tree/" + QString::fromLatin1(encodeRevision(rev));
    if (!path.isEmpty())
        tail += '/' + QString::fromLatin1(QUrl::toPercentEncoding(path));
    tail += recursive ? QStringLiteral("?recursive=true&expand=false")
                      : QStringLiteral("?recursive=false&expand=false");
    QList<TreeEntry> all;
    QSet<QUrl> seen;
    for (QUrl url = apiUrl(repoId, tail); !url.isEmpty();) {
        auto response = apiGet(url, context(repoId, rev, path));
        if (!response)
            return std::unexpected(response.error());
        auto entries = detail::parseTree(response->body, url);
        if (!entries)
            return std::unexpected(entries.error());
        all += *entries;
        seen.insert(url);
        url = nextPageUrl(*response);
        if (seen.contains(url))
            return fail(ErrorKind::Network, detail::displayUrlString(url) +
                                                ": the Hub's pagination loops back to a page already read");
    }
    return all;
}

Result<QList<TreeEntry>>
HubSession::pathsInfo(const QString& repoId, const QString& revision, const QStringList& paths)
{
    const QString rev = revision.isEmpty() ? QStringLiteral("main") : revision;
    if (auto ok = checkRepo(repoId, rev); !ok)
        return std::unexpected(ok.error());
    HttpRequest request;
    request.method = "POST";
    request.url = apiUrl(repoId, "/paths-info/" + QString::fromLatin1(encodeRevision(rev)));
    request.contentType = "application/x-www-form-urlencoded";
    QByteArray form;
    for (const QString& p : paths)
        form += (form.isEmpty() ? "" : "&") + QByteArray("paths=") + QUrl::toPercentEncoding(p);
    request.body = form;
    request.timeoutMs = settings().metadataTimeoutMs;
    auto response = m_http->send(request);
    if (!response)
        return std::unexpected(response.error());
    if (response->status != 200 || response->failedInTransfer())
        return std::unexpected(detail::errorFromResponse(*response, context(repoId, rev)));
    return detail::parseTree(response->body, request.url);
}

Result<FileMetadata>
HubSession::fileMetadata(const QString& repoId, const QString& revision, const QString& path)
{
    return headFile(repoId, revision, path, nullptr);
}

Result<FileMetadata> HubSession::headFile(const QString& repoId,
                                          const QString& revision,
                                          const QString& path,
                                          QString* missingAtCommit)
{
    const QString rev = revision.isEmpty() ? QStringLiteral("main") : revision;
    if (auto ok = checkRepo(repoId, rev); !ok)
        return std::unexpected(ok.error());
    if (auto ok = checkedRepoPath(path); !ok)
        return std::unexpected(ok.error());
    HttpRequest request;
    request.method = "HEAD";
    request.url = resolveUrl(repoId, rev, path);
    request.timeoutMs = settings().metadataTimeoutMs;
    Result<HttpResponse> response = fail(ErrorKind::Network, "unreachable");
    for (int hop = 0;; ++hop) {
        response = m_http->send(request);
        if (!response) {
            m_lastFailureServable = response.error().kind == ErrorKind::Network;
            return std::unexpected(response.error());
        }
        const QUrl location = QUrl::fromEncoded(response->header("Location"));
        // Only host-relative redirects are followed, and only their path is taken (as huggingface_hub).
        if (!response->isRedirect() || location.isEmpty() || !location.host().isEmpty() || hop >= 10)
            break;
        request.url.setPath(location.path(QUrl::FullyEncoded), QUrl::StrictMode);
    }
    m_lastFailureServable = detail::allowsCacheFallback(*response);
    if (response->status >= 400 || response->failedInTransfer()) {
        const QString commit = QString::fromLatin1(response->header("X-Repo-Commit")).trimmed();
        if (missingAtCommit && response->header("X-Error-Code") == "EntryNotFound" && isFullCommitId(commit))
            *missingAtCommit = commit;
        return std::unexpected(detail::errorFromResponse(*response, context(repoId, rev, path)));
    }
    const std::string where = detail::displayUrlString(request.url);
    FileMetadata meta;
    meta.commit = QString::fromLatin1(response->header("X-Repo-Commit")).trimmed();
    QString etag = QString::fromLatin1(response->header("X-Linked-Etag"));
    if (etag.isEmpty())
        etag = QString::fromLatin1(response->header("ETag"));
    if (etag.startsWith(QLatin1String("W/")))
        etag = etag.mid(2);
    meta.etag = etag.remove('"').trimmed().toLower();
    QByteArray size = response->header("X-Linked-Size");
    if (size.isEmpty() && !response->isRedirect())
        size = response->header("Content-Length");
    bool sizeOk = false;
    meta.size = size.trimmed().toLongLong(&sizeOk);
    meta.location = response->isRedirect()
                        ? request.url.resolved(QUrl::fromEncoded(response->header("Location")))
                        : request.url;
    m_lastFailureServable = true; // missing metadata: huggingface_hub serves the cache too
    if (meta.commit.isEmpty())
        return fail(ErrorKind::Network, where +
                                            ": the answer has no X-Repo-Commit; a firewall or proxy may be "
                                            "rewriting Hub responses");
    if (!isFullCommitId(meta.commit))
        return fail(
            ErrorKind::Network,
            where + ": the answer has a malformed X-Repo-Commit \"" + meta.commit.left(80).toStdString() +
                "\" (expected a 40-hex commit id); a firewall or proxy may be rewriting Hub responses");
    static const QRegularExpression hexEtag(QStringLiteral("^([0-9a-f]{40}|[0-9a-f]{64})$"));
    if (!hexEtag.match(meta.etag).hasMatch())
        return fail(ErrorKind::Network, where + ": the answer has no usable ETag (got \"" +
                                            meta.etag.toStdString() +
                                            "\"), so the file cannot be verified or cached");
    if (!sizeOk || meta.size < 0)
        return fail(ErrorKind::Network, where + ": the answer has no valid file size");
    m_lastFailureServable = false;
    return meta;
}

} // namespace mwb::hub
