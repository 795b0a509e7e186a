// mwb model commands.

#include "cli/commands.h"

namespace mwb::cli {

void addModelCommands(std::vector<Command>& /*commands*/)
{
}

} // namespace mwb::cli
