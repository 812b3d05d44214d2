// The scheduler: due jobs out of SQLite, each fired as a `timer` Event through the pipeline.
// See scheduler.hpp.
#include "bot/runtime/scheduler.hpp"

#include <algorithm>
#include <set>

#include "bot/runtime/metrics.hpp"
#include "bot/runtime/pipeline.hpp"
#include "commands/timers.hpp"
#include "storage/database.hpp"
#include "storage/store.hpp"

namespace releasebot {

namespace {

constexpr int kBatch = 256;

Event timer_event(Store& store, const ScheduledJob& job) {
    Event e;
    e.kind = EventKind::timer;
    e.idempotency_key = "job:" + std::to_string(job.id.value());
    e.value = std::to_string(job.id.value());
    // The pipeline acts in the job's workspace; platform and tenant here only say where the
    // direct messages of this event belong.
    if (auto ws = store.workspaces.get(job.workspace)) {
        e.actor = Actor{ws->platform, ws->tenant, system_user(), "releasebot", std::nullopt};
        e.conversation = ConversationRef{ws->platform, ws->tenant, "", std::nullopt, std::nullopt};
    } else {
        e.actor.user = system_user();
    }
    return e;
}

}  // namespace

Scheduler::Scheduler(Database& db, const Clock& clock, Pipeline& pipeline)
    : db_(db), clock_(clock), pipeline_(pipeline) {}

int Scheduler::run_due() {
    invalidate();
    Store store(db_);
    Instant now = clock_.now();
    int fired = 0;
    // A job the pipeline did not mark (it failed, or was a duplicate of a firing that never got
    // marked) would come back in every batch; each job gets one try per run.
    std::set<JobId> tried;
    for (;;) {
        bool progress = false;
        // Asking again after each batch also catches jobs that the fired ones scheduled for an
        // instant already reached.
        for (const auto& job : store.jobs.due(now, kBatch)) {
            if (!tried.insert(job.id).second) continue;
            progress = true;
            metrics::scheduler_lag(now - job.due_at);
            if (!pipeline_.handle(timer_event(store, job)).duplicate) ++fired;
        }
        if (!progress) break;
    }
    next_ = store.jobs.next_due();
    return fired;
}

std::optional<Instant> Scheduler::next_due() {
    if (!next_) {
        Store store(db_);
        next_ = store.jobs.next_due();
    }
    return *next_;
}

void Scheduler::invalidate() {
    next_.reset();
}

int Scheduler::advance_to(ManualClock& clock, Instant until,
                          const std::function<void()>& after_each) {
    int fired = 0;
    for (;;) {
        invalidate();  // commands between calls may have scheduled jobs
        auto next = next_due();
        if (!next || *next > until) break;
        Instant before = clock.now();
        clock.set(std::max(before, *next));
        int n = run_due();
        fired += n;
        if (after_each) after_each();
        // Jobs that stay pending though due (their firing keeps failing) must not stop time.
        if (n == 0 && next_due() && *next_due() <= clock.now()) break;
    }
    if (until > clock.now()) clock.set(until);
    return fired;
}

}  // namespace releasebot
