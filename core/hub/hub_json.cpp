#include "hub/hub_json.h"

#include "hub/hub_http.h"
#include "util/json_parse.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

namespace mwb::hub::detail {

namespace {

std::unexpected<Error> badShape(const QUrl& url, const QString& what)
{
    return fail(ErrorKind::Network,
                detail::displayUrlString(url) + ": unexpected answer from the Hub: " + what.toStdString());
}

template <typename T> Result<T> parseDocument(const QByteArray& body, const QUrl& url)
{
    // Qt's parser stops at 1024 levels; the project's limit is lower and checked before parsing.
    const std::string_view text(body.constData(), size_t(body.size()));
    if (findJsonNestingAbove(text, limits::kJsonDepth.value))
        return badShape(
            url, QString::fromStdString(exceedsLimit(limits::kJsonDepth, limits::kJsonDepth.value + 1)));
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError)
        return badShape(url, QStringLiteral("not JSON (") + error.errorString() + ')');
    if constexpr (std::is_same_v<T, QJsonObject>) {
        if (!doc.isObject())
            return badShape(url, QStringLiteral("expected a JSON object"));
        return doc.object();
    } else {
        if (!doc.isArray())
            return badShape(url, QStringLiteral("expected a JSON array"));
        return doc.array();
    }
}

bool isHex(const QString& text, int length)
{
    static const QRegularExpression hex(QStringLiteral("^[0-9a-fA-F]+$"));
    return text.size() == length && hex.match(text).hasMatch();
}

QStringList stringList(const QJsonValue& value, const QString& key = {})
{
    QStringList out;
    for (const QJsonValue& v : value.toArray())
        out.append(key.isEmpty() ? v.toString() : v.toObject().value(key).toString());
    return out;
}

Result<QList<GitRef>> parseRefList(const QJsonValue& value, const QUrl& url, const QString& field)
{
    QList<GitRef> out;
    if (value.isUndefined() || value.isNull())
        return out;
    if (!value.isArray())
        return badShape(url, field + QStringLiteral(" is not an array"));
    for (const QJsonValue& v : value.toArray()) {
        const QJsonObject o = v.toObject();
        GitRef ref{o.value("name").toString(), o.value("ref").toString(), o.value("targetCommit").toString()};
        if (ref.name.isEmpty() || !isHex(ref.targetCommit, 40))
            return badShape(url,
                            field + QStringLiteral(" has an entry without a name or a 40-hex targetCommit"));
        out.append(ref);
    }
    return out;
}

// A JSON number that is a whole, non-negative byte count.
std::optional<qint64> byteCount(const QJsonValue& value)
{
    if (!value.isDouble())
        return std::nullopt;
    const double d = value.toDouble();
    if (d < 0 || d > 1e15 || d != double(qint64(d)))
        return std::nullopt;
    return qint64(d);
}

} // namespace

Result<WhoAmI> parseWhoAmI(const QByteArray& body, const QUrl& url)
{
    auto doc = parseDocument<QJsonObject>(body, url);
    if (!doc)
        return std::unexpected(doc.error());
    WhoAmI w;
    w.raw = *doc;
    w.type = doc->value("type").toString();
    w.name = doc->value("name").toString();
    if (w.name.isEmpty())
        return badShape(url, QStringLiteral("whoami has no \"name\""));
    w.fullname = doc->value("fullname").toString();
    w.orgs = stringList(doc->value("orgs"), QStringLiteral("name"));
    const QJsonObject auth = doc->value("auth").toObject();
    w.authType = auth.value("type").toString();
    w.tokenName = auth.value("accessToken").toObject().value("displayName").toString();
    w.tokenRole = auth.value("accessToken").toObject().value("role").toString();
    return w;
}

Result<RepoInfo> parseRepoInfo(const QByteArray& body, const QUrl& url)
{
    auto doc = parseDocument<QJsonObject>(body, url);
    if (!doc)
        return std::unexpected(doc.error());
    RepoInfo info;
    info.raw = *doc;
    info.id = doc->value("id").toString();
    info.sha = doc->value("sha").toString();
    if (info.id.isEmpty() || !isHex(info.sha, 40))
        return badShape(url, QStringLiteral("repo info without \"id\" or a 40-hex \"sha\""));
    info.author = doc->value("author").toString();
    info.lastModified = doc->value("lastModified").toString();
    const QJsonValue gated = doc->value("gated");
    info.gated = gated.isString() ? gated.toString() : QString();
    info.isPrivate = doc->value("private").toBool();
    info.disabled = doc->value("disabled").toBool();
    info.pipelineTag = doc->value("pipeline_tag").toString();
    info.libraryName = doc->value("library_name").toString();
    info.tags = stringList(doc->value("tags"));
    for (const QJsonValue& v : doc->value("siblings").toArray()) {
        const QJsonObject o = v.toObject();
        RepoSibling s;
        s.path = o.value("rfilename").toString();
        if (s.path.isEmpty())
            return badShape(url, QStringLiteral("a sibling without \"rfilename\""));
        s.size = byteCount(o.value("size"));
        s.blobId = o.value("blobId").toString();
        s.lfsSha256 = o.value("lfs").toObject().value("sha256").toString();
        info.siblings.append(s);
    }
    return info;
}

Result<RepoRefs> parseRefs(const QByteArray& body, const QUrl& url)
{
    auto doc = parseDocument<QJsonObject>(body, url);
    if (!doc)
        return std::unexpected(doc.error());
    RepoRefs refs;
    auto branches = parseRefList(doc->value("branches"), url, QStringLiteral("branches"));
    auto tags = parseRefList(doc->value("tags"), url, QStringLiteral("tags"));
    auto converts = parseRefList(doc->value("converts"), url, QStringLiteral("converts"));
    auto prs = parseRefList(doc->value("pullRequests"), url, QStringLiteral("pullRequests"));
    for (auto* part : {&branches, &tags, &converts, &prs})
        if (!*part)
            return std::unexpected(part->error());
    return RepoRefs{*branches, *tags, *converts, *prs};
}

Result<QList<CommitInfo>> parseCommits(const QByteArray& body, const QUrl& url)
{
    auto doc = parseDocument<QJsonArray>(body, url);
    if (!doc)
        return std::unexpected(doc.error());
    QList<CommitInfo> out;
    for (const QJsonValue& v : *doc) {
        const QJsonObject o = v.toObject();
        CommitInfo c{o.value("id").toString(),      o.value("title").toString(),
                     o.value("message").toString(), stringList(o.value("authors"), QStringLiteral("user")),
                     o.value("date").toString(),    o};
        if (!isHex(c.id, 40))
            return badShape(url, QStringLiteral("a commit without a 40-hex \"id\""));
        out.append(c);
    }
    return out;
}

Result<QList<TreeEntry>> parseTree(const QByteArray& body, const QUrl& url)
{
    auto doc = parseDocument<QJsonArray>(body, url);
    if (!doc)
        return std::unexpected(doc.error());
    QList<TreeEntry> out;
    for (const QJsonValue& v : *doc) {
        const QJsonObject o = v.toObject();
        TreeEntry e;
        e.raw = o;
        const QString type = o.value("type").toString();
        e.type = type == QLatin1String("file")        ? TreeEntry::Type::File
                 : type == QLatin1String("directory") ? TreeEntry::Type::Directory
                                                      : TreeEntry::Type::Unknown;
        e.path = o.value("path").toString();
        e.oid = o.value("oid").toString();
        const auto size = byteCount(o.value("size"));
        if (e.path.isEmpty() || !size)
            return badShape(url, QStringLiteral("a tree entry without \"path\" or a valid \"size\""));
        e.size = *size;
        if (o.contains("lfs")) {
            const QJsonObject lfs = o.value("lfs").toObject();
            e.lfsSha256 = lfs.value("oid").toString().toLower();
            if (!isHex(e.lfsSha256, 64) || byteCount(lfs.value("size")) != e.size)
                return badShape(url, QStringLiteral("LFS entry \"") + e.path +
                                         QStringLiteral("\" without a sha256 oid or with a size mismatch"));
        }
        if (e.isFile() && !e.isLfs() && !isHex(e.oid, 40))
            return badShape(url,
                            QStringLiteral("file \"") + e.path + QStringLiteral("\" without a 40-hex oid"));
        e.xetHash = o.value("xetHash").toString();
        out.append(e);
    }
    return out;
}

} // namespace mwb::hub::detail
