// The Slack receiver: payload to Event, outcome to answer. See receiver.hpp.
#include "integrations/slack/receiver.hpp"

#include <boost/json.hpp>
#include <iostream>
#include <string_view>
#include <utility>

#include "integrations/slack/block_kit.hpp"
#include "integrations/slack/slack_decode.hpp"
#include "integrations/slack/slack_port.hpp"

namespace releasebot::slack {

SlackReceiver::SlackReceiver(SlackWebApi* bot_api, SlackUserDirectory* users)
    : bot_api_(bot_api), users_(users) {}

Event SlackReceiver::slash_command(Event event) {
    fill_actor(event);
    return event;
}

Event SlackReceiver::event_callback(Event event) {
    fill_actor(event);
    // A mention's answer cannot ride on the ack: the pipeline queues it instead.
    event.reply_in_outbox = true;
    return event;
}

std::optional<Event> SlackReceiver::interaction(Event event, std::string* problem) {
    event.reply_in_outbox = true;
    // A refused form answer is shown in the form, which stays open with the answers.
    event.ack_shows_errors = event.kind == EventKind::submission;
    // The Answer button opens a form and changes nothing, so it needs no pipeline.
    if (open_survey(event, problem)) return std::nullopt;
    fill_actor(event);
    return event;
}

SlackAnswer SlackReceiver::answer(const Event& event, Outcome& outcome, bool can_reply) const {
    SlackAnswer out;
    if (outcome.duplicate) return out;
    if (event.ack_shows_errors && outcome.reply.is_error) {
        out.form_errors = form_errors_json(outcome.reply, event.fields);
        return out;
    }
    if (event.reply_in_outbox || !can_reply) return out;
    // An export is shared as a file where Slack takes one (the answer then says nothing more);
    // its code block is the answer when the upload did not work.
    if (outcome.reply.file && outcome.reply.visibility == Visibility::channel &&
        bot_api_ != nullptr &&
        SlackPort(*bot_api_).share_file(event.conversation, outcome.reply).ok) {
        return out;
    }
    out.reply = std::move(outcome.reply);
    return out;
}

void SlackReceiver::answered(const Event& event, const Outcome& outcome) const {
    if (outcome.duplicate || bot_api_ == nullptr || !answers_prompt(event)) return;
    ApiResult r = bot_api_->respond(event.fields.at("response_url"), R"({"delete_original":true})");
    if (!r.ok)
        std::cerr << "releasebot: slack: could not remove an answered prompt: " << r.error << "\n";
}

bool SlackReceiver::answers_prompt(const Event& event) {
    // A confirmation's buttons carry "yes <code>" / "no <code>"; once pressed, the prompt they
    // sit in has been answered, and its buttons would only say so if pressed again.
    return event.kind == EventKind::action && event.action_id == "command" &&
           (event.value.rfind("yes ", 0) == 0 || event.value.rfind("no ", 0) == 0) &&
           event.fields.count("response_url") == 1;
}

void SlackReceiver::fill_actor(Event& event) const {
    if (users_ == nullptr || event.actor.user.value().empty()) return;
    auto person = users_->lookup(event.actor.user.value());
    if (!person) return;
    if (!person->display_name.empty()) event.actor.display_name = person->display_name;
    if (person->time_zone) event.actor.time_zone = person->time_zone;
}

bool SlackReceiver::open_survey(Event& event, std::string* problem) const {
    if (event.kind != EventKind::action || event.action_id != "survey.open") return false;
    SurveyButton button = decode_survey_button(event.value);
    auto trigger = event.fields.find("trigger_id");
    auto why = [&](std::string text) {
        if (problem != nullptr && problem->empty()) *problem = std::move(text);
    };
    if (bot_api_ == nullptr) why("no bot token to open forms with");
    if (!button.survey) why("the survey did not fit in its button; it is answered by typing");
    if (trigger == event.fields.end()) why("the press carried no trigger_id");
    if (bot_api_ != nullptr && button.survey && trigger != event.fields.end()) {
        boost::system::error_code ec;
        boost::json::value view =
            boost::json::parse(survey_view_json(*button.survey, button.answer_prefix), ec);
        if (!ec) {
            boost::json::object body{{"trigger_id", trigger->second}, {"view", std::move(view)}};
            ApiResult r = bot_api_->call("views.open", boost::json::serialize(body));
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
