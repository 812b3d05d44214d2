// ActionRepo: retrospective action items. A workspace has a few dozen open at a time; they
// are read per release (its retro results), per owner (`my tasks`) and per program (carried over
// to the next release until done), always through the (workspace_id, status) index.
#include "storage/action_repo.hpp"

#include <algorithm>
#include <string_view>

#include "storage/columns.hpp"
#include "storage/database.hpp"

namespace releasebot {

namespace {

std::optional<std::string> user_of(const std::optional<UserId>& u) {
    if (!u) return std::nullopt;
    return u->value();
}

constexpr std::string_view kColumns =
    "a.id, a.workspace_id, a.release_id, a.text, a.owner, a.status, a.created_by, a.created_at, "
    "a.done_by, a.done_at";

std::string select_actions(std::string_view rest) {
    std::string sql = "SELECT ";
    sql += kColumns;
    sql += " FROM retro_actions a ";
    sql += rest;
    return sql;
}

ActionItem read_action(const Statement& st) {
    ActionItem a;
    a.id = ActionId(st.get_int(0));
    a.workspace = WorkspaceId(st.get_int(1));
    a.release = ReleaseId(st.get_int(2));
    a.text = st.get_text(3);
    a.owner = UserId(st.get_text(4));
    a.status = st.get_text(5);
    a.created_by = UserId(st.get_text(6));
    a.created_at = Instant(Seconds(st.get_int(7)));
    if (auto by = st.get_opt_text(8)) a.done_by = UserId(*by);
    if (auto at = st.get_opt_int(9)) a.done_at = Instant(Seconds(*at));
    return a;
}

std::vector<ActionItem> read_all(Statement& st) {
    std::vector<ActionItem> out;
    while (st.step()) out.push_back(read_action(st));
    return out;
}

}  // namespace

ActionId ActionRepo::add(const ActionItem& a) {
    db_.prepare(
           "INSERT INTO retro_actions (workspace_id, release_id, text, owner, status, created_by, "
           "created_at, done_by, done_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind_all(a.workspace, a.release, a.text, a.owner, a.status, a.created_by,
                  seconds_of(a.created_at), user_of(a.done_by), seconds_of(a.done_at))
        .run();
    return ActionId(db_.last_insert_id());
}

std::optional<ActionItem> ActionRepo::get(WorkspaceId ws, ActionId id) {
    static const std::string sql = select_actions("WHERE a.workspace_id = ? AND a.id = ?");
    auto st = db_.prepare(sql);
    st.bind_all(ws, id);
    if (!st.step()) return std::nullopt;
    return read_action(st);
}

void ActionRepo::update(const ActionItem& a) {
    db_.prepare(
           "UPDATE retro_actions SET text = ?, owner = ?, status = ?, done_by = ?, done_at = ? "
           "WHERE id = ?")
        .bind_all(a.text, a.owner, a.status, user_of(a.done_by), seconds_of(a.done_at), a.id)
        .run();
}

std::vector<ActionItem> ActionRepo::for_release(ReleaseId r) {
    static const std::string sql = select_actions("WHERE a.release_id = ? ORDER BY a.id");
    auto st = db_.prepare(sql);
    st.bind_all(r);
    return read_all(st);
}

std::vector<ActionItem> ActionRepo::open_for_owner(WorkspaceId ws, const UserId& user) {
    static const std::string sql = select_actions(
        "WHERE a.workspace_id = ? AND a.status = 'open' AND a.owner = ? ORDER BY a.id");
    auto st = db_.prepare(sql);
    st.bind_all(ws, user);
    return read_all(st);
}

// One query per program keeps the SQL text fixed (so the statement stays cached) and every value
// bound; a release has a handful of programs at most. An item whose release has two of them
// would come back twice, hence the merge by id.
std::vector<ActionItem> ActionRepo::open_for_programs(WorkspaceId ws,
                                                      const std::vector<std::string>& programs,
                                                      ReleaseId except) {
    static const std::string sql = select_actions(
        "WHERE a.workspace_id = ? AND a.status = 'open' AND a.release_id <> ? AND EXISTS "
        "(SELECT 1 FROM release_programs p WHERE p.release_id = a.release_id AND p.program = ?) "
        "ORDER BY a.id");
    std::vector<ActionItem> out;
    for (const auto& program : programs) {
        auto st = db_.prepare(sql);
        st.bind_all(ws, except, program);
        for (auto& a : read_all(st)) out.push_back(std::move(a));
    }
    std::sort(out.begin(), out.end(),
              [](const ActionItem& x, const ActionItem& y) { return x.id < y.id; });
    out.erase(std::unique(out.begin(), out.end(),
                          [](const ActionItem& x, const ActionItem& y) { return x.id == y.id; }),
              out.end());
    return out;
}

}  // namespace releasebot
