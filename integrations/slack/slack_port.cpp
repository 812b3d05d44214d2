// SlackPort: delivers outbox messages through Slack's Web API. Replies are rendered with
// block_kit.hpp (split when longer than one message allows); the answer of each call is turned
// into a Delivery the outbox sender understands: the message's `ts` as its reference, HTTP 429
// as "come back after Retry-After", and the errors no retry can cure as permanent.
#include "integrations/slack/slack_port.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

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

constexpr std::string_view kOutboxEvent = "releasebot_outbox";
// How far before the recorded attempt the lookup starts: clocks of bot and Slack differ.
constexpr std::chrono::minutes kLookupMargin{10};
// Pages of history read looking for one message (a few thousand messages at most).
constexpr int kLookupPages = 20;

// A reply that rendered to no Slack message: retrying cannot help.
Delivery nothing_to_post() {
    Delivery d;
    d.error = "nothing to post: the reply rendered to no Slack message";
    d.permanent = true;
    return d;
}

}  // namespace

Delivery SlackPort::post(const ConversationRef& where, const Reply& reply) {
    // A file goes up as a file; its code block is what people see when that cannot be done.
    if (reply.file) {
        Delivery shared = share_file(where, reply);
        if (shared.ok) return shared;
    }
    return post_parts(where, reply);
}

Delivery SlackPort::share_file(const ConversationRef& where, const Reply& reply) {
    Delivery d;
    if (!reply.file) {
        d.error = "the reply has no file to upload";
        d.permanent = true;
        return d;
    }
    const Attachment& file = *reply.file;
    if (file.content.empty()) {
        d.error = "Slack does not take empty files";  // files.getUploadURLExternal: length >= 1
        d.permanent = true;
        return d;
    }
    ApiResult url = api_.call_form(
        "files.getUploadURLExternal",
        {{"filename", file.filename}, {"length", std::to_string(file.content.size())}});
    if (!url.ok) return to_delivery(url, "files.getUploadURLExternal", where.channel);
    const std::string upload_url = json_field(url.body, "upload_url");
    const std::string file_id = json_field(url.body, "file_id");
    if (upload_url.empty() || file_id.empty()) {
        d.error = "Slack files.getUploadURLExternal returned no upload_url or file_id";
        return d;
    }
    ApiResult sent = api_.upload(upload_url, file.content);
    if (!sent.ok) return to_delivery(sent, "the file upload", where.channel);

    boost::json::array files{boost::json::object{{"id", file_id}, {"title", file.filename}}};
    std::vector<std::pair<std::string, std::string>> fields{
        {"files", boost::json::serialize(files)},
        {"channel_id", where.channel},
        {"initial_comment", reply.text}};
    if (where.thread) fields.emplace_back("thread_ts", *where.thread);
    ApiResult done = api_.call_form("files.completeUploadExternal", fields);
    d = to_delivery(done, "files.completeUploadExternal", where.channel);
    d.message_ref.clear();  // a shared file has no message ts to edit later
    return d;
}

Delivery SlackPort::ephemeral(const ConversationRef& where, const UserId& user,
                              const Reply& reply) {
    // A DM with the bot is already private; an ephemeral message there would vanish on reload.
    if (!where.channel.empty() && where.channel.front() == 'D') return post(where, reply);
    Delivery first;
    bool have_first = false;
    for (const Reply& part : split_for_slack(reply)) {
        boost::json::value body =
            boost::json::parse(post_message_body(where.channel, where.thread, part));
        body.as_object()["user"] = user.value();
        ApiResult r = api_.call("chat.postEphemeral", boost::json::serialize(body));
        if (!r.ok && !have_first &&
            (r.error == "user_not_in_channel" || r.error == "channel_not_found" ||
             r.error == "not_in_channel" || r.error == "is_archived")) {
            // Slack cannot show it there; it still reaches the person, privately.
            return direct(where.tenant, user, reply);
        }
        Delivery d = to_delivery(r, "chat.postEphemeral", where.channel);
        if (!d.ok) return d;
        if (!have_first) {
            d.message_ref = json_field(r.body, "message_ts");
            first = d;
            have_first = true;
        }
    }
    return have_first ? first : nothing_to_post();
}

Delivery SlackPort::post_parts(const ConversationRef& where, const Reply& reply) {
    // A long reply becomes several messages; the first one's ts identifies it (status updates
    // edit that one). A failure part-way reports the failure, so the row is retried whole.
    Delivery first;
    bool have_first = false;
    const std::vector<Reply> parts = split_for_slack(reply);
    for (std::size_t i = 0; i < parts.size(); ++i) {
        std::string body = post_message_body(where.channel, where.thread, parts[i]);
        if (!outbox_key_.empty()) {
            boost::json::value json = boost::json::parse(body);
            json.as_object()["metadata"] = boost::json::object{
                {"event_type", kOutboxEvent},
                {"event_payload",
                 boost::json::object{{"key", outbox_key_},
                                     {"part", static_cast<std::int64_t>(i)},
                                     {"parts", static_cast<std::int64_t>(parts.size())}}}};
            body = boost::json::serialize(json);
        }
        ApiResult r = api_.call("chat.postMessage", body);
        Delivery d = to_delivery(r, "chat.postMessage", where.channel);
        if (!d.ok) return d;
        if (!have_first) {
            first = d;
            have_first = true;
        }
    }
    return have_first ? first : nothing_to_post();
}

std::string SlackPort::im_channel(const UserId& to, Delivery& failed) {
    auto cached = dm_channels_.find(to.value());
    if (cached != dm_channels_.end()) return cached->second;
    boost::json::object body;
    body["users"] = to.value();
    ApiResult r = api_.call("conversations.open", boost::json::serialize(body));
    if (!r.ok) {
        failed = to_delivery(r, "conversations.open", to.value());
        return "";
    }
    std::string channel = json_field(r.body, "channel.id");
    if (channel.empty()) {
        failed = Delivery{};
        failed.error = "Slack conversations.open for " + to.value() + " returned no channel id";
        return "";
    }
    dm_channels_.emplace(to.value(), channel);
    return channel;
}

Delivery SlackPort::direct(const std::string& tenant, const UserId& to, const Reply& reply) {
    (void)tenant;  // one bot token serves one workspace
    Delivery failed;
    std::string channel = im_channel(to, failed);
    if (channel.empty()) return failed;
    ConversationRef im{"slack", tenant, channel, std::nullopt, std::nullopt};
    Delivery d = post(im, reply);
    // The IM may have been closed or the user removed since it was cached: ask again next time.
    if (!d.ok && d.permanent) dm_channels_.erase(to.value());
    return d;
}

std::optional<Delivery> SlackPort::find_delivered(const Destination& where,
                                                  const std::string& outbox_key,
                                                  std::chrono::sys_seconds since) {
    if (outbox_key.empty()) return std::nullopt;
    std::string channel;
    std::optional<std::string> thread;
    if (where.channel) {
        channel = where.channel->channel;
        thread = where.channel->thread;
        // An ephemeral message leaves nothing to find (except in a DM, where it is posted).
        if (where.ephemeral_to && (channel.empty() || channel.front() != 'D')) return std::nullopt;
    } else if (where.user) {
        Delivery failed;
        channel = im_channel(*where.user, failed);
        if (channel.empty()) return failed.permanent ? std::nullopt : std::optional(failed);
    }
    if (channel.empty()) return std::nullopt;

    const auto oldest = (since - kLookupMargin).time_since_epoch().count();
    const std::string method = thread ? "conversations.replies" : "conversations.history";
    std::set<std::int64_t> found;
    std::int64_t parts = 0;
    std::string first_ts;
    // A busy channel can hold more than one page since the attempt: history comes newest
    // first, so each further page ends (`latest`) where the last one stopped.
    std::optional<std::string> latest;
    for (int page = 0; page < kLookupPages; ++page) {
        std::vector<std::pair<std::string, std::string>> fields{
            {"channel", channel},
            {"oldest", std::to_string(std::max<std::int64_t>(oldest, 0)) + ".000000"},
            {"include_all_metadata", "true"},
            {"limit", "200"}};
        if (thread) fields.emplace_back("ts", *thread);
        if (latest) fields.emplace_back("latest", *latest);
        ApiResult r = api_.call_form(method, fields);
        if (!r.ok) {
            Delivery d = to_delivery(r, method, channel);
            // Slack can never answer (no history scope, no such channel): post again rather
            // than lose the message.
            if (d.permanent || r.error == "thread_not_found") return std::nullopt;
            return d;
        }
        boost::system::error_code ec;
        boost::json::value answer = boost::json::parse(r.body, ec);
        const boost::json::object* top = ec ? nullptr : answer.if_object();
        const boost::json::value* messages = top ? top->if_contains("messages") : nullptr;
        if (messages == nullptr || !messages->is_array()) break;

        std::string page_oldest;
        for (const auto& m : messages->get_array()) {
            const auto* msg = m.if_object();
            const auto* ts = msg ? msg->if_contains("ts") : nullptr;
            if (ts && ts->is_string()) {
                const std::string t(ts->get_string());
                if (page_oldest.empty() ||
                    std::strtod(t.c_str(), nullptr) < std::strtod(page_oldest.c_str(), nullptr))
                    page_oldest = t;
            }
            const auto* meta = msg ? msg->if_contains("metadata") : nullptr;
            const auto* meta_obj = meta ? meta->if_object() : nullptr;
            if (meta_obj == nullptr) continue;
            const auto* type = meta_obj->if_contains("event_type");
            const auto* payload = meta_obj->if_contains("event_payload");
            if (!type || !type->is_string() || type->get_string() != kOutboxEvent || !payload ||
                !payload->is_object())
                continue;
            const auto& p = payload->get_object();
            const auto* key = p.if_contains("key");
            if (!key || !key->is_string() || key->get_string() != outbox_key) continue;
            const auto* part = p.if_contains("part");
            const auto* count = p.if_contains("parts");
            const std::int64_t index = part && part->is_int64() ? part->get_int64() : 0;
            parts = std::max<std::int64_t>(
                parts, count && count->is_int64() ? count->get_int64() : std::int64_t{1});
            found.insert(index);
            if (index == 0 && ts && ts->is_string()) first_ts = std::string(ts->get_string());
        }
        const auto* more = top->if_contains("has_more");
        // A thread's replies come oldest first in one answer; only the history pages back.
        if (thread || !more || !more->is_bool() || !more->get_bool() || page_oldest.empty() ||
            page_oldest == latest)
            break;
        latest = page_oldest;
    }
    // Only some parts out: posting the whole reply again repeats those, but loses nothing.
    if (found.empty() || static_cast<std::int64_t>(found.size()) < parts) return std::nullopt;
    Delivery d;
    d.ok = true;
    d.message_ref = first_ts;
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
