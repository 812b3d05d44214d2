// Slack over HTTP: signature first, then decode, then the pipeline, answering well inside
// Slack's 3-second window (the pipeline's transaction takes microseconds; slow work goes
// through the outbox). See events_http.hpp.
#include "integrations/slack/events_http.hpp"

#include <boost/json.hpp>
#include <chrono>

#include "integrations/slack/block_kit.hpp"
#include "integrations/slack/signature.hpp"
#include "integrations/slack/slack_decode.hpp"
#include "integrations/slack/slack_port.hpp"

namespace releasebot::slack {

namespace {

HttpResponse json_response(int status, const boost::json::value& v) {
    return {status, "application/json", boost::json::serialize(v), {}};
}

HttpResponse error_response(int status, const std::string& message) {
    return json_response(status, boost::json::object{{"error", message}});
}

// The slash command's reply as Slack expects it in the response body.
HttpResponse slash_reply(const Outcome& outcome) {
    if (outcome.duplicate) return {200, "application/json", "", {}};
    boost::json::object body;
    body["response_type"] =
        outcome.reply.visibility == Visibility::channel ? "in_channel" : "ephemeral";
    body["text"] = message_text(outcome.reply);
    body["blocks"] = boost::json::parse(blocks_json(outcome.reply));
    return json_response(200, body);
}

}  // namespace

SlackHttpReceiver::SlackHttpReceiver(Pipeline& pipeline, std::string signing_secret,
                                     std::function<long long()> now_unix)
    : pipeline_(pipeline), secret_(std::move(signing_secret)), now_unix_(std::move(now_unix)) {
    if (!now_unix_) {
        now_unix_ = [] {
            return static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count());
        };
    }
}

void SlackHttpReceiver::use_web_api(SlackWebApi* bot_api, SlackUserDirectory* users) {
    bot_api_ = bot_api;
    users_ = users;
}

void SlackHttpReceiver::mount(HttpServer& server) {
    server.route("/slack/", [this](const HttpRequest& req) { return handle(req); });
}

HttpResponse SlackHttpReceiver::handle(const HttpRequest& req) {
    if (req.method != "POST") {
        HttpResponse r = error_response(405, "Slack requests are POSTed.");
        r.headers["Allow"] = "POST";
        return r;
    }
    auto verified = verify(secret_, req.header("x-slack-request-timestamp"), req.body,
                           req.header("x-slack-signature"), now_unix_());
    if (!verified) return error_response(401, verified.error().message);

    std::string path = req.target.substr(0, req.target.find('?'));
    if (path == "/slack/events") {
        auto event = decode_event_callback(req.body);
        if (!event) {
            // The url_verification handshake, once per setup, is the one body that is answered
            // without being an event; it is looked for only when the body is not one.
            if (auto challenge = decode_url_verification(req.body))
                return json_response(200, boost::json::object{{"challenge", *challenge}});
            return error_response(400, event.error().message);
        }
        if (!*event) return {200, "application/json", "", {}};  // an event we do not act on
        Event e = std::move(**event);
        fill_actor(e, users_);
        e.reply_in_outbox = true;
        pipeline_.handle(e);
        return {200, "application/json", "", {}};
    }
    if (path == "/slack/commands") {
        auto form = decode_form(req.body);
        if (!form) return error_response(400, form.error().message);
        // Slack gives a slash command no id of its own; its trigger_id is unique per invocation.
        auto trigger = form->find("trigger_id");
        if (trigger == form->end() || trigger->second.empty())
            return error_response(400, "The slash command has no trigger_id.");
        auto event = decode_slash_command_form(req.body, "slack:trigger:" + trigger->second);
        if (!event) return error_response(400, event.error().message);
        fill_actor(*event, users_);
        Outcome outcome = pipeline_.handle(*event);
        // An export goes up as a file where it can (then the answer adds nothing); its code
        // block is the answer when it cannot.
        if (!outcome.duplicate && outcome.reply.file &&
            outcome.reply.visibility == Visibility::channel && bot_api_ != nullptr &&
            SlackPort(*bot_api_).share_file(event->conversation, outcome.reply).ok) {
            return {200, "application/json", "", {}};
        }
        return slash_reply(outcome);
    }
    if (path == "/slack/interactive") {
        auto form = decode_form(req.body);
        if (!form) return error_response(400, form.error().message);
        auto payload = form->find("payload");
        if (payload == form->end())
            return error_response(400, "An interactivity request carries a `payload` field.");
        // No key given: the event is keyed by its trigger_id, which a retried delivery keeps.
        auto event = decode_interactive(payload->second, "");
        if (!event) return error_response(400, event.error().message);
        if (open_survey(*event, bot_api_)) return {200, "application/json", "", {}};
        fill_actor(*event, users_);
        event->reply_in_outbox = true;
        // A refused form answer is shown in the form, which stays open with the answers.
        event->ack_shows_errors = event->kind == EventKind::submission;
        Outcome outcome = pipeline_.handle(*event);
        if (!outcome.duplicate) clear_answered_prompt(*event, bot_api_);
        if (event->ack_shows_errors && outcome.reply.is_error && !outcome.duplicate)
            return {200, "application/json", form_errors_json(outcome.reply, event->fields), {}};
        return {200, "application/json", "", {}};
    }
    return error_response(404, "Unknown Slack endpoint " + path +
                                   ": use /slack/events, /slack/commands or /slack/interactive.");
}

}  // namespace releasebot::slack
