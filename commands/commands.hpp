// The registration functions of each command family; command_registry() calls them all.
#pragma once

namespace releasebot {

class Registry;

void register_release_commands(Registry& r);
void register_release_edit_commands(Registry& r);
void register_control_commands(Registry& r);
void register_plan_commands(Registry& r);
void register_freeze_commands(Registry& r);
void register_role_commands(Registry& r);
void register_audit_commands(Registry& r);
void register_task_commands(Registry& r);
void register_help_commands(Registry& r);
void register_confirmation_commands(Registry& r);
void register_channel_commands(Registry& r);
void register_comms_commands(Registry& r);
void register_reminder_commands(Registry& r);
void register_retro_commands(Registry& r);
void register_action_commands(Registry& r);

}  // namespace releasebot
