// AudienceRepo: the workspace's named announcement destinations. One row is one channel of one
// audience, so "stakeholders" on Slack and on Teams is two rows sharing a name. A workspace has
// a handful; they are read whole when a communication is drafted or sent.
#include "storage/audience_repo.hpp"

#include <string_view>

#include "storage/database.hpp"

namespace releasebot {

namespace {

constexpr std::string_view kColumns =
    "id, workspace_id, name, platform, tenant, channel, service_url, added_by, added_at";

std::string select_audiences(std::string_view rest) {
    std::string sql = "SELECT ";
    sql += kColumns;
    sql += " FROM audiences ";
    sql += rest;
    return sql;
}

Audience read_audience(const Statement& st) {
    Audience a;
    a.id = AudienceId(st.get_int(0));
    a.workspace = WorkspaceId(st.get_int(1));
    a.name = st.get_text(2);
    a.platform = st.get_text(3);
    a.tenant = st.get_text(4);
    a.channel = st.get_text(5);
    a.service_url = st.get_opt_text(6);
    a.added_by = UserId(st.get_text(7));
    a.added_at = Instant(Seconds(st.get_int(8)));
    return a;
}

}  // namespace

// The UNIQUE (workspace, name, platform, channel) constraint makes a repeated add a no-op
// rather than an error, so the caller learns about the duplicate from the return value.
bool AudienceRepo::add(const Audience& a) {
    db_.prepare(
           "INSERT INTO audiences (workspace_id, name, platform, tenant, channel, service_url, "
           "added_by, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
           "ON CONFLICT (workspace_id, name, platform, channel) DO NOTHING")
        .bind_all(a.workspace, a.name, a.platform, a.tenant, a.channel, a.service_url, a.added_by,
                  static_cast<std::int64_t>(a.added_at.time_since_epoch().count()))
        .run();
    return db_.changes() > 0;
}

std::vector<Audience> AudienceRepo::list(WorkspaceId ws) {
    static const std::string sql =
        select_audiences("WHERE workspace_id = ? ORDER BY name, platform, channel, id");
    auto st = db_.prepare(sql);
    st.bind_all(ws);
    std::vector<Audience> out;
    while (st.step()) out.push_back(read_audience(st));
    return out;
}

// `name` compares with the column's NOCASE collation.
std::vector<Audience> AudienceRepo::named(WorkspaceId ws, const std::string& name) {
    static const std::string sql =
        select_audiences("WHERE workspace_id = ? AND name = ? ORDER BY platform, channel, id");
    auto st = db_.prepare(sql);
    st.bind_all(ws, name);
    std::vector<Audience> out;
    while (st.step()) out.push_back(read_audience(st));
    return out;
}

int AudienceRepo::remove(WorkspaceId ws, const std::string& name) {
    db_.prepare("DELETE FROM audiences WHERE workspace_id = ? AND name = ?")
        .bind_all(ws, name)
        .run();
    return db_.changes();
}

int AudienceRepo::remove(WorkspaceId ws, const std::string& name, const std::string& platform,
                         const std::string& channel) {
    db_.prepare(
           "DELETE FROM audiences WHERE workspace_id = ? AND name = ? AND platform = ? AND "
           "channel = ?")
        .bind_all(ws, name, platform, channel)
        .run();
    return db_.changes();
}

}  // namespace releasebot
