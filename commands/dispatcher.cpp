// Dispatcher: context preparation, role check, and the `yes` / `no` confirmations.
#include "commands/dispatcher.hpp"

#include "commands/commands.hpp"
#include "commands/handler_support.hpp"
#include "commands/text_util.hpp"
#include "commands/time_parse.hpp"
#include "commands/workspace_setup.hpp"

namespace releasebot {

Context make_context(Store& store, Instant now, const Actor& actor,
                     const ConversationRef& conversation) {
    std::optional<std::string> actor_zone;
    if (actor.time_zone && !actor.time_zone->empty()) {
        if (auto z = canonical_zone(*actor.time_zone)) actor_zone = *z;
    }
    Workspace ws =
        ensure_workspace(store, actor.platform, actor.tenant, actor_zone.value_or("UTC"), now);
    store.workspaces.touch_person(ws.id, Person{actor.user, actor.display_name, actor_zone}, now);

    Context ctx{store, now, ws, actor, conversation};
    ctx.zone = actor_zone.value_or(ws.time_zone.empty() ? "UTC" : ws.time_zone);
    if (store.roles.empty(ws.id)) {
        store.roles.grant(ws.id, RoleGrant{actor.user, Role::manager, actor.user, now});
        ctx.audit(std::nullopt, "role.grant",
                  who(actor.user) + " is manager as the first user of the workspace");
    }
    if (auto g = store.roles.find(ws.id, actor.user)) ctx.role = g->role;
    return ctx;
}

Result<Reply> run_command(Context& ctx, std::string_view text, const Registry& registry) {
    auto parsed = registry.parse(text);
    if (!parsed) return parsed.error();
    const CommandSpec& spec = *parsed->spec;
    if (ctx.role < spec.role) {
        RB_TRY(require_role(ctx, spec.role, "use `" + spec.name + "`"));
    }
    ctx.command_text = std::string(text);
    return spec.handler(ctx, *parsed);
}

Result<Reply> run_action(Context& ctx, std::string_view action_id, std::string_view value,
                         const Registry& registry) {
    // Every button stands for a command a person could type; its value is that command.
    if (action_id == "command") return run_command(ctx, value, registry);
    return usage_error("This button (`" + std::string(action_id) +
                       "`) is not one releasebot knows. Type `help` to see the commands.");
}

Result<Reply> run_submission(Context& ctx, std::string_view value,
                             const std::map<std::string, std::string>& fields,
                             const Registry& registry) {
    if (value.rfind("retro answer ", 0) != 0)
        return usage_error("This form is not one releasebot knows. Type `help` to see the commands.");
    Reply last;
    int answered = 0;
    for (const auto& [field, answer] : fields) {
        // "q3.answer" → question 3; empty answers are questions left blank.
        if (field.size() < 3 || field[0] != 'q' || answer.empty()) continue;
        std::string number = field.substr(1, field.find('.') - 1);
        auto r = run_command(ctx, std::string(value) + " " + number + " " + answer, registry);
        if (!r) return r.error();
        last = std::move(r.value());
        ++answered;
    }
    if (answered == 0) return usage_error("The form had no answers. Fill in at least one.");
    Reply reply = Reply::plain("Thanks: " + std::to_string(answered) +
                               (answered == 1 ? " answer" : " answers") + " recorded.");
    reply.visibility = Visibility::ephemeral;
    return reply;
}

namespace {

Result<Reply> confirm_yes(Context& ctx, const ParsedCommand&) {
    auto pending = ctx.store.confirmations.get(ctx.workspace.id, ctx.actor.user);
    if (!pending) {
        return conflict("Nothing is waiting for your confirmation. `yes` confirms a command "
                        "that asked for it, such as `release cancel` or `control waive`.");
    }
    ctx.store.confirmations.clear(ctx.workspace.id, ctx.actor.user);
    if (pending->expires_at < ctx.now) {
        return conflict("The confirmation for \"" + pending->command_text +
                        "\" expired after 10 minutes. Type the command again.");
    }
    ctx.confirmed = true;
    return run_command(ctx, pending->command_text);
}

Result<Reply> confirm_no(Context& ctx, const ParsedCommand&) {
    auto pending = ctx.store.confirmations.get(ctx.workspace.id, ctx.actor.user);
    if (!pending) return conflict("Nothing is waiting for your confirmation.");
    ctx.store.confirmations.clear(ctx.workspace.id, ctx.actor.user);
    return Reply::plain("Dropped: " + pending->summary + ". Nothing changed.");
}

}  // namespace

void register_confirmation_commands(Registry& r) {
    r.add({.name = "yes",
           .summary = "Confirm the command that asked for confirmation",
           .example = "yes",
           .role = Role::member,
           .changes_state = true,
           .hidden = true,
           .handler = confirm_yes});
    r.add({.name = "no",
           .summary = "Drop the command that asked for confirmation",
           .example = "no",
           .role = Role::member,
           .changes_state = true,
           .hidden = true,
           .handler = confirm_no});
}

}  // namespace releasebot
