// mwb classify commands.

#include "cli/commands.h"

namespace mwb::cli {

void addClassifyCommands(std::vector<Command>& /*commands*/)
{
}

} // namespace mwb::cli
