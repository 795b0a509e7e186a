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

// Finds the longest command name that prefixes the arguments ("config new" before "config").
const Command* findCommand(const Args& args, size_t& consumed)
{
    const Command* best = nullptr;
    for (const Command& c : allCommands()) {
        Args words;
        for (size_t start = 0, end; start <= c.name.size(); start = end + 1) {
            end = c.name.find(' ', start);
            if (end == std::string::npos)
                end = c.name.size();
            words.push_back(c.name.substr(start, end - start));
        }
        if (words.size() <= args.size() && std::equal(words.begin(), words.end(), args.begin()) &&
            (!best || words.size() > consumed)) {
            best = &c;
            consumed = words.size();
        }
    }
    return best;
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
