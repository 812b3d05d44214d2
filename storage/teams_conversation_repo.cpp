// TeamsConversationRepo: the Teams conversation references (migration 5), written on every
// authenticated activity and read by the TeamsPort for proactive messages. One row per tenant
// and conversation; an upsert a request, a point lookup per delivery.
#include "storage/teams_conversation_repo.hpp"

#include "storage/columns.hpp"
#include "storage/database.hpp"

namespace releasebot {

namespace {

constexpr const char* kColumns =
    "tenant, conversation_id, conversation_type, service_url, user_id, team_id, updated_at";

TeamsConversation row_of(Statement& st) {
    TeamsConversation c;
    c.tenant = st.get_text(0);
    c.conversation_id = st.get_text(1);
    c.conversation_type = st.get_text(2);
    c.service_url = st.get_text(3);
    c.user_id = st.get_opt_text(4);
    c.team_id = st.get_opt_text(5);
    c.updated_at = instant_of(st.get_int(6));
    return c;
}

}  // namespace

void TeamsConversationRepo::upsert(const TeamsConversation& c) {
    // A later activity without the user or team (an invoke carries less channelData) must not
    // erase what an earlier one told us, hence the COALESCE.
    db_.prepare(
           "INSERT INTO teams_conversations (tenant, conversation_id, conversation_type, "
           "service_url, user_id, team_id, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
           "ON CONFLICT (tenant, conversation_id) DO UPDATE SET "
           "conversation_type = excluded.conversation_type, service_url = excluded.service_url, "
           "user_id = COALESCE(excluded.user_id, user_id), "
           "team_id = COALESCE(excluded.team_id, team_id), updated_at = excluded.updated_at")
        .bind_all(c.tenant, c.conversation_id, c.conversation_type, c.service_url, c.user_id,
                  c.team_id, seconds_of(c.updated_at))
        .run();
}

std::optional<TeamsConversation> TeamsConversationRepo::find(const std::string& tenant,
                                                             const std::string& conversation_id) {
    auto st = db_.prepare(std::string("SELECT ") + kColumns +
                          " FROM teams_conversations WHERE tenant = ? AND conversation_id = ?");
    st.bind_all(tenant, conversation_id);
    if (!st.step()) return std::nullopt;
    return row_of(st);
}

std::optional<TeamsConversation> TeamsConversationRepo::personal_of(const std::string& tenant,
                                                                    const std::string& user_id) {
    auto st = db_.prepare(std::string("SELECT ") + kColumns +
                          " FROM teams_conversations WHERE tenant = ? AND user_id = ? AND "
                          "conversation_type = 'personal' ORDER BY updated_at DESC LIMIT 1");
    st.bind_all(tenant, user_id);
    if (!st.step()) return std::nullopt;
    return row_of(st);
}

std::optional<std::string> TeamsConversationRepo::service_url_of(const std::string& tenant) {
    auto st = db_.prepare(
        "SELECT service_url FROM teams_conversations WHERE tenant = ? "
        "ORDER BY updated_at DESC LIMIT 1");
    st.bind(1, tenant);
    if (!st.step()) return std::nullopt;
    return st.get_text(0);
}

}  // namespace releasebot
