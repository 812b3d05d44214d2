// Slack over HTTP: signature first, then decode, then the pipeline, answering well inside
// Slack's 3-second window (the pipeline's transaction takes microseconds; slow work goes
// through the outbox). See events_http.hpp.
#include "integrations/slack/events_http.hpp"

#include <boost/json.hpp>
#include <chrono>

#include "integrations/http/form.hpp"
#include "integrations/slack/block_kit.hpp"
#include "integrations/slack/signature.hpp"
#include "integrations/slack/slack_decode.hpp"

namespace releasebot::slack {

namespace {

HttpResponse json_response(int status, const boost::json::value& v) {
    return {status, "application/json", boost::json::serialize(v), {}};
}

HttpResponse error_response(int status, const std::string& message) {
    return json_response(status, boost::json::object{{"error", message}});
}

// The answer as Slack expects it in the response body: a slash command's reply, a refused
// form's errors, or nothing.
HttpResponse answer_response(const SlackAnswer& answer) {
    if (answer.form_errors) return {200, "application/json", *answer.form_errors, {}};
    if (!answer.reply) return {200, "application/json", "", {}};
    boost::json::object body;
    body["response_type"] =
        answer.reply->visibility == Visibility::channel ? "in_channel" : "ephemeral";
    body["text"] = message_text(*answer.reply);
    body["blocks"] = boost::json::parse(blocks_json(*answer.reply));
    return json_response(200, body);
}

}  // namespace

SlackHttpReceiver::SlackHttpReceiver(Pipeline& pipeline, std::string signing_secret,
                                     std::function<long long()> now_unix)
    : pipeline_(pipeline),
      secret_(std::move(signing_secret)),
      now_unix_(std::move(now_unix)),
      receiver_(std::make_unique<SlackReceiver>(nullptr, nullptr)) {
    if (!now_unix_) {
        now_unix_ = [] {
            return static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count());
        };
    }
}

SlackHttpReceiver::~SlackHttpReceiver() = default;

void SlackHttpReceiver::use_web_api(SlackWebApi* bot_api, SlackUserDirectory* users) {
    receiver_ = std::make_unique<SlackReceiver>(bot_api, users);
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
        pipeline_.handle(receiver_->event_callback(std::move(**event)));
        return {200, "application/json", "", {}};
    }
    if (path == "/slack/commands") {
        auto form = http::form_fields(req.body);
        if (!form) return error_response(400, form.error().message);
        // Slack gives a slash command no id of its own; its trigger_id is unique per invocation.
        auto trigger = form->find("trigger_id");
        if (trigger == form->end() || trigger->second.empty())
            return error_response(400, "The slash command has no trigger_id.");
        auto decoded = decode_slash_command_form(req.body, "slack:trigger:" + trigger->second);
        if (!decoded) return error_response(400, decoded.error().message);
        const Event event = receiver_->slash_command(std::move(*decoded));
        Outcome outcome = pipeline_.handle(event);
        return answer_response(receiver_->answer(event, outcome));
    }
    if (path == "/slack/interactive") {
        auto form = http::form_fields(req.body);
        if (!form) return error_response(400, form.error().message);
        auto payload = form->find("payload");
        if (payload == form->end())
            return error_response(400, "An interactivity request carries a `payload` field.");
        // No key given: the event is keyed by its trigger_id, which a retried delivery keeps.
        auto decoded = decode_interactive(payload->second, "");
        if (!decoded) return error_response(400, decoded.error().message);
        auto event = receiver_->interaction(std::move(*decoded));
        // The Answer button's survey form is open: nothing more to say.
        if (!event) return {200, "application/json", "", {}};
        Outcome outcome = pipeline_.handle(*event);
        // Before the answer: an HTTP receiver has no moment after it.
        receiver_->answered(*event, outcome);
        return answer_response(receiver_->answer(*event, outcome));
    }
    return error_response(404, "Unknown Slack endpoint " + path +
                                   ": use /slack/events, /slack/commands or /slack/interactive.");
}

}  // namespace releasebot::slack
