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

struct Destination;  // bot/runtime/reply_codec.hpp

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

    // The release status message: posted once, then edited in place with update().
    // Platforms that cannot edit fall back to posting anew.
    virtual Delivery post_status(const ConversationRef& where, const Reply& reply) {
        return post(where, reply);
    }
    virtual Delivery update(const ConversationRef& where, const std::string& message_ref,
                            const Reply& reply) {
        (void)message_ref;
        return post_status(where, reply);
    }

    // A crash between the platform accepting a message and the outbox marking it sent
    // must not make the restarted bot say it again. The sender names the outbox row being
    // delivered before each call (empty after it), so that a port can tag what it posts with
    // it; and for a row whose earlier attempt was in flight at a crash it asks find_delivered,
    // which returns that earlier delivery (with its message_ref) when the platform shows the
    // message arrived. Platforms that cannot look messages up keep the defaults, and with them
    // at-least-once delivery.
    virtual void set_outbox_key(const std::string& outbox_key) { (void)outbox_key; }
    virtual std::optional<Delivery> find_delivered(const Destination& where,
                                                   const std::string& outbox_key,
                                                   std::chrono::sys_seconds since) {
        (void)where;
        (void)outbox_key;
        (void)since;
        return std::nullopt;
    }

    // The least time between two messages to one destination (Slack: about one per second per
    // channel); the outbox sender spaces deliveries by it.
    virtual std::chrono::milliseconds min_interval() const { return std::chrono::milliseconds(0); }
};

}  // namespace releasebot
