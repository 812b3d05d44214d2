// Scheduled jobs (reminders, timed messages, deadlines), due times in UTC.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storage/records.hpp"

namespace releasebot {

class Database;

class JobRepo {
public:
    explicit JobRepo(Database& db) : db_(db) {}

    JobId schedule(const ScheduledJob& j);
    std::optional<ScheduledJob> get(JobId id);
    // Pending jobs due at or before `until`, earliest first, at most `limit`.
    std::vector<ScheduledJob> due(Instant until, int limit);
    std::optional<Instant> next_due();
    void mark_fired(JobId id, Instant at);
    // Cancels every pending job of `kind` for the release; returns how many.
    int cancel(ReleaseId r, const std::string& kind);
    std::vector<ScheduledJob> pending_for(ReleaseId r);

private:
    Database& db_;
};

}  // namespace releasebot
