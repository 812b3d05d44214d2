// Pipeline: the one path every Event takes.
//
// In one SQLite transaction it records the event's idempotency key (a key seen before makes the
// event a duplicate, which does nothing), runs the command, writes the audit entries and inserts
// every Outbound into the outbox. Only when that commits does handle() return, and only then may
// the adapter acknowledge the event. A command that fails (bad text, no permission, wrong state)
// is rolled back whole — it changes nothing — and its error becomes the reply. An event that
// wrote nothing but its key (a `release show`) is rolled back rather than committed: it had no
// effect a repeat could double, and it costs no write (Outcome::wrote).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bot/runtime/event.hpp"
#include "commands/clock.hpp"
#include "commands/reply.hpp"

namespace releasebot {

class Database;
class Registry;
class Transaction;

struct Outcome {
    bool duplicate = false;  // the key was processed before; nothing was done
    Reply reply;             // the answer to the actor (rides on the ack where it can)
    int outbound = 0;        // messages queued in the outbox (channel posts, direct messages)
    int status_updates = 0;  // release status messages queued for refresh
    // False when the event changed nothing (a `release show`, a refused command that wrote
    // nothing): its transaction is rolled back instead of committed, so it costs no write and
    // no fsync, and its key is not kept — a repeat of it is simply answered again.
    bool wrote = true;
};

class Pipeline {
  public:
    Pipeline(Database& db, const Clock& clock);
    Pipeline(Database& db, const Clock& clock, const Registry& registry);

    // Processes one event; see the file comment. Throws only on storage faults (after rolling
    // back), which the adapter must treat as "not acknowledged".
    Outcome handle(const Event& event);

    // Handles `events` (in arrival order) and returns each one's outcome, in the same order.
    // Several share one group commit (see Group); if the group cannot be stored, each is tried
    // again alone, so one event that cannot be stored does not hold back the others. nullopt:
    // that event could not be stored and was rolled back — it must not be acknowledged, so the
    // platform delivers it again. Any adapter that receives events in bursts uses this.
    std::vector<std::optional<Outcome>> handle_all(const std::vector<const Event*>& events);

    // How long before its window `release start` is accepted (`[releases] start_lead`).
    void set_start_lead(Seconds lead) { start_lead_ = lead; }

    // Group commit: the events handled while a Group is open share its one transaction, each in
    // a savepoint of its own (a refused or duplicate event is undone alone), so a burst costs
    // one durable commit instead of one per event. Nothing of the group is durable — and no
    // event of it may be acknowledged — until commit() returned; if it throws, or the Group is
    // destroyed first, all of it is rolled back. After handle() threw inside a group the group
    // must be abandoned (SQLite may have rolled back the whole transaction): destroy it and
    // handle its events again one by one.
    class Group {
      public:
        explicit Group(Pipeline& pipeline);
        ~Group();
        Group(const Group&) = delete;
        Group& operator=(const Group&) = delete;
        void commit();

      private:
        std::unique_ptr<Transaction> tx_;
    };

  private:
    Outcome handle_in_transaction(const Event& event);

    Database& db_;
    const Clock& clock_;
    const Registry& registry_;
    Seconds start_lead_{15 * 60};
};

}  // namespace releasebot
