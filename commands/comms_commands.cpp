// Placeholder until the comms commands land.
#include "commands/commands.hpp"
#include "commands/registry.hpp"

namespace releasebot {
void register_comms_commands(Registry&) {}
}  // namespace releasebot
