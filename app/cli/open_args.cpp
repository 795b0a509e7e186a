#include "cli/open_args.h"

#include <cstdio>

namespace mwb::cli {

OpenModelOptions openOptions(WeightsPolicy weights)
{
    OpenModelOptions options;
    options.weights = weights;
    options.warning = [](const std::string& line) { std::fprintf(stderr, "warning: %s\n", line.c_str()); };
    return options;
}

} // namespace mwb::cli
