// PlanRepo: the deploy and backout plans of each release, as ordered steps. Positions are kept
// 1..n within each plan, so `release step <key> <n>` and `plan remove` address what
// `plan show` printed.
#include "storage/plan_repo.hpp"

#include <algorithm>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/columns.hpp"
#include "storage/database.hpp"

namespace releasebot {

namespace {

std::optional<std::int64_t> count_of(const std::optional<Seconds>& d) {
    if (!d) return std::nullopt;
    return static_cast<std::int64_t>(d->count());
}

std::optional<std::string> owner_of(const std::optional<Owner>& o) {
    if (!o) return std::nullopt;
    return o->stored();
}

// Column order read by read_step().
constexpr std::string_view kStepColumns =
    "id, release_id, plan, position, title, owner, expected_s, status, done_by, done_at, note";

std::string select_steps(std::string_view rest) {
    std::string sql = "SELECT ";
    sql += kStepColumns;
    sql += " FROM plan_steps ";
    sql += rest;
    return sql;
}

PlanStep read_step(const Statement& st) {
    PlanStep s;
    s.id = StepId(st.get_int(0));
    s.release = ReleaseId(st.get_int(1));
    // The CHECK constraints admit only known names; the fallbacks are never taken.
    s.plan = parse_plan_kind(st.get_text(2)).value_or(PlanKind::deploy);
    s.position = static_cast<int>(st.get_int(3));
    s.title = st.get_text(4);
    s.owner = Owner::from_stored(st.get_opt_text(5));
    if (auto expected = st.get_opt_int(6)) s.expected = Seconds(*expected);
    s.status = parse_step_status(st.get_text(7)).value_or(StepStatus::pending);
    if (auto by = st.get_opt_text(8)) s.done_by = UserId(*by);
    if (auto at = st.get_opt_int(9)) s.done_at = Instant(Seconds(*at));
    s.note = st.get_opt_text(10);
    return s;
}

}  // namespace

std::vector<PlanStep> PlanRepo::steps(ReleaseId r, PlanKind plan) {
    static const std::string sql =
        select_steps("WHERE release_id = ? AND plan = ? ORDER BY position, id");
    auto st = db_.prepare(sql);
    st.bind_all(r, to_string(plan));
    std::vector<PlanStep> out;
    while (st.step()) out.push_back(read_step(st));
    return out;
}

std::optional<PlanStep> PlanRepo::at(ReleaseId r, PlanKind plan, int number) {
    static const std::string sql =
        select_steps("WHERE release_id = ? AND plan = ? AND position = ?");
    auto st = db_.prepare(sql);
    st.bind_all(r, to_string(plan), number);
    if (!st.step()) return std::nullopt;
    return read_step(st);
}

StepId PlanRepo::add(const PlanStep& s) {
    db_.prepare(
           "INSERT INTO plan_steps (release_id, plan, position, title, owner, expected_s, "
           "status, done_by, done_at, note) VALUES (?1, ?2, "
           "(SELECT COALESCE(MAX(position), 0) + 1 FROM plan_steps "
           "WHERE release_id = ?1 AND plan = ?2), ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
        .bind_all(s.release, to_string(s.plan), s.title, owner_of(s.owner), count_of(s.expected),
                  to_string(s.status), s.done_by, seconds_of(s.done_at), s.note)
        .run();
    return StepId(db_.last_insert_id());
}

void PlanRepo::update(const PlanStep& s) {
    db_.prepare(
           "UPDATE plan_steps SET status = ?, done_by = ?, done_at = ?, note = ?, owner = ?, "
           "title = ?, expected_s = ? WHERE id = ?")
        .bind_all(to_string(s.status), s.done_by, seconds_of(s.done_at), s.note, owner_of(s.owner),
                  s.title, count_of(s.expected), s.id)
        .run();
}

// The release and plan are read from the stored row, not from `s`, so a caller holding a stale
// copy still renumbers the plan the step really belonged to.
void PlanRepo::remove(const PlanStep& s) {
    Transaction tx(db_);
    std::optional<std::pair<std::int64_t, std::string>> where;
    {
        auto st = db_.prepare("SELECT release_id, plan FROM plan_steps WHERE id = ?");
        st.bind_all(s.id);
        if (st.step()) where.emplace(st.get_int(0), st.get_text(1));
    }
    if (!where) return;
    db_.prepare("DELETE FROM plan_steps WHERE id = ?").bind_all(s.id).run();
    write_positions(ReleaseId(where->first), where->second, std::nullopt, 0);
    tx.commit();
}

void PlanRepo::place(StepId id, int position) {
    Transaction tx(db_);
    std::optional<std::pair<std::int64_t, std::string>> where;
    {
        auto st = db_.prepare("SELECT release_id, plan FROM plan_steps WHERE id = ?");
        st.bind_all(id);
        if (st.step()) where.emplace(st.get_int(0), st.get_text(1));
    }
    if (!where) return;
    write_positions(ReleaseId(where->first), where->second, id, position);
    tx.commit();
}

// Rewrites positions as 1..n in their current order, with `moved` (when given) taken out and put
// back at `to`; row by row, since an UPDATE that reads its own table to count predecessors would
// depend on SQLite's evaluation order.
void PlanRepo::write_positions(ReleaseId r, const std::string& plan, std::optional<StepId> moved,
                               int to) {
    std::vector<std::int64_t> ids;
    {
        auto st = db_.prepare(
            "SELECT id FROM plan_steps WHERE release_id = ? AND plan = ? ORDER BY position, id");
        st.bind_all(r, plan);
        while (st.step()) ids.push_back(st.get_int(0));
    }
    if (moved) {
        std::erase(ids, moved->value());
        std::size_t at = to < 1 ? 0 : std::min(static_cast<std::size_t>(to - 1), ids.size());
        ids.insert(ids.begin() + static_cast<std::ptrdiff_t>(at), moved->value());
    }
    for (std::size_t i = 0; i < ids.size(); ++i) {
        db_.prepare("UPDATE plan_steps SET position = ?1 WHERE id = ?2 AND position <> ?1")
            .bind_all(static_cast<std::int64_t>(i + 1), ids[i])
            .run();
    }
}

int PlanRepo::count(ReleaseId r, PlanKind plan) {
    auto st = db_.prepare("SELECT COUNT(*) FROM plan_steps WHERE release_id = ? AND plan = ?");
    st.bind_all(r, to_string(plan));
    st.step();
    return static_cast<int>(st.get_int(0));
}

}  // namespace releasebot
