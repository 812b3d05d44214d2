// Placeholder until the channel commands land.
#include "commands/commands.hpp"
#include "commands/registry.hpp"

namespace releasebot {
void register_channel_commands(Registry&) {}
}  // namespace releasebot
