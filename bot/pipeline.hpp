// Pipeline: the one path every Event takes (DESIGN.md section 3).
//
// In one SQLite transaction it records the event's idempotency key (a key seen before makes the
// event a duplicate, which does nothing), runs the command, writes the audit entries and inserts
// every Outbound into the outbox. Only when that commits does handle() return, and only then may
// the adapter acknowledge the event. A command that fails (bad text, no permission, wrong state)
// is rolled back whole — it changes nothing — and its error becomes the reply.
#pragma once

#include <string>

#include "bot/event.hpp"
#include "commands/clock.hpp"
#include "commands/reply.hpp"

namespace releasebot {

class Database;
class Registry;

struct Outcome {
    bool duplicate = false;  // the key was processed before; nothing was done
    Reply reply;             // the answer to the actor (rides on the ack where it can)
    int outbound = 0;        // messages queued in the outbox (channel posts, direct messages)
    int status_updates = 0;  // release status messages queued for refresh
};

class Pipeline {
public:
    Pipeline(Database& db, const Clock& clock);
    Pipeline(Database& db, const Clock& clock, const Registry& registry);

    // Processes one event; see the file comment. Throws only on storage faults (after rolling
    // back), which the adapter must treat as "not acknowledged".
    Outcome handle(const Event& event);

private:
    Outcome handle_in_transaction(const Event& event);

    Database& db_;
    const Clock& clock_;
    const Registry& registry_;
};

}  // namespace releasebot
