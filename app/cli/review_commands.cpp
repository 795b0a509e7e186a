// mwb review, mwb trust, mwb load: read a repo's custom code and pickles before trusting it, record
// trust per commit, and load a model natively only when its code is trusted at that exact commit.

#include "cli/cli_output.h"
#include "cli/command_args.h"
#include "cli/commands.h"
#include "cli/open_args.h"
#include "hub/hub_session.h"
#include "model/model.h"
#include "open/open_model.h"
#include "review/code_review.h"
#include "review/hub_snapshots.h"

#include <cstdio>

#include <QDir>
#include <QFileInfo>

#include <nlohmann/json.hpp>

namespace mwb::cli {

using namespace mwb::review;

namespace {

const char* kReviewUsage = "mwb review REPO --revision R [--json] [--snapshot DIR --commit SHA]";
const char* kTrustUsage = "mwb trust REPO --revision SHA [--note TEXT] [--snapshot DIR]";
const char* kLoadUsage = "mwb load MODEL [--revision R] [--json] [--repo ID --commit SHA]";

// Where the files to review come from: a local folder holding the repo at a commit (--snapshot, for
// tests and offline use), or the Hub through the shared download cache.
struct SnapshotSource
{
    std::optional<std::string> folder; // --snapshot DIR
    std::optional<std::string> commit; // --commit SHA (with --snapshot)
};

Result<SnapshotSource> takeSnapshotSource(CommandArgs& args)
{
    SnapshotSource source;
    auto folder = args.takeOption({"--snapshot"});
    if (!folder)
        return std::unexpected(folder.error());
    auto commit = args.takeOption({"--commit"});
    if (!commit)
        return std::unexpected(commit.error());
    source.folder = *folder;
    source.commit = *commit;
    return source;
}

// Resolves the snapshot; the session is only used (and only contacts the Hub) without --snapshot.
Result<SnapshotRef> obtainSnapshot(hub::HubSession& session,
                                   const QString& repo,
                                   const QString& revision,
                                   const SnapshotSource& source)
{
    if (!source.folder)
        return downloadRepoSnapshot(session, repo, revision);
    const QString dir = QString::fromStdString(*source.folder);
    if (!QFileInfo(dir).isDir())
        return fail(ErrorKind::InvalidInput, *source.folder + ": not a folder");
    const QString commit = source.commit ? QString::fromStdString(*source.commit) : revision;
    if (!isFullCommitId(commit))
        return fail(ErrorKind::InvalidInput,
                    "--snapshot needs the full 40-hex commit the folder holds: --commit SHA");
    return SnapshotRef{dir, repo, commit, revision};
}

SnapshotProvider upstreamProvider(hub::HubSession& session, const SnapshotSource& source)
{
    return source.folder ? cacheCodeProvider(session.cache()) : hubCodeProvider(session);
}

void printFindings(const RepoReview& r, const std::string& indent)
{
    for (const CodeFile& f : r.code.files) {
        const auto third = f.scan.thirdPartyPackages();
        std::string imports;
        for (const std::string& p : third)
            imports += (imports.empty() ? "" : ", ") + p;
        printLine(indent + f.path.toStdString() + "  sha256 " + f.sha256.left(12).toStdString() + "  " +
                  std::to_string(f.scan.findings.size()) + " finding(s)" +
                  (imports.empty() ? "" : "; third-party imports: " + imports));
        for (const Finding& x : f.scan.findings)
            printLine(indent + "  line " + std::to_string(x.line) + "  " + severityName(x.severity) + "  " +
                      x.category + "  " + x.construct + ": " + x.reason);
    }
    for (const MissingCode& m : r.code.missing)
        printLine(indent + "missing: " + m.path.toStdString() + " (" + m.reason.toStdString() +
                  ", named by " + m.referencedBy.toStdString() + ")");
    for (const std::string& p : r.code.problems)
        printLine(indent + "problem: " + p);
}

void printReview(const RepoReview& r)
{
    printLine(
        r.snapshot.repoId.toStdString() + " at " + r.snapshot.commit.toStdString() +
        (r.snapshot.revision != r.snapshot.commit ? " (" + r.snapshot.revision.toStdString() + ")" : ""));
    printLine(std::string("note: ") + kReviewDisclaimer);
    if (!r.customCode)
        printLine("no custom code (config.json has no auto_map)");
    printFindings(r, "  ");
    for (const CodeReference& u : r.code.upstream)
        printLine("  code in another repo: " + u.raw + " (" + u.autoClass +
                  "); it must be reviewed and trusted too");
    for (const RepoReview& u : r.upstream) {
        printLine("upstream " + u.snapshot.repoId.toStdString() + " at " + u.snapshot.commit.toStdString() +
                  ": " + trustStateName(u.trust.state));
        printFindings(u, "  ");
    }
    for (const QString& u : r.unresolvedUpstream)
        printLine("upstream not reviewed: " + u.toStdString());
    for (const PickleFileReview& p : r.pickles) {
        printLine("pickle " + p.path.toStdString() + ": " + verdictName(p.verdict) +
                  (p.error.isEmpty() ? "" : " (unreadable: " + p.error.toStdString() + ")"));
        for (const PickleGlobal& g : p.globals)
            printLine("  " + g.module + "." + g.name + "  " + verdictName(g.verdict));
    }
    if (r.diff) {
        printLine("changes since the last trusted commit " + r.diff->baseCommit.toStdString() + ":");
        for (const FileDiff& d : r.diff->files)
            if (d.change != FileDiff::Change::Unchanged)
                printLine(d.unifiedDiff.empty() ? "  " + d.path.toStdString() + ": " + changeName(d.change)
                                                : d.unifiedDiff);
    }
    printLine("native: " + r.native.message);
    printLine(std::string("trust: ") + trustStateName(r.trust.state) +
              (r.trust.state == TrustState::Void
                   ? " (changed: " + r.trust.changedFiles.join(", ").toStdString() + ")"
                   : ""));
    if (auto allowed = checkLoadAllowed(r); !allowed)
        printLine("load: refused: " + allowed.error().message);
    else
        printLine("load: allowed");
}

int runReview(const Args& raw)
{
    CommandArgs args(raw);
    const bool json = args.takeFlag("--json");
    auto revision = args.takeOption({"--revision"});
    auto source = takeSnapshotSource(args);
    if (!revision)
        return reportError(revision.error());
    if (!source)
        return reportError(source.error());
    auto positional = args.positionals(1, 1, kReviewUsage);
    if (!positional)
        return reportError(positional.error());
    const QString repo = QString::fromStdString(positional->front());
    const QString rev = QString::fromStdString(revision->value_or("main"));
    hub::HubSession session;
    auto snapshot = obtainSnapshot(session, repo, rev, *source);
    for (const QString& note : session.notes()) // e.g. the Hub was down and the cache was used
        std::fprintf(stderr, "warning: %s\n", note.toUtf8().constData());
    if (!snapshot)
        return reportError(snapshot.error());
    auto store = TrustStore::open();
    if (!store)
        return reportError(store.error());
    auto review = reviewSnapshot(*snapshot, *store, upstreamProvider(session, *source));
    if (!review)
        return reportError(review.error());
    if (json)
        printJson(reviewToJson(*review));
    else
        printReview(*review);
    return kExitOk;
}

int runTrust(const Args& raw)
{
    CommandArgs args(raw);
    auto revision = args.takeOption({"--revision"});
    auto note = args.takeOption({"--note"});
    auto source = takeSnapshotSource(args);
    if (!revision)
        return reportError(revision.error());
    if (!note)
        return reportError(note.error());
    if (!source)
        return reportError(source.error());
    auto positional = args.positionals(1, 1, kTrustUsage);
    if (!positional)
        return reportError(positional.error());
    if (!*revision)
        return reportError(
            {ErrorKind::InvalidInput, std::string("--revision SHA is required; usage: ") + kTrustUsage});
    const QString repo = QString::fromStdString(positional->front());
    const QString rev = QString::fromStdString(**revision);
    hub::HubSession session;
    if (!isFullCommitId(rev)) {
        // Refused before downloading anything; say what the name points at, when that is known.
        std::optional<QString> resolved;
        if (!source->folder)
            resolved = resolveRevision(session, repo, rev);
        std::string message = "refusing to trust \"" + rev.toStdString() +
                              "\": a branch or tag name can move to other code, so trust needs a full 40-hex "
                              "commit id.";
        if (resolved)
            message += " It resolves to " + resolved->toStdString() +
                       " now. Review it, then run: mwb trust " + repo.toStdString() + " --revision " +
                       resolved->toStdString();
        return reportError({ErrorKind::InvalidInput, message});
    }
    auto snapshot = obtainSnapshot(session, repo, rev, *source);
    if (!snapshot)
        return reportError(snapshot.error());
    auto store = TrustStore::open();
    if (!store)
        return reportError(store.error());
    auto review = reviewSnapshot(*snapshot, *store, upstreamProvider(session, *source));
    if (!review)
        return reportError(review.error());
    if (auto ok = trustReviewedCommit(*store, *review, rev, QString::fromStdString(note->value_or(""))); !ok)
        return reportError(ok.error());
    printLine("trusted " + repo.toStdString() + " at " + rev.toStdString() + " (" +
              std::to_string(review->code.files.size()) + " code file(s))");
    for (const RepoReview& u : review->upstream)
        if (u.trust.state != TrustState::Trusted)
            printLine("note: its code in " + u.snapshot.repoId.toStdString() +
                      " must be trusted too: mwb trust " + u.snapshot.repoId.toStdString() + " --revision " +
                      u.snapshot.commit.toStdString());
    return kExitOk;
}

int runTrustList(const Args& raw)
{
    CommandArgs args(raw);
    const bool json = args.takeFlag("--json");
    if (auto p = args.positionals(0, 0, "mwb trust list [--json]"); !p)
        return reportError(p.error());
    auto store = TrustStore::open();
    if (!store)
        return reportError(store.error());
    nlohmann::json list = nlohmann::json::array();
    for (const TrustEntry& e : store->entries()) {
        nlohmann::json files = nlohmann::json::array();
        for (const TrustedFile& f : e.files)
            files.push_back({{"path", f.path.toStdString()}, {"sha256", f.sha256.toStdString()}});
        list.push_back({{"repo", e.repoId.toStdString()},
                        {"commit", e.commit.toStdString()},
                        {"date", e.date.toString(Qt::ISODate).toStdString()},
                        {"note", e.note.toStdString()},
                        {"files", files}});
        if (!json)
            printLine(e.repoId.toStdString() + "  " + e.commit.toStdString() + "  " +
                      e.date.toString(Qt::ISODate).toStdString() + "  " + std::to_string(e.files.size()) +
                      " file(s)" + (e.note.isEmpty() ? "" : "  " + e.note.toStdString()));
    }
    if (json)
        printJson(list);
    return kExitOk;
}

int runTrustRevoke(const Args& raw)
{
    CommandArgs args(raw);
    auto revision = args.takeOption({"--revision"});
    if (!revision)
        return reportError(revision.error());
    auto positional = args.positionals(1, 1, "mwb trust revoke REPO --revision SHA");
    if (!positional)
        return reportError(positional.error());
    if (!*revision)
        return reportError({ErrorKind::InvalidInput, "--revision SHA is required"});
    auto store = TrustStore::open();
    if (!store)
        return reportError(store.error());
    if (auto ok =
            store->revoke(QString::fromStdString(positional->front()), QString::fromStdString(**revision));
        !ok)
        return reportError(ok.error());
    printLine("revoked " + positional->front() + " at " + **revision);
    return kExitOk;
}

// The safe-load rule (pickles scanned, custom code trusted at this exact commit) lives in core's
// openModel; `mwb load` prints what it resolved and loaded.
int runLoad(const Args& raw)
{
    CommandArgs args(raw);
    const bool json = args.takeFlag("--json");
    auto revision = args.takeOption({"--revision"});
    auto repoOption = args.takeOption({"--repo"});
    auto commitOption = args.takeOption({"--commit"});
    for (const auto* r : {&revision, &repoOption, &commitOption})
        if (!*r)
            return reportError(r->error());
    auto positional = args.positionals(1, 1, kLoadUsage);
    if (!positional)
        return reportError(positional.error());
    OpenModelOptions options = openOptions(WeightsPolicy::Required);
    if (*revision)
        options.defaultRevision = QString::fromStdString(**revision);
    if (*repoOption)
        options.repoId = QString::fromStdString(**repoOption);
    if (*commitOption)
        options.commit = QString::fromStdString(**commitOption);
    auto opened = openModel(positional->front(), options);
    if (!opened)
        return reportError(opened.error());
    const Model& m = *opened->model;
    if (json) {
        nlohmann::json doc = openedModelToJson(*opened);
        doc["repo"] = opened->repoId.toStdString();
        doc["revision"] = opened->revision.toStdString();
        doc["commit"] = opened->commit.toStdString();
        doc["trusted"] = opened->customCode; // custom code only opens when trusted
        printJson(doc);
        return kExitOk;
    }
    if (!opened->repoId.isEmpty())
        printLine("repo: " + opened->repoId.toStdString());
    if (!opened->commit.isEmpty())
        printLine("commit: " + opened->commit.toStdString() +
                  (opened->customCode ? " (custom code trusted at this commit)" : ""));
    printLine("source format: " + sourceFormatName(opened->format) + " (" + opened->formatEvidence + ")");
    printLine("model type: " + m.modelType() + " (" + m.className() + ", built natively)");
    printLine("parameters: " + std::to_string(m.parameterCount()));
    if (const auto& report = opened->report) {
        printLine(
            "weights: " + report->file + ": " + std::to_string(report->count(TensorStatus::Matched)) +
            " matched, " + std::to_string(report->count(TensorStatus::Missing)) + " missing, " +
            std::to_string(report->count(TensorStatus::Unexpected)) + " unexpected, " +
            std::to_string(report->count(TensorStatus::WrongShape)) + " wrong shape" +
            (report->convertedCount() ? ", " + std::to_string(report->convertedCount()) + " converted" : "") +
            (report->count(TensorStatus::Defaulted)
                 ? ", " + std::to_string(report->count(TensorStatus::Defaulted)) + " defaulted"
                 : ""));
        printLine(
            "key mapping: " + report->mapping + " (" + std::to_string(report->renamed) + " names translated" +
            (report->strippedPrefix.empty() ? "" : ", prefix \"" + report->strippedPrefix + "\" stripped") +
            ")");
    }
    printLine("labels: " + std::to_string(opened->labels.size()) + " from " + opened->labelSource);
    for (const std::string& note : opened->notes)
        printLine("note: " + note);
    return kExitOk;
}

} // namespace

void addReviewCommands(std::vector<Command>& commands)
{
    commands.push_back({"review", kReviewUsage,
                        "code files, imports, flagged risks, pickle imports, diff against the last trusted "
                        "commit, trust state (a guide, not a sandbox)",
                        runReview});
    commands.push_back({"trust", kTrustUsage,
                        "trust one full commit id of a repo (branch or tag names are refused)", runTrust});
    commands.push_back({"trust list", "mwb trust list [--json]", "the trusted commits", runTrustList});
    commands.push_back(
        {"trust revoke", "mwb trust revoke REPO --revision SHA", "forget trust in a commit", runTrustRevoke});
    commands.push_back({"load", kLoadUsage,
                        "resolve, check trust, build natively, load weights; print the commit, model type, "
                        "parameter count and load report",
                        runLoad});
}

} // namespace mwb::cli
