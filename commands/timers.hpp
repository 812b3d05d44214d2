// What a fired scheduled job does, run as releasebot itself through the same pipeline as a
// person's command: reminders (to the release's channel, with snooze buttons, and direct
// messages to owners of open controls and steps), window-passed nags, timed communications.
#pragma once

#include "commands/context.hpp"
#include "commands/result.hpp"
#include "storage/records.hpp"

namespace releasebot {

// The system user that timers act as.
inline const UserId& system_user() {
    static const UserId u("releasebot");
    return u;
}

// A context acting as releasebot in workspace `ws`: manager authority, the workspace's zone,
// no person recorded, no role granted.
Context make_system_context(Store& store, Instant now, const Workspace& ws);

// Runs the fired `job`. `late` is true when it fires more than a minute after it was due (the
// bot was down): messages then say so. A job for a release that no longer needs it (cancelled,
// already started, …) does nothing and succeeds.
Result<Reply> run_timer(Context& ctx, const ScheduledJob& job, bool late);

}  // namespace releasebot
