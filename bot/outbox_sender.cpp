// OutboxSender: drains the durable outbox through the platforms' ChatPorts (see the header for
// the contract). Each outcome is one single-statement update of the row, and the start of an
// attempt is recorded before the platform is called, so after a crash between delivery and the
// update the restarted sender asks the platform (ChatPort::find_delivered) before posting again:
// nothing is lost, and on platforms that can be asked nothing is said twice.
#include "bot/outbox_sender.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <optional>
#include <set>

#include "bot/metrics.hpp"
#include "bot/reply_codec.hpp"
#include "storage/database.hpp"
#include "storage/outbox_repo.hpp"
#include "storage/status_message_repo.hpp"

namespace releasebot {

namespace {

constexpr Seconds kBaseDelay{2};
constexpr Seconds kMaxDelay{std::chrono::minutes(10)};
constexpr double kJitter = 0.2;

// The wait after the `attempts`-th failure: 2 s after the first, doubling, at most 10 min, each
// spread by ±20% so that messages that failed together (a platform outage) do not all come
// back in the same second.
Seconds backoff(int attempts, std::mt19937& rng) {
    Seconds delay = kBaseDelay;
    for (int i = 1; i < attempts && delay < kMaxDelay; ++i) delay *= 2;
    delay = std::min(delay, kMaxDelay);
    std::uniform_real_distribution<double> spread(1.0 - kJitter, 1.0 + kJitter);
    const double jittered = static_cast<double>(delay.count()) * spread(rng);
    return Seconds(std::max<Seconds::rep>(std::llround(jittered), 1));
}

}  // namespace

OutboxSender::OutboxSender(Database& db, const Clock& clock) : db_(db), clock_(clock) {}

Delivery OutboxSender::deliver(ChatPort& port, const OutboxRow& row, const Destination& dest,
                               const Reply& reply) {
    if (!dest.channel) return port.direct(dest.tenant, *dest.user, reply);
    if (dest.ephemeral_to) return port.ephemeral(*dest.channel, *dest.ephemeral_to, reply);
    if (row.kind != "status" || !row.release) return port.post(*dest.channel, reply);
    // The status message: edit the one already posted there, or post it and remember where.
    StatusMessageRepo messages(db_);
    auto existing = messages.find(*row.release, row.destination);
    Delivery d = existing ? port.update(*dest.channel, *existing, reply)
                          : port.post_status(*dest.channel, reply);
    if (d.ok && !d.message_ref.empty() && d.message_ref != existing.value_or(""))
        messages.put(*row.release, row.destination, d.message_ref, clock_.now());
    return d;
}

// A status message found posted by an attempt cut short becomes the one later updates edit.
void OutboxSender::remember_status(const OutboxRow& row, const Destination& dest,
                                   const Delivery& d) {
    if (row.kind != "status" || !row.release || !dest.channel || dest.ephemeral_to ||
        d.message_ref.empty())
        return;
    StatusMessageRepo messages(db_);
    if (messages.find(*row.release, row.destination) != d.message_ref)
        messages.put(*row.release, row.destination, d.message_ref, clock_.now());
}

void OutboxSender::add_port(ChatPort& port) {
    ports_[port.platform()] = &port;
}

int OutboxSender::deliver_due(int limit) {
    OutboxRepo outbox(db_);
    const Instant now = clock_.now();
    int attempted = 0;
    int delivered = 0;

    // Rows of a platform with no port stay pending and stay due, so one batch of them at the
    // head of the queue must not starve the rest: when a batch held rows we could not try, ask
    // again with a wider window. `seen` also keeps a row that was retried for "now" (a
    // Retry-After of zero) from being tried twice in one call.
    std::set<std::int64_t> seen;
    for (int window = limit; attempted < limit; window += limit) {
        const auto rows = outbox.due(now, window);
        bool fresh = false;
        for (const auto& row : rows) {
            if (!seen.insert(row.id.value()).second) continue;
            fresh = true;
            auto port = ports_.find(row.platform);
            if (port == ports_.end()) continue;

            // A newer version of the same status message is queued: this one is already stale.
            if (row.kind == "status" && outbox.superseded(row)) {
                outbox.mark_sent(row.id, now);
                continue;
            }
            // Space messages to one destination by the platform's per-channel rate.
            auto interval = port->second->min_interval();
            auto steady_now = std::chrono::steady_clock::now();
            if (interval.count() > 0) {
                auto next = next_allowed_.find(row.destination);
                if (next != next_allowed_.end() && steady_now < next->second) continue;
            }

            Delivery result;
            auto dest = decode_destination(row.destination);
            auto reply = decode_reply(row.payload);
            if (!dest || !reply) {
                // A row no build can read will not become readable by waiting.
                result.permanent = true;
                result.error = !dest ? dest.error().message : reply.error().message;
            } else {
                // A port reports failures as values; one that throws is treated as a failed
                // attempt, so a bug in one adapter cannot stop delivery for everyone.
                ChatPort& chat = *port->second;
                try {
                    std::optional<Delivery> earlier;
                    if (row.attempt_started_at)
                        earlier = chat.find_delivered(*dest, row.idempotency_key,
                                                      *row.attempt_started_at);
                    if (earlier) {
                        // ok: the message is out already; not ok: the platform could not say
                        // now, and asking again later is safer than posting a second copy.
                        result = *earlier;
                        if (result.ok) remember_status(row, *dest, result);
                    } else {
                        // Committed before the call: a crash after it leaves this mark behind.
                        outbox.mark_attempt_started(row.id, now);
                        chat.set_outbox_key(row.idempotency_key);
                        result = deliver(chat, row, *dest, *reply);
                        chat.set_outbox_key("");
                    }
                } catch (const std::exception& e) {
                    chat.set_outbox_key("");
                    result = Delivery{};
                    result.error = e.what();
                }
            }

            const int attempts = row.attempts + 1;
            const std::string error = result.error.empty() ? "delivery failed" : result.error;
            if (interval.count() > 0) next_allowed_[row.destination] = steady_now + interval;
            if (result.ok) {
                outbox.mark_sent(row.id, now);
                ++delivered;
                metrics::outbox_delivered(row.platform);
            } else if (result.permanent) {
                outbox.mark_failed(row.id, error);
                metrics::outbox_failed(row.platform, true);
            } else if (result.retry_after) {
                metrics::outbox_failed(row.platform, false);
                // The platform said when to come back (HTTP 429): a rate limit says nothing
                // about the message, so it is honoured rather than counted as a reason to give
                // up. (The attempt is still counted, so a later real failure backs off further.)
                outbox.mark_retry(row.id, error, now + std::max(*result.retry_after, Seconds(0)));
            } else if (attempts >= kMaxAttempts) {
                outbox.mark_failed(row.id, error);
                metrics::outbox_failed(row.platform, true);
            } else {
                metrics::outbox_failed(row.platform, false);
                outbox.mark_retry(row.id, error, now + backoff(attempts, rng_));
            }
            if (++attempted == limit) break;
        }
        if (!fresh || static_cast<int>(rows.size()) < window) break;
    }
    return delivered;
}

}  // namespace releasebot
