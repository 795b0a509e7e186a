#pragma once

// How every mwb command opens MODEL: core's openModel, with its warnings (the Hub was down and the
// cache was used, ...) written to stderr as "warning: ..." lines.

#include "open/open_model.h"

namespace mwb::cli {

OpenModelOptions openOptions(WeightsPolicy weights);

} // namespace mwb::cli
