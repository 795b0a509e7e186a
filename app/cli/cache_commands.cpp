// mwb cache ls | verify | rm: the shared Hub cache as `hf cache` shows and prunes it.

#include "cli/cli_output.h"
#include "cli/command_args.h"
#include "cli/commands.h"
#include "hub/hub_cache_scan.h"
#include "hub/hub_paths.h"

#include <cstdio>
#include <iostream>
#include <unistd.h>

#include <nlohmann/json.hpp>

namespace mwb::cli {

namespace {

using json = nlohmann::json;
using namespace mwb::hub;

std::string str(const QString& text)
{
    return text.toStdString();
}

std::string when(const QDateTime& time)
{
    return time.isValid() ? str(time.toUTC().toString(Qt::ISODate)) : std::string("-");
}

json repoJson(const CachedRepo& r)
{
    json revisions = json::array();
    for (const CachedRevision& v : r.revisions) {
        json refs = json::array();
        for (const QString& ref : v.refs)
            refs.push_back(str(ref));
        json files = json::array();
        for (const QString& f : v.files)
            files.push_back(str(f));
        revisions.push_back({{"commit", str(v.commit)},
                             {"refs", refs},
                             {"size", v.size},
                             {"files", files},
                             {"last_modified", when(v.modified)}});
    }
    json incomplete = json::array();
    for (const QString& i : r.incomplete)
        incomplete.push_back(str(i));
    return {{"repo_type", str(r.repoType)},
            {"repo_id", str(r.repoId)},
            {"path", str(r.folder)},
            {"size", r.size},
            {"blobs", r.blobCount},
            {"last_accessed", when(r.accessed)},
            {"last_modified", when(r.modified)},
            {"revisions", revisions},
            {"incomplete", incomplete}};
}

int cacheLs(const Args& argv)
{
    const std::string usage = "mwb cache ls [--revisions] [--json]";
    CommandArgs args(argv);
    const bool asJson = args.takeFlag("--json");
    const bool revisions = args.takeFlag("--revisions");
    if (auto rest = args.positionals(0, 0, usage); !rest)
        return reportError(rest.error());
    const HubSettings settings = HubSettings::fromEnvironment();
    auto inventory = scanCache(settings.cacheDir);
    if (!inventory)
        return reportError(inventory.error());
    if (asJson) {
        json repos = json::array();
        for (const CachedRepo& r : inventory->repos)
            repos.push_back(repoJson(r));
        printJson({{"cache", str(inventory->root)}, {"size", inventory->size}, {"repos", repos}});
        return kExitOk;
    }
    printLine("cache: " + str(settings.cacheDir) + " (" + str(formatSize(inventory->size)) + " in " +
              std::to_string(inventory->repos.size()) + " repos)");
    for (const CachedRepo& r : inventory->repos) {
        QStringList refs;
        for (const CachedRevision& v : r.revisions)
            refs += v.refs;
        std::string line = str(r.repoId) + "  " + str(formatSize(r.size)) + "  " +
                           std::to_string(r.revisions.size()) + " revision(s)  last used " + when(r.accessed);
        if (!refs.isEmpty())
            line += "  refs " + str(refs.join(QStringLiteral(",")));
        if (r.repoType != QLatin1String("model"))
            line += "  (" + str(r.repoType) + ": Datasets and Spaces are not used by Model Workbench)";
        if (!r.incomplete.isEmpty())
            line += "  " + std::to_string(r.incomplete.size()) + " interrupted download(s)";
        printLine(line);
        if (revisions)
            for (const CachedRevision& v : r.revisions)
                printLine("  " + str(v.commit) + "  " + str(formatSize(v.size)) + "  " +
                          std::to_string(v.files.size()) + " file(s)" +
                          (v.refs.isEmpty() ? "" : "  " + str(v.refs.join(QStringLiteral(",")))));
    }
    return kExitOk;
}

int cacheVerify(const Args& argv)
{
    const std::string usage = "mwb cache verify REPO [--json]";
    CommandArgs args(argv);
    const bool asJson = args.takeFlag("--json");
    auto rest = args.positionals(1, 1, usage);
    if (!rest)
        return reportError(rest.error());
    const HubSettings settings = HubSettings::fromEnvironment();
    const bool showProgress = !asJson && isatty(STDERR_FILENO);
    auto report = verifyCachedRepo(
        settings.cacheDir, QString::fromStdString(rest->front()), nullptr, [&](qint64 done, qint64 total) {
            if (showProgress)
                std::fprintf(stderr, "\rhashed %lld/%lld bytes  ", qlonglong(done), qlonglong(total));
        });
    if (showProgress)
        std::fputc('\n', stderr);
    if (!report)
        return reportError(report.error());
    if (asJson) {
        json problems = json::array();
        for (const VerifyProblem& p : report->problems)
            problems.push_back({{"path", str(p.path)}, {"problem", str(p.problem)}});
        printJson({{"repo_id", str(report->repoId)},
                   {"blobs_checked", report->blobsChecked},
                   {"files_checked", report->filesChecked},
                   {"bytes_hashed", report->bytesHashed},
                   {"ok", report->problems.isEmpty()},
                   {"problems", problems}});
    } else {
        printLine(str(report->repoId) + ": " + std::to_string(report->blobsChecked) + " blob(s), " +
                  std::to_string(report->filesChecked) + " snapshot file(s) checked, " +
                  str(formatSize(report->bytesHashed)) + " hashed");
        for (const VerifyProblem& p : report->problems)
            printLine("  damaged: " + str(p.path) + ": " + str(p.problem));
        if (report->problems.isEmpty())
            printLine("all blobs match their names");
    }
    if (report->problems.isEmpty())
        return kExitOk;
    std::fprintf(stderr, "error: %zu problem(s) in the cache of %s; `mwb cache rm %s` and download again\n",
                 size_t(report->problems.size()), report->repoId.toUtf8().constData(),
                 report->repoId.toUtf8().constData());
    return kExitFailed;
}

bool confirm(const std::string& question)
{
    std::fprintf(stderr, "%s [y/N] ", question.c_str());
    std::fflush(stderr);
    std::string answer;
    std::getline(std::cin, answer);
    return answer == "y" || answer == "Y" || answer == "yes";
}

int cacheRm(const Args& argv)
{
    const std::string usage = "mwb cache rm REPO[@REV]... [--dry-run] [--yes] [--json]";
    CommandArgs args(argv);
    const bool dryRun = args.takeFlag("--dry-run");
    const bool yes = args.takeFlag("--yes") || args.takeFlag("-y");
    const bool asJson = args.takeFlag("--json");
    auto targets = args.positionals(1, 1000, usage);
    if (!targets)
        return reportError(targets.error());
    const HubSettings settings = HubSettings::fromEnvironment();
    QList<RemovalPlan> plans;
    qint64 freed = 0;
    for (const std::string& target : *targets) {
        const QString text = QString::fromStdString(target);
        const qsizetype at = text.indexOf('@');
        auto plan = planCacheRemoval(settings.cacheDir, at < 0 ? text : text.left(at),
                                     at < 0 ? QString() : text.mid(at + 1));
        if (!plan)
            return reportError(plan.error());
        freed += plan->bytesFreed;
        plans.append(*plan);
    }
    json list = json::array();
    for (const RemovalPlan& p : plans) {
        if (asJson) {
            json commits = json::array(), deletions = json::array();
            for (const QString& c : p.commits)
                commits.push_back(str(c));
            for (const QString& d : p.deletions)
                deletions.push_back(str(d));
            list.push_back({{"repo_id", str(p.repoId)},
                            {"whole_repo", p.wholeRepo},
                            {"commits", commits},
                            {"deletions", deletions},
                            {"bytes_freed", p.bytesFreed}});
            continue;
        }
        printLine((dryRun ? "would remove " : "removing ") +
                  (p.wholeRepo ? str(p.repoId) + " (every revision)"
                               : str(p.repoId) + "@" + str(p.commits.join(QStringLiteral(",")))) +
                  ": " + std::to_string(p.deletions.size()) + " path(s), " + str(formatSize(p.bytesFreed)));
        if (dryRun)
            for (const QString& d : p.deletions)
                printLine("  " + str(d));
    }
    if (!dryRun && !yes) {
        if (!isatty(STDIN_FILENO))
            return reportError({ErrorKind::InvalidInput,
                                "removing from the shared Hub cache needs confirmation: add --yes (or look "
                                "first with --dry-run)"});
        if (!confirm("Remove " + str(formatSize(freed)) + " from " + str(settings.cacheDir) + "?"))
            return reportError({ErrorKind::Cancelled, "nothing removed"});
    }
    if (!dryRun)
        for (const RemovalPlan& p : plans)
            if (auto ok = executeCacheRemoval(p); !ok)
                return reportError(ok.error());
    if (asJson)
        printJson({{"dry_run", dryRun}, {"bytes_freed", freed}, {"removals", list}});
    else if (!dryRun)
        printLine("freed " + str(formatSize(freed)));
    return kExitOk;
}

} // namespace

void addCacheCommands(std::vector<Command>& commands)
{
    commands.push_back({"cache ls", "mwb cache ls [--revisions] [--json]",
                        "what the shared Hub cache holds: repos, revisions, refs, sizes, last used",
                        cacheLs});
    commands.push_back({"cache verify", "mwb cache verify REPO [--json]",
                        "re-hash every cached blob of a repo against its ETag; exit 1 if any is damaged",
                        cacheVerify});
    commands.push_back({"cache rm", "mwb cache rm REPO[@REV]... [--dry-run] [--yes] [--json]",
                        "remove a repo, or one revision and the blobs no other revision uses", cacheRm});
}

} // namespace mwb::cli
