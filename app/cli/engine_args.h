#pragma once

// The options every command that runs a model takes: --precision exact|fast and --threads N.

#include "cli/command_args.h"
#include "inference/engine/inference_engine.h"

namespace mwb::cli {

// Takes --precision and --threads out of `args` (defaults: exact, all physical cores). Usage errors
// are InvalidInput naming the option. Fast precision on a CPU without bfloat16 is refused later, by
// InferenceEngine::build, with the reason.
Result<EngineOptions> takeEngineOptions(CommandArgs& args);

inline constexpr const char* kEngineUsage = "[--precision exact|fast] [--threads N]";

} // namespace mwb::cli
