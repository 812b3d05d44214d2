// SlackPort: delivers outbox messages through Slack's Web API. Replies are rendered with
// block_kit.hpp (split when longer than one message allows); the answer of each call is turned
// into a Delivery the outbox sender understands: the message's `ts` as its reference, HTTP 429
// as "come back after Retry-After", and the errors no retry can cure as permanent.
#include "integrations/slack/slack_port.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <string_view>

#include "integrations/slack/block_kit.hpp"

namespace releasebot::slack {

namespace {

// Slack errors that mean the message can never be delivered as addressed: retrying only burns
// the rate limit. Everything else (timeouts, 5xx, internal_error) is worth another attempt.
constexpr std::array<std::string_view, 10> kPermanent = {
    "channel_not_found", "not_in_channel", "invalid_auth", "account_inactive", "is_archived",
    "user_not_found",    "token_revoked",  "not_authed",   "missing_scope",    "restricted_action",
};

bool is_permanent(const std::string& error) {
    return std::find(kPermanent.begin(), kPermanent.end(), error) != kPermanent.end();
}

Delivery to_delivery(const ApiResult& r, const std::string& method, const std::string& where) {
    Delivery d;
    if (r.ok) {
        d.ok = true;
        d.message_ref = json_field(r.body, "ts");
        return d;
    }
    d.retry_after = r.retry_after;
    d.permanent = !r.retry_after && is_permanent(r.error);
    d.error = "Slack " + method + " to " + where + " failed: " + r.error;
    return d;
}

}  // namespace

Delivery SlackPort::post(const ConversationRef& where, const Reply& reply) {
    // A long reply becomes several messages; the first one's ts identifies it (status updates
    // edit that one). A failure part-way reports the failure, so the row is retried whole.
    Delivery first;
    bool have_first = false;
    for (const Reply& part : split_for_slack(reply)) {
        ApiResult r =
            api_.call("chat.postMessage", post_message_body(where.channel, where.thread, part));
        Delivery d = to_delivery(r, "chat.postMessage", where.channel);
        if (!d.ok) return d;
        if (!have_first) {
            first = d;
            have_first = true;
        }
    }
    if (!have_first) {
        first.error = "nothing to post: the reply rendered to no Slack message";
        first.permanent = true;
    }
    return first;
}

Delivery SlackPort::direct(const std::string& tenant, const UserId& to, const Reply& reply) {
    (void)tenant;  // one bot token serves one workspace
    auto cached = dm_channels_.find(to.value());
    if (cached == dm_channels_.end()) {
        boost::json::object body;
        body["users"] = to.value();
        ApiResult r = api_.call("conversations.open", boost::json::serialize(body));
        if (!r.ok) return to_delivery(r, "conversations.open", to.value());
        std::string channel = json_field(r.body, "channel.id");
        if (channel.empty()) {
            Delivery d;
            d.error = "Slack conversations.open for " + to.value() + " returned no channel id";
            return d;
        }
        cached = dm_channels_.emplace(to.value(), std::move(channel)).first;
    }
    ConversationRef im{"slack", tenant, cached->second, std::nullopt, std::nullopt};
    Delivery d = post(im, reply);
    // The IM may have been closed or the user removed since it was cached: ask again next time.
    if (!d.ok && d.permanent) dm_channels_.erase(to.value());
    return d;
}

Delivery SlackPort::update(const ConversationRef& where, const std::string& message_ref,
                           const Reply& reply) {
    // The status message is one message; if it outgrew one, its first part is what is edited.
    std::vector<Reply> parts = split_for_slack(reply);
    const Reply& first = parts.empty() ? reply : parts.front();
    ApiResult r = api_.call("chat.update", update_message_body(where.channel, message_ref, first));
    if (!r.ok && (r.error == "message_not_found" || r.error == "cant_update_message" ||
                  r.error == "edit_window_closed")) {
        // The message was deleted or can no longer be edited: post it anew, and the new ts
        // becomes the status message from now on.
        return post(where, reply);
    }
    Delivery d = to_delivery(r, "chat.update", where.channel);
    if (d.ok && d.message_ref.empty()) d.message_ref = message_ref;
    return d;
}

}  // namespace releasebot::slack
