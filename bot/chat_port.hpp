// ChatPort: how the runtime speaks to a platform. Slack, Teams and the console implement it;
// the outbox sender delivers every Outbound through the port of its platform.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "commands/actor.hpp"
#include "commands/reply.hpp"

namespace releasebot {

struct Delivery {
    bool ok = false;
    bool permanent = false;  // retrying cannot help (channel not found, not allowed)
    std::optional<std::chrono::seconds> retry_after;  // the platform asked us to wait
    std::string error;
    std::string message_ref;  // platform id of the posted message (Slack ts), for updates
};

class ChatPort {
public:
    virtual ~ChatPort() = default;
    virtual std::string platform() const = 0;
    virtual Delivery post(const ConversationRef& where, const Reply& reply) = 0;
    virtual Delivery direct(const std::string& tenant, const UserId& to, const Reply& reply) = 0;
    // A message in `where` that only `user` sees (Slack chat.postEphemeral). Platforms without
    // such messages send it to the person directly instead, which keeps it private.
    virtual Delivery ephemeral(const ConversationRef& where, const UserId& user,
                               const Reply& reply) {
        return direct(where.tenant, user, reply);
    }

    // The release status message (M12): posted once, then edited in place with update().
    // Platforms that cannot edit fall back to posting anew.
    virtual Delivery post_status(const ConversationRef& where, const Reply& reply) {
        return post(where, reply);
    }
    virtual Delivery update(const ConversationRef& where, const std::string& message_ref,
                            const Reply& reply) {
        (void)message_ref;
        return post_status(where, reply);
    }

    // The least time between two messages to one destination (Slack: about one per second per
    // channel); the outbox sender spaces deliveries by it.
    virtual std::chrono::milliseconds min_interval() const { return std::chrono::milliseconds(0); }
};

}  // namespace releasebot
