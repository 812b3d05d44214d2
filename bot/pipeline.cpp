// The event pipeline: dedupe, one transaction, audit and outbox with the change. See
// pipeline.hpp for the contract.
#include "bot/pipeline.hpp"

#include "bot/reply_codec.hpp"
#include "commands/dispatcher.hpp"
#include "commands/registry.hpp"
#include "storage/database.hpp"
#include "storage/store.hpp"

namespace releasebot {

Pipeline::Pipeline(Database& db, const Clock& clock)
    : Pipeline(db, clock, command_registry()) {}

Pipeline::Pipeline(Database& db, const Clock& clock, const Registry& registry)
    : db_(db), clock_(clock), registry_(registry) {}

Outcome Pipeline::handle(const Event& event) {
    Store store(db_);
    Instant now = clock_.now();
    Outcome outcome;

    Transaction tx(db_);
    if (!store.events.record(event.idempotency_key, now)) {
        outcome.duplicate = true;
        tx.rollback();
        return outcome;
    }

    Result<Reply> result = Reply{};
    Context* ctx_ptr = nullptr;
    std::optional<Context> ctx;
    {
        // The handler's work sits in a savepoint: a refused command is undone whole while the
        // event stays recorded as processed.
        Transaction work(db_);
        ctx.emplace(make_context(store, now, event.actor, event.conversation));
        ctx_ptr = &*ctx;
        switch (event.kind) {
            case EventKind::command:
                result = run_command(*ctx_ptr, event.text, registry_);
                break;
            case EventKind::action:
                result = run_action(*ctx_ptr, event.action_id, event.value, registry_);
                break;
            default:
                result = usage_error("This kind of event is not handled yet.");
                break;
        }
        if (!result.ok()) {
            work.rollback();
        } else {
            for (const auto& entry : ctx_ptr->audit_entries) store.audit.append(entry);
            int n = 0;
            for (const auto& o : ctx_ptr->outbound) {
                OutboxRow row;
                row.idempotency_key = event.idempotency_key + "#" + std::to_string(n++);
                Destination d = destination_of(o, event.actor);
                row.platform = d.platform;
                row.destination = encode_destination(d);
                row.payload = encode_reply(o.reply);
                row.not_before = o.not_before.value_or(now);
                row.release = o.release;
                row.created_at = now;
                if (store.outbox.enqueue(row)) ++outcome.outbound;
            }
            work.commit();
        }
    }
    tx.commit();

    if (result.ok()) {
        outcome.reply = std::move(result.value());
    } else {
        outcome.reply = Reply::error(result.error().message);
    }
    return outcome;
}

}  // namespace releasebot
