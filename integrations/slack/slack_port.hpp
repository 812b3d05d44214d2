// SlackPort: the ChatPort for Slack. Channel posts are chat.postMessage, direct messages open
// the IM with conversations.open first (cached), the release status message is posted once and
// then edited with chat.update; Slack's per-channel pace (about one message a second) is the
// minimum interval; 429 answers carry Retry-After back to the outbox sender.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "bot/chat_port.hpp"
#include "integrations/slack/web_api.hpp"

namespace releasebot::slack {

class SlackPort final : public ChatPort {
public:
    explicit SlackPort(SlackWebApi& api) : api_(api) {}
    std::string platform() const override { return "slack"; }
    Delivery post(const ConversationRef& where, const Reply& reply) override;
    Delivery direct(const std::string& tenant, const UserId& to, const Reply& reply) override;
    Delivery update(const ConversationRef& where, const std::string& message_ref,
                    const Reply& reply) override;
    std::chrono::milliseconds min_interval() const override {
        return std::chrono::milliseconds(1000);
    }

private:
    SlackWebApi& api_;
    std::map<std::string, std::string> dm_channels_;  // user id → IM channel id
};

}  // namespace releasebot::slack
