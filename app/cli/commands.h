#pragma once

// The `mwb` subcommands. Each takes the arguments after its name and returns the process exit code.
// Each group lives in its own file: config_commands.cpp, model_commands.cpp, weights_commands.cpp, ...

#include <string>
#include <vector>

namespace mwb::cli {

using Args = std::vector<std::string>;

struct Command
{
    std::string name;    // "config new"
    std::string usage;   // "mwb config new [--preset NAME] [--set KEY=VALUE]... -o PATH"
    std::string summary; // one line for `mwb --help`
    int (*run)(const Args& args);
};

// Every command, in the order `mwb --help` lists them.
const std::vector<Command>& allCommands();

// Each command file appends its commands here (called once by allCommands()).
void addConfigCommands(std::vector<Command>& commands);
void addModelCommands(std::vector<Command>& commands);
void addWeightsCommands(std::vector<Command>& commands);
void addClassifyCommands(std::vector<Command>& commands);
void addBenchCommands(std::vector<Command>& commands);
void addHubCommands(std::vector<Command>& commands);
void addReviewCommands(std::vector<Command>& commands);
void addPushCommands(std::vector<Command>& commands);
void addCacheCommands(std::vector<Command>& commands);
void addTrainCommands(std::vector<Command>& commands);

} // namespace mwb::cli
