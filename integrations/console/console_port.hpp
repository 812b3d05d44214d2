// ConsolePort: the ChatPort of the terminal. What the bot would post to a channel or send as a
// direct message on Slack or Teams is printed instead, under a rule saying where it went, so a
// console user sees every message the release would produce.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "bot/runtime/chat_port.hpp"

namespace releasebot {

class ConsolePort final : public ChatPort {
  public:
    // Writes to `out`, which must outlive the port.
    explicit ConsolePort(std::ostream& out) : out_(out) {}

    std::string platform() const override { return "console"; }
    // Prints "── #<channel> ──" and the rendered reply.
    Delivery post(const ConversationRef& where, const Reply& reply) override;
    // Prints "── DM to @<user> ──" and the rendered reply.
    Delivery direct(const std::string& tenant, const UserId& to, const Reply& reply) override;
    // The release status message: the terminal just showed the reply that changed the release,
    // so the status is one line ("status of web-2026.12: planned, 5 blockers") rather than the
    // whole view again; `release show` draws it in full.
    Delivery post_status(const ConversationRef& where, const Reply& reply) override;
    Delivery update(const ConversationRef& where, const std::string& message_ref,
                    const Reply& reply) override;

  private:
    Delivery print(const std::string& rule, const Reply& reply);
    // Flushes what was written and reports it delivered as `ref_prefix` and its number, or
    // failed for good when the terminal could not take it.
    Delivery flushed(const std::string& ref_prefix);

    std::ostream& out_;
    std::int64_t printed_ = 0;
};

}  // namespace releasebot
