// SlackPort: the ChatPort for Slack. Channel posts are chat.postMessage, direct messages open
// the IM with conversations.open first (cached), messages for one person in a channel are
// chat.postEphemeral, the release status message is posted once and then edited with
// chat.update, and a reply with an attached file (a CSV export) is uploaded as that file
// (files.getUploadURLExternal, the upload, files.completeUploadExternal), falling back to the
// reply's code block when the upload fails. Slack's per-channel pace (about one message a second)
// is the minimum interval; 429 answers carry Retry-After back to the outbox sender.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "bot/runtime/chat_port.hpp"
#include "bot/runtime/event.hpp"
#include "bot/runtime/reply_codec.hpp"
#include "integrations/slack/web_api.hpp"

namespace releasebot::slack {

class SlackPort final : public ChatPort {
  public:
    // `min_interval`: the pace per destination, Slack's one message a second by default (tests
    // against an emulator without rate limits pass 0).
    explicit SlackPort(SlackWebApi& api,
                       std::chrono::milliseconds min_interval = std::chrono::milliseconds(1000))
        : api_(api), min_interval_(min_interval) {}
    std::string platform() const override { return "slack"; }
    Delivery post(const ConversationRef& where, const Reply& reply) override;
    Delivery direct(const std::string& tenant, const UserId& to, const Reply& reply) override;
    // chat.postEphemeral. In a DM the message is simply posted (only the two of them are
    // there); when Slack cannot show it to the person in that channel (they left it, the bot is
    // not in it) it goes to them by direct message instead.
    Delivery ephemeral(const ConversationRef& where, const UserId& user,
                       const Reply& reply) override;
    Delivery update(const ConversationRef& where, const std::string& message_ref,
                    const Reply& reply) override;
    std::chrono::milliseconds min_interval() const override { return min_interval_; }
    // Every chat.postMessage carries Slack message metadata (event_type "releasebot_outbox")
    // naming the outbox row and the part of it; find_delivered reads conversations.history (or
    // conversations.replies in a thread) with include_all_metadata and reports the row delivered
    // when all its parts are there. Ephemeral messages and files cannot be found that way: they
    // stay at-least-once. A lookup Slack could not answer now is a not-ok Delivery (retry later);
    // one it can never answer (no history scope) is nullopt, so the message is posted again.
    void set_outbox_key(const std::string& outbox_key) override { outbox_key_ = outbox_key; }
    std::optional<Delivery> find_delivered(const Destination& where, const std::string& outbox_key,
                                           std::chrono::sys_seconds since) override;

    // Uploads `reply.file` into `where` with the reply's text as its comment. Not ok when the
    // reply has no file or any of the three steps failed; nothing is posted then.
    Delivery share_file(const ConversationRef& where, const Reply& reply);

  private:
    Delivery post_parts(const ConversationRef& where, const Reply& reply);
    // The IM channel with `user` (conversations.open, cached); empty with `failed` set if not.
    std::string im_channel(const UserId& user, Delivery& failed);
    std::string outbox_key_;
    SlackWebApi& api_;
    std::chrono::milliseconds min_interval_;
    std::map<std::string, std::string> dm_channels_;  // user id → IM channel id
};

}  // namespace releasebot::slack
