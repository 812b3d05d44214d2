// WorkspaceRepo: workspaces and the people seen in them. Looked up once per event (by platform
// and tenant), created on first contact; people are upserted on every event, so these are the
// hottest writes after the processed-event keys and stay single statements.
#include "storage/workspace_repo.hpp"

#include "storage/columns.hpp"
#include "storage/database.hpp"

namespace releasebot {

namespace {

Workspace read_workspace(const Statement& st) {
    Workspace w;
    w.id = WorkspaceId(st.get_int(0));
    w.platform = st.get_text(1);
    w.tenant = st.get_text(2);
    w.name = st.get_text(3);
    w.time_zone = st.get_text(4);
    w.created_at = instant_of(st.get_int(5));
    return w;
}

}  // namespace

std::optional<Workspace> WorkspaceRepo::find(const std::string& platform,
                                             const std::string& tenant) {
    auto st = db_.prepare(
        "SELECT id, platform, tenant, name, time_zone, created_at FROM workspaces "
        "WHERE platform = ? AND tenant = ?");
    st.bind_all(platform, tenant);
    if (!st.step()) return std::nullopt;
    return read_workspace(st);
}

std::optional<Workspace> WorkspaceRepo::get(WorkspaceId id) {
    auto st = db_.prepare(
        "SELECT id, platform, tenant, name, time_zone, created_at FROM workspaces WHERE id = ?");
    st.bind_all(id);
    if (!st.step()) return std::nullopt;
    return read_workspace(st);
}

Workspace WorkspaceRepo::create(const std::string& platform, const std::string& tenant,
                                const std::string& name, const std::string& time_zone,
                                Instant now) {
    db_.prepare(
           "INSERT INTO workspaces (platform, tenant, name, time_zone, created_at) "
           "VALUES (?, ?, ?, ?, ?)")
        .bind_all(platform, tenant, name, time_zone, seconds_of(now))
        .run();
    return Workspace{WorkspaceId(db_.last_insert_id()), platform, tenant, name, time_zone, now};
}

void WorkspaceRepo::set_time_zone(WorkspaceId id, const std::string& time_zone) {
    db_.prepare("UPDATE workspaces SET time_zone = ? WHERE id = ?").bind_all(time_zone, id).run();
}

// Platforms do not send everything on every event (a Slack button payload carries no time
// zone, the console has no display name unless asked), so an empty name or a missing zone
// keeps what an earlier event told us instead of erasing it.
void WorkspaceRepo::touch_person(WorkspaceId ws, const Person& p, Instant now) {
    db_.prepare(
           "INSERT INTO people (workspace_id, user_id, display_name, time_zone, last_seen) "
           "VALUES (?1, ?2, ?3, ?4, ?5) "
           "ON CONFLICT (workspace_id, user_id) DO UPDATE SET "
           "display_name = CASE WHEN excluded.display_name = '' THEN people.display_name "
           "ELSE excluded.display_name END, "
           "time_zone = COALESCE(excluded.time_zone, people.time_zone), "
           "last_seen = excluded.last_seen "
           // Only what changed is written (last_seen to the hour): an event that changes nothing
           // else then writes nothing at all (see Pipeline).
           "WHERE (excluded.display_name <> '' AND excluded.display_name <> people.display_name) "
           "OR (excluded.time_zone IS NOT NULL AND excluded.time_zone IS NOT people.time_zone) "
           "OR excluded.last_seen >= people.last_seen + 3600")
        .bind_all(ws, p.user, p.display_name, p.time_zone, seconds_of(now))
        .run();
}

std::optional<Person> WorkspaceRepo::person(WorkspaceId ws, const UserId& user) {
    auto st = db_.prepare(
        "SELECT user_id, display_name, time_zone FROM people "
        "WHERE workspace_id = ? AND user_id = ?");
    st.bind_all(ws, user);
    if (!st.step()) return std::nullopt;
    return Person{UserId(st.get_text(0)), st.get_text(1), st.get_opt_text(2)};
}

}  // namespace releasebot
