#include "review/code_review.h"

#include "review/line_diff.h"
#include "util/contained_path.h"
#include "util/input_file.h"
#include "util/json_parse.h"
#include "weights/weight_inspection.h"

#include <set>

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>

namespace mwb::review {

using nlohmann::json;

namespace {

constexpr uint64_t kMaxRawPickleBytes = 256ull * 1024 * 1024;

bool isPickleWeightName(const QString& path)
{
    static const QStringList kSuffixes = {
        QStringLiteral(".bin"), QStringLiteral(".pt"),     QStringLiteral(".pth"),   QStringLiteral(".ckpt"),
        QStringLiteral(".pkl"), QStringLiteral(".pickle"), QStringLiteral(".joblib")};
    return std::any_of(kSuffixes.begin(), kSuffixes.end(),
                       [&](const QString& s) { return path.endsWith(s, Qt::CaseInsensitive); });
}

PickleFileReview reviewPickle(const QString& root, const QString& path)
{
    PickleFileReview out;
    out.path = path;
    const QString full = root + '/' + path;
    auto info = inspectWeightFile(full);
    if (info) {
        out.globals = info->pickleGlobals;
        out.verdict = info->verdict;
        return out;
    }
    // A raw pickle (.pkl, joblib) rather than a torch checkpoint: scan every pickle it holds.
    std::string why = info.error().message;
    auto bytes = info.error().kind == ErrorKind::Unsafe
                     ? Result<QByteArray>(std::unexpected(info.error()))
                     : readRegularFile(full, {"raw pickle size in bytes", kMaxRawPickleBytes});
    if (bytes && !bytes->isEmpty() && static_cast<unsigned char>(bytes->front()) == 0x80) {
        const PickleScan scan =
            scanPickleStream(std::string_view(bytes->constData(), size_t(bytes->size())), full.toStdString());
        out.globals = scan.globals;
        if (!scan.error) {
            out.verdict = overallVerdict(out.globals);
            return out;
        }
        if (info.error().kind != ErrorKind::Unsafe)
            why = scan.error->message;
    }
    // Unreadable is never safe: what cannot be checked is treated as the worst case.
    out.error = QString::fromStdString(why);
    out.verdict = PickleVerdict::Dangerous;
    return out;
}

std::vector<PickleFileReview> reviewPickles(const QString& root)
{
    std::vector<PickleFileReview> out;
    QDirIterator it(root, QDir::Files | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
    QStringList paths;
    while (it.hasNext()) {
        const QString rel = QDir(root).relativeFilePath(it.next());
        if (!rel.startsWith(QStringLiteral(".git/")) && isPickleWeightName(rel))
            paths.append(rel);
    }
    paths.sort();
    for (const QString& p : paths)
        out.push_back(reviewPickle(root, p));
    return out;
}

std::map<QString, QString> hashesOf(const CodeSet& code)
{
    std::map<QString, QString> out;
    for (const CodeFile& f : code.files)
        out[f.path] = f.sha256;
    return out;
}

TrustDiff diffAgainst(const TrustEntry& base, const CodeSet& code, const TrustStore& store)
{
    TrustDiff d{base.commit, base.date, {}};
    std::map<QString, QString> trusted;
    for (const TrustedFile& f : base.files)
        trusted[f.path] = f.sha256;
    auto text = [](const QByteArray& b) { return std::string_view(b.constData(), size_t(b.size())); };
    for (const CodeFile& f : code.files) {
        FileDiff fd;
        fd.path = f.path;
        const std::string name = f.path.toStdString();
        if (auto it = trusted.find(f.path); it == trusted.end()) {
            fd.change = FileDiff::Change::Added;
            fd.unifiedDiff = unifiedDiff({}, text(f.content), "/dev/null", "b/" + name);
        } else if (it->second != f.sha256) {
            fd.change = FileDiff::Change::Modified;
            const auto old = store.storedContent(it->second);
            fd.trustedContentMissing = !old;
            fd.unifiedDiff =
                unifiedDiff(old ? text(*old) : std::string_view{}, text(f.content), "a/" + name, "b/" + name);
        }
        d.files.push_back(std::move(fd));
    }
    for (const auto& [path, sha] : trusted) {
        if (code.file(path))
            continue;
        FileDiff fd;
        fd.path = path;
        fd.change = FileDiff::Change::Removed;
        const auto old = store.storedContent(sha);
        fd.trustedContentMissing = !old;
        if (old)
            fd.unifiedDiff = unifiedDiff(text(*old), {}, "a/" + path.toStdString(), "/dev/null");
        d.files.push_back(std::move(fd));
    }
    std::sort(d.files.begin(), d.files.end(),
              [](const FileDiff& a, const FileDiff& b) { return a.path < b.path; });
    return d;
}

void reviewUpstream(RepoReview& review, const TrustStore& store, const SnapshotProvider& provider)
{
    std::map<std::string, std::vector<CodeSeed>> byRepo;
    for (const CodeReference& ref : review.code.upstream)
        byRepo[ref.upstreamRepo].push_back(
            {ref.module, QString::fromStdString(review.snapshot.repoId.toStdString() +
                                                " config.json auto_map." + ref.autoClass)});
    for (const auto& [repo, seeds] : byRepo) {
        const QString repoId = QString::fromStdString(repo);
        if (!provider) {
            review.unresolvedUpstream.append(repoId +
                                             QStringLiteral(": not fetched (no Hub access in this review)"));
            continue;
        }
        auto snapshot = provider(repoId, QStringLiteral("main"));
        if (!snapshot) {
            review.unresolvedUpstream.append(repoId + QStringLiteral(": ") +
                                             QString::fromStdString(snapshot.error().message));
            continue;
        }
        RepoReview up;
        up.snapshot = *snapshot;
        up.customCode = true;
        up.code = collectModules(snapshot->directory, seeds);
        up.trust = store.check(up.snapshot.repoId, up.snapshot.commit, up.codeHashes());
        if (auto last = store.lastTrusted(up.snapshot.repoId, up.snapshot.commit))
            up.diff = diffAgainst(*last, up.code, store);
        review.upstream.push_back(std::move(up));
    }
}

json findingToJson(const Finding& f)
{
    return {{"line", f.line},
            {"severity", severityName(f.severity)},
            {"category", f.category},
            {"construct", f.construct},
            {"reason", f.reason}};
}

json fileToJson(const CodeFile& f)
{
    json imports = json::array();
    for (const ImportRecord& i : f.scan.imports)
        imports.push_back({{"line", i.line},
                           {"module", std::string(size_t(i.level), '.') + i.module},
                           {"names", i.names},
                           {"top_level", i.topLevel},
                           {"relative", i.isRelative()},
                           {"standard_library", i.standardLibrary}});
    json findings = json::array();
    for (const Finding& x : f.scan.findings)
        findings.push_back(findingToJson(x));
    json refs = json::array();
    for (const QString& r : f.referencedBy)
        refs.push_back(r.toStdString());
    return {{"path", f.path.toStdString()},
            {"sha256", f.sha256.toStdString()},
            {"referenced_by", refs},
            {"imports", imports},
            {"third_party", f.scan.thirdPartyPackages()},
            {"standard_library", f.scan.standardLibraryModules()},
            {"findings", findings}};
}

json diffToJson(const TrustDiff& d)
{
    json files = json::array();
    for (const FileDiff& f : d.files)
        files.push_back({{"path", f.path.toStdString()},
                         {"change", changeName(f.change)},
                         {"diff", f.unifiedDiff},
                         {"trusted_content_missing", f.trustedContentMissing}});
    return {{"base_commit", d.baseCommit.toStdString()},
            {"base_date", d.baseDate.toString(Qt::ISODate).toStdString()},
            {"files", files}};
}

json nativeToJson(const NativeMatch& n)
{
    json classes = json::array();
    for (const ClassMatch& c : n.classes)
        classes.push_back({{"auto_class", c.autoClass}, {"class", c.className}, {"native", c.native}});
    return {{"model_type", n.modelType}, {"config_known", n.configKnown},
            {"can_load", n.canLoad},     {"load_class", n.loadClass},
            {"classes", classes},        {"missing", n.missing},
            {"message", n.message}};
}

QString shortList(const QStringList& items)
{
    return items.size() <= 5 ? items.join(QStringLiteral(", "))
                             : items.mid(0, 5).join(QStringLiteral(", ")) + QStringLiteral(", ...");
}

} // namespace

const char* changeName(FileDiff::Change change)
{
    switch (change) {
    case FileDiff::Change::Unchanged:
        return "unchanged";
    case FileDiff::Change::Modified:
        return "modified";
    case FileDiff::Change::Added:
        return "added";
    case FileDiff::Change::Removed:
        return "removed";
    }
    return "unchanged";
}

std::map<QString, QString> RepoReview::codeHashes() const
{
    return hashesOf(code);
}

bool RepoReview::codeTrusted() const
{
    if (!customCode)
        return true;
    if (trust.state != TrustState::Trusted || !unresolvedUpstream.isEmpty())
        return false;
    return std::all_of(upstream.begin(), upstream.end(), [](const RepoReview& u) { return u.codeTrusted(); });
}

Result<RepoReview>
reviewSnapshot(const SnapshotRef& snapshot, const TrustStore& store, const SnapshotProvider& upstreamProvider)
{
    // Nothing is read, hashed, shown or trusted from a file that points outside the repository.
    if (auto inside = refuseFilesOutside(snapshot.directory, snapshot.directory.toStdString()); !inside)
        return std::unexpected(inside.error());
    const QString configPath = QDir(snapshot.directory).filePath(QStringLiteral("config.json"));
    auto bytes = readRegularFile(configPath, limits::kJsonBytes);
    if (!bytes)
        return std::unexpected(bytes.error());
    auto config = parseJsonObject(std::string_view(bytes->constData(), size_t(bytes->size())),
                                  configPath.toStdString());
    if (!config)
        return std::unexpected(config.error());
    RepoReview review;
    review.snapshot = snapshot;
    review.config = std::move(*config);
    review.customCode = hasCustomCode(review.config);
    review.code = collectCode(snapshot.directory, review.config);
    review.pickles = reviewPickles(QDir(snapshot.directory).absolutePath());
    review.trust = store.check(snapshot.repoId, snapshot.commit, review.codeHashes());
    if (auto last = store.lastTrusted(snapshot.repoId, snapshot.commit))
        review.diff = diffAgainst(*last, review.code, store);
    review.native = matchNativeModel(review.config);
    reviewUpstream(review, store, upstreamProvider);
    return review;
}

json reviewToJson(const RepoReview& r)
{
    json refs = json::array();
    for (const auto* list : {&r.code.references, &r.code.upstream})
        for (const CodeReference& c : *list)
            refs.push_back({{"auto_class", c.autoClass},
                            {"slot", c.slot},
                            {"module", c.module},
                            {"class", c.className},
                            {"upstream_repo", c.upstreamRepo}});
    json files = json::array();
    for (const CodeFile& f : r.code.files)
        files.push_back(fileToJson(f));
    json missing = json::array();
    for (const MissingCode& m : r.code.missing)
        missing.push_back({{"path", m.path.toStdString()},
                           {"referenced_by", m.referencedBy.toStdString()},
                           {"reason", m.reason.toStdString()}});
    json pickles = json::array();
    for (const PickleFileReview& p : r.pickles) {
        json globals = json::array();
        for (const PickleGlobal& g : p.globals)
            globals.push_back({{"module", g.module}, {"name", g.name}, {"verdict", verdictName(g.verdict)}});
        json entry = {
            {"path", p.path.toStdString()}, {"verdict", verdictName(p.verdict)}, {"globals", globals}};
        if (!p.error.isEmpty())
            entry["error"] = p.error.toStdString();
        pickles.push_back(entry);
    }
    json changed = json::array();
    for (const QString& c : r.trust.changedFiles)
        changed.push_back(c.toStdString());
    json upstream = json::array();
    for (const RepoReview& u : r.upstream)
        upstream.push_back(reviewToJson(u));
    json unresolved = json::array();
    for (const QString& u : r.unresolvedUpstream)
        unresolved.push_back(u.toStdString());
    const auto allowed = checkLoadAllowed(r);
    return {{"repo", r.snapshot.repoId.toStdString()},
            {"revision", r.snapshot.revision.toStdString()},
            {"commit", r.snapshot.commit.toStdString()},
            {"custom_code", r.customCode},
            {"note", kReviewDisclaimer},
            {"auto_map", refs},
            {"files", files},
            {"missing", missing},
            {"problems", r.code.problems},
            {"pickle_imports", pickles},
            {"trusted", r.trust.state == TrustState::Trusted},
            {"trust_state", trustStateName(r.trust.state)},
            {"changed_files", changed},
            {"diff", r.diff ? diffToJson(*r.diff) : json(nullptr)},
            {"native", nativeToJson(r.native)},
            {"upstream", upstream},
            {"unresolved_upstream", unresolved},
            {"load_allowed", allowed.has_value()},
            {"load_refusal", allowed ? std::string() : allowed.error().message}};
}

Result<void> trustReviewedCommit(TrustStore& store,
                                 const RepoReview& review,
                                 const QString& revisionAsGiven,
                                 const QString& note)
{
    const std::string repo = review.snapshot.repoId.toStdString();
    const std::string commit = review.snapshot.commit.toStdString();
    if (!isFullCommitId(revisionAsGiven)) {
        std::string resolved =
            isFullCommitId(review.snapshot.commit) ? " It resolves to " + commit + " now." : "";
        return fail(ErrorKind::InvalidInput, "refusing to trust \"" + revisionAsGiven.toStdString() +
                                                 "\": a branch or tag name can move to "
                                                 "other code, so trust needs a full 40-hex commit id." +
                                                 resolved +
                                                 (resolved.empty() ? ""
                                                                   : " Review it, then run: mwb trust " +
                                                                         repo + " --revision " + commit));
    }
    if (revisionAsGiven != review.snapshot.commit)
        return fail(ErrorKind::InvalidInput, "the reviewed files are from commit " + commit + ", not " +
                                                 revisionAsGiven.toStdString());
    std::map<QString, QByteArray> files;
    for (const CodeFile& f : review.code.files)
        files[f.path] = f.content;
    return store.trust(review.snapshot.repoId, review.snapshot.commit, files, note);
}

Result<void> checkLoadAllowed(const RepoReview& review)
{
    for (const PickleFileReview& p : review.pickles) {
        if (p.verdict != PickleVerdict::Dangerous)
            continue;
        QStringList bad;
        for (const PickleGlobal& g : p.globals)
            if (g.verdict == PickleVerdict::Dangerous)
                bad.append(QString::fromStdString(g.module + "." + g.name));
        return fail(ErrorKind::Unsafe, p.path.toStdString() + " would run code when unpickled (imports " +
                                           shortList(bad).toStdString() + "); refusing to load " +
                                           review.snapshot.repoId.toStdString());
    }
    if (!review.customCode)
        return {};
    const std::string repo = review.snapshot.repoId.toStdString();
    const std::string commit = review.snapshot.commit.toStdString();
    if (review.trust.state == TrustState::Void)
        return fail(ErrorKind::Unsafe, "trust in " + repo + " at " + commit +
                                           " is void: " + shortList(review.trust.changedFiles).toStdString() +
                                           " changed since it was trusted; review the code again");
    if (review.trust.state != TrustState::Trusted)
        return fail(ErrorKind::Unsafe, repo + " contains custom code and commit " + commit +
                                           " is not trusted. Review it (mwb review " + repo + " --revision " +
                                           commit + ") and trust that exact commit (mwb trust " + repo +
                                           " --revision " + commit + ")");
    if (!review.unresolvedUpstream.isEmpty())
        return fail(ErrorKind::Unsafe,
                    repo +
                        " references custom code in another repo that could not be "
                        "reviewed: " +
                        review.unresolvedUpstream.join(QStringLiteral("; ")).toStdString());
    for (const RepoReview& up : review.upstream) {
        if (up.trust.state == TrustState::Trusted)
            continue;
        const std::string upRepo = up.snapshot.repoId.toStdString(),
                          upCommit = up.snapshot.commit.toStdString();
        return fail(ErrorKind::Unsafe,
                    repo + " references custom code contained in " + upRepo + ", whose commit " + upCommit +
                        " is " + trustStateName(up.trust.state) + "; review and trust it (mwb trust " +
                        upRepo + " --revision " + upCommit + ")");
    }
    return {};
}

} // namespace mwb::review
