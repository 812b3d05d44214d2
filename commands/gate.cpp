// The go/no-go gate as the handlers see it: the facts of a release loaded from the store and
// handed to the release model (commands/model/), which decides. Never cached, so what `release
// go`, `release show` and the status message say is always the current truth.
#include "commands/gate.hpp"

#include <set>

#include "commands/comms_delivery.hpp"
#include "commands/handler_support.hpp"
#include "commands/model/release_model.hpp"
#include "commands/text_util.hpp"
#include "commands/time_parse.hpp"

namespace releasebot {

namespace {

std::string describe(const Freeze& f, const std::string& zone) {
    std::string out = "\"" + f.reason + "\" (freeze #" + std::to_string(f.id.value()) + ", ";
    if (f.kind == FreezeKind::once) {
        out += format_when(*f.starts_at, zone) + " – " + format_when(*f.ends_at, zone);
    } else {
        out += "every " + weekday_name(f.weekday) + " " + format_minutes(f.from_minute) + "–" +
               format_minutes(f.to_minute) + " " + f.time_zone;
    }
    return out + ")";
}

}  // namespace

std::optional<std::string> overlapping_freeze(Context& ctx, Instant start, Instant end) {
    for (const auto& f : ctx.store.freezes.list(ctx.workspace.id)) {
        if (f.kind == FreezeKind::once) {
            if (*f.starts_at < end && *f.ends_at > start) return describe(f, ctx.zone);
        } else if (first_weekly_overlap(f.weekday, f.from_minute, f.to_minute, f.time_zone, start,
                                        end)) {
            return describe(f, ctx.zone);
        }
    }
    return std::nullopt;
}

model::ReleaseFacts load_facts(Context& ctx, const Release& r,
                               std::vector<ReleaseControl> controls) {
    model::ReleaseFacts f;
    f.release = r;
    f.components = ctx.store.releases.components(r.id);
    f.controls = std::move(controls);
    f.steps = ctx.store.plans.steps(r.id, PlanKind::deploy);
    for (auto& s : ctx.store.plans.steps(r.id, PlanKind::backout)) f.steps.push_back(std::move(s));
    for (const auto& c : unapproved_communications(ctx, r))
        f.held.push_back({c.id.value(), c.audiences, c.status == CommsStatus::rejected});
    f.freeze = overlapping_freeze(ctx, r.window_start, r.window_end());
    return f;
}

model::ReleaseFacts load_facts(Context& ctx, const Release& r) {
    return load_facts(ctx, r, ctx.store.controls.for_release(r.id));
}

std::vector<Blocker> gate_blockers(Context& ctx, const Release& r) {
    return model::blockers(load_facts(ctx, r), ctx.now, ctx.zone);
}

std::vector<Blocker> gate_blockers(Context& ctx, const Release& r,
                                   const std::vector<ReleaseControl>& controls) {
    return model::blockers(load_facts(ctx, r, controls), ctx.now, ctx.zone);
}

void approve(Context& ctx, Release& r) {
    r.state = model::after(r, model::Change::approve);
    r.updated_at = ctx.now;
    ctx.store.releases.update(r);
    ctx.store.releases.set_approval_snapshot(r.id, model::approval_snapshot(load_facts(ctx, r)));
}

namespace {

void withdraw(Context& ctx, Release& r, const std::vector<std::string>& reasons) {
    r.state = model::after(r, model::Change::unapprove);
    r.updated_at = ctx.now;
    ctx.store.releases.update(r);
    ctx.store.releases.set_approval_snapshot(r.id, "");
    std::string why = reasons.front();
    for (std::size_t i = 1; i < reasons.size() && i < 4; ++i) why += "; " + reasons[i];
    if (reasons.size() > 4) why += " (and " + std::to_string(reasons.size() - 4) + " more)";
    ctx.audit(r.id, "release.unapprove", "approval withdrawn after a change by " +
                                             who(ctx.actor.user) + ": " + why);
    Reply note = Reply::plain("*" + r.key + "* is no longer approved: " + why +
                              ". Run `release go " + r.key + "` again once it is ready.");
    ctx.notify(r.owner, note, r.id);
    ctx.post(release_home(ctx, r), std::move(note), r.id);
}

}  // namespace

void settle_kept_controls(Context& ctx) {
    const std::set<ReleaseId> changed = ctx.changed_releases;
    for (const ReleaseId id : changed) {
        auto r = ctx.store.releases.get(id);
        if (!r || !model::allows(r->state, model::Change::edit)) continue;
        for (const auto& [c, why] : model::settle_kept_controls(load_facts(ctx, *r), ctx.now)) {
            ctx.store.controls.update(c);
            ctx.audit(id, c.status == ControlStatus::done ? "control.tick" : "control.untick",
                      std::to_string(c.position) + " `" + c.slug + "` by releasebot: " + why);
        }
    }
}

bool recheck_approval(Context& ctx, Release& r) {
    if (r.state != ReleaseState::approved) return false;
    const std::string stored = ctx.store.releases.approval_snapshot(r.id);
    const model::ReleaseFacts facts = load_facts(ctx, r);
    auto withdrawal = model::approval_check(facts, stored, ctx.now, ctx.zone);
    if (!withdrawal) {
        // Approved before snapshots were kept: what it covers is recorded now.
        if (stored.empty())
            ctx.store.releases.set_approval_snapshot(r.id, model::approval_snapshot(facts));
        return false;
    }
    withdraw(ctx, r, withdrawal->reasons);
    return true;
}

std::string withdrawn_note(const Release& r) {
    return "*" + r.key + "* is back to planned: run `release go " + r.key +
           "` again once its blockers are cleared.";
}

void say_if_withdrawn(Context& ctx, Release& r, Reply& reply) {
    if (recheck_approval(ctx, r)) reply.section(withdrawn_note(r));
}

std::vector<ReleaseId> settle_approvals(Context& ctx) {
    std::vector<ReleaseId> out;
    for (auto& r : ctx.store.releases.approved(ctx.workspace.id)) {
        if (recheck_approval(ctx, r)) out.push_back(r.id);
    }
    return out;
}

}  // namespace releasebot
