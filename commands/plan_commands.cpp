// Plan commands: a release's deploy and backout plans as ordered steps with an
// owner and an expected duration — `plan add|show|remove`. Plans can change until the release
// starts deploying; walking the steps (`release step`, `release backout`) is in
// release_commands.cpp.
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

bool is_blank(const std::string& s) {
    for (char c : s) {
        if (!std::isspace(static_cast<unsigned char>(c))) return false;
    }
    return true;
}

// Plans are locked once deployment starts: the steps being walked must not move under people.
Result<Release> release_for_plan_change(Context& ctx, const std::string& key,
                                        const std::string& what) {
    auto rel = load_release(ctx, key);
    if (!rel) return rel.error();
    if (!is_open_for_changes(rel->state)) {
        Error e = wrong_state(*rel, what, "planned or approved");
        e.message += " Plans are locked once the release starts.";
        return e;
    }
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
    if (s.owner) extra.push_back(who(*s.owner));
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

// ---------------------------------------------------------------------------------------------
// plan add

Result<Reply> plan_add(Context& ctx, const ParsedCommand& cmd) {
    auto rel = release_for_plan_change(ctx, cmd.get("release"), "plan add");
    if (!rel) return rel.error();
    PlanKind kind = plan_kind(cmd);
    const std::string& title = cmd.get("step");
    if (is_blank(title)) {
        return invalid("A step needs a text: `plan add " + rel->key + " " + to_string(kind) +
                       " \"Switch traffic to blue\" owner @dana takes 15m`.");
    }
    PlanStep s;
    s.release = rel->id;
    s.plan = kind;
    s.title = title;
    if (auto owner = cmd.opt("owner")) s.owner = UserId(*owner);
    if (cmd.has("takes")) {
        auto d = duration_arg(cmd, "takes");
        if (!d) return d.error();
        s.expected = *d;
    }
    ctx.store.plans.add(s);
    s.position = ctx.store.plans.count(rel->id, kind);

    std::string detail =
        to_string(kind) + " step " + std::to_string(s.position) + " \"" + s.title + "\"";
    if (s.owner) detail += " owner @" + s.owner->value();
    if (s.expected) detail += " takes " + format_duration(*s.expected);
    ctx.audit(rel->id, "plan.add", detail);

    if (s.owner) {
        ctx.notify(
            *s.owner,
            Reply::plain("You own " + to_string(kind) + " step " + std::to_string(s.position) +
                         " of *" + rel->key + "*: " + s.title +
                         (s.expected ? " (" + format_duration(*s.expected) + ")" : std::string()) +
                         ". The window opens " +
                         format_when(rel->window_start, zone_of(ctx, *s.owner)) + "."),
            rel->id);
    }

    auto steps = ctx.store.plans.steps(rel->id, kind);
    std::string line = "Added " + to_string(kind) + " step " + std::to_string(s.position) +
                       " to *" + rel->key + "*: " + step_body(s);
    Reply r;
    r.text = line;
    r.section(line);
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
    auto rel = release_for_plan_change(ctx, cmd.get("release"), "plan remove");
    if (!rel) return rel.error();
    PlanKind kind = plan_kind(cmd);
    const std::string& n_text = cmd.get("n");
    // Digits only (the parser checked); anything too long to be a step number is out of range.
    int n = n_text.size() > 6 ? 0 : std::stoi(n_text);
    auto step = ctx.store.plans.at(rel->id, kind, n);
    if (!step) {
        int count = ctx.store.plans.count(rel->id, kind);
        std::string has = count == 0 ? "has no steps" : "has " + plural(count, "step", "steps");
        return not_found("Step " + n_text + " does not exist: the " + to_string(kind) +
                         " plan of " + rel->key + " " + has + ". Type `plan show " + rel->key +
                         "` to see them.");
    }
    ctx.store.plans.remove(*step);
    ctx.audit(
        rel->id, "plan.remove",
        to_string(kind) + " step " + std::to_string(step->position) + " \"" + step->title + "\"");
    bool reopened = recheck_approval(ctx, *rel);

    int left = ctx.store.plans.count(rel->id, kind);
    std::string line = "Removed " + to_string(kind) + " step " + std::to_string(step->position) +
                       " from *" + rel->key + "*: " + step->title + ".";
    Reply r;
    r.text = line;
    r.section(line);
    if (reopened) {
        r.section("*" + rel->key + "* is back to planned: run `release go " + rel->key +
                  "` again once its blockers are cleared.");
    }
    if (left == 0) {
        r.context("The " + to_string(kind) + " plan is now empty; `release go` needs a step in " +
                  "it: `plan add " + rel->key + " " + to_string(kind) + " \"<step>\"`.");
    } else if (step->position <= left) {
        r.context("The steps after it moved up one; the " + to_string(kind) + " plan has " +
                  plural(left, "step", "steps") + ".");
    } else {
        r.context("The " + to_string(kind) + " plan has " + plural(left, "step", "steps") + ".");
    }
    return r;
}

}  // namespace

void register_plan_commands(Registry& r) {
    r.add(
        {.name = "plan add",
         .args = {positional("release", ArgType::key, "<release>"),
                  choice("plan", {"deploy", "backout"}),
                  positional("step", ArgType::text, "\"<step>\""),
                  optional_keyword("owner", "owner", ArgType::user, "@user"),
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
}

}  // namespace releasebot
