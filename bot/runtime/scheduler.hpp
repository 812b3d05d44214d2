// Scheduler: fires due jobs. Jobs live in SQLite; the next due instant is
// kept in memory so an idle bot does not query. Each due job becomes a `timer` Event with the
// idempotency key "job:<id>" through the Pipeline, so a job fires once even across a crash
// between firing and marking. After downtime, every overdue job fires once at start, marked
// late.
#pragma once

#include <functional>
#include <optional>

#include "commands/clock.hpp"
#include "storage/records.hpp"

namespace releasebot {

class Database;
class Pipeline;

class Scheduler {
  public:
    Scheduler(Database& db, const Clock& clock, Pipeline& pipeline);

    // Fires every job due at or before now, earliest first; returns how many fired.
    int run_due();
    // The earliest pending due instant (cached; refreshed after run_due and invalidate()).
    std::optional<Instant> next_due();
    // Forget the cached next due instant (call after any event that may have scheduled jobs).
    void invalidate();
    // Moves `clock` forward to `until`, stopping at each due instant on the way so every job
    // fires at its own time (console `clock advance`, tests); returns how many fired.
    // `after_each`, if given, runs after each due instant's jobs fired (the console delivers
    // what they queued, so messages come out in the order they happened).
    int advance_to(ManualClock& clock, Instant until, const std::function<void()>& after_each = {});

  private:
    Database& db_;
    const Clock& clock_;
    Pipeline& pipeline_;
    std::optional<std::optional<Instant>> next_;  // outer empty = unknown
};

}  // namespace releasebot
