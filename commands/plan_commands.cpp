// Plan commands: a release's deploy and backout plans as ordered steps with an owner (a person or
// a role) and an expected duration — `plan add|show|remove|edit|move|insert|assign`. Plans can
// change until the release starts deploying (an owner can be reassigned while it deploys);
// walking the steps (`release step`, `release backout`) is in release_commands.cpp. Every change
// is audited; on an approved release it withdraws the approval, which covered the plans as they
// were.
#include <cctype>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "commands/commands.hpp"
#include "commands/gate.hpp"
#include "commands/handler_support.hpp"
#include "commands/registry.hpp"
#include "commands/release_view.hpp"
#include "commands/text_util.hpp"
#include "commands/time_parse.hpp"

namespace releasebot {

namespace {

// Plans are locked once deployment starts: the steps being walked must not move under people.
Result<Release> release_for_plan_change(Context& ctx, const std::string& key,
                                        const std::string& what) {
    auto rel = load_release(ctx, key);
    if (!rel) return rel.error();
    if (auto no = model::refusal(*rel, model::Change::edit, what))
        return conflict(*no + " Plans are locked once the release starts.");
    return rel;
}

PlanKind plan_kind(const ParsedCommand& cmd) {
    // The parser only lets the two choice words through.
    return parse_plan_kind(cmd.get("plan")).value_or(PlanKind::deploy);
}

// "Switch traffic — <@dana>, 15m".
std::string step_body(const PlanStep& s) {
    std::string body = s.title;
    std::vector<std::string> extra;
    if (s.owner) extra.push_back(owner_label(*s.owner));
    if (s.expected) extra.push_back(format_duration(*s.expected));
    if (!extra.empty()) body += " — " + join(extra, ", ");
    return body;
}

// A direct message is read in its recipient's zone, not the actor's: theirs when we have seen
// it, else the workspace's.
std::string zone_of(Context& ctx, const UserId& user) {
    if (auto p = ctx.store.workspaces.person(ctx.workspace.id, user); p && p->time_zone) {
        return *p->time_zone;
    }
    return ctx.workspace.time_zone.empty() ? "UTC" : ctx.workspace.time_zone;
}

struct PlanTiming {
    Seconds total{0};
    int untimed = 0;
};

PlanTiming timing(const std::vector<PlanStep>& steps) {
    PlanTiming t;
    for (const auto& s : steps) {
        if (s.expected) {
            t.total += *s.expected;
        } else {
            ++t.untimed;
        }
    }
    return t;
}

// "deploy plan: 1h 10m of the 2h window", with what is missing or too long said plainly.
std::string timing_line(const Release& r, PlanKind kind, const std::vector<PlanStep>& steps) {
    PlanTiming t = timing(steps);
    std::string line = to_string(kind) + " plan: " +
                       (t.total.count() > 0 ? format_duration(t.total) : std::string("0m")) +
                       " of the " + format_duration(r.duration) + " window";
    if (t.untimed > 0) {
        line += " (" + plural(t.untimed, "step has", "steps have") + " no expected duration)";
    }
    return line;
}

std::optional<std::string> overrun_warning(const Release& r, PlanKind kind,
                                           const std::vector<PlanStep>& steps) {
    PlanTiming t = timing(steps);
    if (t.total <= r.duration) return std::nullopt;
    return "Warning: the " + to_string(kind) + " plan takes " + format_duration(t.total) +
           ", longer than the " + format_duration(r.duration) + " window. Shorten its steps, " +
           "or split the work (`plan remove " + r.key + " " + to_string(kind) + " <n>`).";
}

// A person who now owns a step hears of it, in their own time zone. A role's holders see it in
// `tasks` and in the reminders.
void tell_new_owner(Context& ctx, const Release& rel, const PlanStep& s) {
    if (!s.owner || s.owner->kind != Owner::Kind::user) return;
    UserId owner(s.owner->name);
    if (owner == ctx.actor.user) return;
    ctx.notify(
        owner,
        Reply::plain("You own " + to_string(s.plan) + " step " + std::to_string(s.position) +
                     " of *" + rel.key + "*: " + s.title +
                     (s.expected ? " (" + format_duration(*s.expected) + ")" : std::string()) +
                     ". The window opens " + format_when(rel.window_start, zone_of(ctx, owner)) +
                     "."),
        rel.id);
}

// The step `n_text` of `kind`, or an error naming how many steps the plan has.
Result<PlanStep> step_at(Context& ctx, const Release& rel, PlanKind kind,
                         const std::string& n_text) {
    // Digits only (the parser checked); anything too long to be a step number is out of range.
    int n = n_text.size() > 6 ? 0 : std::stoi(n_text);
    if (auto step = ctx.store.plans.at(rel.id, kind, n)) return *step;
    int count = ctx.store.plans.count(rel.id, kind);
    std::string has = count == 0 ? "has no steps" : "has " + plural(count, "step", "steps");
    return not_found("Step " + n_text + " does not exist: the " + to_string(kind) + " plan of " +
                     rel.key + " " + has + ". Type `plan show " + rel.key + "` to see them.");
}

// The release, plan and step a step command names: the release open for plan changes, the step
// there.
struct StepTarget {
    Release rel;
    PlanKind kind;
    PlanStep step;
};

Result<StepTarget> target_step(Context& ctx, const ParsedCommand& cmd, const std::string& what) {
    auto rel = release_for_plan_change(ctx, cmd.get("release"), what);
    if (!rel) return rel.error();
    PlanKind kind = plan_kind(cmd);
    auto step = step_at(ctx, *rel, kind, cmd.get("n"));
    if (!step) return step.error();
    return StepTarget{std::move(*rel), kind, std::move(*step)};
}

int number_arg(const ParsedCommand& cmd, const std::string& name) {
    const std::string& text = cmd.get(name);
    return text.size() > 6 ? 1000000 : std::stoi(text);
}

// Ends a reply about a change to the plans: a withdrawn approval, then the plan as it now is.
void finish_plan_reply(Context& ctx, Release& rel, PlanKind kind, Reply& r) {
    say_if_withdrawn(ctx, rel, r);
    r.checklist(plan_items(ctx, rel, kind));
}

// The step a `plan add` or `plan insert` describes (its text, owner and expected time), not yet
// stored; `example` is the command to show when the text is blank.
Result<PlanStep> step_from(const ParsedCommand& cmd, const Release& rel, PlanKind kind,
                           const std::string& example) {
    const std::string& title = cmd.get("step");
    if (is_blank(title))
        return invalid("A step needs a text: `" + example +
                       " \"Switch traffic to blue\" owner "
                       "@dana takes 15m`.");
    PlanStep s;
    s.release = rel.id;
    s.plan = kind;
    s.title = title;
    s.owner = Owner::from_stored(cmd.opt("owner"));
    if (cmd.has("takes")) {
        auto d = duration_arg(cmd, "takes");
        if (!d) return d.error();
        s.expected = *d;
    }
    return s;
}

// Audits a step just stored as `action` ("plan.add", "plan.insert") and tells its owner.
void record_new_step(Context& ctx, const Release& rel, const PlanStep& s,
                     const std::string& action) {
    std::string detail =
        to_string(s.plan) + " step " + std::to_string(s.position) + " \"" + s.title + "\"";
    if (s.owner) detail += " owner " + owner_plain(*s.owner);
    if (s.expected) detail += " takes " + format_duration(*s.expected);
    ctx.audit(rel.id, action, detail);
    tell_new_owner(ctx, rel, s);
}

// ---------------------------------------------------------------------------------------------
// plan add

Result<Reply> plan_add(Context& ctx, const ParsedCommand& cmd) {
    auto rel = release_for_plan_change(ctx, cmd.get("release"), "plan add");
    if (!rel) return rel.error();
    PlanKind kind = plan_kind(cmd);
    auto made = step_from(cmd, *rel, kind, "plan add " + rel->key + " " + to_string(kind));
    if (!made) return made.error();
    PlanStep s = std::move(*made);
    ctx.store.plans.add(s);
    s.position = ctx.store.plans.count(rel->id, kind);
    record_new_step(ctx, *rel, s, "plan.add");

    auto steps = ctx.store.plans.steps(rel->id, kind);
    std::string line = "Added " + to_string(kind) + " step " + std::to_string(s.position) +
                       " to *" + rel->key + "*: " + step_body(s);
    Reply r = Reply::plain(line);
    if (auto warn = overrun_warning(*rel, kind, steps)) r.section(*warn);
    r.context(timing_line(*rel, kind, steps) + ". `plan show " + rel->key + "` shows both plans.");
    return r;
}

// ---------------------------------------------------------------------------------------------
// plan show

void add_plan(Reply& r, const Context& ctx, const Release& rel, PlanKind kind,
              const std::vector<PlanStep>& steps) {
    bool active = rel.state == ReleaseState::deploying && rel.active_plan == kind;
    std::string title = "*" + std::string(kind == PlanKind::deploy ? "Deploy" : "Backout") +
                        " plan*" + (active ? " (active)" : "");
    if (steps.empty()) {
        r.section(title + ": no steps yet. Add one with `plan add " + rel.key + " " +
                  to_string(kind) + " \"<step>\" owner @user takes 15m`.");
        return;
    }
    r.section(title);
    // The same items `release show` and `release start` draw: "1. Switch traffic — @dana, 15m",
    // the current step marked while deploying.
    r.checklist(plan_items(ctx, rel, kind));
    r.context(timing_line(rel, kind, steps));
    if (auto warn = overrun_warning(rel, kind, steps)) r.section(*warn);
}

Result<Reply> plan_show(Context& ctx, const ParsedCommand& cmd) {
    auto rel = load_release(ctx, cmd.get("release"));
    if (!rel) return rel.error();
    auto deploy = ctx.store.plans.steps(rel->id, PlanKind::deploy);
    auto backout = ctx.store.plans.steps(rel->id, PlanKind::backout);

    auto count_text = [](const std::vector<PlanStep>& steps) {
        return plural(static_cast<long>(steps.size()), "step", "steps");
    };
    Reply r;
    r.text = "Plans of " + rel->key + ": deploy " + count_text(deploy) + ", backout " +
             count_text(backout) + ".";
    r.header("Plans of " + rel->key + " — " + rel->title + " (" + to_string(rel->state) + ")");
    r.context("Window " + window_text(ctx, *rel));
    if (rel->state == ReleaseState::deploying) {
        r.section("Active plan: *" + to_string(rel->active_plan) + "*.");
    }
    add_plan(r, ctx, *rel, PlanKind::deploy, deploy);
    add_plan(r, ctx, *rel, PlanKind::backout, backout);
    if (rel->state == ReleaseState::deploying) {
        r.context("Walk the steps with `release step " + rel->key + " <n> done|skip|fail`.");
    }
    return r;
}

// ---------------------------------------------------------------------------------------------
// plan remove

Result<Reply> plan_remove(Context& ctx, const ParsedCommand& cmd) {
    auto target = target_step(ctx, cmd, "plan remove");
    if (!target) return target.error();
    auto& [rel, kind, step] = *target;
    ctx.store.plans.remove(step);
    ctx.audit(
        rel.id, "plan.remove",
        to_string(kind) + " step " + std::to_string(step.position) + " \"" + step.title + "\"");
    int left = ctx.store.plans.count(rel.id, kind);
    std::string line = "Removed " + to_string(kind) + " step " + std::to_string(step.position) +
                       " from *" + rel.key + "*: " + step.title + ".";
    Reply r = Reply::plain(line);
    say_if_withdrawn(ctx, rel, r);
    if (left == 0) {
        r.context("The " + to_string(kind) + " plan is now empty; `release go` needs a step in " +
                  "it: `plan add " + rel.key + " " + to_string(kind) + " \"<step>\"`.");
    } else if (step.position <= left) {
        r.context("The steps after it moved up one; the " + to_string(kind) + " plan has " +
                  plural(left, "step", "steps") + ".");
    } else {
        r.context("The " + to_string(kind) + " plan has " + plural(left, "step", "steps") + ".");
    }
    return r;
}

// ---------------------------------------------------------------------------------------------
// plan edit <release> deploy|backout <n> ["<step>"] [takes <duration>]

Result<Reply> plan_edit(Context& ctx, const ParsedCommand& cmd) {
    auto target = target_step(ctx, cmd, "plan edit");
    if (!target) return target.error();
    auto& [rel, kind, step] = *target;
    const std::string ref = to_string(kind) + " step " + std::to_string(step.position);
    if (!cmd.has("step") && !cmd.has("takes"))
        return invalid("Say what to change: `plan edit " + rel.key + " " + to_string(kind) + " " +
                       std::to_string(step.position) +
                       " \"<new text>\"`, and/or `takes <duration>`.");
    std::vector<std::string> changes;
    if (cmd.has("step")) {
        const std::string& title = cmd.get("step");
        if (is_blank(title))
            return invalid("A step needs a text: `plan edit " + rel.key + " " + to_string(kind) +
                           " " + std::to_string(step.position) + " \"Switch traffic to blue\"`.");
        if (title != step.title) {
            changes.push_back("text \"" + step.title + "\" → \"" + title + "\"");
            step.title = title;
        }
    }
    if (cmd.has("takes")) {
        auto d = duration_arg(cmd, "takes");
        if (!d) return d.error();
        if (step.expected != *d) {
            changes.push_back("takes " + (step.expected ? format_duration(*step.expected) : "—") +
                              " → " + format_duration(*d));
            step.expected = *d;
        }
    }
    if (changes.empty()) return Reply::plain(ref + " of " + rel.key + " already says that.");
    ctx.store.plans.update(step);
    ctx.audit(rel.id, "plan.edit", ref + ": " + join(changes, ", "));
    if (step.owner && step.owner->kind == Owner::Kind::user &&
        UserId(step.owner->name) != ctx.actor.user)
        ctx.notify(UserId(step.owner->name),
                   Reply::plain(who(ctx.actor.user) + " edited " + ref + " of *" + rel.key +
                                "*, which you own: " + step_body(step) + "."),
                   rel.id);
    std::string line = "Edited " + ref + " of *" + rel.key + "*: " + step_body(step) + ".";
    Reply r = Reply::plain(line);
    finish_plan_reply(ctx, rel, kind, r);
    auto steps = ctx.store.plans.steps(rel.id, kind);
    if (auto warn = overrun_warning(rel, kind, steps)) r.section(*warn);
    return r;
}

// ---------------------------------------------------------------------------------------------
// plan move <release> deploy|backout <n> to <m>

Result<Reply> plan_move(Context& ctx, const ParsedCommand& cmd) {
    auto target = target_step(ctx, cmd, "plan move");
    if (!target) return target.error();
    auto& [rel, kind, step] = *target;
    int count = ctx.store.plans.count(rel.id, kind);
    int to = number_arg(cmd, "to");
    if (to > count)
        return invalid("The " + to_string(kind) + " plan of " + rel.key + " has " +
                       plural(count, "step", "steps") + ", so a step can move to 1 to " +
                       std::to_string(count) + ", not " + cmd.get("to") + ".");
    if (to == step.position)
        return Reply::plain(to_string(kind) + " step " + std::to_string(to) + " of " + rel.key +
                            " is already there.");
    ctx.store.plans.place(step.id, to);
    ctx.audit(rel.id, "plan.move",
              to_string(kind) + " step " + std::to_string(step.position) + " \"" + step.title +
                  "\" to " + std::to_string(to));
    std::string line = "Moved " + to_string(kind) + " step " + std::to_string(step.position) +
                       " of *" + rel.key + "* to " + std::to_string(to) + ": " + step.title + ".";
    Reply r = Reply::plain(line);
    finish_plan_reply(ctx, rel, kind, r);
    return r;
}

// ---------------------------------------------------------------------------------------------
// plan insert <release> deploy|backout after|before <n> "<step>" [owner …] [takes …]

Result<Reply> plan_insert(Context& ctx, const ParsedCommand& cmd) {
    auto rel = release_for_plan_change(ctx, cmd.get("release"), "plan insert");
    if (!rel) return rel.error();
    PlanKind kind = plan_kind(cmd);
    if (cmd.has("after") == cmd.has("before"))
        return usage_error("Say where the step goes: `plan insert " + rel->key + " " +
                           to_string(kind) + " after 2 \"<step>\"` or `before 1`.");
    const bool after = cmd.has("after");
    auto anchor = step_at(ctx, *rel, kind, cmd.get(after ? "after" : "before"));
    if (!anchor) return anchor.error();
    auto made = step_from(cmd, *rel, kind,
                          "plan insert " + rel->key + " " + to_string(kind) + " after " +
                              std::to_string(anchor->position));
    if (!made) return made.error();
    PlanStep s = std::move(*made);
    s.position = after ? anchor->position + 1 : anchor->position;
    s.id = ctx.store.plans.add(s);
    ctx.store.plans.place(s.id, s.position);
    record_new_step(ctx, *rel, s, "plan.insert");

    std::string line = "Inserted " + to_string(kind) + " step " + std::to_string(s.position) +
                       " in *" + rel->key + "*: " + step_body(s) + ".";
    Reply r = Reply::plain(line);
    r.context("The steps after it moved down one.");
    finish_plan_reply(ctx, *rel, kind, r);
    auto steps = ctx.store.plans.steps(rel->id, kind);
    if (auto warn = overrun_warning(*rel, kind, steps)) r.section(*warn);
    return r;
}

// ---------------------------------------------------------------------------------------------
// plan assign <release> deploy|backout <n> @user|<role>

Result<Reply> plan_assign(Context& ctx, const ParsedCommand& cmd) {
    auto rel = load_release(ctx, cmd.get("release"));
    if (!rel) return rel.error();
    // A step is handed over while it waits, also while the release deploys (someone is out).
    RB_TRY(accepts(*rel, model::Change::reassign, "plan assign"));
    PlanKind kind = plan_kind(cmd);
    auto step = step_at(ctx, *rel, kind, cmd.get("n"));
    if (!step) return step.error();
    const std::string ref = to_string(kind) + " step " + std::to_string(step->position);
    if (step->status != StepStatus::pending)
        return conflict(ref + " of " + rel->key + " is already " + to_string(step->status) +
                        "; only a step still to do can change hands.");
    // A step someone owns is handed on by its owner, the release's owner or a manager.
    if (step->owner && !is_owner(ctx, step->owner) && rel->owner != ctx.actor.user &&
        ctx.role < Role::manager)
        return forbidden("Only " + owner_label(*step->owner) + ", who owns " + ref + " of " +
                         rel->key + ", its release owner " + who(rel->owner) +
                         " or a manager can give it to someone else.");
    auto owner = Owner::from_stored(cmd.get("owner"));
    if (step->owner && owner && step->owner->stored() == owner->stored())
        return Reply::plain(ref + " of " + rel->key + " is already owned by " +
                            owner_label(*owner) + ".");
    std::optional<Owner> before = step->owner;
    step->owner = owner;
    ctx.store.plans.update(*step);
    ctx.audit(rel->id, "plan.assign",
              ref + " \"" + step->title + "\": " + (before ? owner_plain(*before) : "nobody") +
                  " → " + owner_plain(*owner));
    tell_new_owner(ctx, *rel, *step);
    if (before && before->kind == Owner::Kind::user && UserId(before->name) != ctx.actor.user)
        ctx.notify(
            UserId(before->name),
            Reply::plain(who(ctx.actor.user) + " gave " + ref + " of *" + rel->key + "* (" +
                         step->title + ") to " + owner_label(*owner) + "; it is no longer yours."),
            rel->id);
    std::string line = ref + " of *" + rel->key + "* is now owned by " + owner_label(*owner) +
                       ": " + step->title + ".";
    Reply r = Reply::plain(line);
    finish_plan_reply(ctx, *rel, kind, r);
    return r;
}

}  // namespace

void register_plan_commands(Registry& r) {
    r.add(
        {.name = "plan add",
         .args = {positional("release", ArgType::key, "<release>"),
                  choice("plan", {"deploy", "backout"}),
                  positional("step", ArgType::text, "\"<step>\""),
                  optional_keyword("owner", "owner", ArgType::owner, "@user|<role>"),
                  optional_keyword("takes", "takes", ArgType::duration, "<duration>")},
         .summary = "Add a step to a release's deploy or backout plan",
         .example = "plan add web-2026.12 deploy \"Switch traffic to blue\" owner @dana takes 15m",
         .details = "Steps are appended in order. Plans can change while the release is "
                    "planned or approved, not once it starts.",
         .role = Role::member,
         .changes_state = true,
         .handler = plan_add});
    r.add({.name = "plan show",
           .args = {positional("release", ArgType::key, "<release>")},
           .summary = "Both plans of a release, with their timing against the window",
           .example = "plan show web-2026.12",
           .role = Role::member,
           .handler = plan_show});
    r.add(
        {.name = "plan remove",
         .args = {positional("release", ArgType::key, "<release>"),
                  choice("plan", {"deploy", "backout"}), positional("n", ArgType::integer, "<n>")},
         .summary = "Remove a step from a plan; the steps after it move up",
         .example = "plan remove web-2026.12 backout 2",
         .details = "Removing the last step of a plan sends an approved release back to "
                    "planned: `release go` needs both plans.",
         .role = Role::member,
         .changes_state = true,
         .handler = plan_remove});
    r.add({.name = "plan edit",
           .args = {positional("release", ArgType::key, "<release>"),
                    choice("plan", {"deploy", "backout"}), positional("n", ArgType::integer, "<n>"),
                    optional_positional("step", ArgType::text, "\"<step>\""),
                    optional_keyword("takes", "takes", ArgType::duration, "<duration>")},
           .summary = "Change the text or expected duration of a plan step",
           .example = "plan edit web-2026.12 deploy 2 \"Switch 10% of traffic\" takes 20m",
           .role = Role::member,
           .changes_state = true,
           .handler = plan_edit});
    r.add({.name = "plan move",
           .args = {positional("release", ArgType::key, "<release>"),
                    choice("plan", {"deploy", "backout"}), positional("n", ArgType::integer, "<n>"),
                    keyword("to", "to", ArgType::integer, "<m>")},
           .summary = "Move a plan step to another place; the others close up around it",
           .example = "plan move web-2026.12 deploy 4 to 2",
           .role = Role::member,
           .changes_state = true,
           .handler = plan_move});
    r.add({.name = "plan insert",
           .args = {positional("release", ArgType::key, "<release>"),
                    choice("plan", {"deploy", "backout"}),
                    optional_keyword("after", "after", ArgType::integer, "<n>"),
                    optional_keyword("before", "before", ArgType::integer, "<n>"),
                    positional("step", ArgType::text, "\"<step>\""),
                    optional_keyword("owner", "owner", ArgType::owner, "@user|<role>"),
                    optional_keyword("takes", "takes", ArgType::duration, "<duration>")},
           .summary = "Insert a step after (or before) step <n> of a plan",
           .example = "plan insert web-2026.12 deploy after 2 \"Warm the caches\" takes 5m",
           .role = Role::member,
           .changes_state = true,
           .handler = plan_insert});
    r.add({.name = "plan assign",
           .args = {positional("release", ArgType::key, "<release>"),
                    choice("plan", {"deploy", "backout"}), positional("n", ArgType::integer, "<n>"),
                    positional("owner", ArgType::owner, "@user|<role>")},
           .summary = "Give a plan step to a person or a role",
           .example = "plan assign web-2026.12 backout 1 @erin",
           .details = "A role owner (`manager`, `approver`, `member`) means anyone holding it "
                      "may mark the step. A step someone owns is handed on by that owner, the "
                      "release's owner or a manager. A step still to do can change hands while "
                      "the release deploys.",
           .role = Role::member,
           .changes_state = true,
           .handler = plan_assign});
}

}  // namespace releasebot
