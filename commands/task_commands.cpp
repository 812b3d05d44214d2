// `my tasks`: what the person asking still has to do — open controls they own
// (themselves, or through a role they hold) and pending plan steps they own — across the
// releases still in play, soonest window first, each with the command that does it.
#include <string>
#include <vector>

#include "commands/commands.hpp"
#include "commands/handler_support.hpp"
#include "commands/model/release_model.hpp"
#include "commands/registry.hpp"
#include "commands/text_util.hpp"
#include "commands/time_parse.hpp"

namespace releasebot {

namespace {

bool in_play(ReleaseState s) {
    return s == ReleaseState::planned || s == ReleaseState::approved ||
           s == ReleaseState::deploying;
}

Result<Reply> my_tasks(Context& ctx, const ParsedCommand&) {
    // `all` is ordered by window start; `upcoming` would drop a deployment that ran past its
    // window, which is exactly when its owners must not lose sight of their steps.
    auto releases = ctx.store.releases.list(ctx.workspace.id, ReleaseFilter::all, ctx.now);

    Reply r;
    int total = 0;
    for (const auto& rel : releases) {
        if (!in_play(rel.state)) continue;
        std::vector<ChecklistItem> items;
        for (const auto& c : ctx.store.controls.for_release(rel.id)) {
            if (c.status != ControlStatus::open || !is_owner(ctx, c.owner) ||
                model::is_kept_control(c.slug))
                continue;
            ChecklistItem item;
            item.label = "Control " + std::to_string(c.position) + " `" + c.slug + "` " + c.title +
                         (c.mandatory ? "" : " (optional)");
            if (c.owner && c.owner->kind == Owner::Kind::role)
                item.label += " — owned by " + owner_label(*c.owner);
            item.detail = "`control tick " + rel.key + " " + c.slug + "`";
            items.push_back(std::move(item));
        }
        // Steps of the plan being (or to be) walked: the backout plan only once it is active.
        for (const auto& s : ctx.store.plans.steps(rel.id, rel.active_plan)) {
            if (s.status != StepStatus::pending || !is_owner(ctx, s.owner)) continue;
            ChecklistItem item;
            item.label =
                to_string(rel.active_plan) + " step " + std::to_string(s.position) + ": " + s.title;
            if (s.expected) item.label += " (" + format_duration(*s.expected) + ")";
            std::string command =
                "`release step " + rel.key + " " + std::to_string(s.position) + " done`";
            item.detail =
                rel.state == ReleaseState::deploying ? command : "in the window: " + command;
            items.push_back(std::move(item));
        }
        if (items.empty()) continue;
        total += static_cast<int>(items.size());
        r.section("*" + rel.key + "* " + rel.title + " — " +
                  format_when(rel.window_start, ctx.zone) + " · " + to_string(rel.state));
        r.checklist(std::move(items));
    }

    // Retrospective action items carry over from release to release until done.
    auto actions = ctx.store.actions.open_for_owner(ctx.workspace.id, ctx.actor.user);
    if (!actions.empty()) {
        std::vector<ChecklistItem> items;
        for (const auto& a : actions) {
            ChecklistItem item;
            std::string from;
            if (auto rel = ctx.store.releases.get(a.release)) from = " (from " + rel->key + ")";
            item.label = "Action #" + std::to_string(a.id.value()) + ": " + a.text + from;
            item.detail = "`retro action done " + std::to_string(a.id.value()) + "`";
            items.push_back(std::move(item));
        }
        total += static_cast<int>(items.size());
        r.section("*Retrospective action items*");
        r.checklist(std::move(items));
    }

    if (total == 0) {
        Reply none = Reply::plain("Nothing on your plate.");
        none.context(
            "Controls and plan steps you own in planned, approved or deploying releases "
            "show up here. See what is coming with `release list`.");
        return none;
    }
    Reply out;
    out.text = "You have " + plural(total, "task", "tasks") + ".";
    out.header("Your tasks: " + plural(total, "task", "tasks"));
    out.blocks.insert(out.blocks.end(), r.blocks.begin(), r.blocks.end());
    out.context("Each line ends with the command that does it.");
    return out;
}

}  // namespace

void register_task_commands(Registry& r) {
    r.add({.name = "my tasks",
           .args = {},
           .summary = "Your open controls and plan steps, soonest release first",
           .example = "my tasks",
           .details = "Lists controls you own (yourself or through your role) that are still "
                      "open, and plan steps you own that are still pending, in releases that "
                      "are planned, approved or deploying.",
           .role = Role::member,
           .changes_state = false,
           .handler = my_tasks});
}

}  // namespace releasebot
