// OutboxSender: drains the durable outbox through the platforms' ChatPorts (see the header for
// the contract). The start of each attempt is committed before the platform is called, so after
// a crash between delivery and the outcome's update the restarted sender asks the platform
// (ChatPort::find_delivered) before posting again: nothing is lost, and on platforms that can be
// asked nothing is said twice. A call works in one batch: choose the rows (one pass over the due
// rows in id order, a page at a time), commit their attempt marks together, call the
// platforms, commit the outcomes together. A crash mid-batch leaves more rows marked than were
// called, which only makes them ask before posting.
#include "bot/runtime/outbox_sender.hpp"

#include <date/date.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "bot/runtime/log.hpp"
#include "bot/runtime/metrics.hpp"
#include "bot/runtime/reply_codec.hpp"
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
    rescan_ = true;  // rows passed over for want of this port
}

// One row chosen for this batch, and what became of it.
struct OutboxSender::Attempt {
    OutboxRow row;
    ChatPort* port = nullptr;
    std::optional<Destination> dest;  // decoded just before the call
    std::optional<Reply> reply;
    bool marked = false;  // its attempt mark was written by this batch
    bool done = false;    // `result` holds its outcome (called, or unreadable)
    Delivery result;
    std::optional<Instant> retry_at;  // set when it failed and will be tried again then
};

namespace {

// "slack T0AAA channel C0A", "teams tenant-1 DM 29:bob": where a row was going, for the log.
std::string where(const OutboxRow& row, const std::optional<Destination>& dest) {
    if (!dest) return row.platform + " (destination unreadable)";
    const Destination& d = *dest;
    std::string out = d.platform + " " + d.tenant;
    if (d.channel) out += " channel " + d.channel->channel;
    if (d.user) out += " DM " + d.user->value();
    if (d.ephemeral_to) out += " (only " + d.ephemeral_to->value() + " sees it)";
    return out;
}

}  // namespace

// One platform call (a lookup after a cut-short attempt, or the delivery). A port reports
// failures as values; one that throws is treated as a failed attempt, so a bug in one adapter
// cannot stop delivery for everyone.
void OutboxSender::call(Attempt& a) {
    ChatPort& chat = *a.port;
    try {
        std::optional<Delivery> earlier;
        if (a.row.attempt_started_at)
            earlier =
                chat.find_delivered(*a.dest, a.row.idempotency_key, *a.row.attempt_started_at);
        if (earlier) {
            // ok: the message is out already; not ok: the platform could not say now, and
            // asking again later is safer than posting a second copy.
            a.result = *earlier;
            if (a.result.ok) remember_status(a.row, *a.dest, a.result);
        } else {
            chat.set_outbox_key(a.row.idempotency_key);
            a.result = deliver(chat, a.row, *a.dest, *a.reply);
            chat.set_outbox_key("");
        }
    } catch (const std::exception& e) {
        chat.set_outbox_key("");
        a.result = Delivery{};
        a.result.error = e.what();
    }
    a.done = true;
}

int OutboxSender::deliver_due(int limit, const std::function<bool()>& stop) {
    using SteadyClock = std::chrono::steady_clock;
    OutboxRepo outbox(db_);
    const Instant now = clock_.now();
    const auto limit_n = static_cast<std::size_t>(std::max(limit, 0));
    more_due_ = false;
    paced_until_.reset();

    // ---- choose: one pass over the due rows, in id order -----------------------------------
    std::vector<Attempt> batch;
    batch.reserve(limit_n);
    std::vector<OutboxId> stale;  // status versions a newer one replaced
    std::set<std::string> taken;  // paced destinations with a row in this batch
    const auto started = SteadyClock::now();
    bool full = rescan_ || full_scan_second_ != now;
    for (const auto& destination : waiting_) {
        auto next = next_allowed_.find(destination);
        if (next == next_allowed_.end() || next->second <= started) full = true;
    }
    if (full) {
        waiting_.clear();
        full_scan_second_ = now;
    }
    rescan_ = false;
    std::set<std::string>& passed_over = waiting_;
    const int page = std::max(limit, 32);
    OutboxId after = full ? OutboxId(0) : scanned_through_;
    for (bool more = limit_n > 0; more;) {
        if (batch.size() == limit_n) {
            more_due_ = true;
            break;
        }
        auto rows = outbox.due(now, page, after);
        more = static_cast<int>(rows.size()) == page;
        const auto steady_now = SteadyClock::now();
        for (auto& row : rows) {
            if (batch.size() == limit_n) {
                more_due_ = true;
                more = false;
                break;
            }
            after = row.id;
            // Rows of a platform with no port stay pending and due, waiting for one.
            auto port = ports_.find(row.platform);
            if (port == ports_.end()) continue;
            // Space messages to one destination by the platform's per-channel rate: one row per
            // destination per batch, and none before its moment. (Asked first: it costs no
            // query, and a destination that must wait has nothing to decide yet.)
            const bool paced = port->second->min_interval().count() > 0;
            if (paced) {
                auto next = next_allowed_.find(row.destination);
                if (taken.count(row.destination) != 0 ||
                    (next != next_allowed_.end() && steady_now < next->second)) {
                    passed_over.insert(row.destination);
                    continue;
                }
            }
            // A newer version of the same status message is queued: this one is already stale.
            if (row.kind == "status" && outbox.superseded(row)) {
                stale.push_back(row.id);
                continue;
            }
            if (paced) taken.insert(row.destination);
            Attempt a;
            a.row = std::move(row);
            a.port = port->second;
            batch.push_back(std::move(a));
        }
    }

    scanned_through_ = after;
    if (more_due_) rescan_ = true;

    // ---- the attempts about to start, durable before any call ------------------------------
    const bool stopped_early = stop && stop();
    {
        bool writes = !stale.empty();
        for (auto& a : batch) {
            a.marked = !stopped_early && !a.row.attempt_started_at;
            writes = writes || a.marked;
        }
        if (writes) {
            Transaction tx(db_);
            for (OutboxId id : stale) outbox.mark_sent(id, now);
            for (const auto& a : batch)
                if (a.marked) outbox.mark_attempt_started(a.row.id, now);
            tx.commit();
        }
    }

    // ---- the platform calls ------------------------------------------------------------------
    // Rows are decoded here rather than when chosen, so the first call goes out sooner.
    bool stopped = stopped_early;
    for (auto& a : batch) {
        if (stopped || (stop && stop())) {
            stopped = true;
            continue;
        }
        auto dest = decode_destination(a.row.destination);
        auto reply = decode_reply(a.row.payload);
        if (!dest || !reply) {
            // A row no build can read will not become readable by waiting.
            a.done = true;
            a.result.permanent = true;
            a.result.error = !dest ? dest.error().message : reply.error().message;
            continue;
        }
        a.dest = std::move(*dest);
        a.reply = std::move(*reply);
        const auto interval = a.port->min_interval();
        const auto called_at = SteadyClock::now();
        call(a);
        if (interval.count() > 0) next_allowed_[a.row.destination] = called_at + interval;
    }
    if (stopped) {
        more_due_ = true;
        rescan_ = true;
    }

    // ---- the outcomes, durable before this returns -------------------------------------------
    int delivered = 0;
    if (std::any_of(batch.begin(), batch.end(),
                    [](const Attempt& a) { return a.done || a.marked; })) {
        Transaction tx(db_);
        for (auto& a : batch) {
            const OutboxRow& row = a.row;
            if (!a.done) {
                // Stopped before its call: as it was before this batch.
                if (a.marked) outbox.clear_attempt_started(row.id);
                continue;
            }
            const Delivery& result = a.result;
            const int attempts = row.attempts + 1;
            const std::string error = result.error.empty() ? "delivery failed" : result.error;
            if (result.ok) {
                outbox.mark_sent(row.id, now);
                outbox.drop_held(row.idempotency_key);
                ++delivered;
            } else if (result.permanent || (!result.retry_after && attempts >= kMaxAttempts)) {
                outbox.mark_failed(row.id, error);
                outbox.release_held(row.idempotency_key, now, [&](const std::string& payload) {
                    auto notice = decode_reply(payload);
                    if (!notice) return payload;
                    notice->context("The platform said: " +
                                    (error.size() > 200 ? error.substr(0, 200) + "…" : error) +
                                    ".");
                    return encode_reply(*notice);
                });
            } else if (result.retry_after) {
                // The platform said when to come back (HTTP 429): a rate limit says nothing
                // about the message, so it is honoured rather than counted as a reason to give
                // up. (The attempt is still counted, so a later real failure backs off further.)
                a.retry_at = now + std::max(*result.retry_after, Seconds(0));
                outbox.mark_retry(row.id, error, *a.retry_at);
            } else {
                a.retry_at = now + backoff(attempts, rng_);
                outbox.mark_retry(row.id, error, *a.retry_at);
            }
        }
        tx.commit();
    }
    for (const auto& a : batch) {
        if (!a.done) continue;
        const Delivery& result = a.result;
        if (result.ok) {
            metrics::outbox_delivered(a.row.platform);
        } else {
            const bool gave_up = !a.retry_at;
            metrics::outbox_failed(a.row.platform, gave_up);
            // The platform's own words (its error code, HTTP status), never a token: the log
            // redacts whatever a platform might echo back.
            const std::string error = result.error.empty() ? "delivery failed" : result.error;
            const std::string what = "outbox message " + std::to_string(a.row.id.value()) + " to " +
                                     where(a.row, a.dest) + ", attempt " +
                                     std::to_string(a.row.attempts + 1) + ": " + error;
            if (gave_up) {
                log::error("outbox",
                           what + "; given up" +
                               (result.permanent
                                    ? std::string(" (it cannot succeed)")
                                    : " after " + std::to_string(kMaxAttempts) + " attempts"));
            } else {
                log::warn("outbox",
                          what + "; next attempt at " + date::format("%FT%TZ", *a.retry_at));
            }
        }
    }

    for (const auto& destination : passed_over) {
        auto next = next_allowed_.find(destination);
        const auto at = next != next_allowed_.end() ? next->second : SteadyClock::now();
        if (!paced_until_ || at < *paced_until_) paced_until_ = at;
    }
    return delivered;
}

std::optional<Instant> OutboxSender::next_not_before() {
    return OutboxRepo(db_).next_not_before(clock_.now());
}

}  // namespace releasebot
