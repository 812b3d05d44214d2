// The event pipeline: dedupe, one transaction, audit and outbox with the change. See
// pipeline.hpp for the contract.
#include "bot/runtime/pipeline.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <set>
#include <string_view>

#include "bot/runtime/log.hpp"
#include "bot/runtime/metrics.hpp"
#include "bot/runtime/reply_codec.hpp"
#include "commands/dispatcher.hpp"
#include "commands/gate.hpp"
#include "commands/handler_support.hpp"
#include "commands/registry.hpp"
#include "commands/release_view.hpp"
#include "commands/timers.hpp"
#include "commands/webhook_actions.hpp"
#include "storage/database.hpp"
#include "storage/store.hpp"

namespace releasebot {

namespace {

// Whether the reply to `event` goes through the outbox: when the platform's acknowledgement
// cannot carry it (reply_in_outbox), except what the acknowledgement shows its one reader anyway
// (a Teams invoke response shows a private reply; a Slack form shows a refusal).
bool reply_queued(const Event& event, const Reply& reply) {
    if (!event.reply_in_outbox || event.kind == EventKind::timer) return false;
    if (event.ack_shows_reply && reply.visibility != Visibility::channel) return false;
    return !(event.ack_shows_errors && reply.is_error);
}

// A timer that fires more than this after its due time is reported as late.
constexpr Seconds kLateAfter{60};

// Runs the work of `event` in `ctx`'s transaction; nullopt context means nothing to do.
struct EventRun {
    std::optional<Context> ctx;
    Result<Reply> result = Reply{};
};

void run_timer_event(EventRun& w, Store& store, Instant now, const Event& event) {
    std::optional<ScheduledJob> job;
    try {
        job = store.jobs.get(JobId(std::stoll(event.value)));
    } catch (const std::exception&) {
    }
    // A job cancelled (or already fired) after it was picked up does nothing.
    if (!job || job->status != "pending") return;
    auto ws = store.workspaces.get(job->workspace);
    if (!ws) return;
    w.ctx.emplace(make_system_context(store, now, *ws));
    w.result = run_timer(*w.ctx, *job, now - job->due_at > kLateAfter);
    store.jobs.mark_fired(job->id, now);
}

// A signed webhook (the CI webhook, the verify and health-check workers' results): only for a
// workspace that exists already — an adapter never creates one from a webhook. CI acts as its
// own user (with member rights unless granted more); the workers' results act as releasebot.
void run_webhook_event(EventRun& w, Store& store, Instant now, const Event& event,
                       const Registry& registry) {
    auto ws = store.workspaces.find(event.actor.platform, event.actor.tenant);
    if (!ws) {
        w.result = not_found("There is no workspace " + event.actor.platform + ":" +
                             event.actor.tenant + ".");
        return;
    }
    if (is_internal_action(event.action_id)) {
        w.ctx.emplace(make_system_context(store, now, *ws));
    } else {
        // The first user of a workspace becomes its manager: never a pipeline.
        if (store.roles.empty(ws->id)) {
            w.result = forbidden("The workspace has no manager yet; a person must use it first.");
            return;
        }
        w.ctx.emplace(make_context(store, now, event.actor, event.conversation));
    }
    w.result = run_webhook(*w.ctx, event.action_id, event.fields, registry);
}

// The outbox row that says `o`, under `key`.
OutboxRow outbox_row(const std::string& key, const Outbound& o, const Actor& actor, Instant now) {
    OutboxRow row;
    row.idempotency_key = key;
    Destination d = destination_of(o, actor);
    row.platform = d.platform;
    row.destination = encode_destination(d);
    row.payload = encode_reply(o.reply);
    row.not_before = o.not_before.value_or(now);
    row.release = o.release;
    row.created_at = now;
    row.kind = o.status ? "status" : "post";
    return row;
}

// Writes `o` into the outbox under `key`; returns whether it was new. Its notice for when it
// cannot be delivered goes in beside it, held (see OutboxRow::held_for).
bool enqueue(Store& store, const std::string& key, const Outbound& o, const Actor& actor,
             Instant now) {
    const bool added = store.outbox.enqueue(outbox_row(key, o, actor, now));
    if (added && o.channel && o.undelivered_to) {
        Outbound notice;
        notice.direct_to = o.undelivered_to;
        notice.reply = o.undelivered;
        notice.reply.visibility = Visibility::direct;
        notice.not_before = kHeld;
        notice.release = o.release;
        OutboxRow held = outbox_row(key + "!undelivered", notice, actor, now);
        held.held_for = key;
        store.outbox.enqueue(held);
    }
    return added;
}

}  // namespace

Pipeline::Pipeline(Database& db, const Clock& clock) : Pipeline(db, clock, command_registry()) {}

Pipeline::Pipeline(Database& db, const Clock& clock, const Registry& registry)
    : db_(db), clock_(clock), registry_(registry) {}

Pipeline::Group::Group(Pipeline& pipeline) : tx_(std::make_unique<Transaction>(pipeline.db_)) {}

Pipeline::Group::~Group() = default;

void Pipeline::Group::commit() {
    tx_->commit();
}

std::vector<std::optional<Outcome>> Pipeline::handle_all(const std::vector<const Event*>& events) {
    std::vector<std::optional<Outcome>> outcomes(events.size());
    if (events.size() > 1) {
        try {
            Group group(*this);
            for (std::size_t i = 0; i < events.size(); ++i) outcomes[i] = handle(*events[i]);
            group.commit();
            metrics::event_group(static_cast<long>(events.size()));
            return outcomes;
        } catch (const std::exception& e) {
            // Nothing of the group stands; each event is tried again on its own.
            log::warn("pipeline",
                      "a group of " + std::to_string(events.size()) +
                          " events was rolled back and is handled one by one: " + e.what());
            std::fill(outcomes.begin(), outcomes.end(), std::nullopt);
        }
    }
    for (std::size_t i = 0; i < events.size(); ++i) {
        try {
            outcomes[i] = handle(*events[i]);
        } catch (const std::exception& e) {
            log::warn("pipeline", "event " + events[i]->idempotency_key +
                                      " was not stored and is not acknowledged, so the platform "
                                      "delivers it again: " +
                                      e.what());
        }
    }
    return outcomes;
}

Outcome Pipeline::handle(const Event& event) {
    const auto started = std::chrono::steady_clock::now();
    try {
        Outcome outcome = handle_in_transaction(event);
        const EventOutcome how = outcome.duplicate        ? EventOutcome::duplicate
                                 : outcome.reply.is_error ? EventOutcome::refused
                                                          : EventOutcome::ok;
        metrics::event(kind_name(event.kind), how, std::chrono::steady_clock::now() - started);
        return outcome;
    } catch (...) {
        metrics::event(kind_name(event.kind), EventOutcome::failed,
                       std::chrono::steady_clock::now() - started);
        throw;
    }
}

Outcome Pipeline::handle_in_transaction(const Event& event) {
    Store store(db_);
    Instant now = clock_.now();
    Outcome outcome;

    Transaction tx(db_);
    const std::int64_t changes_before = db_.total_changes();
    if (!store.events.record(event.idempotency_key, now)) {
        outcome.duplicate = true;
        tx.rollback();
        return outcome;
    }

    EventRun w;
    {
        // The handler's work sits in a savepoint: a refused command is undone whole while the
        // event stays recorded as processed.
        Transaction work(db_);
        switch (event.kind) {
            case EventKind::command:
                w.ctx.emplace(make_context(store, now, event.actor, event.conversation));
                w.ctx->start_lead = start_lead_;
                w.result = run_command(*w.ctx, event.text, registry_);
                break;
            case EventKind::action:
                w.ctx.emplace(make_context(store, now, event.actor, event.conversation));
                w.ctx->start_lead = start_lead_;
                w.result = run_action(*w.ctx, event.action_id, event.value, registry_);
                break;
            case EventKind::submission:
                w.ctx.emplace(make_context(store, now, event.actor, event.conversation));
                w.ctx->start_lead = start_lead_;
                w.result = run_submission(*w.ctx, event.value, event.fields, registry_);
                break;
            case EventKind::timer:
                run_timer_event(w, store, now, event);
                break;
            case EventKind::webhook:
                run_webhook_event(w, store, now, event, registry_);
                break;
            default:
                w.result = usage_error("This kind of event is not handled yet.");
                break;
        }
        if (!w.result.ok() || !w.ctx) {
            work.rollback();
            // A timer whose work failed is still spent: its key is recorded, so firing it again
            // would only be a duplicate, and leaving it pending would make the scheduler spin.
            if (event.kind == EventKind::timer) {
                try {
                    store.jobs.mark_fired(JobId(std::stoll(event.value)), now);
                } catch (const std::invalid_argument&) {
                } catch (const std::out_of_range&) {
                }
            }
        } else {
            Context& ctx = *w.ctx;
            // An approval covers exactly what was approved: whatever this event changed, no
            // release may stay approved that its approval no longer covers.
            if (db_.total_changes() - changes_before > 1) {
                // The controls the model keeps follow what they stand for.
                settle_kept_controls(ctx);
                settle_approvals(ctx);
            }
            // Every change to a release refreshes its status message. Everyone reads that one
            // message, so it shows times in the workspace's zone, not in the zone of whoever
            // changed the release last.
            for (const auto& entry : ctx.audit_entries) store.audit.append(entry);
            const std::string reader_zone = ctx.zone;
            ctx.zone = ctx.workspace.time_zone.empty() ? "UTC" : ctx.workspace.time_zone;
            for (const auto& id : ctx.changed_releases) {
                auto r = store.releases.get(id);
                if (!r) continue;
                Outbound status;
                status.channel = release_home(ctx, *r);
                status.reply = release_view(ctx, *r);
                status.status = true;
                status.release = id;
                ctx.outbound.push_back(std::move(status));
            }
            ctx.zone = reader_zone;
            int n = 0;
            for (const auto& o : ctx.outbound) {
                std::string key = event.idempotency_key + "#" + std::to_string(n++);
                if (enqueue(store, key, o, ctx.actor, now))
                    ++(o.status ? outcome.status_updates : outcome.outbound);
            }
            work.commit();
        }
    }
    outcome.reply = w.result.ok() ? std::move(w.result.value()) : Reply::error(w.result.error());
    if (reply_queued(event, outcome.reply)) {
        Outbound o;
        const Reply& reply = outcome.reply;
        if (reply.visibility == Visibility::channel) {
            o.channel = event.conversation;
        } else if (reply.visibility == Visibility::ephemeral &&
                   !event.conversation.channel.empty()) {
            // Only for them, but where they pressed or wrote. The port decides what that means
            // on its platform: Slack shows it in the channel (in a DM it is simply posted
            // there), platforms without ephemeral messages send a direct message.
            o.channel = event.conversation;
            o.ephemeral_to = event.actor.user;
        } else {
            o.direct_to = event.actor.user;  // a direct reply, or nowhere else to say it
        }
        o.reply = reply;
        if (enqueue(store, event.idempotency_key + "#reply", o, event.actor, now))
            ++outcome.outbound;
    }
    // Only the key was written: nothing happened that a repeat could do twice, and nothing
    // outside the database either (an export shared as a file is the one read that leaves the
    // process, so it keeps its key). Rolled back, it costs no WAL write and no fsync.
    const bool read_only = db_.total_changes() - changes_before == 1 &&
                           event.kind != EventKind::timer && !outcome.reply.file;
    if (read_only) {
        tx.rollback();
        outcome.wrote = false;
    } else {
        tx.commit();
    }
    return outcome;
}

}  // namespace releasebot
