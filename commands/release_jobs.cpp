// The reminder and window-passed jobs of a release; see release_jobs.hpp.
#include "commands/release_jobs.hpp"

#include <string>

namespace releasebot {

namespace {

// The payload of a reminder that a person snoozed (rather than one of the release's offsets).
constexpr const char* kSnoozePayload = "snooze";

void schedule_job(Context& ctx, const Release& r, const char* kind, Instant due,
                  std::string payload) {
    ScheduledJob j;
    j.workspace = r.workspace;
    j.release = r.id;
    j.kind = kind;
    j.due_at = due;
    j.payload = std::move(payload);
    ctx.store.jobs.schedule(j);
}

}  // namespace

std::vector<Seconds> default_reminder_offsets() {
    using namespace std::chrono;
    return {-duration_cast<Seconds>(hours(24)), -duration_cast<Seconds>(hours(1)),
            -duration_cast<Seconds>(minutes(15))};
}

std::vector<Seconds> reminder_offsets(Context& ctx, const Release& r) {
    auto own = ctx.store.releases.reminder_offsets(r.id);
    return own.empty() ? default_reminder_offsets() : own;
}

void schedule_release_jobs(Context& ctx, const Release& r) {
    // A snooze is a person's "tell me again at …": rescheduling the offsets must not drop it,
    // unless the window now starts before it.
    std::vector<Instant> snoozes;
    for (const auto& j : ctx.store.jobs.pending_for(r.id))
        if (j.kind == kReminderJob && j.payload == kSnoozePayload && j.due_at > ctx.now)
            snoozes.push_back(j.due_at);
    cancel_release_jobs(ctx, r);

    bool before_start = r.state == ReleaseState::planned || r.state == ReleaseState::approved;
    if (before_start) {
        for (Seconds offset : reminder_offsets(ctx, r)) {
            Instant at = r.window_start + offset;
            if (at > ctx.now)
                schedule_job(ctx, r, kReminderJob, at, std::to_string(offset.count()));
        }
        for (Instant at : snoozes)
            if (at < r.window_start) schedule_job(ctx, r, kReminderJob, at, kSnoozePayload);
    }
    // Only a window still ahead gets its check: one already over was checked when it ended.
    if ((before_start || r.state == ReleaseState::deploying) && r.window_end() > ctx.now)
        schedule_job(ctx, r, kWindowPassedJob, r.window_end(), "");
}

void cancel_release_jobs(Context& ctx, const Release& r) {
    ctx.store.jobs.cancel(r.id, kReminderJob);
    ctx.store.jobs.cancel(r.id, kWindowPassedJob);
}

}  // namespace releasebot
