// CommsRepo: stakeholder communications of releases — drafts, their review and when they
// were sent. A release has a few; they are read per release (list, gate, release events) or
// one by id (commands, timed sends).
//
// The audience names of a communication are stored as one comma-separated column: audience
// names cannot contain commas (commands/channel_commands.cpp refuses them), and the list is
// only ever read whole.
#include "storage/comms_repo.hpp"

#include <string_view>

#include "storage/columns.hpp"
#include "storage/database.hpp"

namespace releasebot {

namespace {

std::string join_names(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) {
        if (!out.empty()) out += ',';
        out += n;
    }
    return out;
}

std::vector<std::string> split_names(std::string_view s) {
    std::vector<std::string> out;
    while (!s.empty()) {
        auto comma = s.find(',');
        auto part = s.substr(0, comma);
        if (!part.empty()) out.emplace_back(part);
        if (comma == std::string_view::npos) break;
        s.remove_prefix(comma + 1);
    }
    return out;
}

constexpr std::string_view kColumns =
    "id, workspace_id, release_id, author, body, audiences, trigger_kind, trigger_at, status, "
    "reviewer, reviewed_at, review_comment, sent_at, created_at, updated_at";

std::string select_comms(std::string_view rest) {
    std::string sql = "SELECT ";
    sql += kColumns;
    sql += " FROM communications ";
    sql += rest;
    return sql;
}

// A value outside the CHECK constraints cannot be read back from SQLite, so the fallbacks
// below only guard against a hand-edited database; they pick the state that sends nothing.
Communication read_comm(const Statement& st) {
    Communication c;
    c.id = CommsId(st.get_int(0));
    c.workspace = WorkspaceId(st.get_int(1));
    c.release = ReleaseId(st.get_int(2));
    c.author = UserId(st.get_text(3));
    c.body = st.get_text(4);
    c.audiences = split_names(st.get_text(5));
    c.trigger = parse_comms_trigger(st.get_text(6)).value_or(CommsTrigger::now);
    c.trigger_at = instant_of(st.get_opt_int(7));
    c.status = parse_comms_status(st.get_text(8)).value_or(CommsStatus::draft);
    if (auto r = st.get_opt_text(9)) c.reviewer = UserId(*r);
    c.reviewed_at = instant_of(st.get_opt_int(10));
    c.review_comment = st.get_opt_text(11);
    c.sent_at = instant_of(st.get_opt_int(12));
    c.created_at = Instant(Seconds(st.get_int(13)));
    c.updated_at = Instant(Seconds(st.get_int(14)));
    return c;
}

std::optional<std::string> reviewer_of(const Communication& c) {
    if (!c.reviewer) return std::nullopt;
    return c.reviewer->value();
}

}  // namespace

CommsId CommsRepo::insert(const Communication& c) {
    db_.prepare(
           "INSERT INTO communications (workspace_id, release_id, author, body, audiences, "
           "trigger_kind, trigger_at, status, reviewer, reviewed_at, review_comment, sent_at, "
           "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind_all(c.workspace, c.release, c.author, c.body, join_names(c.audiences),
                  to_string(c.trigger), seconds_of(c.trigger_at), to_string(c.status),
                  reviewer_of(c), seconds_of(c.reviewed_at), c.review_comment,
                  seconds_of(c.sent_at), seconds_of(c.created_at), seconds_of(c.updated_at))
        .run();
    return CommsId(db_.last_insert_id());
}

std::optional<Communication> CommsRepo::get(WorkspaceId ws, CommsId id) {
    static const std::string sql = select_comms("WHERE workspace_id = ? AND id = ?");
    auto st = db_.prepare(sql);
    st.bind_all(ws, id);
    if (!st.step()) return std::nullopt;
    return read_comm(st);
}

void CommsRepo::update(const Communication& c) {
    db_.prepare(
           "UPDATE communications SET body = ?, audiences = ?, trigger_kind = ?, trigger_at = ?, "
           "status = ?, reviewer = ?, reviewed_at = ?, review_comment = ?, sent_at = ?, "
           "updated_at = ? WHERE id = ?")
        .bind_all(c.body, join_names(c.audiences), to_string(c.trigger), seconds_of(c.trigger_at),
                  to_string(c.status), reviewer_of(c), seconds_of(c.reviewed_at), c.review_comment,
                  seconds_of(c.sent_at), seconds_of(c.updated_at), c.id)
        .run();
}

std::vector<Communication> CommsRepo::for_release(ReleaseId r) {
    static const std::string sql = select_comms("WHERE release_id = ? ORDER BY id");
    auto st = db_.prepare(sql);
    st.bind_all(r);
    std::vector<Communication> out;
    while (st.step()) out.push_back(read_comm(st));
    return out;
}

std::vector<Communication> CommsRepo::unsent(WorkspaceId ws) {
    static const std::string sql = select_comms(
        "WHERE workspace_id = ? AND status IN ('draft', 'approved', 'rejected') ORDER BY id");
    auto st = db_.prepare(sql);
    st.bind_all(ws);
    std::vector<Communication> out;
    while (st.step()) out.push_back(read_comm(st));
    return out;
}

}  // namespace releasebot
