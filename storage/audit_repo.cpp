// AuditRepo: the append-only audit log. Every state change writes one entry in the same
// transaction as the change; `audit <release>` and the exports read them back in order.
#include "storage/audit_repo.hpp"

#include <string_view>

#include "storage/database.hpp"

namespace releasebot {

namespace {

AuditEntry read_entry(const Statement& st) {
    AuditEntry e;
    e.id = st.get_int(0);
    e.workspace = WorkspaceId(st.get_int(1));
    if (auto r = st.get_opt_int(2)) e.release = ReleaseId(*r);
    e.at = Instant(Seconds(st.get_int(3)));
    e.actor = UserId(st.get_text(4));
    e.action = st.get_text(5);
    e.detail = st.get_text(6);
    return e;
}

}  // namespace

void AuditRepo::append(const AuditEntry& e) {
    db_.prepare(
           "INSERT INTO audit_log (workspace_id, release_id, at, actor, action, detail) "
           "VALUES (?, ?, ?, ?, ?, ?)")
        .bind_all(e.workspace, e.release,
                  static_cast<std::int64_t>(e.at.time_since_epoch().count()), e.actor, e.action,
                  e.detail)
        .run();
}

// Ordered by id, not by time: entries written in one transaction share a second, and the
// insertion order is the order things happened.
std::vector<AuditEntry> AuditRepo::for_release(ReleaseId r) {
    auto st = db_.prepare(
        "SELECT id, workspace_id, release_id, at, actor, action, detail FROM audit_log "
        "WHERE release_id = ? ORDER BY id");
    st.bind_all(r);
    std::vector<AuditEntry> out;
    while (st.step()) out.push_back(read_entry(st));
    return out;
}

std::vector<AuditEntry> AuditRepo::for_workspace(WorkspaceId ws) {
    auto st = db_.prepare(
        "SELECT id, workspace_id, release_id, at, actor, action, detail FROM audit_log "
        "WHERE workspace_id = ? AND release_id IS NULL ORDER BY id");
    st.bind_all(ws);
    std::vector<AuditEntry> out;
    while (st.step()) out.push_back(read_entry(st));
    return out;
}

// Newest first by id, for the same reason as above; `at` only bounds the window.
std::vector<AuditEntry> AuditRepo::workspace_since(WorkspaceId ws, Instant since) {
    auto st = db_.prepare(
        "SELECT id, workspace_id, release_id, at, actor, action, detail FROM audit_log "
        "WHERE workspace_id = ? AND release_id IS NULL AND at >= ? ORDER BY id DESC");
    st.bind_all(ws, static_cast<std::int64_t>(since.time_since_epoch().count()));
    std::vector<AuditEntry> out;
    while (st.step()) out.push_back(read_entry(st));
    return out;
}

}  // namespace releasebot
