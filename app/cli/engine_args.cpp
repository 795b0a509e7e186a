#include "cli/engine_args.h"

#include <string>

namespace mwb::cli {

Result<EngineOptions> takeEngineOptions(CommandArgs& args)
{
    EngineOptions options;
    auto precision = args.takeOption({"--precision"});
    if (!precision)
        return std::unexpected(precision.error());
    auto threads = args.takeOption({"--threads"});
    if (!threads)
        return std::unexpected(threads.error());
    if (*precision) {
        auto value = parsePrecision(**precision);
        if (!value)
            return std::unexpected(value.error());
        options.precision = *value;
    }
    if (*threads) {
        const std::string& text = **threads;
        int value = -1;
        try {
            std::size_t used = 0;
            value = std::stoi(text, &used);
            if (used != text.size())
                value = -1;
        } catch (const std::exception&) {
        }
        auto resolved = resolveThreadCount(value);
        if (value < 1 || !resolved)
            return fail(ErrorKind::InvalidInput,
                        "--threads " + text + ": expected a positive number of threads");
        options.threads = value;
    }
    return options;
}

} // namespace mwb::cli
