// The Teams activity receiver. See activity_receiver.hpp.
#include "integrations/teams/activity_receiver.hpp"

#include <boost/json.hpp>
#include <chrono>

#include "integrations/teams/adaptive_card.hpp"
#include "integrations/teams/teams_port.hpp"
#include "storage/database.hpp"
#include "storage/teams_conversation_repo.hpp"

namespace releasebot::teams {

namespace {

namespace json = boost::json;

// The invoke response of Universal Actions: {statusCode, type, value}.
ActivityAnswer invoke_message(const std::string& text) {
    return {200,
            json::serialize(json::object{{"statusCode", 200},
                                         {"type", "application/vnd.microsoft.activity.message"},
                                         {"value", text}})};
}

ActivityAnswer invoke_card(const Reply& reply, const NameLookup& names) {
    // The card is JSON text already: spliced in as it is, not parsed back and serialized again.
    return {200, R"({"statusCode":200,"type":"application/vnd.microsoft.card.adaptive","value":)" +
                     adaptive_card_json(reply, names) + "}"};
}

ActivityAnswer invoke_error(int status, const std::string& code, const std::string& message) {
    return {200, json::serialize(
                     json::object{{"statusCode", status},
                                  {"type", "application/vnd.microsoft.error"},
                                  {"value", json::object{{"code", code}, {"message", message}}}})};
}

// Every conversation the bot hears from can be reached later (proactive messages, status
// updates).
void remember_conversation(Database& db, const TeamsActivity& activity) {
    if (activity.tenant.empty() ||
        (activity.conversation_type != "personal" && activity.conversation_type != "groupChat" &&
         activity.conversation_type != "channel"))
        return;
    TeamsConversation c;
    c.tenant = activity.tenant;
    c.conversation_id = activity.conversation_id;
    c.conversation_type = activity.conversation_type;
    c.service_url = activity.service_url;
    if (activity.conversation_type == "personal" && !activity.from_id.empty() &&
        activity.from_id != activity.recipient_id)
        c.user_id = activity.from_id;
    if (!activity.team_id.empty()) c.team_id = activity.team_id;
    c.updated_at = std::chrono::time_point_cast<Seconds>(std::chrono::system_clock::now());
    TeamsConversationRepo(db).upsert(c);
}

}  // namespace

ActivityReceiver::ActivityReceiver(Pipeline& pipeline, Database& db)
    : pipeline_(pipeline), db_(db) {}

ActivityAnswer ActivityReceiver::receive(const TeamsActivity& activity) {
    // The reference and the event commit together: one durable commit per activity, and an
    // activity answered 200 has both stored. (A refused or duplicate event is undone in its own
    // savepoint; the reference stays.) The reference is stored before anything else is done.
    Transaction tx(db_);
    remember_conversation(db_, activity);

    const bool invoke = activity.type == "invoke";
    if (invoke && activity.name != "adaptiveCard/action") {
        tx.commit();
        return {501, json::serialize(json::object{
                         {"error", "releasebot answers only adaptiveCard/action invokes, not " +
                                       activity.name + "."}})};
    }
    auto event = to_event(activity);
    if (!event) {
        tx.commit();
        if (invoke) {
            return invoke_error(400, "BadRequest",
                                "This card action carries no action releasebot knows. Type "
                                "`help` to see the commands.");
        }
        return {};  // conversationUpdate, typing, …
    }
    if (!invoke) {
        pipeline_.handle(*event);
        tx.commit();
        return {};
    }

    // A survey's answer replaces the form; any other press runs its command, whose answer goes
    // to the conversation like a typed command's (everyone sees what changed) and is shown to
    // the presser at once.
    const bool submission = event->kind == EventKind::submission;
    event->reply_in_outbox = !submission;
    event->ack_shows_reply = true;
    Outcome outcome = pipeline_.handle(*event);
    tx.commit();
    if (outcome.duplicate) return invoke_message("Already done.");
    const NameLookup names = names_in(db_, activity.tenant);
    // A refused form (no answers, retro closed) keeps the form on screen: the answer is a
    // message, so nothing typed into the card is lost.
    if (submission && !outcome.reply.is_error) return invoke_card(outcome.reply, names);
    std::string text = outcome.reply.text;
    if (text.empty()) text = outcome.reply.is_error ? "That did not work." : "Done.";
    // Teams shows this message as it is, without markdown: plain words, mentions by name.
    return invoke_message(plain_text(text, names));
}

}  // namespace releasebot::teams
