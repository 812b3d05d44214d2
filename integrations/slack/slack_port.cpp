// SlackPort: delivers outbox messages through Slack's Web API. Replies are rendered with
// block_kit.hpp (split when longer than one message allows); the answer of each call is turned
// into a Delivery the outbox sender understands: the message's `ts` as its reference, HTTP 429
// as "come back after Retry-After", and the errors no retry can cure as permanent. Also the two
// things both receivers do with the bot token before the pipeline (fill_actor, open_survey).
#include "integrations/slack/slack_port.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
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
    if (!have_first) {
        first.error = "nothing to post: the reply rendered to no Slack message";
        first.permanent = true;
    }
    return first;
}

Delivery SlackPort::post_parts(const ConversationRef& where, const Reply& reply) {
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

void fill_actor(Event& event, SlackUserDirectory* users) {
    if (users == nullptr || event.actor.user.value().empty()) return;
    auto person = users->lookup(event.actor.user.value());
    if (!person) return;
    if (!person->display_name.empty()) event.actor.display_name = person->display_name;
    if (person->time_zone) event.actor.time_zone = person->time_zone;
}

bool open_survey(Event& event, SlackWebApi* bot_api, std::string* problem) {
    if (event.kind != EventKind::action || event.action_id != "survey.open") return false;
    SurveyButton button = decode_survey_button(event.value);
    auto trigger = event.fields.find("trigger_id");
    auto why = [&](std::string text) {
        if (problem != nullptr && problem->empty()) *problem = std::move(text);
    };
    if (bot_api == nullptr) why("no bot token to open forms with");
    if (!button.survey) why("the survey did not fit in its button; it is answered by typing");
    if (trigger == event.fields.end()) why("the press carried no trigger_id");
    if (bot_api != nullptr && button.survey && trigger != event.fields.end()) {
        boost::system::error_code ec;
        boost::json::value view =
            boost::json::parse(survey_view_json(*button.survey, button.answer_prefix), ec);
        if (!ec) {
            boost::json::object body{{"trigger_id", trigger->second}, {"view", std::move(view)}};
            ApiResult r = bot_api->call("views.open", boost::json::serialize(body));
            // A redelivered press finds its trigger already used: the modal is open already.
            if (r.ok || r.error == "exchanged_trigger_id") return true;
            why("views.open failed: " + r.error);
        }
    }
    constexpr std::string_view kRetroAnswer = "retro answer ";
    if (button.answer_prefix.rfind(kRetroAnswer, 0) == 0) {
        event.action_id = "command";
        event.value = "retro status " + button.answer_prefix.substr(kRetroAnswer.size());
    }
    return false;
}

}  // namespace releasebot::slack
