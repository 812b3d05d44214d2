// ReleaseRepo: releases, their programs and their components. Releases are read by key on
// nearly every command and listed for `release list` and the calendar; a workspace holds
// hundreds to a hundred thousand of them, so lookups go through the (workspace_id, key) and
// (workspace_id, window_start) indexes.
#include "storage/release_repo.hpp"

#include <string_view>

#include "storage/columns.hpp"
#include "storage/database.hpp"

namespace releasebot {

namespace {

// Column order read by read_release().
constexpr std::string_view kReleaseColumns =
    "id, workspace_id, key, title, state, window_start, duration_s, time_zone, env, owner, "
    "freeze_override, active_plan, state_reason, created_by, created_at, updated_at, "
    "started_at, finished_at, home_channel, home_thread, home_service_url, els_until, els_owner";

std::string select_releases(std::string_view rest) {
    std::string sql = "SELECT ";
    sql += kReleaseColumns;
    sql += " FROM releases ";
    sql += rest;
    return sql;
}

// The states after which a release no longer waits for its window.
constexpr std::string_view kOver =
    "state IN ('cancelled', 'deployed', 'backed-out', 'backout-failed')";

Release read_release(const Statement& st) {
    Release r;
    r.id = ReleaseId(st.get_int(0));
    r.workspace = WorkspaceId(st.get_int(1));
    r.key = st.get_text(2);
    r.title = st.get_text(3);
    // The CHECK constraints admit only known names; the fallbacks are never taken.
    r.state = parse_release_state(st.get_text(4)).value_or(ReleaseState::planned);
    r.window_start = instant_of(st.get_int(5));
    r.duration = Seconds(st.get_int(6));
    r.time_zone = st.get_text(7);
    r.env = st.get_opt_text(8);
    r.owner = UserId(st.get_text(9));
    r.freeze_override = st.get_opt_text(10);
    r.active_plan = parse_plan_kind(st.get_text(11)).value_or(PlanKind::deploy);
    r.state_reason = st.get_opt_text(12);
    r.created_by = UserId(st.get_text(13));
    r.created_at = instant_of(st.get_int(14));
    r.updated_at = instant_of(st.get_int(15));
    r.started_at = instant_of(st.get_opt_int(16));
    r.finished_at = instant_of(st.get_opt_int(17));
    r.home_channel = st.get_opt_text(18);
    r.home_thread = st.get_opt_text(19);
    r.home_service_url = st.get_opt_text(20);
    r.els_until = instant_of(st.get_opt_int(21));
    if (auto o = st.get_opt_text(22)) r.els_owner = UserId(*o);
    return r;
}

Component read_component(const Statement& st) {
    Component c;
    c.id = ComponentId(st.get_int(0));
    c.release = ReleaseId(st.get_int(1));
    c.program = st.get_text(2);
    c.name = st.get_text(3);
    c.version = st.get_text(4);
    c.artifact_url = st.get_opt_text(5);
    c.sha256 = st.get_opt_text(6);
    c.updated_by = UserId(st.get_text(7));
    c.updated_at = instant_of(st.get_int(8));
    return c;
}

}  // namespace

// Programs come back sorted case-insensitively ("api", "Billing", "web"), with the spelling
// they were first given; the binary tiebreak only orders spellings that NOCASE calls equal.
void ReleaseRepo::load_programs(Release& r) {
    auto st = db_.prepare(
        "SELECT program FROM release_programs WHERE release_id = ? "
        "ORDER BY program COLLATE NOCASE, program COLLATE BINARY");
    st.bind_all(r.id);
    r.programs.clear();
    while (st.step()) r.programs.push_back(st.get_text(0));
}

std::optional<Release> ReleaseRepo::find(WorkspaceId ws, const std::string& key) {
    static const std::string sql = select_releases("WHERE workspace_id = ? AND key = ?");
    std::optional<Release> r;
    {
        auto st = db_.prepare(sql);
        st.bind_all(ws, key);
        if (st.step()) r = read_release(st);
    }
    if (r) load_programs(*r);
    return r;
}

std::optional<Release> ReleaseRepo::get(ReleaseId id) {
    static const std::string sql = select_releases("WHERE id = ?");
    std::optional<Release> r;
    {
        auto st = db_.prepare(sql);
        st.bind_all(id);
        if (st.step()) r = read_release(st);
    }
    if (r) load_programs(*r);
    return r;
}

ReleaseId ReleaseRepo::insert(const Release& r) {
    Transaction tx(db_);
    db_.prepare(
           "INSERT INTO releases (workspace_id, key, title, state, window_start, duration_s, "
           "time_zone, env, owner, freeze_override, active_plan, state_reason, created_by, "
           "created_at, updated_at, started_at, finished_at, home_channel, home_thread, "
           "home_service_url) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind_all(r.workspace, r.key, r.title, to_string(r.state), seconds_of(r.window_start),
                  static_cast<std::int64_t>(r.duration.count()), r.time_zone, r.env, r.owner,
                  r.freeze_override, to_string(r.active_plan), r.state_reason, r.created_by,
                  seconds_of(r.created_at), seconds_of(r.updated_at), seconds_of(r.started_at),
                  seconds_of(r.finished_at), r.home_channel, r.home_thread, r.home_service_url)
        .run();
    ReleaseId id(db_.last_insert_id());
    for (const auto& p : r.programs) add_program(id, p);
    tx.commit();
    return id;
}

// The key, the creator and the programs are not written: a key names the release for good,
// and programs are added one at a time with add_program().
void ReleaseRepo::update(const Release& r) {
    db_.prepare(
           "UPDATE releases SET title = ?, state = ?, window_start = ?, duration_s = ?, "
           "time_zone = ?, env = ?, owner = ?, freeze_override = ?, active_plan = ?, "
           "state_reason = ?, updated_at = ?, started_at = ?, finished_at = ?, home_channel = ?, "
           "home_thread = ?, home_service_url = ?, els_until = ?, els_owner = ? WHERE id = ?")
        .bind_all(r.title, to_string(r.state), seconds_of(r.window_start),
                  static_cast<std::int64_t>(r.duration.count()), r.time_zone, r.env, r.owner,
                  r.freeze_override, to_string(r.active_plan), r.state_reason,
                  seconds_of(r.updated_at), seconds_of(r.started_at), seconds_of(r.finished_at),
                  r.home_channel, r.home_thread, r.home_service_url, seconds_of(r.els_until),
                  r.els_owner ? std::optional<std::string>(r.els_owner->value()) : std::nullopt,
                  r.id)
        .run();
}

// A program already on the release under any spelling is left as it is (the column is
// NOCASE), so "Web" after "web" changes nothing.
void ReleaseRepo::add_program(ReleaseId id, const std::string& program) {
    db_.prepare("INSERT OR IGNORE INTO release_programs (release_id, program) VALUES (?, ?)")
        .bind_all(id, program)
        .run();
}

bool ReleaseRepo::remove_program(ReleaseId id, const std::string& program) {
    db_.prepare("DELETE FROM release_programs WHERE release_id = ? AND program = ?")
        .bind_all(id, program)
        .run();
    return db_.changes() > 0;
}

std::vector<Release> ReleaseRepo::approved(WorkspaceId ws) {
    static const std::string sql = select_releases(
        "INDEXED BY releases_approved WHERE workspace_id = ? AND state = 'approved' "
        "ORDER BY id");
    std::vector<Release> out;
    {
        auto st = db_.prepare(sql);
        st.bind_all(ws);
        while (st.step()) out.push_back(read_release(st));
    }
    for (auto& r : out) load_programs(r);
    return out;
}

std::string ReleaseRepo::approval_snapshot(ReleaseId id) {
    auto st = db_.prepare("SELECT approval_snapshot FROM releases WHERE id = ?");
    st.bind_all(id);
    if (!st.step()) return {};
    return st.get_opt_text(0).value_or("");
}

void ReleaseRepo::set_approval_snapshot(ReleaseId id, const std::string& snapshot) {
    auto st = db_.prepare("UPDATE releases SET approval_snapshot = ? WHERE id = ?");
    if (snapshot.empty())
        st.bind(1, std::nullopt);
    else
        st.bind(1, snapshot);
    st.bind(2, id);
    st.run();
}

std::vector<Release> ReleaseRepo::list(WorkspaceId ws, ReleaseFilter filter, Instant now,
                                       const std::optional<std::string>& program) {
    // At most six shapes of this query exist, each prepared once by the statement cache; the
    // values are always bound.
    std::string where = "WHERE workspace_id = ?1 ";
    if (program) {
        where +=
            "AND EXISTS (SELECT 1 FROM release_programs p "
            "WHERE p.release_id = releases.id AND p.program = ?3) ";
    }
    std::string upcoming = "(window_start + duration_s >= ?2 AND NOT " + std::string(kOver) + ")";
    switch (filter) {
        case ReleaseFilter::upcoming:
            where += "AND " + upcoming + " ORDER BY window_start ASC, id ASC";
            break;
        case ReleaseFilter::past:
            where += "AND NOT " + upcoming + " ORDER BY window_start DESC, id DESC";
            break;
        case ReleaseFilter::all:
            where += "ORDER BY window_start ASC, id ASC";
            break;
    }
    std::vector<Release> out;
    {
        auto st = db_.prepare(select_releases(where));
        st.bind(1, ws);
        if (filter != ReleaseFilter::all) st.bind(2, seconds_of(now));
        if (program) st.bind(3, *program);
        while (st.step()) out.push_back(read_release(st));
    }
    for (auto& r : out) load_programs(r);
    return out;
}

std::vector<Release> ReleaseRepo::in_range(WorkspaceId ws, Instant from, Instant to) {
    static const std::string sql = select_releases(
        "WHERE workspace_id = ? AND window_start < ? AND window_start + duration_s > ? "
        "AND state <> 'cancelled' ORDER BY window_start ASC, id ASC");
    std::vector<Release> out;
    {
        auto st = db_.prepare(sql);
        st.bind_all(ws, seconds_of(to), seconds_of(from));
        while (st.step()) out.push_back(read_release(st));
    }
    for (auto& r : out) load_programs(r);
    return out;
}

std::vector<Component> ReleaseRepo::components(ReleaseId id) {
    auto st = db_.prepare(
        "SELECT id, release_id, program, name, version, artifact_url, sha256, updated_by, "
        "updated_at FROM components WHERE release_id = ? ORDER BY program, name");
    st.bind_all(id);
    std::vector<Component> out;
    while (st.step()) out.push_back(read_component(st));
    return out;
}

// A new version of a component replaces its artifact URL and checksum too (a missing one
// becomes NULL): the old ones described the old version, and keeping them would let
// `release verify` pass on the wrong file.
bool ReleaseRepo::upsert_component(const Component& c) {
    Transaction tx(db_);
    bool existed = false;
    {
        auto st = db_.prepare(
            "SELECT 1 FROM components WHERE release_id = ? AND program = ? AND name = ?");
        st.bind_all(c.release, c.program, c.name);
        existed = st.step();
    }
    db_.prepare(
           "INSERT INTO components (release_id, program, name, version, artifact_url, sha256, "
           "updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
           "ON CONFLICT (release_id, program, name) DO UPDATE SET version = excluded.version, "
           "artifact_url = excluded.artifact_url, sha256 = excluded.sha256, "
           "updated_by = excluded.updated_by, updated_at = excluded.updated_at")
        .bind_all(c.release, c.program, c.name, c.version, c.artifact_url, c.sha256, c.updated_by,
                  seconds_of(c.updated_at))
        .run();
    tx.commit();
    return !existed;
}

bool ReleaseRepo::remove_component(ReleaseId id, const std::string& program,
                                   const std::string& name) {
    db_.prepare("DELETE FROM components WHERE release_id = ? AND program = ? AND name = ?")
        .bind_all(id, program, name)
        .run();
    return db_.changes() > 0;
}

std::vector<Seconds> ReleaseRepo::reminder_offsets(ReleaseId id) {
    auto st = db_.prepare(
        "SELECT offset_s FROM reminder_offsets WHERE release_id = ? ORDER BY offset_s");
    st.bind_all(id);
    std::vector<Seconds> out;
    while (st.step()) out.emplace_back(st.get_int(0));
    return out;
}

void ReleaseRepo::set_reminder_offsets(ReleaseId id, const std::vector<Seconds>& offsets) {
    Transaction tx(db_);
    db_.prepare("DELETE FROM reminder_offsets WHERE release_id = ?").bind_all(id).run();
    for (auto o : offsets)
        db_.prepare("INSERT OR IGNORE INTO reminder_offsets (release_id, offset_s) VALUES (?, ?)")
            .bind_all(id, static_cast<std::int64_t>(o.count()))
            .run();
    tx.commit();
}

}  // namespace releasebot
