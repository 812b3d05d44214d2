// Teams conversation references: every conversation the bot was installed in or spoken to,
// with its serviceUrl, so replies, status updates and proactive messages (reminders, surveys,
// announcements) can reach it later.
#pragma once

#include <optional>
#include <string>

#include "storage/records.hpp"

namespace releasebot {

class Database;

struct TeamsConversation {
    std::string tenant;
    std::string conversation_id;
    std::string conversation_type;  // personal | groupChat | channel
    std::string service_url;
    std::optional<std::string> user_id;  // personal conversations: the user ("29:…")
    std::optional<std::string> team_id;
    Instant updated_at;
};

class TeamsConversationRepo {
  public:
    explicit TeamsConversationRepo(Database& db) : db_(db) {}

    // Inserts or refreshes (service URL, type, user, team, time) the reference.
    void upsert(const TeamsConversation& c);
    std::optional<TeamsConversation> find(const std::string& tenant,
                                          const std::string& conversation_id);
    // The user's personal (1:1) conversation with the bot, the most recently seen.
    std::optional<TeamsConversation> personal_of(const std::string& tenant,
                                                 const std::string& user_id);
    // The serviceUrl most recently seen in the tenant (to create a conversation), if any.
    std::optional<std::string> service_url_of(const std::string& tenant);

  private:
    Database& db_;
};

}  // namespace releasebot
