// Builds the full view of a release from storage. See release_view.hpp.
#include "commands/release_view.hpp"

#include <algorithm>

#include "commands/early_life.hpp"
#include "commands/gate.hpp"
#include "commands/handler_support.hpp"
#include "commands/health_check.hpp"
#include "commands/model/release_model.hpp"
#include "commands/text_util.hpp"
#include "commands/time_parse.hpp"

namespace releasebot {

namespace {

// The window, each end as plain words or, with `local`, as a moment (local_time()).
std::string window_in(const Context& ctx, const Release& r, bool local) {
    const Instant end = r.window_end();
    // Same local day: "Thu 10 Dec 2026 14:00 CET – 16:00"; otherwise both in full.
    const bool same_day = format_short(end, ctx.zone).substr(0, 10) ==
                          format_short(r.window_start, ctx.zone).substr(0, 10);
    auto at = [&](Instant t, bool with_date) {
        std::string shown = with_date ? format_when(t, ctx.zone) : format_clock(t, ctx.zone);
        return local ? local_time(t, shown, with_date) : shown;
    };
    return at(r.window_start, true) + " – " + at(end, !same_day) + " (" +
           format_duration(r.duration) + ")";
}

// When someone ticked, waived or did something: a moment, the zone named; with its day unless
// `with_date` is false.
std::string done_time(const Context& ctx, Instant t, bool with_date) {
    return local_time(t,
                      (with_date ? format_short(t, ctx.zone) : format_clock(t, ctx.zone)) + " " +
                          zone_abbrev(t, ctx.zone),
                      with_date);
}

}  // namespace

std::string window_text(const Context& ctx, const Release& r) {
    return window_in(ctx, r, false);
}

std::string window_local(const Context& ctx, const Release& r) {
    return window_in(ctx, r, true);
}

namespace {

ItemState step_state(StepStatus s) {
    switch (s) {
        case StepStatus::done:
            return ItemState::done;
        case StepStatus::skipped:
            return ItemState::skipped;
        case StepStatus::failed:
            return ItemState::failed;
        case StepStatus::pending:
            return ItemState::open;
    }
    return ItemState::open;
}

}  // namespace

std::vector<ChecklistItem> plan_items(const Context& ctx, const Release& r, PlanKind plan) {
    std::vector<ChecklistItem> items;
    bool current_marked = false;
    bool active = r.state == ReleaseState::deploying && r.active_plan == plan;
    for (const auto& s : ctx.store.plans.steps(r.id, plan)) {
        ChecklistItem it;
        it.label = std::to_string(s.position) + ". " + s.title;
        it.state = step_state(s.status);
        if (active && !current_marked && s.status == StepStatus::pending) {
            it.state = ItemState::current;
            current_marked = true;
        }
        std::vector<std::string> detail;
        if (s.owner) detail.push_back(owner_label(*s.owner));
        if (s.expected) detail.push_back(format_duration(*s.expected));
        if (s.done_by && s.done_at)
            detail.push_back(to_string(s.status) + " by " + who(*s.done_by) + " " +
                             done_time(ctx, *s.done_at, false));
        if (s.note) detail.push_back("\"" + *s.note + "\"");
        it.detail = join(detail, ", ");
        if (active && s.status == StepStatus::pending) {
            it.action_id = "command";
            it.value = "release step " + r.key + " " + std::to_string(s.position) + " done";
        }
        items.push_back(std::move(it));
    }
    return items;
}

std::vector<ChecklistItem> control_items(const Context& ctx, const Release& r) {
    return control_items(ctx, r, ctx.store.controls.for_release(r.id));
}

std::vector<ChecklistItem> control_items(const Context& ctx, const Release& r,
                                         const std::vector<ReleaseControl>& controls) {
    std::vector<ChecklistItem> items;
    const auto checks = ctx.store.controls.health_checks(r.id);
    for (const auto& c : controls) {
        ChecklistItem it;
        it.label = std::to_string(c.position) + ". " + c.slug + " — " + c.title +
                   (c.mandatory ? "" : " (optional)");
        std::vector<std::string> detail;
        switch (c.status) {
            case ControlStatus::open:
                it.state = ItemState::open;
                if (c.owner) detail.push_back("owner " + owner_label(*c.owner));
                if (model::is_kept_control(c.slug)) {
                    // Nobody ticks it: releasebot does when what it stands for holds.
                    detail.push_back("releasebot ticks it");
                } else if (model::allows(r.state, model::Change::tick)) {
                    it.action_id = "command";
                    it.value = "control tick " + r.key + " " + c.slug;
                }
                break;
            case ControlStatus::done:
                it.state = ItemState::done;
                detail.push_back("ticked by " + who(*c.done_by) + " " +
                                 done_time(ctx, *c.done_at, true));
                if (c.evidence_url) detail.push_back("evidence " + *c.evidence_url);
                if (c.note) detail.push_back("\"" + *c.note + "\"");
                break;
            case ControlStatus::waived:
                it.state = ItemState::waived;
                detail.push_back("waived by " + who(*c.done_by) + " " +
                                 done_time(ctx, *c.done_at, true) + ": \"" + c.note.value_or("") +
                                 "\"");
                break;
        }
        for (const auto& check : checks)
            if (check.control == c.id)
                detail.push_back("health check: " + health_check_summary(ctx, check));
        it.detail = join(detail, ", ");
        items.push_back(std::move(it));
    }
    return items;
}

namespace {

std::string planned_summary(std::size_t blockers) {
    return blockers ? "planned, " + plural(static_cast<long>(blockers), "blocker", "blockers")
                    : "planned, ready for go";
}

}  // namespace

std::string status_summary(Context& ctx, const Release& r) {
    if (r.state != ReleaseState::planned) return status_summary(ctx, r, {});
    return status_summary(ctx, r, ctx.store.controls.for_release(r.id));
}

// `controls` are read only for a planned release (its blockers).
std::string status_summary(Context& ctx, const Release& r,
                           const std::vector<ReleaseControl>& controls) {
    std::string state = to_string(r.state);
    switch (r.state) {
        case ReleaseState::planned:
            return planned_summary(gate_blockers(ctx, r, controls).size());
        case ReleaseState::approved:
            return state + " for " + format_when(r.window_start, ctx.zone);
        case ReleaseState::deploying: {
            auto steps = ctx.store.plans.steps(r.id, r.active_plan);
            long marked = std::count_if(steps.begin(), steps.end(), [](const PlanStep& s) {
                return s.status != StepStatus::pending;
            });
            return (r.active_plan == PlanKind::backout ? "backing out, " : "deploying, ") +
                   std::to_string(marked) + " of " +
                   plural(static_cast<long>(steps.size()), "step", "steps") + " marked";
        }
        case ReleaseState::backout_failed:
            return "BACKOUT FAILED: production may be half rolled back";
        default:
            return state;
    }
}

Reply release_view(Context& ctx, const Release& r) {
    // Read once: the summary's blockers and the checklist both come from them.
    const auto release_controls = ctx.store.controls.for_release(r.id);
    const bool gated = r.state == ReleaseState::planned || r.state == ReleaseState::approved;
    const auto blockers = gated ? gate_blockers(ctx, r, release_controls) : std::vector<Blocker>{};
    Reply reply;
    reply.text = r.key + " — " + r.title + ": " +
                 (r.state == ReleaseState::planned ? planned_summary(blockers.size())
                                                   : status_summary(ctx, r, release_controls));
    reply.header(r.key + " — " + r.title);
    std::string state = to_string(r.state);
    if (r.state == ReleaseState::deploying && r.active_plan == PlanKind::backout)
        state += " (backing out)";
    if (r.state == ReleaseState::backout_failed) state = "BACKOUT FAILED";
    std::vector<std::pair<std::string, std::string>> fields = {
        {"State", state},
        {"Window", window_local(ctx, r)},
        {"Owner", who(r.owner)},
    };
    if (!r.programs.empty()) fields.push_back({"Programs", join(r.programs, ", ")});
    if (r.env) fields.push_back({"Environment", *r.env});
    if (r.freeze_override) fields.push_back({"Freeze override", "\"" + *r.freeze_override + "\""});
    if (r.state_reason) fields.push_back({"Reason", "\"" + *r.state_reason + "\""});
    reply.fields(std::move(fields));
    if (r.state == ReleaseState::backout_failed) {
        std::vector<std::string> failed;
        for (const auto& s : ctx.store.plans.steps(r.id, PlanKind::backout))
            if (s.status == StepStatus::failed) failed.push_back(std::to_string(s.position));
        reply.section("*BACKOUT FAILED.* Backout " +
                      std::string(failed.size() == 1 ? "step " : "steps ") + join_and(failed) +
                      " failed, so production may be half rolled back. Owner: " + who(r.owner) +
                      ". No early life support was started.");
    }

    auto components = ctx.store.releases.components(r.id);
    if (!components.empty()) {
        std::vector<std::vector<std::string>> rows;
        for (const auto& c : components)
            rows.push_back(
                {c.program, c.name, c.version, c.sha256 ? c.sha256->substr(0, 12) + "…" : "—"});
        reply.section("*Components*");
        reply.table({"Program", "Component", "Version", "SHA-256"}, std::move(rows));
    }

    auto controls = control_items(ctx, r, release_controls);
    if (!controls.empty()) {
        reply.section("*Controls*");
        reply.checklist(std::move(controls));
    }
    for (PlanKind plan : {PlanKind::deploy, PlanKind::backout}) {
        auto items = plan_items(ctx, r, plan);
        std::string title = plan == PlanKind::deploy ? "*Deployment plan*" : "*Backout plan*";
        if (items.empty()) {
            reply.section(title + ": none yet");
        } else {
            reply.section(title);
            reply.checklist(std::move(items));
        }
    }

    if (r.els_until && r.els_until > ctx.now)
        reply.context("Early life support until " + format_when(*r.els_until, ctx.zone) +
                      (r.els_owner ? ", owned by " + who(*r.els_owner) : std::string()) + ".");

    auto carried = carried_over_actions(ctx, r);
    if (!carried.empty()) {
        std::string text = "*Open action items from earlier releases*";
        for (const auto& a : carried) {
            std::string from;
            if (auto rel = ctx.store.releases.get(a.release)) from = " (" + rel->key + ")";
            text +=
                "\n• #" + std::to_string(a.id.value()) + " " + a.text + " — " + who(a.owner) + from;
        }
        reply.section(text);
    }

    auto failed = ctx.store.outbox.failed_for(r.id);
    if (!failed.empty()) {
        std::string text = "*Undelivered messages (" + std::to_string(failed.size()) + ")*";
        for (const auto& f : failed)
            text += "\n• to " + f.platform + ", gave up after " +
                    plural(f.attempts, "attempt", "attempts") + ": " +
                    f.last_error.value_or("unknown error");
        reply.section(text);
    }

    if (gated) {
        if (blockers.empty()) {
            reply.section(r.state == ReleaseState::approved
                              ? "*Approved.* Nothing blocks it. Next: `release start " + r.key + "`"
                              : "*No blockers.* Next: `release go " + r.key + "`");
        } else {
            std::string list = "*Blockers (" + std::to_string(blockers.size()) + ")*";
            for (const auto& b : blockers) list += "\n• " + b.what + " → `" + b.next_step + "`";
            reply.section(list);
        }
    }
    return reply;
}

}  // namespace releasebot
