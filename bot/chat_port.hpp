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
};

}  // namespace releasebot
