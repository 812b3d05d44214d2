// JobRepo: scheduled jobs (reminders, timed communications, deadlines). The scheduler keeps the
// next few in memory and asks for more through the (status, due_at) index; a million pending
// reminders must not slow `due` or `next_due`.
#include "storage/job_repo.hpp"

#include "storage/columns.hpp"
#include "storage/database.hpp"

namespace releasebot {

namespace {

ScheduledJob read_job(const Statement& st) {
    ScheduledJob j;
    j.id = JobId(st.get_int(0));
    j.workspace = WorkspaceId(st.get_int(1));
    if (auto r = st.get_opt_int(2)) j.release = ReleaseId(*r);
    j.kind = st.get_text(3);
    j.due_at = Instant(Seconds(st.get_int(4)));
    j.payload = st.get_text(5);
    j.status = st.get_text(6);
    return j;
}

}  // namespace

// A job is always scheduled pending. ScheduledJob carries no creation time, so created_at is
// the wall clock: it is bookkeeping for people reading the table, never used by the scheduler.
JobId JobRepo::schedule(const ScheduledJob& j) {
    db_.prepare(
           "INSERT INTO scheduled_jobs (workspace_id, release_id, kind, due_at, payload, status, "
           "created_at) VALUES (?, ?, ?, ?, ?, 'pending', CAST(strftime('%s', 'now') AS INTEGER))")
        .bind_all(j.workspace, j.release, j.kind, seconds_of(j.due_at), j.payload)
        .run();
    return JobId(db_.last_insert_id());
}

std::optional<ScheduledJob> JobRepo::get(JobId id) {
    auto st = db_.prepare(
        "SELECT id, workspace_id, release_id, kind, due_at, payload, status FROM scheduled_jobs "
        "WHERE id = ?");
    st.bind_all(id);
    if (!st.step()) return std::nullopt;
    return read_job(st);
}

std::vector<ScheduledJob> JobRepo::due(Instant until, int limit) {
    auto st = db_.prepare(
        "SELECT id, workspace_id, release_id, kind, due_at, payload, status FROM scheduled_jobs "
        "WHERE status = 'pending' AND due_at <= ? ORDER BY due_at, id LIMIT ?");
    st.bind_all(seconds_of(until), limit);
    std::vector<ScheduledJob> out;
    while (st.step()) out.push_back(read_job(st));
    return out;
}

std::optional<Instant> JobRepo::next_due() {
    auto st = db_.prepare("SELECT MIN(due_at) FROM scheduled_jobs WHERE status = 'pending'");
    st.step();
    if (auto at = st.get_opt_int(0)) return Instant(Seconds(*at));
    return std::nullopt;
}

// Only a pending job fires: a job cancelled while its timer was in flight stays cancelled.
void JobRepo::mark_fired(JobId id, Instant at) {
    db_.prepare(
           "UPDATE scheduled_jobs SET status = 'fired', fired_at = ? "
           "WHERE id = ? AND status = 'pending'")
        .bind_all(seconds_of(at), id)
        .run();
}

int JobRepo::cancel(ReleaseId r, const std::string& kind) {
    db_.prepare(
           "UPDATE scheduled_jobs SET status = 'cancelled' "
           "WHERE release_id = ? AND kind = ? AND status = 'pending'")
        .bind_all(r, kind)
        .run();
    return db_.changes();
}

std::vector<ScheduledJob> JobRepo::pending_for(ReleaseId r) {
    auto st = db_.prepare(
        "SELECT id, workspace_id, release_id, kind, due_at, payload, status FROM scheduled_jobs "
        "INDEXED BY scheduled_jobs_pending_by_release "
        "WHERE release_id = ? AND status = 'pending' ORDER BY due_at, id");
    st.bind_all(r);
    std::vector<ScheduledJob> out;
    while (st.step()) out.push_back(read_job(st));
    return out;
}

}  // namespace releasebot
