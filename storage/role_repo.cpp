// RoleRepo: explicit role grants per workspace. Read on every event (the actor's role) and
// written only by `role grant|revoke` and a workspace's first user.
#include "storage/role_repo.hpp"

#include "storage/columns.hpp"
#include "storage/database.hpp"

namespace releasebot {

namespace {

RoleGrant read_grant(const Statement& st) {
    RoleGrant g;
    g.user = UserId(st.get_text(0));
    // The CHECK constraint admits only known names, so the fallback never hides a real role.
    g.role = parse_role(st.get_text(1)).value_or(Role::member);
    g.granted_by = UserId(st.get_text(2));
    g.granted_at = Instant(Seconds(st.get_int(3)));
    return g;
}

}  // namespace

std::optional<RoleGrant> RoleRepo::find(WorkspaceId ws, const UserId& user) {
    auto st = db_.prepare(
        "SELECT user_id, role, granted_by, granted_at FROM roles "
        "WHERE workspace_id = ? AND user_id = ?");
    st.bind_all(ws, user);
    if (!st.step()) return std::nullopt;
    return read_grant(st);
}

void RoleRepo::grant(WorkspaceId ws, const RoleGrant& g) {
    db_.prepare(
           "INSERT INTO roles (workspace_id, user_id, role, granted_by, granted_at) "
           "VALUES (?, ?, ?, ?, ?) "
           "ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = excluded.role, "
           "granted_by = excluded.granted_by, granted_at = excluded.granted_at")
        .bind_all(ws, g.user, to_string(g.role), g.granted_by, seconds_of(g.granted_at))
        .run();
}

bool RoleRepo::revoke(WorkspaceId ws, const UserId& user) {
    db_.prepare("DELETE FROM roles WHERE workspace_id = ? AND user_id = ?")
        .bind_all(ws, user)
        .run();
    return db_.changes() > 0;
}

std::vector<RoleGrant> RoleRepo::list(WorkspaceId ws) {
    auto st = db_.prepare(
        "SELECT user_id, role, granted_by, granted_at FROM roles WHERE workspace_id = ? "
        "ORDER BY CASE role WHEN 'manager' THEN 0 WHEN 'approver' THEN 1 ELSE 2 END, user_id");
    st.bind_all(ws);
    std::vector<RoleGrant> out;
    while (st.step()) out.push_back(read_grant(st));
    return out;
}

int RoleRepo::count_with_role(WorkspaceId ws, Role role) {
    auto st = db_.prepare("SELECT COUNT(*) FROM roles WHERE workspace_id = ? AND role = ?");
    st.bind_all(ws, to_string(role));
    st.step();
    return static_cast<int>(st.get_int(0));
}

// "Ever granted" is approximated by "a grant exists now": the table keeps no history, so a
// workspace whose every grant was revoked would hand manager to its next user. The role
// commands keep that from happening by refusing to revoke the last manager.
bool RoleRepo::empty(WorkspaceId ws) {
    auto st = db_.prepare("SELECT EXISTS (SELECT 1 FROM roles WHERE workspace_id = ?)");
    st.bind_all(ws);
    st.step();
    return st.get_int(0) == 0;
}

}  // namespace releasebot
