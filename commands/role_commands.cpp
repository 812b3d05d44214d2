// Role commands: `role grant`, `role revoke` and `role list`.
//
// A workspace's people are members unless granted more; approvers also review communications;
// managers also run the gate and the window and hand out roles. A workspace must always keep a
// manager: nobody else could grant one, and the first-user rule (RoleRepo::empty) would hand
// the role to whoever speaks next.
#include <string>
#include <vector>

#include "commands/commands.hpp"
#include "commands/handler_support.hpp"
#include "commands/registry.hpp"
#include "commands/time_parse.hpp"

namespace releasebot {

namespace {

// What a role adds, in the words `role list` and the grant DM use.
std::string can_do(Role role) {
    switch (role) {
        case Role::member:
            return "plan releases, tick controls, draft communications and answer surveys";
        case Role::approver:
            return "do everything a member does, and review communications";
        case Role::manager:
            return "do everything an approver does, and go, start, back out, waive controls, "
                   "grant roles and override freezes";
    }
    return {};
}

std::string with_article(Role role) {
    return (role == Role::approver ? "an " : "a ") + to_string(role);
}

std::string last_manager_message(const UserId& user) {
    return who(user) +
           " is the last manager: grant another manager first (`role grant @someone "
           "manager`), then change " +
           who(user) + "'s role.";
}

// Refuses a change that would leave the workspace with no manager.
Status keep_a_manager(Context& ctx, const UserId& user, Role current) {
    if (current == Role::manager &&
        ctx.store.roles.count_with_role(ctx.workspace.id, Role::manager) <= 1) {
        return conflict(last_manager_message(user));
    }
    return ok_status();
}

Result<Reply> role_grant(Context& ctx, const ParsedCommand& cmd) {
    UserId user(cmd.get("user"));
    auto role = parse_role(cmd.get("role"));
    if (!role)
        return invalid("`" + cmd.get("role") +
                       "` is not a role: use manager, approver "
                       "or member.");
    auto existing = ctx.store.roles.find(ctx.workspace.id, user);
    Role current = existing ? existing->role : Role::member;
    if (current == *role) {
        Reply r = Reply::plain(who(user) + " is already " + with_article(*role) + ".");
        r.context("Type `role list` to see who holds which role.");
        return r;
    }
    RB_TRY(keep_a_manager(ctx, user, current));

    RoleGrant g;
    g.user = user;
    g.role = *role;
    g.granted_by = ctx.actor.user;
    g.granted_at = ctx.now;
    ctx.store.roles.grant(ctx.workspace.id, g);
    ctx.audit(std::nullopt, "role.grant",
              who(user) + ": " + to_string(current) + " → " + to_string(*role));

    Reply dm;
    dm.text = who(ctx.actor.user) + " made you " + with_article(*role) +
              " in releasebot: you can " + can_do(*role) + ".";
    dm.section(dm.text);
    dm.context("Type `role list` to see who holds which role, or `my tasks` for what is yours.");
    ctx.notify(user, std::move(dm));

    Reply r;
    r.text = who(user) + " is now " + with_article(*role) + " (was " + to_string(current) + ").";
    r.section(r.text);
    std::string role_name = to_string(*role);
    role_name[0] = static_cast<char>(role_name[0] - 'a' + 'A');
    r.context(role_name + "s may " + can_do(*role) + ". Type `role list` to see everyone.");
    return r;
}

Result<Reply> role_revoke(Context& ctx, const ParsedCommand& cmd) {
    UserId user(cmd.get("user"));
    auto existing = ctx.store.roles.find(ctx.workspace.id, user);
    if (!existing) {
        return not_found(who(user) +
                         " has no role granted, so is a member already. Type `role "
                         "list` to see who holds which role.");
    }
    RB_TRY(keep_a_manager(ctx, user, existing->role));
    if (auto preview = confirmation_preview(
            ctx, "Revoke " + who(user) + "'s role " + to_string(existing->role) +
                     ": they become a member (" + can_do(Role::member) + ")")) {
        return *preview;
    }

    ctx.store.roles.revoke(ctx.workspace.id, user);
    ctx.audit(std::nullopt, "role.revoke",
              who(user) + ": " + to_string(existing->role) + " → member");

    Reply dm;
    dm.text = who(ctx.actor.user) + " revoked your role " + to_string(existing->role) +
              " in releasebot: you are a member now and can " + can_do(Role::member) + ".";
    dm.section(dm.text);
    ctx.notify(user, std::move(dm));

    Reply r;
    r.text = "Revoked " + who(user) + "'s role " + to_string(existing->role) +
             ": they are a member now.";
    r.section(r.text);
    r.context("Type `role list` to see everyone's role.");
    return r;
}

Result<Reply> role_list(Context& ctx, const ParsedCommand&) {
    auto grants = ctx.store.roles.list(ctx.workspace.id);
    std::vector<std::vector<std::string>> rows;
    for (const auto& g : grants) {
        rows.push_back({who(g.user), to_string(g.role), who(g.granted_by),
                        format_when(g.granted_at, ctx.zone)});
    }
    Reply r;
    r.text = "Roles: " + std::to_string(grants.size()) + " granted. Everyone else is a member.";
    r.header("Roles");
    r.table({"Who", "Role", "Granted by", "When"}, std::move(rows));
    r.section("Everyone else is a member.");
    r.fields({{"member", "can " + can_do(Role::member)},
              {"approver", "can " + can_do(Role::approver)},
              {"manager", "can " + can_do(Role::manager)}});
    r.context(
        "Managers change roles with `role grant @user manager|approver|member` and "
        "`role revoke @user`.");
    return r;
}

}  // namespace

void register_role_commands(Registry& r) {
    r.add({.name = "role grant",
           .args = {positional("user", ArgType::user, "@user"),
                    choice("role", {"manager", "approver", "member"})},
           .summary = "Give someone a role: manager, approver or member",
           .example = "role grant @carol approver",
           .details = "Members plan, tick, draft and answer; approvers also review "
                      "communications; managers also go, start, back out, waive, grant roles "
                      "and override freezes. The person is told by direct message.",
           .role = Role::manager,
           .changes_state = true,
           .handler = role_grant});
    r.add({.name = "role revoke",
           .args = {positional("user", ArgType::user, "@user")},
           .summary = "Take someone's role away: they become a member",
           .example = "role revoke @carol",
           .details = "Asks for confirmation first. The last manager cannot be revoked: grant "
                      "another manager first.",
           .role = Role::manager,
           .changes_state = true,
           .handler = role_revoke});
    r.add({.name = "role list",
           .args = {},
           .summary = "Who holds which role, and what each role may do",
           .example = "role list",
           .details = "Shows the explicit grants; everyone without one is a member.",
           .role = Role::member,
           .changes_state = false,
           .handler = role_list});
}

}  // namespace releasebot
