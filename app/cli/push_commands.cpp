// mwb push DIR REPO: save a pretrained folder as a Hub-ready custom-code repo and push it as one commit.

#include "cli/cli_output.h"
#include "cli/command_args.h"
#include "cli/commands.h"
#include "hub/hub_session.h"
#include "share/custom_code_repo.h"
#include "share/hub_push.h"

#include <QFileInfo>
#include <QTemporaryDir>

#include <nlohmann/json.hpp>

namespace mwb::cli {

namespace {

using json = nlohmann::json;

const char* const kPushUsage =
    "mwb push DIR REPO [--private] [--message M] [--branch B] [--auto-class NAME]... [--json]";

json filesJson(const QList<share::PushedFile>& files)
{
    json out = json::array();
    for (const share::PushedFile& f : files)
        out.push_back({{"path", f.path.toStdString()},
                       {"size", f.size},
                       {"lfs", f.lfs},
                       {"uploaded", f.uploaded},
                       {"unchanged", f.unchanged}});
    return out;
}

// "name" becomes "<user>/name", as the push will name it; the model card needs the full id.
Result<QString> fullRepoId(const QString& repo)
{
    if (repo.contains('/'))
        return repo;
    hub::HubSession session;
    auto who = session.whoAmI();
    if (!who)
        return std::unexpected(who.error());
    return who->name + '/' + repo;
}

int runPush(const Args& rawArgs)
{
    CommandArgs args(rawArgs);
    const bool asJson = args.takeFlag("--json");
    const bool isPrivate = args.takeFlag("--private");
    auto message = args.takeOption({"-m", "--message"});
    auto branch = args.takeOption({"--branch"});
    auto autoClasses = args.takeOptions("--auto-class");
    if (!message)
        return reportError(message.error());
    if (!branch)
        return reportError(branch.error());
    if (!autoClasses)
        return reportError(autoClasses.error());
    auto positionals = args.positionals(2, 2, kPushUsage);
    if (!positionals)
        return reportError(positionals.error());
    const QString dir = QString::fromStdString((*positionals)[0]);
    if (!QFileInfo(dir).isDir())
        return reportError(
            {ErrorKind::InvalidInput, "no folder " + dir.toStdString() + " (DIR is a pretrained folder)"});
    auto repoId = fullRepoId(QString::fromStdString((*positionals)[1]));
    if (!repoId)
        return reportError(repoId.error());

    // A pretrained folder is turned into a custom-code repo first; a folder that already is one goes as is.
    QString folder = dir;
    QTemporaryDir staging;
    if (!share::isCustomCodeRepo(dir)) {
        if (!staging.isValid())
            return reportError(
                {ErrorKind::Io, "cannot create a temporary folder: " + staging.errorString().toStdString()});
        share::CustomCodeRepoOptions options;
        options.repoId = *repoId;
        options.autoClasses = share::supportedAutoClasses();
        if (!autoClasses->empty()) {
            options.autoClasses.clear();
            for (const std::string& name : *autoClasses)
                options.autoClasses.append(QString::fromStdString(name));
        }
        folder = staging.filePath(QStringLiteral("repo"));
        if (auto repo = share::writeCustomCodeRepo(dir, folder, options); !repo)
            return reportError(repo.error());
    }

    share::PushOptions push;
    push.folder = folder;
    push.repoId = *repoId;
    push.isPrivate = isPrivate;
    push.summary = QString::fromStdString(message->value_or(""));
    if (*branch)
        push.branch = QString::fromStdString(**branch);
    share::HubPusher pusher;
    auto result = pusher.push(push);
    if (!result)
        return reportError(result.error());
    if (asJson) {
        printJson({{"commit", result->commitId.toStdString()},
                   {"url", result->commitUrl.toStdString()},
                   {"pinned_url", result->pinnedUrl.toStdString()},
                   {"repo", result->repoId.toStdString()},
                   {"created", result->created},
                   {"no_changes", result->noChanges},
                   {"trusted", result->trusted},
                   {"files", filesJson(result->files)}});
        return kExitOk;
    }
    printLine(result->commitId.toStdString());
    printLine((result->noChanges ? "no changes; the repo is at " : "pushed ") +
              result->commitUrl.toStdString());
    return kExitOk;
}

} // namespace

void addPushCommands(std::vector<Command>& commands)
{
    commands.push_back(
        {"push", kPushUsage,
         "save DIR as a custom-code repo (config, weights, code, card) and push it as one commit", runPush});
}

} // namespace mwb::cli
