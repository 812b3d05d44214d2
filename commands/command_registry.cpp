// Assembles the registry of every releasebot command, once.
#include "commands/commands.hpp"
#include "commands/deploy_commands.hpp"
#include "commands/registry.hpp"

namespace releasebot {

const Registry& command_registry() {
    static const Registry registry = [] {
        Registry r;
        register_release_commands(r);
        register_release_edit_commands(r);
        register_control_commands(r);
        register_plan_commands(r);
        register_channel_commands(r);
        register_comms_commands(r);
        register_reminder_commands(r);
        register_retro_commands(r);
        register_action_commands(r);
        register_freeze_commands(r);
        register_role_commands(r);
        register_task_commands(r);
        register_audit_commands(r);
        register_deploy_commands(r);
        register_help_commands(r);
        register_confirmation_commands(r);
        return r;
    }();
    return registry;
}

}  // namespace releasebot
