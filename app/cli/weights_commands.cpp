// mwb weights commands.

#include "cli/commands.h"

namespace mwb::cli {

void addWeightsCommands(std::vector<Command>& /*commands*/)
{
}

} // namespace mwb::cli
