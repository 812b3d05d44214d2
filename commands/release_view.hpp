// The one view of a release: state, window, programs and components, the
// controls checklist, both plans, and the blockers — what `release show` prints and what the
// status message will keep edited in place.
#pragma once

#include "commands/context.hpp"
#include "commands/reply.hpp"
#include "storage/records.hpp"

namespace releasebot {

Reply release_view(Context& ctx, const Release& r);

// One line: "planned, 5 blockers", "approved for Thu 10 Dec 2026 14:00 UTC", "deploying, 1 of 3
// steps marked", "deployed".
std::string status_summary(Context& ctx, const Release& r);
std::string status_summary(Context& ctx, const Release& r,
                           const std::vector<ReleaseControl>& controls);

// "Thu 10 Dec 2026 14:00 UTC – 16:00 (2h)" in the reader's zone.
std::string window_text(const Context& ctx, const Release& r);
// The same with each end a moment (local_time()), for views Slack shows in each reader's zone.
std::string window_local(const Context& ctx, const Release& r);

// The checklist items of one plan, numbered; while deploying, the first pending step of the
// active plan is marked current.
std::vector<ChecklistItem> plan_items(const Context& ctx, const Release& r, PlanKind plan);

// The checklist items of a release's controls, numbered, with who and when.
std::vector<ChecklistItem> control_items(const Context& ctx, const Release& r);
std::vector<ChecklistItem> control_items(const Context& ctx, const Release& r,
                                         const std::vector<ReleaseControl>& controls);

}  // namespace releasebot
