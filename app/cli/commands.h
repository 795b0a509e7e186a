#pragma once

// The `mwb` subcommands. Each takes the arguments after its name and returns the process exit code.

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

int configNew(const Args& args);
int configValidate(const Args& args);
int configShow(const Args& args);

} // namespace mwb::cli
