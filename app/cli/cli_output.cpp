#include "cli/cli_output.h"

#include <cstdio>

#include <nlohmann/json.hpp>

namespace mwb::cli {

void printLine(const std::string& text)
{
    std::fputs(text.c_str(), stdout);
    std::fputc('\n', stdout);
}

void printJson(const nlohmann::json& doc)
{
    printLine(doc.dump(2));
}

int reportError(const Error& error)
{
    std::fflush(stdout);
    std::fprintf(stderr, "error: %s\n", error.message.c_str());
    return exitCodeFor(error.kind);
}

} // namespace mwb::cli
