#pragma once

// A small argument reader for `mwb` subcommands: options are taken out by name, and whatever remains
// must be positional. Unknown options are usage errors (exit code 2).

#include "error.h"

#include <optional>
#include <string>
#include <vector>

namespace mwb::cli {

class CommandArgs
{
public:
    explicit CommandArgs(std::vector<std::string> args) : m_args(std::move(args)) {}

    // Removes `--name` and says whether it was there.
    bool takeFlag(const std::string& name);
    // Removes `--name VALUE` or `--name=VALUE` (any of the given spellings); the last one wins.
    Result<std::optional<std::string>> takeOption(const std::vector<std::string>& names);
    // Removes every occurrence of `--name VALUE`, in order.
    Result<std::vector<std::string>> takeOptions(const std::string& name);
    // What remains, which must be between `min` and `max` positionals and no options.
    Result<std::vector<std::string>> positionals(size_t min, size_t max, const std::string& usage) const;

private:
    std::vector<std::string> m_args;
};

} // namespace mwb::cli
