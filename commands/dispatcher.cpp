// Dispatcher: context preparation, the limits every command text meets, the role check, and the
// `yes` / `no` confirmations.
#include "commands/dispatcher.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>

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

namespace {

// Every way in (Slack, Teams, the console, CI webhooks, buttons, forms) ends here, so the text
// is checked here once: bounded, valid UTF-8, and free of control characters other than tab
// and line breaks, which no command needs and which would travel on into the database, the
// audit log and every platform's messages.
constexpr std::size_t kMaxCommandChars = 16000;

// The byte offset where `s` stops being UTF-8 (overlong forms and surrogates included), or
// npos when all of it is.
std::size_t invalid_utf8_at(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto lead = static_cast<unsigned char>(s[i]);
        if (lead < 0x80) {
            ++i;
            continue;
        }
        std::size_t extra = 0;
        std::uint32_t cp = 0;
        if ((lead & 0xE0) == 0xC0) {
            extra = 1;
            cp = lead & 0x1F;
        } else if ((lead & 0xF0) == 0xE0) {
            extra = 2;
            cp = lead & 0x0F;
        } else if ((lead & 0xF8) == 0xF0) {
            extra = 3;
            cp = lead & 0x07;
        } else {
            return i;
        }
        if (s.size() - i <= extra) return i;
        for (std::size_t k = 1; k <= extra; ++k) {
            const auto b = static_cast<unsigned char>(s[i + k]);
            if ((b & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (b & 0x3F);
        }
        static constexpr std::uint32_t kLeast[] = {0, 0x80, 0x800, 0x10000};
        if (cp < kLeast[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
        i += extra + 1;
    }
    return std::string_view::npos;
}

Status check_command_text(std::string_view text) {
    const std::size_t chars = code_points(text);
    if (chars > kMaxCommandChars) {
        return usage_error("That command is " + std::to_string(chars) +
                           " characters long; releasebot reads commands of up to " +
                           std::to_string(kMaxCommandChars) +
                           ". Shorten it, or put the long text in a document and link to it.");
    }
    if (auto at = invalid_utf8_at(text); at != std::string_view::npos) {
        return usage_error("That command is not valid UTF-8 text (at byte " + std::to_string(at) +
                           "). Type it again, or paste it as plain text.");
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
            static constexpr char kHex[] = "0123456789ABCDEF";
            std::string code = "U+00";
            code += kHex[c >> 4];
            code += kHex[c & 0xF];
            return usage_error("That command contains a control character (" + code + ") at byte " +
                               std::to_string(i) +
                               ". Type it again without it, or paste it as plain text.");
        }
    }
    return ok_status();
}

}  // namespace

namespace {

bool slack_user_id(std::string_view id) {
    return id.size() >= 3 && (id[0] == 'U' || id[0] == 'W') &&
           std::all_of(id.begin() + 1, id.end(), [](char c) {
               return std::isdigit(static_cast<unsigned char>(c)) ||
                      (c >= 'A' && c <= 'Z');
           });
}

// In Slack a person is named by the id Slack fills in when one picks them from its list
// (`<@U0123|bob>`). A bare `@bob` is a name Slack could not match: taken as it is, it would be a
// person who does not exist, who gets no messages and owns what nobody sees. It is refused.
Status check_slack_people(const Context& ctx, const ParsedCommand& cmd) {
    if (ctx.workspace.platform != "slack") return ok_status();
    for (const auto& arg : cmd.spec->args) {
        if (arg.type != ArgType::user && arg.type != ArgType::owner) continue;
        auto it = cmd.values.find(arg.name);
        if (it == cmd.values.end()) continue;
        for (const auto& value : it->second) {
            std::string_view id = value;
            if (arg.type == ArgType::owner) {
                if (id.rfind("user:", 0) != 0) continue;  // a role
                id.remove_prefix(5);
            }
            if (slack_user_id(id)) continue;
            return invalid("`@" + std::string(id) +
                           "` is not someone Slack knows in this workspace. Type @ and pick them "
                           "from Slack's list, so Slack says who they are.");
        }
    }
    return ok_status();
}

}  // namespace

Result<Reply> run_command(Context& ctx, std::string_view text, const Registry& registry) {
    RB_TRY(check_command_text(text));
    auto parsed = registry.parse(text);
    if (!parsed) return parsed.error();
    RB_TRY(check_slack_people(ctx, *parsed));
    const CommandSpec& spec = *parsed->spec;
    if (ctx.role < spec.role) {
        RB_TRY(require_role(ctx, spec.role, "use `" + spec.name + "`"));
    }
    ctx.command_text = std::string(text);
    auto reply = spec.handler(ctx, *parsed);
    if (reply)
        for (const auto& note : ctx.notes) reply->context(note);
    ctx.notes.clear();
    return reply;
}

Result<Reply> run_action(Context& ctx, std::string_view action_id, std::string_view value,
                         const Registry& registry) {
    // Every button stands for a command a person could type; its value is that command.
    if (action_id == "command") return run_command(ctx, value, registry);
    if (action_id.empty()) {
        return usage_error(
            "That card sent nothing releasebot knows how to act on (it may be from an older "
            "version of the card). Type `help` to see the commands.");
    }
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
        if (!r) {
            Error e = r.error();
            e.field = "q" + number;  // the form shows it next to that answer
            return e;
        }
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

// A button carries the code of the confirmation it was drawn for; a typed `yes` or `no` has
// none and answers the one waiting now. A code that is not the waiting one's is an old button.
Status check_code(const ParsedCommand& cmd, const std::optional<PendingConfirmation>& pending) {
    if (!cmd.has("code")) return ok_status();
    if (pending && confirmation_code(*pending) == cmd.get("code")) return ok_status();
    std::string msg = "That button belongs to an earlier confirmation, which is no longer "
                      "waiting. Nothing was done.";
    if (pending)
        msg += " What waits now is: " + pending->summary + " — type `yes` or `no` to answer it.";
    return conflict(msg);
}

Result<Reply> confirm_yes(Context& ctx, const ParsedCommand& cmd) {
    auto pending = ctx.store.confirmations.get(ctx.workspace.id, ctx.actor.user);
    RB_TRY(check_code(cmd, pending));
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

Result<Reply> confirm_no(Context& ctx, const ParsedCommand& cmd) {
    auto pending = ctx.store.confirmations.get(ctx.workspace.id, ctx.actor.user);
    RB_TRY(check_code(cmd, pending));
    if (!pending) return conflict("Nothing is waiting for your confirmation.");
    ctx.store.confirmations.clear(ctx.workspace.id, ctx.actor.user);
    return Reply::plain("Dropped: " + pending->summary + ". Nothing changed.");
}

}  // namespace

void register_confirmation_commands(Registry& r) {
    r.add({.name = "yes",
           .args = {optional_positional("code", ArgType::word, "<code>")},
           .summary = "Confirm the command that asked for confirmation",
           .example = "yes",
           .role = Role::member,
           .changes_state = true,
           .hidden = true,
           .handler = confirm_yes});
    r.add({.name = "no",
           .args = {optional_positional("code", ArgType::word, "<code>")},
           .summary = "Drop the command that asked for confirmation",
           .example = "no",
           .role = Role::member,
           .changes_state = true,
           .hidden = true,
           .handler = confirm_no});
}

}  // namespace releasebot
