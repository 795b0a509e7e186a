// mwb hub commands.

#include "cli/commands.h"

namespace mwb::cli {

void addHubCommands(std::vector<Command>& /*commands*/)
{
}

} // namespace mwb::cli
