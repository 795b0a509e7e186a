// mwb: the command-line twin of Model Workbench.

#include "cli/cli_output.h"
#include "cli/commands.h"

#include <cstdio>

#include <QCoreApplication>

namespace mwb::cli {

const std::vector<Command>& allCommands()
{
    static const std::vector<Command> commands = [] {
        std::vector<Command> all;
        addConfigCommands(all);
        addModelCommands(all);
        addWeightsCommands(all);
        addClassifyCommands(all);
        addBenchCommands(all);
        addHubCommands(all);
        addReviewCommands(all);
        addPushCommands(all);
        addCacheCommands(all);
        addTrainCommands(all);
        return all;
    }();
    return commands;
}

namespace {

void printHelp()
{
    printLine("Model Workbench " MWB_VERSION " command-line tool");
    printLine("");
    printLine("Usage: mwb COMMAND [ARGS]...");
    printLine("");
    printLine("Commands:");
    for (const Command& c : allCommands()) {
        printLine("  " + c.usage);
        printLine("      " + c.summary);
    }
    printLine("");
    printLine("Exit codes: 0 done, 1 failed (I/O, network), 2 invalid input or usage, 3 refused for safety.");
}

Args nameWords(const std::string& name)
{
    Args words;
    for (size_t start = 0, end; start <= name.size(); start = end + 1) {
        end = name.find(' ', start);
        if (end == std::string::npos)
            end = name.size();
        words.push_back(name.substr(start, end - start));
    }
    return words;
}

// Finds the longest command name that prefixes the arguments ("config new" before "config").
const Command* findCommand(const Args& args, size_t& consumed)
{
    const Command* best = nullptr;
    for (const Command& c : allCommands()) {
        const Args words = nameWords(c.name);
        if (words.size() <= args.size() && std::equal(words.begin(), words.end(), args.begin()) &&
            (!best || words.size() > consumed)) {
            best = &c;
            consumed = words.size();
        }
    }
    return best;
}

// The commands of the longest group the arguments start with ("cache" for `mwb cache --help`: cache ls,
// cache verify, cache rm); `groupWords` is set to that group's length. Empty when no group matches.
std::vector<const Command*> findGroup(const Args& args, size_t& groupWords)
{
    std::vector<const Command*> members;
    groupWords = 0;
    for (const Command& c : allCommands()) {
        const Args words = nameWords(c.name);
        size_t common = 0;
        while (common + 1 < words.size() && common < args.size() && words[common] == args[common])
            ++common;
        if (common == 0 || common < groupWords)
            continue;
        if (common > groupWords)
            members.clear();
        groupWords = common;
        members.push_back(&c);
    }
    return members;
}

void printGroupHelp(const Args& group, const std::vector<const Command*>& members)
{
    std::string name;
    for (const std::string& word : group)
        name += (name.empty() ? "" : " ") + word;
    printLine("Usage: mwb " + name + " SUBCOMMAND [ARGS]...");
    printLine("");
    printLine("Subcommands:");
    for (const Command* c : members) {
        printLine("  " + c->usage);
        printLine("      " + c->summary);
    }
}

// `mwb cache`, `mwb cache --help`, `mwb cache frobnicate`: a group name without one of its commands.
int runGroup(const Args& args, size_t groupWords, const std::vector<const Command*>& members)
{
    const Args group(args.begin(), args.begin() + static_cast<long>(groupWords));
    const bool helpAsked =
        args.size() > groupWords && (args[groupWords] == "--help" || args[groupWords] == "-h");
    if (args.size() > groupWords && !helpAsked) {
        std::string words;
        for (size_t i = 0; i <= groupWords; ++i)
            words += (i ? " " : "") + args[i];
        return reportError({mwb::ErrorKind::InvalidInput, "unknown command \"" + words + "\"; see mwb " +
                                                              words.substr(0, words.rfind(' ')) + " --help"});
    }
    printGroupHelp(group, members);
    return helpAsked ? kExitOk : kExitInvalid;
}

} // namespace

} // namespace mwb::cli

int main(int argc, char* argv[])
{
    using namespace mwb::cli;
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("model-workbench"));
    QCoreApplication::setOrganizationName(QStringLiteral("model-workbench"));
    QCoreApplication::setApplicationVersion(QStringLiteral(MWB_VERSION));

    Args args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        printHelp();
        return args.empty() ? kExitInvalid : kExitOk;
    }
    if (args[0] == "--version") {
        printLine("mwb " MWB_VERSION);
        return kExitOk;
    }
    size_t consumed = 0;
    const Command* command = findCommand(args, consumed);
    size_t groupWords = 0;
    if (const auto members = findGroup(args, groupWords);
        !members.empty() && (!command || groupWords > consumed))
        return runGroup(args, groupWords, members);
    if (!command)
        return reportError(
            {mwb::ErrorKind::InvalidInput, "unknown command \"" + args[0] + "\"; see mwb --help"});
    Args rest(args.begin() + static_cast<long>(consumed), args.end());
    if (!rest.empty() && (rest[0] == "--help" || rest[0] == "-h")) {
        printLine("Usage: " + command->usage);
        printLine(command->summary);
        return kExitOk;
    }
    return command->run(rest);
}
