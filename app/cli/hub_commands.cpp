// mwb login | whoami | logout, mwb hub info | refs | commits | tree | download

#include "cli/cli_output.h"
#include "cli/command_args.h"
#include "cli/commands.h"
#include "hub/hub_session.h"
#include "hub/hub_token.h"

#include <cstdio>
#include <iostream>
#include <termios.h>
#include <unistd.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <nlohmann/json.hpp>

namespace mwb::cli {

namespace {

using json = nlohmann::json;
using namespace mwb::hub;

json toJson(const QJsonObject& object)
{
    return json::parse(QJsonDocument(object).toJson(QJsonDocument::Compact).toStdString());
}

std::string str(const QString& text)
{
    return text.toStdString();
}

// Reads the token from stdin; with a terminal, prompts on stderr and turns echo off.
std::string readToken(bool fromStdinOnly)
{
    const bool tty = !fromStdinOnly && isatty(STDIN_FILENO);
    termios saved{};
    if (tty) {
        std::fputs("Hub token (input hidden): ", stderr);
        std::fflush(stderr);
        tcgetattr(STDIN_FILENO, &saved);
        termios quiet = saved;
        quiet.c_lflag &= ~tcflag_t(ECHO);
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    std::string line;
    std::getline(std::cin, line);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        std::fputc('\n', stderr);
    }
    return QString::fromStdString(line).trimmed().toStdString();
}

struct RepoArgs
{
    std::string repo;
    QString revision;
    std::vector<std::string> files;
    bool asJson = false;
};

// Parses `REPO [FILE]... [--revision R] [--json]`; returns the exit code on failure.
std::variant<RepoArgs, int> parseRepoArgs(const Args& argv, const std::string& usage, size_t maxPositionals)
{
    CommandArgs args(argv);
    RepoArgs out;
    out.asJson = args.takeFlag("--json");
    auto revision = args.takeOption({"--revision", "-r"});
    if (!revision)
        return reportError(revision.error());
    auto rest = args.positionals(1, maxPositionals, usage);
    if (!rest)
        return reportError(rest.error());
    out.repo = rest->front();
    out.files.assign(rest->begin() + 1, rest->end());
    out.revision = *revision ? QString::fromStdString(**revision) : QString();
    return out;
}

int login(const Args& argv)
{
    const std::string usage = "mwb login [--token-stdin]";
    CommandArgs args(argv);
    const bool fromStdin = args.takeFlag("--token-stdin");
    if (auto rest = args.positionals(0, 0, usage); !rest)
        return reportError(rest.error());
    const QString token = QString::fromStdString(readToken(fromStdin));
    if (token.isEmpty())
        return reportError(
            {ErrorKind::InvalidInput, "no token given; paste a token from <endpoint>/settings/tokens"});
    const HubSettings settings = HubSettings::fromEnvironment();
    HubSession session(settings, token);
    auto who = session.whoAmI();
    if (!who)
        return reportError(who.error());
    const QString name = who->tokenName.isEmpty() ? QStringLiteral("oauth-") + who->name : who->tokenName;
    if (auto stored = storeToken(settings, token, name); !stored)
        return reportError(stored.error());
    printLine("Logged in to " + str(settings.endpoint) + " as " + str(who->name) + " (token \"" + str(name) +
              "\" " + str(maskToken(token)) + ", role " +
              str(who->tokenRole.isEmpty() ? "unknown" : who->tokenRole) + ").");
    printLine("Token saved to " + str(settings.tokenPath) + " and " + str(settings.storedTokensPath()) + ".");
    if (!qEnvironmentVariable("HF_TOKEN").isEmpty() ||
        !qEnvironmentVariable("HUGGING_FACE_HUB_TOKEN").isEmpty())
        std::fputs(
            "note: HF_TOKEN or HUGGING_FACE_HUB_TOKEN is set and takes precedence over the saved token.\n",
            stderr);
    return kExitOk;
}

int whoami(const Args& argv)
{
    const std::string usage = "mwb whoami [--json]";
    CommandArgs args(argv);
    const bool asJson = args.takeFlag("--json");
    if (auto rest = args.positionals(0, 0, usage); !rest)
        return reportError(rest.error());
    const HubSettings settings = HubSettings::fromEnvironment();
    HubSession session(settings);
    auto who = session.whoAmI();
    if (!who)
        return reportError(who.error());
    if (asJson) {
        json doc = toJson(who->raw);
        doc["endpoint"] = str(settings.endpoint);
        printJson(doc);
        return kExitOk;
    }
    printLine(str(who->name) + (who->fullname.isEmpty() ? "" : " (" + str(who->fullname) + ")"));
    if (!who->orgs.isEmpty())
        printLine("orgs: " + str(who->orgs.join(QStringLiteral(", "))));
    printLine("token: " + str(who->tokenName) + ", role " + str(who->tokenRole));
    printLine("endpoint: " + str(settings.endpoint));
    return kExitOk;
}

int logout(const Args& argv)
{
    const std::string usage = "mwb logout [--all]";
    CommandArgs args(argv);
    const bool all = args.takeFlag("--all");
    if (auto rest = args.positionals(0, 0, usage); !rest)
        return reportError(rest.error());
    const HubSettings settings = HubSettings::fromEnvironment();
    auto removed = all ? removeAllStoredTokens(settings) : removeStoredToken(settings);
    if (!removed)
        return reportError(removed.error());
    if (all)
        printLine(*removed ? "Logged out of every token: removed " + str(settings.tokenPath) + " and " +
                                 str(settings.storedTokensPath()) + "."
                           : "Not logged in: no token file at " + str(settings.tokenPath) + ".");
    else
        printLine(*removed ? "Logged out: removed " + str(settings.tokenPath) + "."
                           : "Not logged in: no token file at " + str(settings.tokenPath) + ".");
    if (!qEnvironmentVariable("HF_TOKEN").isEmpty())
        std::fputs("note: HF_TOKEN is still set in the environment; unset it to log out completely.\n",
                   stderr);
    return kExitOk;
}

int hubInfo(const Args& argv)
{
    const std::string usage = "mwb hub info REPO [--revision R] [--json]";
    auto parsed = parseRepoArgs(argv, usage, 1);
    if (const int* code = std::get_if<int>(&parsed))
        return *code;
    const auto& a = std::get<RepoArgs>(parsed);
    HubSession session;
    auto info = session.repoInfo(QString::fromStdString(a.repo), a.revision, true);
    if (!info)
        return reportError(info.error());
    if (a.asJson) {
        printJson(toJson(info->raw));
        return kExitOk;
    }
    printLine(str(info->id) + " at " + str(a.revision.isEmpty() ? QStringLiteral("main") : a.revision));
    printLine("commit: " + str(info->sha));
    printLine("last modified: " + str(info->lastModified));
    printLine(std::string("private: ") + (info->isPrivate ? "yes" : "no") +
              ", gated: " + (info->gated.isEmpty() ? "no" : str(info->gated)));
    if (!info->pipelineTag.isEmpty())
        printLine("pipeline: " + str(info->pipelineTag));
    printLine("files: " + std::to_string(info->siblings.size()));
    for (const RepoSibling& s : info->siblings)
        printLine("  " + str(s.path) + (s.size ? "  " + std::to_string(*s.size) + " bytes" : "") +
                  (s.lfsSha256.isEmpty() ? "" : "  (LFS)"));
    return kExitOk;
}

int hubRefs(const Args& argv)
{
    const std::string usage = "mwb hub refs REPO [--json]";
    auto parsed = parseRepoArgs(argv, usage, 1);
    if (const int* code = std::get_if<int>(&parsed))
        return *code;
    const auto& a = std::get<RepoArgs>(parsed);
    HubSession session;
    auto refs = session.refs(QString::fromStdString(a.repo));
    if (!refs)
        return reportError(refs.error());
    auto list = [](const QList<GitRef>& group) {
        json out = json::array();
        for (const GitRef& r : group)
            out.push_back(
                {{"name", str(r.name)}, {"ref", str(r.ref)}, {"targetCommit", str(r.targetCommit)}});
        return out;
    };
    if (a.asJson) {
        printJson({{"branches", list(refs->branches)},
                   {"tags", list(refs->tags)},
                   {"converts", list(refs->converts)}});
        return kExitOk;
    }
    for (const GitRef& r : refs->branches)
        printLine("branch " + str(r.name) + "  " + str(r.targetCommit));
    for (const GitRef& r : refs->tags)
        printLine("tag    " + str(r.name) + "  " + str(r.targetCommit));
    return kExitOk;
}

int hubCommits(const Args& argv)
{
    const std::string usage = "mwb hub commits REPO [--revision R] [--json]";
    auto parsed = parseRepoArgs(argv, usage, 1);
    if (const int* code = std::get_if<int>(&parsed))
        return *code;
    const auto& a = std::get<RepoArgs>(parsed);
    HubSession session;
    auto commits = session.commits(QString::fromStdString(a.repo), a.revision);
    if (!commits)
        return reportError(commits.error());
    if (a.asJson) {
        json out = json::array();
        for (const CommitInfo& c : *commits)
            out.push_back(toJson(c.raw));
        printJson(out);
        return kExitOk;
    }
    for (const CommitInfo& c : *commits)
        printLine(str(c.id.left(7)) + "  " + str(c.date.left(10)) + "  " +
                  str(c.authors.join(QStringLiteral(", "))) + "  " + str(c.title));
    return kExitOk;
}

int hubTree(const Args& argv)
{
    const std::string usage = "mwb hub tree REPO [--revision R] [--json]";
    auto parsed = parseRepoArgs(argv, usage, 1);
    if (const int* code = std::get_if<int>(&parsed))
        return *code;
    const auto& a = std::get<RepoArgs>(parsed);
    HubSession session;
    auto tree = session.tree(QString::fromStdString(a.repo), a.revision);
    if (!tree)
        return reportError(tree.error());
    if (a.asJson) {
        json out = json::array();
        for (const TreeEntry& e : *tree)
            out.push_back(toJson(e.raw));
        printJson(out);
        return kExitOk;
    }
    for (const TreeEntry& e : *tree) {
        if (e.type == TreeEntry::Type::Directory)
            printLine(str(e.path) + "/");
        else
            printLine(str(e.path) + "  " + std::to_string(e.size) + (e.isLfs() ? "  LFS" : ""));
    }
    return kExitOk;
}

int hubDownload(const Args& argv)
{
    const std::string usage = "mwb hub download REPO [FILE]... [--revision R] [--json]";
    auto parsed = parseRepoArgs(argv, usage, 10000);
    if (const int* code = std::get_if<int>(&parsed))
        return *code;
    const auto& a = std::get<RepoArgs>(parsed);
    QStringList files;
    for (const std::string& f : a.files)
        files.append(QString::fromStdString(f));
    HubSession session;
    const bool showProgress = !a.asJson && isatty(STDERR_FILENO);
    auto result = session.downloadSnapshot(
        QString::fromStdString(a.repo), a.revision, files, [&](const DownloadProgress& p) {
            if (showProgress)
                std::fprintf(stderr, "\r%d/%d files, %lld/%lld bytes  ", p.filesDone, p.filesTotal,
                             qlonglong(p.totalDone), qlonglong(p.totalBytes));
        });
    if (showProgress)
        std::fputc('\n', stderr);
    if (!result)
        return reportError(result.error());
    for (const QString& note : result->notes)
        std::fprintf(stderr, "warning: %s\n", note.toUtf8().constData());
    if (a.asJson) {
        json notes = json::array();
        for (const QString& n : result->notes)
            notes.push_back(str(n));
        json list = json::array();
        for (const QString& f : result->files)
            list.push_back(str(f));
        printJson({{"repo", str(result->repoId)},
                   {"revision", str(result->revision)},
                   {"commit", str(result->commit)},
                   {"snapshot", str(result->snapshotPath)},
                   {"from_cache", result->fromCacheOnly},
                   {"notes", notes},
                   {"files", list}});
        return kExitOk;
    }
    printLine(str(result->snapshotPath));
    return kExitOk;
}

} // namespace

void addHubCommands(std::vector<Command>& commands)
{
    commands.push_back({"login", "mwb login [--token-stdin]",
                        "check a Hub token with whoami-v2 and store it where huggingface_hub looks", login});
    commands.push_back(
        {"whoami", "mwb whoami [--json]", "who the stored or HF_TOKEN token belongs to", whoami});
    commands.push_back({"logout", "mwb logout [--all]",
                        "remove the active Hub token (--all: every stored token, as `hf auth logout`)",
                        logout});
    commands.push_back({"hub info", "mwb hub info REPO [--revision R] [--json]",
                        "repo metadata at a revision, with its files", hubInfo});
    commands.push_back(
        {"hub refs", "mwb hub refs REPO [--json]", "branches and tags with their commits", hubRefs});
    commands.push_back({"hub commits", "mwb hub commits REPO [--revision R] [--json]",
                        "the full commit history of a revision, newest first", hubCommits});
    commands.push_back(
        {"hub tree", "mwb hub tree REPO [--revision R] [--json]", "every file at a revision", hubTree});
    commands.push_back({"hub download", "mwb hub download REPO [FILE]... [--revision R] [--json]",
                        "download into the shared Hub cache and print the snapshot folder", hubDownload});
}

} // namespace mwb::cli
