// FreezeRepo: freeze (blackout) windows. A workspace has a handful; the gate reads them all on
// every `release plan|move|go`, so they are simply listed and checked in commands/.
#include "storage/freeze_repo.hpp"

#include <string_view>

#include "storage/columns.hpp"
#include "storage/database.hpp"

namespace releasebot {

namespace {

std::string kind_name(FreezeKind k) {
    return k == FreezeKind::weekly ? "weekly" : "once";
}

constexpr std::string_view kFreezeColumns =
    "id, workspace_id, kind, starts_at, ends_at, weekday, from_minute, to_minute, time_zone, "
    "reason, created_by, created_at";

std::string select_freezes(std::string_view rest) {
    std::string sql = "SELECT ";
    sql += kFreezeColumns;
    sql += " FROM freezes ";
    sql += rest;
    return sql;
}

Freeze read_freeze(const Statement& st) {
    Freeze f;
    f.id = FreezeId(st.get_int(0));
    f.workspace = WorkspaceId(st.get_int(1));
    f.kind = st.get_text(2) == "weekly" ? FreezeKind::weekly : FreezeKind::once;
    if (auto from = st.get_opt_int(3)) f.starts_at = Instant(Seconds(*from));
    if (auto to = st.get_opt_int(4)) f.ends_at = Instant(Seconds(*to));
    f.weekday = static_cast<int>(st.get_opt_int(5).value_or(0));
    f.from_minute = static_cast<int>(st.get_opt_int(6).value_or(0));
    f.to_minute = static_cast<int>(st.get_opt_int(7).value_or(0));
    f.time_zone = st.get_text(8);
    f.reason = st.get_text(9);
    f.created_by = UserId(st.get_text(10));
    f.created_at = Instant(Seconds(st.get_int(11)));
    return f;
}

}  // namespace

// Only the fields of the freeze's kind are stored; the others stay NULL, so a row says plainly
// which kind it is.
FreezeId FreezeRepo::add(const Freeze& f) {
    const bool weekly = f.kind == FreezeKind::weekly;
    auto st = db_.prepare(
        "INSERT INTO freezes (workspace_id, kind, starts_at, ends_at, weekday, from_minute, "
        "to_minute, time_zone, reason, created_by, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    st.bind(1, f.workspace).bind(2, kind_name(f.kind));
    if (weekly) {
        st.bind(3, std::nullopt).bind(4, std::nullopt);
        st.bind(5, f.weekday).bind(6, f.from_minute).bind(7, f.to_minute);
    } else {
        st.bind(3, seconds_of(f.starts_at)).bind(4, seconds_of(f.ends_at));
        st.bind(5, std::nullopt).bind(6, std::nullopt).bind(7, std::nullopt);
    }
    st.bind(8, f.time_zone).bind(9, f.reason).bind(10, f.created_by);
    st.bind(11, static_cast<std::int64_t>(f.created_at.time_since_epoch().count()));
    st.run();
    return FreezeId(db_.last_insert_id());
}

std::optional<Freeze> FreezeRepo::get(WorkspaceId ws, FreezeId id) {
    static const std::string sql = select_freezes("WHERE workspace_id = ? AND id = ?");
    auto st = db_.prepare(sql);
    st.bind_all(ws, id);
    if (!st.step()) return std::nullopt;
    return read_freeze(st);
}

std::vector<Freeze> FreezeRepo::list(WorkspaceId ws) {
    static const std::string sql = select_freezes(
        "WHERE workspace_id = ? ORDER BY CASE kind WHEN 'once' THEN 0 ELSE 1 END, starts_at, "
        "weekday, from_minute, id");
    auto st = db_.prepare(sql);
    st.bind_all(ws);
    std::vector<Freeze> out;
    while (st.step()) out.push_back(read_freeze(st));
    return out;
}

bool FreezeRepo::remove(WorkspaceId ws, FreezeId id) {
    db_.prepare("DELETE FROM freezes WHERE workspace_id = ? AND id = ?").bind_all(ws, id).run();
    return db_.changes() > 0;
}

}  // namespace releasebot
