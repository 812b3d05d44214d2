// The go/no-go gate: everything that stands between a release and approval,
// as an exact list of blockers a person can act on.
#pragma once

#include <string>
#include <vector>

#include "commands/context.hpp"
#include "commands/model/release_model.hpp"
#include "storage/records.hpp"

namespace releasebot {

// Blockers for approving `r` now: its state, open mandatory controls, a missing deploy or
// backout plan, an overlapping freeze without a manager's override, a window already past.
std::vector<Blocker> gate_blockers(Context& ctx, const Release& r);
// The same, with the release's controls already read (a view that shows them too).
std::vector<Blocker> gate_blockers(Context& ctx, const Release& r,
                                   const std::vector<ReleaseControl>& controls);

// The facts of `r` the model judges, read from the store (with its controls already read).
model::ReleaseFacts load_facts(Context& ctx, const Release& r);
model::ReleaseFacts load_facts(Context& ctx, const Release& r,
                               std::vector<ReleaseControl> controls);

// Approves `r`: its state, and the snapshot of what the approval covers.
void approve(Context& ctx, Release& r);

// For an approved `r`: when the gate has a blocker or anything the approval covered changed,
// returns it to `planned`, with an audit entry naming what changed and who changed it, a DM to
// its owner and a note in its channel. Returns true if it was returned.
bool recheck_approval(Context& ctx, Release& r);

// For each release this event changed that is still planned or approved, ticks or reopens the
// controls the model keeps (model::settle_kept_controls), audited as releasebot's doing. Run
// after every event that changed something, before settle_approvals().
void settle_kept_controls(Context& ctx);

// What a reply says when a change withdrew `r`'s approval.
std::string withdrawn_note(const Release& r);
// recheck_approval(); when it withdrew the approval, withdrawn_note() as a section of `reply`.
void say_if_withdrawn(Context& ctx, Release& r, Reply& reply);

// recheck_approval() for every approved release of the workspace: run after every event that
// changed something, so no path (a command, a button, CI, a health check, a freeze, a template
// edit) can leave a release approved that its approval no longer covers. Returns the releases
// it returned to `planned`.
std::vector<ReleaseId> settle_approvals(Context& ctx);

// The freeze that `[start, end)` overlaps, described ("Friday afternoons (weekly, Fri
// 12:00–23:59 Europe/Berlin)"), or nullopt.
std::optional<std::string> overlapping_freeze(Context& ctx, Instant start, Instant end);

}  // namespace releasebot
