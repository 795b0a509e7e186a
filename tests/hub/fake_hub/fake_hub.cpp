#include "fake_hub.h"

#include <QAbstractHttpServer>
#include <QCryptographicHash>
#include <QHostAddress>
#include <QHttpServerRequest>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMetaEnum>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QUrl>
#include <QUrlQuery>

namespace mwb::fakehub {

// One listening origin; hands every request to FakeHub.
class FakeHub::Origin : public QAbstractHttpServer
{
public:
    Origin(FakeHub* hub, QString name) : m_hub(hub), m_name(std::move(name)) {}
    quint16 port = 0;

protected:
    bool handleRequest(const QHttpServerRequest& request, QTcpSocket* socket) override
    {
        return m_hub->handle(m_name, request, socket);
    }
    void missingHandler(const QHttpServerRequest&, QTcpSocket* socket) override { socket->abort(); }

private:
    FakeHub* m_hub;
    QString m_name;
};

struct FakeHub::Response
{
    int status = 200;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;
    qint64 dropAfterBytes = -1; // >= 0: close the connection after this many body bytes

    Response& header(const QByteArray& name, const QByteArray& value)
    {
        headers.append({name, value});
        return *this;
    }
};

namespace {

using Response = FakeHub::Response;

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 206:
        return "Partial Content";
    case 302:
        return "Found";
    case 307:
        return "Temporary Redirect";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 416:
        return "Range Not Satisfiable";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return "Status";
    }
}

Response jsonResponse(const QJsonDocument& doc)
{
    Response r;
    r.body = doc.toJson(QJsonDocument::Compact);
    r.header("Content-Type", "application/json; charset=utf-8");
    return r;
}

Response hubError(int status, const QByteArray& code, const QByteArray& message)
{
    Response r = jsonResponse(QJsonDocument(QJsonObject{{"error", QString::fromUtf8(message)}}));
    r.status = status;
    if (!code.isEmpty())
        r.header("X-Error-Code", code);
    r.header("X-Error-Message", message);
    return r;
}

Response notLoggedIn()
{
    Response r = hubError(401, {}, "Invalid username or password.");
    r.header("WWW-Authenticate", "Bearer realm=\"Authentication required\", charset=\"UTF-8\"");
    return r;
}

QByteArray isoDate(const QDateTime& date)
{
    return date.toUTC().toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss.zzzZ")).toLatin1();
}

QString decodeSegment(const QByteArray& segment)
{
    return QUrl::fromPercentEncoding(segment);
}

QString joinDecoded(const QList<QByteArray>& segments, int from)
{
    QStringList parts;
    for (qsizetype i = from; i < segments.size(); ++i)
        parts.append(decodeSegment(segments[i]));
    return parts.join('/');
}

bool isFullCommitId(const QString& revision)
{
    static const QRegularExpression re(QStringLiteral("^[0-9a-f]{40}$"));
    return re.match(revision).hasMatch();
}

QJsonObject treeEntry(const FakeCommit& commit, const QString& path)
{
    if (commit.files.contains(path)) {
        const FakeFile& f = commit.files[path];
        QJsonObject o{{"type", "file"},
                      {"oid", QString::fromLatin1(f.gitBlobId())},
                      {"size", f.content.size()},
                      {"path", path}};
        if (f.lfs)
            o["lfs"] = QJsonObject{{"oid", QString::fromLatin1(f.sha256())},
                                   {"size", f.content.size()},
                                   {"pointerSize", f.pointerFile().size()}};
        return o;
    }
    return QJsonObject{{"type", "directory"},
                       {"oid", QString::fromLatin1(commit.dirTrees.value(path))},
                       {"size", 0},
                       {"path", path}};
}

// Every path (files and folders) below `prefix`; direct children only unless recursive.
QStringList listPaths(const FakeCommit& commit, const QString& prefix, bool recursive)
{
    QStringList out;
    const QString start = prefix.isEmpty() ? QString() : prefix + '/';
    auto consider = [&](const QString& path) {
        if (!path.startsWith(start) || path == prefix)
            return;
        if (!recursive && path.mid(start.size()).contains('/'))
            return;
        out.append(path);
    };
    for (auto it = commit.dirTrees.begin(); it != commit.dirTrees.end(); ++it)
        if (!it.key().isEmpty())
            consider(it.key());
    for (auto it = commit.files.begin(); it != commit.files.end(); ++it)
        consider(it.key());
    out.sort();
    return out;
}

} // namespace

FakeHub::FakeHub(QObject* parent) : QObject(parent) {}
FakeHub::~FakeHub() = default;

bool FakeHub::listen(quint16 hubPort, quint16 cdnPort)
{
    m_hub = std::make_unique<Origin>(this, QStringLiteral("hub"));
    m_cdn = std::make_unique<Origin>(this, QStringLiteral("cdn"));
    m_hub->port = m_hub->listen(QHostAddress::LocalHost, hubPort);
    m_cdn->port = m_cdn->listen(QHostAddress::LocalHost, cdnPort);
    return m_hub->port != 0 && m_cdn->port != 0;
}

quint16 FakeHub::hubPort() const
{
    return m_hub ? m_hub->port : 0;
}
quint16 FakeHub::cdnPort() const
{
    return m_cdn ? m_cdn->port : 0;
}
QString FakeHub::endpoint() const
{
    return QStringLiteral("http://127.0.0.1:%1").arg(hubPort());
}

FakeRepo& FakeHub::addRepo(const FakeRepo& repo)
{
    m_repos.append(repo);
    return m_repos.last();
}

FakeRepo* FakeHub::repo(const QString& id)
{
    for (FakeRepo& r : m_repos)
        if (r.id == id)
            return &r;
    return nullptr;
}

bool FakeHub::handle(const QString& origin, const QHttpServerRequest& request, QTcpSocket* socket)
{
    const QUrl url = request.url();
    m_requests.append({origin,
                       QMetaEnum::fromType<QHttpServerRequest::Method>().valueToKey(int(request.method())),
                       url.path(QUrl::FullyEncoded).toLatin1(), url.query(QUrl::FullyEncoded).toLatin1(),
                       request.value("authorization"), request.value("range"),
                       request.value("accept-encoding"), request.value("user-agent")});
    m_requests.last().method = m_requests.last().method.toUpper();

    if (takeFault(request, Fault::Kind::Hang))
        return true; // the socket stays open and silent until the client gives up
    const bool loseAnswer = takeFault(request, Fault::Kind::LoseAnswer) != nullptr;
    Response response = route(origin, request);
    if (Fault* f = takeFault(request, Fault::Kind::SetHeader)) {
        response.headers.removeIf(
            [&](const auto& h) { return h.first.compare(f->headerName, Qt::CaseInsensitive) == 0; });
        response.header(f->headerName, f->headerValue);
    }
    if (loseAnswer) {
        socket->abort(); // the work is done, but the client never learns the outcome
        return true;
    }
    const bool head = request.method() == QHttpServerRequest::Method::Head;
    // Written by hand (not through QHttpServerResponder) so a HEAD carries the real Content-Length and a
    // fault can cut the body short. Every response closes its connection, which keeps the server simple.
    QByteArray out =
        "HTTP/1.1 " + QByteArray::number(response.status) + ' ' + reasonPhrase(response.status) + "\r\n";
    for (const auto& h : response.headers)
        out += h.first + ": " + h.second + "\r\n";
    out += "Content-Length: " + QByteArray::number(response.body.size()) + "\r\nConnection: close\r\n\r\n";
    if (!head) {
        if (response.dropAfterBytes >= 0) {
            out += response.body.left(response.dropAfterBytes);
            socket->write(out);
            socket->flush();
            socket->disconnectFromHost(); // a clean close before Content-Length bytes: the body is cut short
            return true;
        }
        out += response.body;
    }
    socket->write(out);
    socket->disconnectFromHost();
    return true;
}

Fault* FakeHub::takeFault(const QHttpServerRequest& request, Fault::Kind kind)
{
    const QByteArray path = request.url().path(QUrl::FullyEncoded).toLatin1();
    const QByteArray method = m_requests.last().method;
    for (Fault& f : m_faults) {
        if (f.kind == kind && f.remaining > 0 && path.contains(f.pathContains) &&
            (f.method.isEmpty() || f.method == method)) {
            --f.remaining;
            return &f;
        }
    }
    return nullptr;
}

FakeHub::Response FakeHub::route(const QString& origin, const QHttpServerRequest& request)
{
    if (Fault* f = takeFault(request, Fault::Kind::Status)) {
        Response r = hubError(f->status, {}, f->status == 429 ? "Too many requests" : "Internal Error");
        if (f->retryAfter >= 0)
            r.header("Retry-After", QByteArray::number(f->retryAfter));
        return r;
    }
    if (Fault* f = takeFault(request, Fault::Kind::Redirect)) {
        const QUrl url = request.url();
        QByteArray location = f->redirectTo;
        if (location.isEmpty())
            location = "http://127.0.0.1:" + QByteArray::number(cdnPort()) + "/hop" +
                       url.path(QUrl::FullyEncoded).toLatin1() +
                       (url.hasQuery() ? '?' + url.query(QUrl::FullyEncoded).toLatin1() : QByteArray());
        Response r;
        r.status = 307;
        r.body = "Temporary Redirect. Redirecting to " + location;
        r.header("Location", location).header("Content-Type", "text/plain; charset=utf-8");
        return r;
    }
    QList<QByteArray> segments = request.url().path(QUrl::FullyEncoded).toLatin1().split('/');
    segments.removeFirst(); // the empty piece before the leading '/'
    while (origin == QLatin1String("cdn") && !segments.isEmpty() && segments.first() == "hop")
        segments.removeFirst(); // a CDN edge that redirected to another edge: same content
    if (auto upload = routeUpload(origin, request, segments))
        return std::move(*upload);
    if (origin == QLatin1String("cdn"))
        return routeCdn(request, segments);
    if (segments.size() >= 2 && segments[0] == "api" && segments[1] == "resolve-cache")
        return routeResolveCache(request, segments);
    if (!segments.isEmpty() && segments[0] == "api")
        return routeApi(request, segments);
    return routeResolve(request, segments);
}

const FakeUser* FakeHub::userFor(const QHttpServerRequest& request, bool& invalidToken) const
{
    invalidToken = false;
    const QByteArray auth = request.value("authorization");
    if (auth.isEmpty())
        return nullptr;
    const QString token = QString::fromUtf8(auth.startsWith("Bearer ") ? auth.mid(7) : auth);
    for (const FakeUser& u : m_users)
        if (u.token == token)
            return &u;
    invalidToken = true;
    return nullptr;
}

std::unique_ptr<FakeHub::Response>
FakeHub::checkAccess(const QHttpServerRequest& request, const QString& repoId, bool forFiles)
{
    bool invalidToken = false;
    const FakeUser* user = userFor(request, invalidToken);
    if (invalidToken)
        return std::make_unique<Response>(hubError(401, {}, "Invalid credentials in Authorization header"));
    const FakeRepo* r = repo(repoId);
    bool visible = r && !r->isPrivate;
    if (r && r->isPrivate && user)
        visible = r->members.contains(user->name) ||
                  std::any_of(user->orgs.begin(), user->orgs.end(),
                              [&](const QString& o) { return r->members.contains(o); });
    if (!visible) {
        // The Hub hides whether a private repo exists from anonymous callers.
        if (!user)
            return std::make_unique<Response>(notLoggedIn());
        return std::make_unique<Response>(hubError(404, "RepoNotFound", "Repository not found"));
    }
    if (forFiles && r->gated && !(user && r->gatedAccessUsers.contains(user->name))) {
        const QByteArray message =
            "Access to model " + repoId.toUtf8() +
            " is restricted. You must have access to it and be authenticated to access it.";
        return std::make_unique<Response>(hubError(user ? 403 : 401, "GatedRepo", message));
    }
    return nullptr;
}

FakeRepo* FakeHub::findRepo(const QList<QByteArray>& segments, int first, int& consumed)
{
    if (segments.size() > first + 1) {
        if (FakeRepo* r = repo(decodeSegment(segments[first]) + '/' + decodeSegment(segments[first + 1]))) {
            consumed = 2;
            return r;
        }
    }
    if (segments.size() > first) {
        if (FakeRepo* r = repo(decodeSegment(segments[first]))) {
            consumed = 1;
            return r;
        }
    }
    consumed = 2; // unknown repo: assume the namespace/name form
    return nullptr;
}

FakeHub::Response FakeHub::routeApi(const QHttpServerRequest& request, const QList<QByteArray>& segments)
{
    if (segments.size() == 2 && segments[1] == "whoami-v2")
        return whoami(request);
    if (segments.size() < 3 || segments[1] != "models")
        return hubError(404, {}, "Sorry, we can't find the page you are looking for.");
    int consumed = 0;
    FakeRepo* r = findRepo(segments, 2, consumed);
    const QString id = r ? r->id : joinDecoded(segments.mid(2, 2), 0);
    if (auto denied = checkAccess(request, id, false))
        return std::move(*denied);
    return routeRepoApi(request, *r, segments.mid(2 + consumed));
}

FakeHub::Response
FakeHub::routeRepoApi(const QHttpServerRequest& request, FakeRepo& r, const QList<QByteArray>& rest)
{
    if (rest.isEmpty())
        return modelInfo(request, r, *r.resolve(QStringLiteral("main")));
    if (rest.size() == 1 && rest[0] == "refs")
        return refs(r);
    if (rest.size() < 2)
        return hubError(404, {}, "Sorry, we can't find the page you are looking for.");
    const QByteArray rev = QUrl::fromPercentEncoding(rest[1]).toUtf8();
    const FakeCommit* commit = r.resolve(QString::fromUtf8(rev));
    if (!commit)
        return hubError(404, "RevisionNotFound", "Invalid rev id: " + rev);
    if (rest[0] == "revision" && rest.size() == 2)
        return modelInfo(request, r, *commit);
    if (rest[0] == "commits" && rest.size() == 2)
        return commits(request, r, rest[1], *commit);
    if (rest[0] == "tree")
        return tree(request, r, rest[1], *commit, joinDecoded(rest, 2));
    if (rest[0] == "paths-info" && rest.size() == 2 && request.method() == QHttpServerRequest::Method::Post)
        return pathsInfo(request, *commit);
    return hubError(404, {}, "Sorry, we can't find the page you are looking for.");
}

FakeHub::Response FakeHub::whoami(const QHttpServerRequest& request)
{
    bool invalidToken = false;
    const FakeUser* user = userFor(request, invalidToken);
    if (invalidToken)
        return hubError(401, {}, "Invalid credentials in Authorization header");
    if (!user)
        return notLoggedIn();
    QJsonArray orgs;
    for (const QString& org : user->orgs)
        orgs.append(QJsonObject{{"type", "org"},
                                {"id", "org-" + org},
                                {"name", org},
                                {"fullname", org.toUpper()},
                                {"email", QJsonValue::Null},
                                {"canPay", false},
                                {"avatarUrl", "/avatars/org.svg"},
                                {"periodEnd", QJsonValue::Null}});
    return jsonResponse(QJsonDocument(QJsonObject{
        {"type", "user"},
        {"id", "62f264b9f3c90f4b6514a269"},
        {"name", user->name},
        {"fullname", user->name + " Example"},
        {"email", user->name + "@example.com"},
        {"emailVerified", true},
        {"isPro", false},
        {"canPay", false},
        {"periodEnd", QJsonValue::Null},
        {"avatarUrl", "/avatars/user.svg"},
        {"billingMode", "postpaid"},
        {"orgs", orgs},
        {"auth", QJsonObject{{"type", "access_token"},
                             {"accessToken", QJsonObject{{"displayName", user->tokenName},
                                                         {"role", user->role},
                                                         {"createdAt", "2024-01-01T00:00:00.000Z"}}}}}}));
}

FakeHub::Response
FakeHub::modelInfo(const QHttpServerRequest& request, const FakeRepo& r, const FakeCommit& commit)
{
    const bool blobs = request.query().queryItemValue(QStringLiteral("blobs")) == QLatin1String("true");
    QJsonArray siblings;
    for (auto it = commit.files.begin(); it != commit.files.end(); ++it) {
        QJsonObject s{{"rfilename", it.key()}};
        if (blobs) {
            s["size"] = it.value().content.size();
            s["blobId"] = QString::fromLatin1(it.value().gitBlobId());
            if (it.value().lfs)
                s["lfs"] = QJsonObject{{"sha256", QString::fromLatin1(it.value().sha256())},
                                       {"size", it.value().content.size()},
                                       {"pointerSize", it.value().pointerFile().size()}};
        }
        siblings.append(s);
    }
    const QString author = r.id.section('/', 0, 0);
    return jsonResponse(QJsonDocument(
        QJsonObject{{"_id", "621ffdc036468d709f17434d"},
                    {"id", r.id},
                    {"modelId", r.id},
                    {"author", author},
                    {"sha", QString::fromLatin1(commit.id)},
                    {"lastModified", QString::fromLatin1(isoDate(commit.date))},
                    {"createdAt", "2022-03-02T23:29:04.000Z"},
                    {"private", r.isPrivate},
                    {"gated", r.gated ? QJsonValue("manual") : QJsonValue(false)},
                    {"disabled", false},
                    {"downloads", 42},
                    {"likes", 3},
                    {"library_name", "transformers"},
                    {"pipeline_tag", "image-classification"},
                    {"tags", QJsonArray{"transformers", "safetensors", "resnet", "image-classification"}},
                    {"config", QJsonObject{{"architectures", QJsonArray{"ResnetModelForImageClassification"}},
                                           {"model_type", "resnet"}}},
                    {"siblings", siblings},
                    {"spaces", QJsonArray{}},
                    {"usedStorage", 1234}}));
}

FakeHub::Response FakeHub::refs(const FakeRepo& r)
{
    auto list = [](const QMap<QString, QByteArray>& refs, const QString& prefix) {
        QJsonArray out;
        for (auto it = refs.begin(); it != refs.end(); ++it)
            out.append(QJsonObject{{"name", it.key()},
                                   {"ref", prefix + it.key()},
                                   {"targetCommit", QString::fromLatin1(it.value())}});
        return out;
    };
    return jsonResponse(QJsonDocument(QJsonObject{{"branches", list(r.branches, "refs/heads/")},
                                                  {"tags", list(r.tags, "refs/tags/")},
                                                  {"converts", QJsonArray{}}}));
}

QByteArray FakeHub::linkBase() const
{
    return m_absoluteLinks ? endpoint().toLatin1() : QByteArray();
}

FakeHub::Response FakeHub::commits(const QHttpServerRequest& request,
                                   const FakeRepo& r,
                                   const QByteArray& rev,
                                   const FakeCommit& head)
{
    const QUrlQuery query = request.query();
    const int page = query.queryItemValue(QStringLiteral("p")).toInt();
    bool limitOk = false;
    int limit = query.queryItemValue(QStringLiteral("limit")).toInt(&limitOk);
    if (!limitOk || limit <= 0)
        limit = m_commitPageSize;
    const QList<const FakeCommit*> all = r.history(head);
    QJsonArray items;
    for (qsizetype i = qsizetype(page) * limit; i < all.size() && i < qsizetype(page + 1) * limit; ++i) {
        const FakeCommit* c = all[i];
        items.append(QJsonObject{
            {"id", QString::fromLatin1(c->id)},
            {"title", c->title},
            {"message", c->message},
            {"authors",
             QJsonArray{QJsonObject{{"user", c->author}, {"avatar", "/avatars/" + c->author + ".svg"}}}},
            {"date", QString::fromLatin1(isoDate(c->date))}});
    }
    Response response = jsonResponse(QJsonDocument(items));
    response.header("X-Total-Count", QByteArray::number(all.size()));
    if (qsizetype(page + 1) * limit < all.size())
        response.header("Link", "<" + linkBase() + "/api/models/" + r.id.toUtf8() + "/commits/" + rev +
                                    "?p=" + QByteArray::number(page + 1) +
                                    "&limit=" + QByteArray::number(limit) + ">; rel=\"next\"");
    return response;
}

FakeHub::Response FakeHub::tree(const QHttpServerRequest& request,
                                const FakeRepo& r,
                                const QByteArray& rev,
                                const FakeCommit& commit,
                                const QString& path)
{
    if (!path.isEmpty() && !commit.dirTrees.contains(path))
        return hubError(404, "EntryNotFound", path.toUtf8() + " does not exist on \"" + rev + "\"");
    const QUrlQuery query = request.query();
    const QString recursiveText = query.queryItemValue(QStringLiteral("recursive"));
    const bool recursive = recursiveText == QLatin1String("true") || recursiveText == QLatin1String("1");
    // The cursor is opaque to clients; here it is just the base64 of an offset.
    const int offset =
        QByteArray::fromBase64(query.queryItemValue(QStringLiteral("cursor")).toLatin1()).toInt();
    const QStringList paths = listPaths(commit, path, recursive);
    QJsonArray items;
    for (qsizetype i = offset; i < paths.size() && i < offset + m_treePageSize; ++i)
        items.append(treeEntry(commit, paths[i]));
    Response response = jsonResponse(QJsonDocument(items));
    if (offset + m_treePageSize < paths.size()) {
        const QByteArray cursor = QByteArray::number(offset + m_treePageSize).toBase64();
        const QByteArray pathPart = path.isEmpty() ? QByteArray() : '/' + QUrl::toPercentEncoding(path);
        response.header("Link", "<" + linkBase() + "/api/models/" + r.id.toUtf8() + "/tree/" + rev +
                                    pathPart + "?recursive=" + (recursive ? "true" : "false") +
                                    "&expand=false&cursor=" +
                                    QUrl::toPercentEncoding(QString::fromLatin1(cursor)) + ">; rel=\"next\"");
    }
    return response;
}

FakeHub::Response FakeHub::pathsInfo(const QHttpServerRequest& request, const FakeCommit& commit)
{
    QStringList paths;
    const QJsonDocument doc = QJsonDocument::fromJson(request.body());
    if (doc.isObject()) {
        for (const QJsonValue& v : doc.object().value("paths").toArray())
            paths.append(v.toString());
    } else {
        const QUrlQuery form(QString::fromUtf8(request.body()));
        for (const auto& item : form.queryItems(QUrl::FullyDecoded))
            if (item.first == QLatin1String("paths"))
                paths.append(item.second);
    }
    QJsonArray items;
    for (const QString& p : paths)
        if (commit.files.contains(p) || (!p.isEmpty() && commit.dirTrees.contains(p)))
            items.append(treeEntry(commit, p)); // missing paths are silently left out, as on the Hub
    return jsonResponse(QJsonDocument(items));
}

FakeHub::Response FakeHub::routeResolve(const QHttpServerRequest& request, const QList<QByteArray>& segments)
{
    int consumed = 0;
    FakeRepo* r = findRepo(segments, 0, consumed);
    if (segments.size() < consumed + 3 || segments[consumed] != "resolve")
        return hubError(404, {}, "Sorry, we can't find the page you are looking for.");
    const QString id = r ? r->id : joinDecoded(segments.mid(0, 2), 0);
    if (auto denied = checkAccess(request, id, true))
        return std::move(*denied);
    const QByteArray encodedRev = segments[consumed + 1];
    const QString rev = decodeSegment(encodedRev);
    const QString path = joinDecoded(segments, consumed + 2);
    const FakeCommit* commit = r->resolve(rev);
    if (!commit)
        return hubError(404, "RevisionNotFound", "Invalid rev id: " + rev.toUtf8());
    if (!commit->files.contains(path)) {
        Response e = hubError(404, "EntryNotFound", "Entry not found");
        e.body = "Entry not found";
        e.headers.removeFirst(); // plain-text body, as the Hub sends it
        e.header("Content-Type", "text/plain; charset=utf-8");
        e.header("X-Repo-Commit", commit->id);
        return e;
    }
    const FakeFile& file = commit->files[path];
    const QByteArray encodedPath = QUrl::toPercentEncoding(path, "/");
    if (file.lfs) {
        const QByteArray cdn = "http://127.0.0.1:" + QByteArray::number(cdnPort()) + "/xet-bridge-us/" +
                               file.sha256() + "?X-Amz-Expires=3600&Signature=abc123";
        Response redirect;
        redirect.status = 302;
        redirect.body = "Found. Redirecting to " + cdn;
        redirect.header("Location", cdn)
            .header("X-Repo-Commit", commit->id)
            .header("X-Linked-Etag", '"' + file.sha256() + '"')
            .header("X-Linked-Size", QByteArray::number(file.content.size()))
            .header("Cache-Control", "no-store")
            .header("Content-Type", "text/plain; charset=utf-8");
        return redirect;
    }
    if (!isFullCommitId(rev)) {
        // Regular file at a named revision: a host-relative redirect to the resolve-cache, as the Hub does.
        const QByteArray original = "/" + r->id.toUtf8() + "/resolve/" + rev.toUtf8() + "/" + path.toUtf8();
        const QByteArray location = "/api/resolve-cache/models/" + r->id.toUtf8() + "/" + commit->id + "/" +
                                    encodedPath + "?" + QUrl::toPercentEncoding(QString::fromUtf8(original)) +
                                    "=&etag=%22" + file.gitBlobId() + "%22";
        Response redirect;
        redirect.status = 307;
        redirect.body = "Temporary Redirect. Redirecting to " + location;
        redirect.header("Location", location)
            .header("X-Repo-Commit", commit->id)
            .header("X-Linked-Etag", '"' + file.gitBlobId() + '"')
            .header("Accept-Ranges", "bytes")
            .header("Content-Type", "text/plain; charset=utf-8");
        return redirect;
    }
    Response content = fileContent(request, file, '"' + file.gitBlobId() + '"');
    content.header("X-Repo-Commit", commit->id);
    return content;
}

FakeHub::Response FakeHub::routeResolveCache(const QHttpServerRequest& request,
                                             const QList<QByteArray>& segments)
{
    // /api/resolve-cache/models/{ns}/{name}/{commit}/{path...}
    int consumed = 0;
    FakeRepo* r = segments.size() > 3 ? findRepo(segments, 3, consumed) : nullptr;
    if (!r || segments.size() < 3 + consumed + 2)
        return hubError(404, "RepoNotFound", "Repository not found");
    if (auto denied = checkAccess(request, r->id, true))
        return std::move(*denied);
    const FakeCommit* commit = r->byId(segments[3 + consumed]);
    const QString path = joinDecoded(segments, 3 + consumed + 1);
    if (!commit || !commit->files.contains(path))
        return hubError(404, "EntryNotFound", "Entry not found");
    Response content = fileContent(request, commit->files[path], '"' + commit->files[path].gitBlobId() + '"');
    content.header("X-Repo-Commit", commit->id);
    content.header("Content-Disposition", "inline; filename*=UTF-8''" +
                                              QUrl::toPercentEncoding(path.section('/', -1)) +
                                              "; filename=\"" + path.section('/', -1).toUtf8() + "\";");
    return content;
}

FakeHub::Response FakeHub::routeCdn(const QHttpServerRequest& request, const QList<QByteArray>& segments)
{
    if (segments.size() != 2 || segments[0] != "xet-bridge-us")
        return hubError(404, {}, "Not found");
    for (const FakeRepo& r : m_repos)
        for (const FakeCommit& c : r.commits)
            for (const FakeFile& f : c.files)
                if (f.lfs && f.sha256() == segments[1]) {
                    // The CDN's ETag is the Xet hash, not the sha256, and it has no X-Repo-Commit.
                    const QByteArray xetHash =
                        QCryptographicHash::hash(f.sha256(), QCryptographicHash::Sha256).toHex();
                    return fileContent(request, f, '"' + xetHash + '"');
                }
    return hubError(404, {}, "Not found");
}

FakeHub::Response
FakeHub::fileContent(const QHttpServerRequest& request, const FakeFile& file, const QByteArray& etag)
{
    Response r;
    r.body = file.content;
    r.header("ETag", etag)
        .header("Accept-Ranges", "bytes")
        .header("Content-Type", "application/octet-stream");
    const bool isHead = request.method() == QHttpServerRequest::Method::Head;
    if (!isHead && takeFault(request, Fault::Kind::CorruptBody) && !r.body.isEmpty())
        r.body[r.body.size() / 2] = char(r.body[r.body.size() / 2] ^ 0x5a);
    const QByteArray range = request.value("range");
    if (!range.isEmpty() && !takeFault(request, Fault::Kind::IgnoreRange)) {
        static const QRegularExpression re(QStringLiteral("^bytes=(\\d+)-(\\d*)$"));
        const auto m = re.match(QString::fromLatin1(range));
        const qint64 total = file.content.size();
        const qint64 start = m.hasMatch() ? m.captured(1).toLongLong() : -1;
        qint64 end = m.hasMatch() && !m.captured(2).isEmpty() ? m.captured(2).toLongLong() : total - 1;
        end = std::min(end, total - 1);
        if (start < 0 || start >= total || end < start) {
            Response bad = hubError(416, {}, "Requested range not satisfiable");
            bad.header("Content-Range", "bytes */" + QByteArray::number(total));
            return bad;
        }
        r.status = 206;
        r.body = r.body.mid(start, end - start + 1);
        r.header("Content-Range", "bytes " + QByteArray::number(start) + '-' + QByteArray::number(end) + '/' +
                                      QByteArray::number(total));
    }
    if (request.method() != QHttpServerRequest::Method::Head)
        if (Fault* f = takeFault(request, Fault::Kind::DropMidBody))
            r.dropAfterBytes = f->dropAfterBytes;
    return r;
}

} // namespace mwb::fakehub

#include "fake_hub_upload.inc"
