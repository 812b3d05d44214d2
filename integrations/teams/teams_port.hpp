// TeamsPort: the ChatPort for Microsoft Teams. Channel posts go to the stored conversation
// (serviceUrl from the ConversationRef); direct messages reuse the user's personal conversation
// (stored when the bot was installed for them) or create one with the tenant's last known
// serviceUrl; the release status message is sent once and then updated in place. Teams'
// per-conversation pace (about 7 a second, 60 in 30 seconds) is the minimum interval.
#pragma once

#include <chrono>
#include <string>

#include "bot/runtime/chat_port.hpp"
#include "integrations/teams/adaptive_card.hpp"
#include "integrations/teams/connector.hpp"

namespace releasebot {
class Database;
}

namespace releasebot::teams {

// The display names of a tenant's people as releasebot knows them (from their activities), for
// mentions rendered as <at>Name</at> or @Name.
NameLookup names_in(Database& db, const std::string& tenant);

class TeamsPort final : public ChatPort {
  public:
    // `db` is the delivering thread's connection (conversation references live there).
    TeamsPort(ConnectorClient& connector, Database& db) : connector_(connector), db_(db) {}
    std::string platform() const override { return "teams"; }
    Delivery post(const ConversationRef& where, const Reply& reply) override;
    Delivery direct(const std::string& tenant, const UserId& to, const Reply& reply) override;
    Delivery update(const ConversationRef& where, const std::string& message_ref,
                    const Reply& reply) override;
    std::chrono::milliseconds min_interval() const override {
        return std::chrono::milliseconds(500);
    }

  private:
    ConnectorClient& connector_;
    Database& db_;
};

}  // namespace releasebot::teams
