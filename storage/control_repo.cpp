// ControlRepo: a workspace's control templates and the controls each release copies from them.
// Both lists are short (ten or so) and ordered by `position`: the number a user sees in
// `control list` is the number they type back. Templates are kept 1..n; a release's controls
// keep the number they were given, so removing one never renumbers the others. The health-check
// columns are read apart from the rest of a control: only `control check`, `control list` and the
// health-check worker care about them.
#include "storage/control_repo.hpp"

#include <string_view>

#include "storage/columns.hpp"
#include "storage/database.hpp"

namespace releasebot {

namespace {

std::optional<std::string> stored_owner(const std::optional<Owner>& o) {
    if (!o) return std::nullopt;
    return o->stored();
}

constexpr std::string_view kTemplateColumns =
    "id, workspace_id, slug, title, description, doc_url, mandatory, owner, position";

constexpr std::string_view kControlColumns =
    "id, release_id, slug, title, description, doc_url, mandatory, owner, position, status, "
    "done_by, done_at, evidence_url, note";

std::string select_from(std::string_view columns, std::string_view table, std::string_view rest) {
    std::string sql = "SELECT ";
    sql += columns;
    sql += " FROM ";
    sql += table;
    sql += ' ';
    sql += rest;
    return sql;
}

ControlTemplate read_template(const Statement& st) {
    ControlTemplate t;
    t.id = TemplateId(st.get_int(0));
    t.workspace = WorkspaceId(st.get_int(1));
    t.slug = st.get_text(2);
    t.title = st.get_text(3);
    t.description = st.get_text(4);
    t.doc_url = st.get_opt_text(5);
    t.mandatory = st.get_int(6) != 0;
    t.owner = Owner::from_stored(st.get_opt_text(7));
    t.position = static_cast<int>(st.get_int(8));
    return t;
}

ReleaseControl read_control(const Statement& st) {
    ReleaseControl c;
    c.id = ReleaseControlId(st.get_int(0));
    c.release = ReleaseId(st.get_int(1));
    c.slug = st.get_text(2);
    c.title = st.get_text(3);
    c.description = st.get_text(4);
    c.doc_url = st.get_opt_text(5);
    c.mandatory = st.get_int(6) != 0;
    c.owner = Owner::from_stored(st.get_opt_text(7));
    c.position = static_cast<int>(st.get_int(8));
    // The CHECK constraint admits only known names; the fallback is never taken.
    c.status = parse_control_status(st.get_text(9)).value_or(ControlStatus::open);
    if (auto by = st.get_opt_text(10)) c.done_by = UserId(*by);
    if (auto at = st.get_opt_int(11)) c.done_at = Instant(Seconds(*at));
    c.evidence_url = st.get_opt_text(12);
    c.note = st.get_opt_text(13);
    return c;
}

// Rewrites positions as 1..n in their current order. Done in C++ row by row rather than with
// one UPDATE reading its own table, whose result would depend on SQLite's evaluation order.
void renumber(Database& db, std::string_view select_ids, std::string_view update_position,
              std::int64_t owner_id) {
    std::vector<std::int64_t> ids;
    {
        auto st = db.prepare(select_ids);
        st.bind_all(owner_id);
        while (st.step()) ids.push_back(st.get_int(0));
    }
    for (std::size_t i = 0; i < ids.size(); ++i) {
        db.prepare(update_position).bind_all(static_cast<std::int64_t>(i + 1), ids[i]).run();
    }
}

void renumber_templates(Database& db, WorkspaceId ws) {
    renumber(db, "SELECT id FROM control_templates WHERE workspace_id = ? ORDER BY position, id",
             "UPDATE control_templates SET position = ?1 WHERE id = ?2 AND position <> ?1",
             ws.value());
}

constexpr std::string_view kHealthColumns =
    "id, health_check_url, health_check_status, health_check_error, health_check_at";

HealthCheck read_health_check(const Statement& st) {
    HealthCheck h;
    h.control = ReleaseControlId(st.get_int(0));
    h.url = st.get_text(1);
    if (auto status = st.get_opt_int(2)) h.last_status = static_cast<int>(*status);
    h.last_error = st.get_opt_text(3);
    h.last_at = instant_of(st.get_opt_int(4));
    return h;
}

}  // namespace

std::vector<ControlTemplate> ControlRepo::templates(WorkspaceId ws) {
    static const std::string sql = select_from(kTemplateColumns, "control_templates",
                                               "WHERE workspace_id = ? ORDER BY position, id");
    auto st = db_.prepare(sql);
    st.bind_all(ws);
    std::vector<ControlTemplate> out;
    while (st.step()) out.push_back(read_template(st));
    return out;
}

std::optional<ControlTemplate> ControlRepo::find_template(WorkspaceId ws, const std::string& slug) {
    static const std::string sql =
        select_from(kTemplateColumns, "control_templates", "WHERE workspace_id = ? AND slug = ?");
    auto st = db_.prepare(sql);
    st.bind_all(ws, slug);
    if (!st.step()) return std::nullopt;
    return read_template(st);
}

TemplateId ControlRepo::add_template(const ControlTemplate& t) {
    db_.prepare(
           "INSERT INTO control_templates (workspace_id, slug, title, description, doc_url, "
           "mandatory, owner, position) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
           "(SELECT COALESCE(MAX(position), 0) + 1 FROM control_templates "
           "WHERE workspace_id = ?1))")
        .bind_all(t.workspace, t.slug, t.title, t.description, t.doc_url, t.mandatory,
                  stored_owner(t.owner))
        .run();
    return TemplateId(db_.last_insert_id());
}

// The slug and position are not written: the slug is how people and existing releases name the
// control, and positions change only by adding and removing.
void ControlRepo::update_template(const ControlTemplate& t) {
    db_.prepare(
           "UPDATE control_templates SET title = ?, description = ?, doc_url = ?, "
           "mandatory = ?, owner = ? WHERE id = ?")
        .bind_all(t.title, t.description, t.doc_url, t.mandatory, stored_owner(t.owner), t.id)
        .run();
}

void ControlRepo::remove_template(TemplateId id) {
    Transaction tx(db_);
    std::optional<std::int64_t> ws;
    {
        auto st = db_.prepare("SELECT workspace_id FROM control_templates WHERE id = ?");
        st.bind_all(id);
        if (st.step()) ws = st.get_int(0);
    }
    if (!ws) return;
    db_.prepare("DELETE FROM control_templates WHERE id = ?").bind_all(id).run();
    renumber_templates(db_, WorkspaceId(*ws));
    tx.commit();
}

std::vector<ReleaseControl> ControlRepo::for_release(ReleaseId r) {
    static const std::string sql = select_from(kControlColumns, "release_controls",
                                               "WHERE release_id = ? ORDER BY position, id");
    auto st = db_.prepare(sql);
    st.bind_all(r);
    std::vector<ReleaseControl> out;
    while (st.step()) out.push_back(read_control(st));
    return out;
}

std::optional<ReleaseControl> ControlRepo::find(ReleaseId r, const std::string& slug) {
    static const std::string sql =
        select_from(kControlColumns, "release_controls", "WHERE release_id = ? AND slug = ?");
    auto st = db_.prepare(sql);
    st.bind_all(r, slug);
    if (!st.step()) return std::nullopt;
    return read_control(st);
}

std::optional<ReleaseControl> ControlRepo::at(ReleaseId r, int number) {
    static const std::string sql =
        select_from(kControlColumns, "release_controls", "WHERE release_id = ? AND position = ?");
    auto st = db_.prepare(sql);
    st.bind_all(r, number);
    if (!st.step()) return std::nullopt;
    return read_control(st);
}

ReleaseControlId ControlRepo::add(const ReleaseControl& c) {
    db_.prepare(
           "INSERT INTO release_controls (release_id, slug, title, description, doc_url, "
           "mandatory, owner, position, status, done_by, done_at, evidence_url, note) "
           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
           "(SELECT COALESCE(MAX(position), 0) + 1 FROM release_controls WHERE release_id = ?1), "
           "?8, ?9, ?10, ?11, ?12)")
        .bind_all(c.release, c.slug, c.title, c.description, c.doc_url, c.mandatory,
                  stored_owner(c.owner), to_string(c.status), c.done_by, seconds_of(c.done_at),
                  c.evidence_url, c.note)
        .run();
    return ReleaseControlId(db_.last_insert_id());
}

// Templates whose slug the release already has are skipped, so copying twice (or after a
// control was added by hand) neither fails nor duplicates; the copies go after what is there.
void ControlRepo::copy_templates(WorkspaceId ws, ReleaseId r) {
    Transaction tx(db_);
    std::int64_t last = 0;
    {
        auto st = db_.prepare(
            "SELECT COALESCE(MAX(position), 0) FROM release_controls WHERE release_id = ?");
        st.bind_all(r);
        st.step();
        last = st.get_int(0);
    }
    db_.prepare(
           "INSERT INTO release_controls (release_id, slug, title, description, doc_url, "
           "mandatory, owner, position, status) "
           "SELECT ?1, t.slug, t.title, t.description, t.doc_url, t.mandatory, t.owner, "
           "?3 + ROW_NUMBER() OVER (ORDER BY t.position, t.id), 'open' "
           "FROM control_templates t WHERE t.workspace_id = ?2 AND NOT EXISTS "
           "(SELECT 1 FROM release_controls c WHERE c.release_id = ?1 AND c.slug = t.slug)")
        .bind_all(r, ws, last)
        .run();
    tx.commit();
}

// The slug and position are not written (see update_template).
void ControlRepo::update(const ReleaseControl& c) {
    db_.prepare(
           "UPDATE release_controls SET title = ?, description = ?, doc_url = ?, mandatory = ?, "
           "owner = ?, status = ?, done_by = ?, done_at = ?, evidence_url = ?, note = ? "
           "WHERE id = ?")
        .bind_all(c.title, c.description, c.doc_url, c.mandatory, stored_owner(c.owner),
                  to_string(c.status), c.done_by, seconds_of(c.done_at), c.evidence_url, c.note,
                  c.id)
        .run();
}

// A release's controls keep their numbers for good: removing control 2 leaves 1 and 3 as
// they were, so `control tick <key> 3` names the same control before and after.
void ControlRepo::remove(ReleaseControlId id) {
    db_.prepare("DELETE FROM release_controls WHERE id = ?").bind_all(id).run();
}

std::optional<ReleaseControl> ControlRepo::get(ReleaseControlId id) {
    static const std::string sql = select_from(kControlColumns, "release_controls", "WHERE id = ?");
    auto st = db_.prepare(sql);
    st.bind_all(id);
    if (!st.step()) return std::nullopt;
    return read_control(st);
}

std::optional<HealthCheck> ControlRepo::health_check(ReleaseControlId id) {
    static const std::string sql = select_from(kHealthColumns, "release_controls",
                                               "WHERE id = ? AND health_check_url IS NOT NULL");
    auto st = db_.prepare(sql);
    st.bind_all(id);
    if (!st.step()) return std::nullopt;
    return read_health_check(st);
}

std::vector<HealthCheck> ControlRepo::health_checks(ReleaseId r) {
    static const std::string sql =
        select_from(kHealthColumns, "release_controls",
                    "WHERE release_id = ? AND health_check_url IS NOT NULL ORDER BY position, id");
    auto st = db_.prepare(sql);
    st.bind_all(r);
    std::vector<HealthCheck> out;
    while (st.step()) out.push_back(read_health_check(st));
    return out;
}

void ControlRepo::set_health_check(ReleaseControlId id, const std::optional<std::string>& url) {
    db_.prepare(
           "UPDATE release_controls SET health_check_url = ?, health_check_status = NULL, "
           "health_check_error = NULL, health_check_at = NULL WHERE id = ?")
        .bind_all(url, id)
        .run();
}

void ControlRepo::record_health_result(ReleaseControlId id, std::optional<int> status,
                                       const std::optional<std::string>& error, Instant at) {
    db_.prepare(
           "UPDATE release_controls SET health_check_status = ?, health_check_error = ?, "
           "health_check_at = ? WHERE id = ? AND health_check_url IS NOT NULL")
        .bind_all(status, error, seconds_of(at), id)
        .run();
}

std::vector<DueHealthCheck> ControlRepo::due_health_checks(Instant now, Seconds lead) {
    auto st = db_.prepare(
        "SELECT c.id, r.workspace_id, c.health_check_url FROM release_controls c "
        "JOIN releases r ON r.id = c.release_id "
        "WHERE c.health_check_url IS NOT NULL AND c.status = 'open' "
        "AND r.state IN ('planned', 'approved') AND r.window_start > ?1 "
        "AND r.window_start <= ?1 + ?2 ORDER BY r.window_start, c.release_id, c.position");
    st.bind_all(seconds_of(now), static_cast<std::int64_t>(lead.count()));
    std::vector<DueHealthCheck> out;
    while (st.step()) {
        out.push_back(
            {ReleaseControlId(st.get_int(0)), WorkspaceId(st.get_int(1)), st.get_text(2)});
    }
    return out;
}

}  // namespace releasebot
