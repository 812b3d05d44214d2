// Correcting a release after it was planned: `release edit` (title, owner, environment),
// `release remove` (a component) and `release program add|remove`. Each is audited. The ones
// that change what the go/no-go gate looks at (environment, programs, components) withdraw an
// approval, since the approval covered what was there before: the pipeline settles approvals
// after every change, and these replies say so when it happens.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "commands/commands.hpp"
#include "commands/gate.hpp"
#include "commands/handler_support.hpp"
#include "commands/registry.hpp"
#include "commands/release_view.hpp"
#include "commands/text_util.hpp"

namespace releasebot {

namespace {

// A change to the release itself is its owner's call, or a manager's.
Status require_owner_or_manager(const Context& ctx, const Release& r, const std::string& what) {
    if (r.owner == ctx.actor.user) return ok_status();
    return require_role(ctx, Role::manager, what + " of a release someone else owns");
}

// ---------------------------------------------------------------------------------------------
// release edit <key> title "<title>" | owner @user | env <name>|none

Result<Reply> release_edit(Context& ctx, const ParsedCommand& cmd) {
    auto r = load_release(ctx, cmd.get("key"));
    if (!r) return r.error();
    if (!cmd.has("title") && !cmd.has("owner") && !cmd.has("env"))
        return invalid("Say what to change: `release edit " + r->key +
                       " title \"<title>\"`, `owner @user` or `env <name>` (`env none` clears "
                       "it).");
    RB_TRY(accepts(*r, model::Change::rename, "release edit"));
    RB_TRY(require_owner_or_manager(ctx, *r, "edit"));
    // The environment is something the gate looks at; the title and owner are not.
    if (cmd.has("env")) RB_TRY(accepts(*r, model::Change::edit, "release edit … env"));

    std::vector<std::string> changes;  // for people
    std::vector<std::string> audit;    // plain text
    std::optional<UserId> old_owner;
    if (cmd.has("title")) {
        const std::string& title = cmd.get("title");
        if (is_blank(title))
            return invalid("A release needs a title: `release edit " + r->key +
                           " title \"Web and API December\"`.");
        if (title != r->title) {
            audit.push_back("title \"" + r->title + "\" → \"" + title + "\"");
            changes.push_back("title \"" + title + "\"");
            r->title = title;
        }
    }
    if (cmd.has("owner")) {
        UserId owner(cmd.get("owner"));
        if (owner != r->owner) {
            audit.push_back("owner @" + r->owner.value() + " → @" + owner.value());
            changes.push_back("owner " + who(owner));
            old_owner = r->owner;
            r->owner = owner;
        }
    }
    if (cmd.has("env")) {
        std::optional<std::string> env = cmd.get("env");
        if (iequals(*env, "none")) env.reset();
        if (env != r->env) {
            audit.push_back("env " + r->env.value_or("none") + " → " + env.value_or("none"));
            changes.push_back(env ? "environment " + *env : "no environment");
            r->env = env;
        }
    }
    if (changes.empty()) return Reply::plain("Nothing to change: " + r->key + " already has that.");
    r->updated_at = ctx.now;
    ctx.store.releases.update(*r);
    ctx.audit(r->id, "release.edit", join(audit, ", "));

    if (old_owner) {
        ctx.notify(r->owner,
                   Reply::plain(who(ctx.actor.user) + " made you the owner of *" + r->key + "* — " +
                                r->title + " (" + window_text(ctx, *r) + ")."),
                   r->id);
        if (*old_owner != ctx.actor.user)
            ctx.notify(*old_owner,
                       Reply::plain(who(ctx.actor.user) + " handed *" + r->key + "* to " +
                                    who(r->owner) + "; you no longer own it."),
                       r->id);
    }
    std::string line = "Edited *" + r->key + "*: " + join(changes, ", ") + ".";
    Reply reply = Reply::plain(line);
    say_if_withdrawn(ctx, *r, reply);
    return reply;
}

// ---------------------------------------------------------------------------------------------
// release remove <key> <program>/<component>

Result<Reply> release_remove(Context& ctx, const ParsedCommand& cmd) {
    auto r = load_release(ctx, cmd.get("key"));
    if (!r) return r.error();
    RB_TRY(accepts(*r, model::Change::edit, "release remove"));
    const std::string& spec = cmd.get("component");
    auto slash = spec.find('/');
    auto components = ctx.store.releases.components(r->id);
    std::vector<std::string> names;
    for (const auto& c : components) names.push_back(c.program + "/" + c.name);
    auto listed = [&] {
        return names.empty() ? r->key + " has no components."
                             : r->key + " has " + join(names, ", ") + ".";
    };
    if (slash == std::string::npos || slash == 0 || slash + 1 == spec.size() ||
        spec.find('@') != std::string::npos)
        return usage_error("`" + spec + "` is not a component: write <program>/<component>, " +
                           "like `web/frontend` (no version). " + listed());
    const std::string program = spec.substr(0, slash);
    const std::string name = spec.substr(slash + 1);
    auto it = std::find_if(components.begin(), components.end(), [&](const Component& c) {
        return iequals(c.program, program) && iequals(c.name, name);
    });
    if (it == components.end())
        return not_found(r->key + " has no component " + spec + ". " + listed() +
                         (names.empty() ? "" : " Type `release show " + r->key + "`."));
    const Component gone = *it;
    if (auto preview = confirmation_preview(ctx, "remove " + gone.program + "/" + gone.name + " " +
                                                     gone.version + " from *" + r->key + "*"))
        return *preview;
    ctx.store.releases.remove_component(r->id, gone.program, gone.name);
    std::string detail = gone.program + "/" + gone.name + " " + gone.version;
    if (gone.artifact_url) detail += ", artifact " + *gone.artifact_url;
    ctx.audit(r->id, "component.remove", detail);

    std::string line = "Removed *" + gone.program + "/" + gone.name + "* " + gone.version +
                       " from " + r->key + ".";
    Reply reply = Reply::plain(line);
    const bool program_left_bare =
        std::none_of(components.begin(), components.end(), [&](const Component& c) {
            return c.id != gone.id && iequals(c.program, gone.program);
        });
    if (program_left_bare)
        reply.context("Program " + gone.program + " has no component now: `release go` needs " +
                      "one (`release add " + r->key + " " + gone.program +
                      "/<component>@<version>`), or take the program off with `release program " +
                      "remove " + r->key + " " + gone.program + "`.");
    say_if_withdrawn(ctx, *r, reply);
    return reply;
}

// ---------------------------------------------------------------------------------------------
// release program add|remove <key> <program>

Result<Reply> release_program(Context& ctx, const ParsedCommand& cmd) {
    auto r = load_release(ctx, cmd.get("key"));
    if (!r) return r.error();
    const bool adding = cmd.get("action") == "add";
    RB_TRY(accepts(*r, model::Change::edit,
                   std::string("release program ") + (adding ? "add" : "remove")));
    const std::string& program = cmd.get("program");
    auto known = std::find_if(r->programs.begin(), r->programs.end(),
                              [&](const std::string& p) { return iequals(p, program); });
    const std::string programs_now = r->programs.empty() ? "none" : join(r->programs, ", ");
    Reply reply;
    if (adding) {
        if (known != r->programs.end())
            return conflict(*known + " is already a program of " + r->key +
                            " (programs: " + programs_now + ").");
        ctx.store.releases.add_program(r->id, program);
        ctx.audit(r->id, "release.program_add", program);
        std::string line = "Program " + program + " joins *" + r->key + "*.";
        reply.text = line;
        reply.section(line);
        reply.context("Give it a component: `release add " + r->key + " " + program +
                      "/<component>@<version>`.");
    } else {
        if (known == r->programs.end())
            return not_found(program + " is not a program of " + r->key +
                             " (programs: " + programs_now + ").");
        std::vector<std::string> still;
        for (const auto& c : ctx.store.releases.components(r->id))
            if (iequals(c.program, program)) still.push_back(c.program + "/" + c.name);
        if (!still.empty())
            return conflict("Program " + *known + " still has " + join(still, ", ") + " on " +
                            r->key + ". Remove " + (still.size() == 1 ? "it" : "them") +
                            " first: `release remove " + r->key + " " + still.front() + "`.");
        const std::string gone = *known;
        ctx.store.releases.remove_program(r->id, gone);
        ctx.audit(r->id, "release.program_remove", gone);
        std::string line = "Program " + gone + " is no longer part of *" + r->key + "*.";
        reply.text = line;
        reply.section(line);
    }
    say_if_withdrawn(ctx, *r, reply);
    return reply;
}

ArgSpec key_arg() {
    return positional("key", ArgType::key, "<key>");
}

}  // namespace

void register_release_edit_commands(Registry& r) {
    r.add({.name = "release edit",
           .args = {key_arg(), optional_keyword("title", "title", ArgType::text, "\"<title>\""),
                    optional_keyword("owner", "owner", ArgType::user, "@user"),
                    optional_keyword("env", "env", ArgType::word, "<name>|none")},
           .summary = "Change a release's title, owner or environment (its owner or a manager)",
           .example = "release edit web-2026.12 title \"Web and API, December\"",
           .details = "Give one or more of `title`, `owner` and `env`; `env none` clears the "
                      "environment. A new owner hears of it. Changing the environment of an "
                      "approved release withdraws its approval.",
           .changes_state = true,
           .handler = release_edit});
    r.add({.name = "release remove",
           .args = {key_arg(), positional("component", ArgType::word, "<program>/<component>")},
           .summary = "Remove a component from a release (asks to confirm)",
           .example = "release remove web-2026.12 api/gateway",
           .changes_state = true,
           .handler = release_remove});
    r.add({.name = "release program",
           .args = {choice("action", {"add", "remove"}), key_arg(),
                    positional("program", ArgType::key, "<program>")},
           .summary = "Add a program to a release, or take one off",
           .example = "release program remove web-2026.12 mobile",
           .details = "A program is taken off only once it has no components left "
                      "(`release remove`). Either change withdraws an approval.",
           .changes_state = true,
           .handler = release_program});
}

}  // namespace releasebot
