// The go/no-go gate: blockers computed from the stored release, never cached, so what `release
// go`, `release show` and the status message say is always the current truth.
#include "commands/gate.hpp"

#include "commands/comms.hpp"
#include "commands/handler_support.hpp"
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

std::vector<Blocker> gate_blockers(Context& ctx, const Release& r) {
    return gate_blockers(ctx, r, ctx.store.controls.for_release(r.id));
}

std::vector<Blocker> gate_blockers(Context& ctx, const Release& r,
                                   const std::vector<ReleaseControl>& controls) {
    std::vector<Blocker> out;
    const std::string& key = r.key;
    for (const auto& c : controls) {
        if (!c.mandatory || c.status != ControlStatus::open) continue;
        std::string what = "Control " + std::to_string(c.position) + " `" + c.slug + "` (" +
                           c.title + ") is not ticked";
        if (c.owner) what += "; owner " + owner_label(*c.owner);
        out.push_back({what, "control tick " + key + " " + c.slug});
    }
    if (ctx.store.plans.count(r.id, PlanKind::deploy) == 0)
        out.push_back({"There is no deployment plan", "plan add " + key + " deploy \"<step>\""});
    if (ctx.store.plans.count(r.id, PlanKind::backout) == 0)
        out.push_back({"There is no backout plan", "plan add " + key + " backout \"<step>\""});
    for (const auto& c : unapproved_communications(ctx, r)) {
        out.push_back({"Communication #" + std::to_string(c.id.value()) + " to " +
                           join(c.audiences, ", ") + " is " +
                           (c.status == CommsStatus::rejected ? "rejected" : "waiting for review"),
                       c.status == CommsStatus::rejected
                           ? "comms edit " + std::to_string(c.id.value()) + " \"<text>\""
                           : "comms review " + std::to_string(c.id.value()) +
                                 " approve  (someone other than its author)"});
    }
    if (!r.freeze_override) {
        if (auto f = overlapping_freeze(ctx, r.window_start, r.window_end()))
            out.push_back({"The window overlaps the freeze " + *f,
                           "release move " + key + " to <when>  (or a manager: release go " + key +
                               " override \"<reason>\")"});
    }
    if (r.window_start < ctx.now && r.state != ReleaseState::deploying)
        out.push_back({"The window started " + format_when(r.window_start, ctx.zone) +
                           ", which has passed",
                       "release move " + key + " to <when>"});
    return out;
}

bool recheck_approval(Context& ctx, Release& r) {
    if (r.state != ReleaseState::approved) return false;
    auto blockers = gate_blockers(ctx, r);
    if (blockers.empty()) return false;
    r.state = ReleaseState::planned;
    r.updated_at = ctx.now;
    ctx.store.releases.update(r);
    ctx.audit(r.id, "release.unapprove",
              "approval withdrawn: " + blockers.front().what +
                  (blockers.size() > 1 ? " (and " + std::to_string(blockers.size() - 1) + " more)"
                                       : ""));
    return true;
}

}  // namespace releasebot
