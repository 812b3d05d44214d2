// OutboxSender: delivers due outbox rows through the ChatPort of their platform and records
// the outcome. A delivered row is marked sent; a failed one is retried with exponential backoff
// and jitter (or after the platform's Retry-After), and after kMaxAttempts, or at once on a
// permanent error, marked failed with its error kept for the release status.
//
// Workload: a fan-out queues a thousand rows at once, and a platform outage leaves a backlog;
// one call reads the due rows once, in id order, and writes its bookkeeping in two transactions
// (the attempts about to start, then the outcomes) rather than two commits per row.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>

#include "bot/runtime/chat_port.hpp"
#include "commands/clock.hpp"
#include "storage/records.hpp"

namespace releasebot {

class Database;
struct Destination;

class OutboxSender {
  public:
    static constexpr int kMaxAttempts = 8;

    OutboxSender(Database& db, const Clock& clock);
    // Registers the port for its platform(); the port must outlive the sender.
    void add_port(ChatPort& port);

    // Tries up to `limit` due rows, oldest first, and returns how many were delivered. Rows of
    // a platform with no port, and rows for a destination that must wait for the platform's
    // pace (ChatPort::min_interval), are passed over, so rows behind them still go.
    //
    // The attempts are recorded as started in one transaction committed before the first
    // platform call (after a crash, those rows ask the platform before posting again), and the
    // outcomes in one transaction committed before this returns. `stop`, when given, is asked
    // before each platform call; once it answers true the call ends there, and the rows not
    // reached stay pending exactly as they were.
    int deliver_due(int limit = 100, const std::function<bool()>& stop = {});

    // True when the last deliver_due ended with due rows it did not try (it reached `limit`,
    // or was stopped): calling again at once has work.
    bool more_due() const { return more_due_; }
    // When a row the last deliver_due passed over for its destination's pace may go; nullopt
    // when it passed over none.
    std::optional<std::chrono::steady_clock::time_point> paced_until() const {
        return paced_until_;
    }
    // The earliest not_before of a pending row not due yet (a retry, a delayed message):
    // when deliver_due next has work that nobody will announce. nullopt when none waits.
    std::optional<Instant> next_not_before();

  private:
    struct Attempt;

    Database& db_;
    const Clock& clock_;
    Delivery deliver(ChatPort& port, const OutboxRow& row, const Destination& dest,
                     const Reply& reply);
    void remember_status(const OutboxRow& row, const Destination& dest, const Delivery& d);
    void call(Attempt& a);

    std::map<std::string, ChatPort*> ports_;
    // Per destination: the earliest moment the next message may go (platform rate limits).
    std::map<std::string, std::chrono::steady_clock::time_point> next_allowed_;
    std::mt19937 rng_{std::random_device{}()};
    bool more_due_ = false;
    std::optional<std::chrono::steady_clock::time_point> paced_until_;
    // A pass reads only the rows queued since the last one (id > scanned_through_) while
    // nothing it passed over can have changed: the worker calls deliver_due after every event,
    // and re-reading a backlog held back by channel pacing each time cost more than the events.
    // Everything is read again when the second changes (not_before is in whole seconds), when
    // a passed-over destination's pause ends, after an unfinished pass, and after add_port.
    OutboxId scanned_through_{0};
    std::optional<Instant> full_scan_second_;
    bool rescan_ = true;
    std::set<std::string> waiting_;  // destinations passed over for their pace
};

}  // namespace releasebot
