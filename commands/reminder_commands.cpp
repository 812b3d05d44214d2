// Placeholder until the reminder commands land.
#include "commands/commands.hpp"
#include "commands/registry.hpp"

namespace releasebot {
void register_reminder_commands(Registry&) {}
}  // namespace releasebot
