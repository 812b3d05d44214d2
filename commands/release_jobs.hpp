// The scheduled jobs that follow a release's window: reminders before it (by default
// T-24h, T-1h, T-15m, or the release's own offsets) and the check when the window has passed.
#pragma once

#include <vector>

#include "commands/context.hpp"
#include "storage/records.hpp"

namespace releasebot {

// -24h, -1h, -15m.
std::vector<Seconds> default_reminder_offsets();
// The release's own offsets, or the defaults.
std::vector<Seconds> reminder_offsets(Context& ctx, const Release& r);

// Cancels the release's pending reminder and window jobs and schedules them anew from its
// current window; reminders whose time has already passed are not scheduled.
void schedule_release_jobs(Context& ctx, const Release& r);
// Cancels the release's pending reminder and window jobs (cancel, done).
void cancel_release_jobs(Context& ctx, const Release& r);

// Job kinds.
inline constexpr const char* kReminderJob = "reminder";
inline constexpr const char* kWindowPassedJob = "window-passed";
inline constexpr const char* kCommsJob = "comms";

}  // namespace releasebot
