// OutboxRepo: the durable outbox. Rows are inserted in the transaction of the change that
// caused them and drained by the OutboxSender; a fan-out to a thousand channels is a thousand
// rows, so `due` walks the pending rows in id order through a partial index (no sort).
#include "storage/outbox_repo.hpp"

#include <algorithm>

#include "storage/columns.hpp"
#include "storage/database.hpp"

namespace releasebot {

namespace {

OutboxRow read_row(const Statement& st) {
    OutboxRow r;
    r.id = OutboxId(st.get_int(0));
    r.idempotency_key = st.get_text(1);
    r.platform = st.get_text(2);
    r.destination = st.get_text(3);
    r.payload = st.get_text(4);
    r.not_before = Instant(Seconds(st.get_int(5)));
    r.status = st.get_text(6);
    r.attempts = static_cast<int>(st.get_int(7));
    r.last_error = st.get_opt_text(8);
    if (auto rel = st.get_opt_int(9)) r.release = ReleaseId(*rel);
    r.created_at = Instant(Seconds(st.get_int(10)));
    r.kind = st.get_text(11);
    if (auto started = st.get_opt_int(12)) r.attempt_started_at = Instant(Seconds(*started));
    return r;
}

}  // namespace

// A new row is always pending with no attempts, whatever `row` says: enqueueing means "say
// this", and the sender owns the delivery columns from then on.
bool OutboxRepo::enqueue(const OutboxRow& row) {
    db_.prepare(
           "INSERT INTO outbox (idempotency_key, platform, destination, payload, not_before, "
           "status, attempts, release_id, created_at, kind, held_for) "
           "VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?) "
           "ON CONFLICT (idempotency_key) DO NOTHING")
        .bind_all(row.idempotency_key, row.platform, row.destination, row.payload,
                  seconds_of(row.not_before), row.release, seconds_of(row.created_at), row.kind,
                  row.held_for)
        .run();
    return db_.changes() == 1;
}

// Ordered by id, the order the messages were written, so a channel hears a release's
// messages in the order they happened whenever none of them is waiting for a retry.
// `after` makes a page a range seek in the index, so a pass over a long queue reads each row
// once.
std::vector<OutboxRow> OutboxRepo::due(Instant now, int limit, OutboxId after) {
    auto st = db_.prepare(
        "SELECT id, idempotency_key, platform, destination, payload, not_before, status, "
        "attempts, last_error, release_id, created_at, kind, attempt_started_at FROM outbox "
        "INDEXED BY outbox_pending_in_order "
        "WHERE status = 'pending' AND id > ? AND not_before <= ? ORDER BY id LIMIT ?");
    st.bind_all(after, seconds_of(now), limit);
    std::vector<OutboxRow> out;
    out.reserve(static_cast<std::size_t>(std::max(limit, 0)));
    while (st.step()) out.push_back(read_row(st));
    return out;
}

// One seek in the (status, not_before) index.
std::optional<Instant> OutboxRepo::next_not_before(Instant now) {
    auto st = db_.prepare(
        "SELECT min(not_before) FROM outbox WHERE status = 'pending' AND not_before > ? "
        "AND not_before < ?");
    st.bind_all(seconds_of(now), seconds_of(kHeld));
    if (!st.step() || st.is_null(0)) return std::nullopt;
    return Instant(Seconds(st.get_int(0)));
}

void OutboxRepo::mark_sent(OutboxId id, Instant at) {
    db_.prepare(
           "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1 "
           "WHERE id = ?")
        .bind_all(seconds_of(at), id)
        .run();
}

// Keeps the first moment: a message posted by an early attempt must still be found after later
// ones failed.
void OutboxRepo::mark_attempt_started(OutboxId id, Instant at) {
    db_.prepare(
           "UPDATE outbox SET attempt_started_at = COALESCE(attempt_started_at, ?) WHERE id = ?")
        .bind_all(seconds_of(at), id)
        .run();
}

void OutboxRepo::clear_attempt_started(OutboxId id) {
    db_.prepare("UPDATE outbox SET attempt_started_at = NULL WHERE id = ?").bind_all(id).run();
}

void OutboxRepo::mark_retry(OutboxId id, const std::string& error, Instant retry_at) {
    db_.prepare(
           "UPDATE outbox SET attempts = attempts + 1, last_error = ?, not_before = ? "
           "WHERE id = ?")
        .bind_all(error, seconds_of(retry_at), id)
        .run();
}

void OutboxRepo::mark_failed(OutboxId id, const std::string& error) {
    db_.prepare(
           "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ? "
           "WHERE id = ?")
        .bind_all(error, id)
        .run();
}

void OutboxRepo::release_held(const std::string& key, Instant now,
                              const std::function<std::string(const std::string&)>& edit) {
    std::vector<std::pair<OutboxId, std::string>> held;
    {
        auto st =
            db_.prepare("SELECT id, payload FROM outbox WHERE held_for = ? AND status = 'pending'");
        st.bind_all(key);
        while (st.step()) held.emplace_back(OutboxId(st.get_int(0)), st.get_text(1));
    }
    for (const auto& [id, payload] : held) {
        db_.prepare("UPDATE outbox SET held_for = NULL, not_before = ?, payload = ? WHERE id = ?")
            .bind_all(seconds_of(now), edit(payload), id)
            .run();
    }
}

void OutboxRepo::drop_held(const std::string& key) {
    db_.prepare("DELETE FROM outbox WHERE held_for = ? AND status = 'pending'").bind_all(key).run();
}

std::optional<OutboxRow> OutboxRepo::get(OutboxId id) {
    auto st = db_.prepare(
        "SELECT id, idempotency_key, platform, destination, payload, not_before, status, "
        "attempts, last_error, release_id, created_at, kind, attempt_started_at FROM outbox WHERE "
        "id = ?");
    st.bind_all(id);
    if (!st.step()) return std::nullopt;
    return read_row(st);
}

int OutboxRepo::pending_count() {
    auto st =
        db_.prepare("SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND held_for IS NULL");
    st.step();
    return static_cast<int>(st.get_int(0));
}

bool OutboxRepo::superseded(const OutboxRow& row) {
    auto st = db_.prepare(
        "SELECT 1 FROM outbox WHERE kind = 'status' AND status = 'pending' AND release_id = ? "
        "AND destination = ? AND id > ? LIMIT 1");
    st.bind_all(row.release, row.destination, row.id);
    return st.step();
}

std::vector<OutboxRow> OutboxRepo::failed_for(ReleaseId r) {
    auto st = db_.prepare(
        "SELECT id, idempotency_key, platform, destination, payload, not_before, status, "
        "attempts, last_error, release_id, created_at, kind, attempt_started_at FROM outbox "
        "WHERE release_id = ? AND status = 'failed' ORDER BY id");
    st.bind_all(r);
    std::vector<OutboxRow> out;
    while (st.step()) out.push_back(read_row(st));
    return out;
}

}  // namespace releasebot
