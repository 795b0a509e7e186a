#pragma once

// How `mwb` talks to the terminal: results to stdout, one `error: ...` line per failure to stderr,
// and the exit code that goes with the error's kind.

#include "error.h"

#include <string>

#include <nlohmann/json_fwd.hpp>

namespace mwb::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitInvalid = 2;
inline constexpr int kExitRefused = 3;

void printLine(const std::string& text);
void printJson(const nlohmann::json& doc);
// Prints `error: <message>` to stderr and returns the exit code for the error's kind.
int reportError(const Error& error);

} // namespace mwb::cli
