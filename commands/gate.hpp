// The go/no-go gate (DESIGN.md M6): everything that stands between a release and approval,
// as an exact list of blockers a person can act on.
#pragma once

#include <string>
#include <vector>

#include "commands/context.hpp"
#include "storage/records.hpp"

namespace releasebot {

struct Blocker {
    std::string what;       // "Mandatory control 3 `components-versioned` is open"
    std::string next_step;  // "control tick web-2026.12 components-versioned"
};

// Blockers for approving `r` now: its state, open mandatory controls, a missing deploy or
// backout plan, an overlapping freeze without a manager's override, a window already past.
std::vector<Blocker> gate_blockers(Context& ctx, const Release& r);
// The same, with the release's controls already read (a view that shows them too).
std::vector<Blocker> gate_blockers(Context& ctx, const Release& r,
                                   const std::vector<ReleaseControl>& controls);

// After a change to an approved release (untick, plan removal, move), returns it to `planned`
// when it no longer passes the gate, with an audit entry. Returns true if it was returned.
bool recheck_approval(Context& ctx, Release& r);

// The freeze that `[start, end)` overlaps, described ("Friday afternoons (weekly, Fri
// 12:00–23:59 Europe/Berlin)"), or nullopt.
std::optional<std::string> overlapping_freeze(Context& ctx, Instant start, Instant end);

}  // namespace releasebot
