// Early life support after a release is done, and the action items that carry over.
#pragma once

#include <vector>

#include "commands/context.hpp"
#include "commands/result.hpp"
#include "storage/records.hpp"

namespace releasebot {

// Opens early life support for the just-finished `r`: 3 days, owned by the release owner;
// stores them on the release and schedules kElsEndJob. The caller saves nothing more.
void open_early_life_support(Context& ctx, Release& r);

// kElsEndJob: the window ended; starts the retro (everyone, not anonymous) unless one exists,
// and tells the ELS owner.
Result<Reply> run_els_end(Context& ctx, const ScheduledJob& job, bool late);

// Open action items from earlier releases sharing a program with `r`.
std::vector<ActionItem> carried_over_actions(Context& ctx, const Release& r);

inline constexpr const char* kElsEndJob = "els-end";

}  // namespace releasebot
