// HubPusher: the order of a push (ARCHITECTURE.md, "Hub: uploads"). Token and namespace checks, create,
// preupload, hash, LFS, commit, trust. The LFS transfers are in lfs_upload.cpp.

#include "share/hub_push.h"

#include "hub/hub_errors.h"
#include "hub/hub_session.h"
#include "hub/hub_token.h"
#include "review/trust_store.h"
#include "share/custom_code_repo.h"
#include "share/push_internal.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMap>

namespace mwb::share {

using detail::LocalFile;
using detail::PhaseProgress;
using hub::detail::HttpRequest;
using hub::detail::HttpResponse;

namespace detail {

void PhaseProgress::report(const QString& file, qint64 fileDone, qint64 fileTotal) const
{
    if (callback && *callback)
        (*callback)(PushProgress{phase, file, fileDone, fileTotal, doneBefore + fileDone, total});
}

Result<QByteArray>
sha256OfFile(const QString& path, const std::atomic_bool& cancel, const std::function<void(qint64)>& progress)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return fail(ErrorKind::Io,
                    "cannot read " + path.toStdString() + ": " + file.errorString().toStdString());
    QCryptographicHash hash(QCryptographicHash::Sha256);
    qint64 done = 0;
    while (!file.atEnd()) {
        if (cancel.load())
            return fail(ErrorKind::Cancelled, "cancelled while hashing " + path.toStdString());
        const QByteArray chunk = file.read(4 << 20);
        if (chunk.isEmpty())
            return fail(ErrorKind::Io,
                        "cannot read " + path.toStdString() + ": " + file.errorString().toStdString());
        hash.addData(chunk);
        done += chunk.size();
        if (progress)
            progress(done);
    }
    return hash.result().toHex();
}

QByteArray gitBlobSha1(const QByteArray& content)
{
    QCryptographicHash hash(QCryptographicHash::Sha1);
    hash.addData("blob " + QByteArray::number(content.size()) + '\0');
    hash.addData(content);
    return hash.result().toHex();
}

Error stepError(const QString& step, Error error)
{
    if (error.kind != ErrorKind::Cancelled)
        error.message = step.toStdString() + ": " + error.message;
    return error;
}

} // namespace detail

namespace {

bool succeeded(const HttpResponse& response)
{
    return !response.failedInTransfer() && response.status >= 200 && response.status < 300;
}

QJsonObject jsonBody(const HttpResponse& response)
{
    return QJsonDocument::fromJson(response.body).object();
}

// Write access per the whoami answer (ARCHITECTURE.md, "Hub: tokens and whoami"), before anything is
// uploaded.
Result<void> checkCanWrite(const hub::WhoAmI& who, const QString& ns, const QString& endpoint)
{
    const std::string fix = " Create a token with write access at " + endpoint.toStdString() +
                            "/settings/tokens and log in with it (mwb login).";
    const std::string token = "the token \"" + who.tokenName.toStdString() + "\"";
    if (who.tokenRole == QLatin1String("read"))
        return fail(ErrorKind::InvalidInput, token + " is read-only (role \"read\"): it cannot push." + fix);
    if (who.tokenRole == QLatin1String("fineGrained")) {
        const QJsonObject grants =
            who.raw.value("auth").toObject().value("accessToken").toObject().value("fineGrained").toObject();
        bool canWrite = grants.value("global").toArray().contains(QJsonValue("repo.write"));
        for (const QJsonValue& scoped : grants.value("scoped").toArray())
            if (scoped.toObject().value("entity").toObject().value("name").toString() == ns &&
                scoped.toObject().value("permissions").toArray().contains(QJsonValue("repo.write")))
                canWrite = true;
        if (!canWrite)
            return fail(ErrorKind::InvalidInput, token + " is fine-grained without write access to \"" +
                                                     ns.toStdString() + "\"." + fix);
    }
    if (ns != who.name && !who.orgs.contains(ns))
        return fail(ErrorKind::InvalidInput,
                    "you are logged in as \"" + who.name.toStdString() +
                        "\", who cannot push to the namespace \"" + ns.toStdString() +
                        "\" (your organisations: " +
                        (who.orgs.isEmpty() ? std::string("none")
                                            : who.orgs.join(QStringLiteral(", ")).toStdString()) +
                        ")");
    return {};
}

} // namespace

struct HubPusher::Run
{
    const PushOptions& options;
    const PushProgressCallback& progress;
    std::shared_ptr<std::atomic_bool> cancel;
    hub::detail::HubHttp api;
    hub::detail::HubHttp storage;
    hub::detail::ErrorContext errorContext;
    QString repoId;
    QString endpoint;
    QList<LocalFile> files;
    QByteArray head; // the branch head the upload is planned against

    Run(const PushOptions& o,
        const PushProgressCallback& p,
        std::shared_ptr<std::atomic_bool> flag,
        const hub::HubSettings& settings,
        const QString& token)
        : options(o), progress(p), cancel(std::move(flag)), api(settings, token),
          storage(settings, QString()), endpoint(settings.endpoint)
    {
        api.setCancelFlag(cancel);
        storage.setCancelFlag(cancel);
    }

    QUrl apiUrl(const QString& tail) const
    {
        return QUrl::fromEncoded(endpoint.toUtf8() + "/api/models/" + repoId.toUtf8() + '/' + tail.toUtf8());
    }

    Result<HttpResponse> post(const QUrl& url, const QByteArray& contentType, const QByteArray& body)
    {
        HttpRequest request;
        request.method = "POST";
        request.url = url;
        request.contentType = contentType;
        request.body = body;
        request.timeoutMs = 120000;
        return api.send(request);
    }

    void report(PushProgress::Phase phase) const
    {
        if (progress)
            progress(PushProgress{phase, {}, 0, 0, 0, 0});
    }

    Result<bool> createRepo(const QString& ns, const QString& userName);
    Result<void> listFiles();
    Result<void> preupload();
    Result<void> hashAndCompare();
    Result<QJsonObject> commit(bool& conflict);
    std::optional<QString> landedCommit(const QString& summary, const QString& headBefore);
};

Result<bool> HubPusher::Run::createRepo(const QString& ns, const QString& userName)
{
    const QJsonObject body{{"name", repoId.section('/', 1)},
                           {"organization", ns == userName ? QJsonValue() : QJsonValue(ns)},
                           {"visibility", options.isPrivate ? "private" : "public"}};
    auto response = post(QUrl::fromEncoded(endpoint.toUtf8() + "/api/repos/create"), "application/json",
                         QJsonDocument(body).toJson(QJsonDocument::Compact));
    if (!response)
        return std::unexpected(detail::stepError(QStringLiteral("creating ") + repoId, response.error()));
    if (response->status == 409)
        return false; // it exists, and the namespace is the user's: go on
    if (!succeeded(*response))
        return std::unexpected(detail::stepError(QStringLiteral("creating ") + repoId,
                                                 hub::detail::errorFromResponse(*response, errorContext)));
    return true;
}

Result<void> HubPusher::Run::listFiles()
{
    auto listed = listRepoFiles(options.folder);
    if (!listed)
        return std::unexpected(listed.error());
    if (listed->isEmpty())
        return fail(ErrorKind::InvalidInput,
                    "the folder " + options.folder.toStdString() + " has no files to push");
    for (const RepoFile& f : *listed)
        files.append(LocalFile{f.path, QDir(options.folder).absoluteFilePath(f.path), f.size});
    return {};
}

Result<void> HubPusher::Run::preupload()
{
    for (qsizetype start = 0; start < files.size(); start += 256) {
        QJsonArray entries;
        for (qsizetype i = start; i < std::min(files.size(), start + 256); ++i) {
            QFile in(files[i].absolutePath);
            if (!in.open(QIODevice::ReadOnly))
                return fail(ErrorKind::Io, "cannot read " + files[i].absolutePath.toStdString());
            entries.append(QJsonObject{{"path", files[i].path},
                                       {"sample", QString::fromLatin1(in.read(512).toBase64())},
                                       {"size", files[i].size}});
        }
        const QString tail =
            QStringLiteral("preupload/") + QString::fromLatin1(QUrl::toPercentEncoding(options.branch));
        auto response = post(apiUrl(tail), "application/json",
                             QJsonDocument(QJsonObject{{"files", entries}}).toJson(QJsonDocument::Compact));
        if (response && !succeeded(*response))
            response = std::unexpected(hub::detail::errorFromResponse(*response, errorContext));
        if (!response)
            return std::unexpected(detail::stepError(QStringLiteral("preupload"), response.error()));
        const QJsonObject answer = jsonBody(*response);
        head = answer.value("commitOid").toString().toLatin1();
        for (const QJsonValue& v : answer.value("files").toArray()) {
            const QJsonObject f = v.toObject();
            for (LocalFile& local : files) {
                if (local.path != f.value("path").toString())
                    continue;
                local.lfs = f.value("uploadMode").toString() == QLatin1String("lfs") && local.size > 0;
                local.remoteOid = f.value("oid").toString().toLatin1();
                if (f.value("shouldIgnore").toBool())
                    local.unchanged = true; // ignored by the repo's .gitignore: not part of the commit
            }
        }
    }
    return {};
}

Result<void> HubPusher::Run::hashAndCompare()
{
    PhaseProgress phase{&progress, PushProgress::Phase::Hashing};
    for (const LocalFile& f : files)
        phase.total += f.lfs ? f.size : 0;
    for (LocalFile& f : files) {
        if (!f.lfs) {
            QFile in(f.absolutePath);
            if (!in.open(QIODevice::ReadOnly))
                return fail(ErrorKind::Io, "cannot read " + f.absolutePath.toStdString());
            f.content = in.readAll();
            f.unchanged =
                f.unchanged || (!f.remoteOid.isEmpty() && f.remoteOid == detail::gitBlobSha1(f.content));
            continue;
        }
        auto sha = detail::sha256OfFile(f.absolutePath, *cancel,
                                        [&](qint64 done) { phase.report(f.path, done, f.size); });
        if (!sha)
            return std::unexpected(sha.error());
        f.sha256 = *sha;
        f.unchanged = f.unchanged || (!f.remoteOid.isEmpty() && f.remoteOid == f.sha256);
        phase.doneBefore += f.size;
    }
    return {};
}

Result<QJsonObject> HubPusher::Run::commit(bool& conflict)
{
    const QString summary = options.summary.trimmed().isEmpty()
                                ? QStringLiteral("Upload model with Model Workbench")
                                : options.summary.trimmed();
    QJsonObject header{{"summary", summary}, {"description", options.description}};
    const QString parent = options.parentCommit.isEmpty() ? QString::fromLatin1(head) : options.parentCommit;
    if (!parent.isEmpty())
        header["parentCommit"] = parent;
    auto line = [](const char* key, const QJsonObject& value) {
        return QJsonDocument(QJsonObject{{"key", key}, {"value", value}}).toJson(QJsonDocument::Compact) +
               '\n';
    };
    QByteArray body = line("header", header);
    for (const LocalFile& f : files) {
        if (f.unchanged)
            continue;
        if (f.lfs)
            body += line("lfsFile", QJsonObject{{"path", f.path},
                                                {"algo", "sha256"},
                                                {"oid", QString::fromLatin1(f.sha256)},
                                                {"size", f.size}});
        else
            body += line("file", QJsonObject{{"path", f.path},
                                             {"content", QString::fromLatin1(f.content.toBase64())},
                                             {"encoding", "base64"}});
    }
    const QString tail =
        QStringLiteral("commit/") + QString::fromLatin1(QUrl::toPercentEncoding(options.branch));
    HttpRequest request;
    request.method = "POST";
    request.url = apiUrl(tail);
    request.contentType = "application/x-ndjson";
    request.body = body;
    request.timeoutMs = 120000;
    const QString headBefore = parent.isEmpty() ? QString::fromLatin1(head) : parent;
    // Not retried blindly: when an answer is lost the commit may have landed, and a retry would then get
    // 412 (or, without parentCommit, make a duplicate). Before each retry, look at the branch head.
    for (int attempt = 0;; ++attempt) {
        auto response = api.sendOnce(request);
        if (!response)
            return std::unexpected(detail::stepError(QStringLiteral("commit"), response.error()));
        if (succeeded(*response)) {
            const QJsonObject answer = jsonBody(*response);
            if (!hub::isFullCommitId(answer.value("commitOid").toString()))
                return fail(ErrorKind::Network, "commit: the Hub answered without a commit id");
            return answer;
        }
        // Even a first 412 may be our own commit: Qt resends a request whose connection closed unanswered.
        const bool stale = response->status == 412 || (response->status == 409 && !parent.isEmpty());
        if (auto landed = landedCommit(summary, headBefore))
            return QJsonObject{{"commitOid", *landed},
                               {"commitUrl", endpoint + '/' + repoId + QStringLiteral("/commit/") + *landed}};
        if (stale) {
            conflict = true;
            return fail(ErrorKind::Network,
                        "commit: the branch \"" + options.branch.toStdString() + "\" of " +
                            repoId.toStdString() + " moved since " + parent.left(12).toStdString() +
                            " (someone pushed meanwhile); nothing was committed. Push again to "
                            "upload on top of the new head.");
        }
        if (!hub::detail::HubHttp::isRetryable(*response) || attempt >= api.settings().maxRetries)
            return std::unexpected(detail::stepError(
                QStringLiteral("commit"), hub::detail::errorFromResponse(*response, errorContext)));
        if (!api.waitBeforeRetry(*response, attempt))
            return fail(ErrorKind::Cancelled, "cancelled");
    }
}

// The branch head, when it is the commit this push made: not the head the push started from, with our
// summary, on top of that head, and holding exactly the bytes we sent (paths-info oids: the git blob
// sha1 of regular files, the sha256 of LFS files). nullopt when that cannot be established.
std::optional<QString> HubPusher::Run::landedCommit(const QString& summary, const QString& headBefore)
{
    HttpRequest request;
    request.url =
        apiUrl(QStringLiteral("commits/") + QString::fromLatin1(QUrl::toPercentEncoding(options.branch)) +
               QStringLiteral("?limit=2"));
    request.timeoutMs = 30000;
    auto history = api.send(request);
    if (!history || !succeeded(*history))
        return std::nullopt;
    const QJsonArray commits = QJsonDocument::fromJson(history->body).array();
    if (commits.isEmpty())
        return std::nullopt;
    const QJsonObject top = commits.first().toObject();
    const QString id = top.value("id").toString();
    if (!hub::isFullCommitId(id) || (!headBefore.isEmpty() && id.startsWith(headBefore)) ||
        top.value("title").toString() != summary)
        return std::nullopt;
    if (!headBefore.isEmpty() &&
        (commits.size() < 2 || !commits.at(1).toObject().value("id").toString().startsWith(headBefore)))
        return std::nullopt;
    QByteArray form;
    QMap<QString, QByteArray> expected;
    for (const LocalFile& f : files) {
        if (f.unchanged)
            continue;
        expected[f.path] = f.lfs ? f.sha256 : detail::gitBlobSha1(f.content);
        form += (form.isEmpty() ? "" : "&") + QByteArray("paths=") + QUrl::toPercentEncoding(f.path);
    }
    HttpRequest paths;
    paths.method = "POST";
    paths.url = apiUrl(QStringLiteral("paths-info/") + id);
    paths.contentType = "application/x-www-form-urlencoded";
    paths.body = form;
    paths.timeoutMs = 30000;
    auto info = api.send(paths);
    if (!info || !succeeded(*info))
        return std::nullopt;
    qsizetype matched = 0;
    for (const QJsonValue& v : QJsonDocument::fromJson(info->body).array()) {
        const QJsonObject entry = v.toObject();
        const QString path = entry.value("path").toString();
        const QByteArray oid = entry.contains("lfs")
                                   ? entry.value("lfs").toObject().value("oid").toString().toLatin1()
                                   : entry.value("oid").toString().toLatin1();
        if (!expected.contains(path) || expected[path] != oid)
            return std::nullopt;
        ++matched;
    }
    if (matched != expected.size())
        return std::nullopt;
    return id;
}

HubPusher::HubPusher(hub::HubSettings settings, std::optional<QString> token)
    : m_settings(std::move(settings)), m_token(std::move(token))
{}

HubPusher::~HubPusher() = default;

void HubPusher::cancel()
{
    m_cancel->store(true);
}

namespace {

// Records the pushed code as trusted: the user wrote it (or chose to publish it) themselves.
bool recordTrust(const PushOptions& options, const PushResult& result, const QList<LocalFile>& files)
{
    auto store = review::TrustStore::open(options.trustStoreDirectory.isEmpty()
                                              ? review::TrustStore::defaultDirectory()
                                              : options.trustStoreDirectory);
    if (!store)
        return false;
    std::map<QString, QByteArray> code;
    for (const LocalFile& f : files)
        if (f.path.endsWith(QLatin1String(".py"))) {
            QFile in(f.absolutePath);
            if (!in.open(QIODevice::ReadOnly))
                return false;
            code[f.path] = in.readAll();
        }
    return store
        ->trust(result.repoId, result.commitId, code, QStringLiteral("pushed by you with Model Workbench"))
        .has_value();
}

} // namespace

Result<PushResult> HubPusher::push(const PushOptions& options, const PushProgressCallback& progress)
{
    // The flag is not reset here: a cancel() made before the push started must stop it.
    if (m_cancel->load())
        return fail(ErrorKind::Cancelled, "push to " + options.repoId.toStdString() + " cancelled");
    QString token = m_token.value_or(QString());
    QString tokenSource = QStringLiteral("given directly");
    if (!m_token)
        if (const auto found = hub::findToken(m_settings)) {
            token = found->token;
            tokenSource = found->describeSource(m_settings);
        }
    if (token.isEmpty())
        return fail(ErrorKind::InvalidInput,
                    "not logged in: pushing needs a token with write access (run `mwb login` "
                    "or set HF_TOKEN)");
    Run run(options, progress, m_cancel, m_settings, token);
    run.report(PushProgress::Phase::Checking);
    if (auto ok = run.listFiles(); !ok)
        return std::unexpected(ok.error());

    hub::HubSession session(m_settings, token);
    session.setCancelFlag(m_cancel);
    auto who = session.whoAmI();
    if (!who)
        return std::unexpected(who.error());
    run.repoId = options.repoId.contains('/') ? options.repoId : who->name + '/' + options.repoId;
    if (auto ok = hub::validateRepoId(run.repoId); !ok)
        return std::unexpected(ok.error());
    run.errorContext = {run.repoId, options.branch, {}, tokenSource};
    const QString ns = run.repoId.section('/', 0, 0);
    if (auto ok = checkCanWrite(*who, ns, m_settings.endpoint); !ok)
        return std::unexpected(ok.error());

    PushResult result;
    result.repoId = run.repoId;
    auto created = run.createRepo(ns, who->name);
    if (!created)
        return std::unexpected(created.error());
    result.created = *created;
    if (auto ok = run.preupload(); !ok)
        return std::unexpected(ok.error());
    if (auto ok = run.hashAndCompare(); !ok)
        return std::unexpected(ok.error());

    QList<LocalFile*> lfsToSend;
    PhaseProgress uploading{&progress, PushProgress::Phase::Uploading};
    for (LocalFile& f : run.files)
        if (f.lfs && !f.unchanged) {
            lfsToSend.append(&f);
            uploading.total += f.size;
        }
    const detail::LfsContext lfs{&run.api, &run.storage, run.errorContext, run.repoId, options.branch};
    if (auto ok = detail::uploadLfsFiles(lfs, lfsToSend, uploading); !ok)
        return std::unexpected(ok.error());

    const bool anyChange =
        std::any_of(run.files.begin(), run.files.end(), [](const LocalFile& f) { return !f.unchanged; });
    if (anyChange) {
        run.report(PushProgress::Phase::Committing);
        bool conflict = false;
        auto answer = run.commit(conflict);
        if (!answer)
            return std::unexpected(answer.error());
        result.commitId = answer->value("commitOid").toString();
        result.commitUrl = answer->value("commitUrl").toString();
    } else {
        result.noChanges = true; // as huggingface_hub: no empty commit, report the current head
        result.commitId = QString::fromLatin1(run.head);
    }
    if (result.commitUrl.isEmpty())
        result.commitUrl =
            m_settings.endpoint + '/' + run.repoId + QStringLiteral("/commit/") + result.commitId;
    result.pinnedUrl = m_settings.endpoint + '/' + run.repoId + QStringLiteral("/tree/") + result.commitId;
    for (const LocalFile& f : run.files)
        result.files.append(
            PushedFile{f.path, f.size, f.lfs, f.uploaded || (!f.lfs && !f.unchanged), f.unchanged});
    if (options.recordTrust && hub::isFullCommitId(result.commitId))
        result.trusted = recordTrust(options, result, run.files);
    return result;
}

} // namespace mwb::share
