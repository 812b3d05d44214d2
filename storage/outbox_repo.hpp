// The durable outbox: every message the bot will say, written in the same transaction as the
// change that caused it, and marked sent once a platform accepted it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "storage/records.hpp"

namespace releasebot {

class Database;

class OutboxRepo {
  public:
    explicit OutboxRepo(Database& db) : db_(db) {}

    // Inserts the row unless one with the same idempotency key exists; returns false then.
    bool enqueue(const OutboxRow& row);
    // Pending rows whose not_before <= now, oldest first, at most `limit`; with `after`, only
    // rows with a greater id (the next page of one pass over the queue).
    std::vector<OutboxRow> due(Instant now, int limit, OutboxId after = OutboxId(0));
    // The earliest not_before of a pending row that is not due yet at `now`; nullopt when none
    // waits (when the sender should look again, whatever else happens).
    std::optional<Instant> next_not_before(Instant now);
    // Records, before the platform is called, that a delivery of the row is in flight (the
    // first such moment is kept). It must be committed before the call: the caller either runs
    // it alone (autocommit) or commits the transaction holding it first.
    void mark_attempt_started(OutboxId id, Instant at);
    // Undoes mark_attempt_started for a row whose platform call was then not made (delivery
    // stopped before reaching it), so that a restart need not look for a message never sent.
    // Only for rows whose attempt_started_at was empty before.
    void clear_attempt_started(OutboxId id);
    void mark_sent(OutboxId id, Instant at);
    // Records a failed attempt; the row stays pending until `retry_at`.
    void mark_retry(OutboxId id, const std::string& error, Instant retry_at);
    void mark_failed(OutboxId id, const std::string& error);
    // The messages held for the message keyed `key` (see OutboxRow::held_for): due at `now`
    // when it was given up on, each payload replaced through `edit`; gone when it arrived.
    void release_held(const std::string& key, Instant now,
                      const std::function<std::string(const std::string&)>& edit);
    void drop_held(const std::string& key);
    std::optional<OutboxRow> get(OutboxId id);
    int pending_count();
    // True when a later status row for the same release and destination is pending, so this
    // one need not be shown at all (status updates coalesce).
    bool superseded(const OutboxRow& row);
    // Rows of the release that were given up on, oldest first (shown in its status).
    std::vector<OutboxRow> failed_for(ReleaseId r);

  private:
    Database& db_;
};

}  // namespace releasebot
