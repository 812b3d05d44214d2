// TeamsReceiver: POST /api/messages (see teams_receiver.hpp). The order of checks is the
// order of cost and trust: method, presence of a token, the body being an activity, the
// token's validity for that activity's channel and serviceUrl; only then is anything stored.
// A message is answered 200 once the pipeline committed (the reply rides the outbox, so Teams'
// 15-second limit is never at risk). An Action.Execute invoke gets its answer in the response:
// the pressed button's result as a message, or — for a survey submit — a card that replaces the
// form, so it cannot be sent twice by mistake.
#include "integrations/teams/teams_receiver.hpp"

#include <boost/json.hpp>
#include <chrono>
#include <stdexcept>

#include "bot/runtime/log.hpp"
#include "integrations/teams/activity.hpp"
#include "integrations/teams/adaptive_card.hpp"
#include "integrations/teams/bot_auth.hpp"
#include "integrations/teams/teams_port.hpp"
#include "storage/database.hpp"
#include "storage/teams_conversation_repo.hpp"

namespace releasebot::teams {

namespace {

namespace json = boost::json;

HttpResponse json_response(int status, const json::value& v) {
    return {status, "application/json", json::serialize(v), {}};
}

HttpResponse error_response(int status, const std::string& message) {
    return json_response(status, json::object{{"error", message}});
}

// A 401 names the scheme it wants (RFC 9110): a Bearer token from the Bot Framework.
HttpResponse unauthorized(const std::string& message) {
    HttpResponse r = error_response(401, message);
    r.headers["WWW-Authenticate"] = "Bearer";
    return r;
}

// The invoke response of Universal Actions: {statusCode, type, value}.
HttpResponse invoke_message(const std::string& text) {
    return json_response(200, json::object{{"statusCode", 200},
                                           {"type", "application/vnd.microsoft.activity.message"},
                                           {"value", text}});
}

HttpResponse invoke_card(const Reply& reply, const NameLookup& names) {
    // The card is JSON text already: spliced in as it is, not parsed back and serialized again.
    return {200,
            "application/json",
            R"({"statusCode":200,"type":"application/vnd.microsoft.card.adaptive","value":)" +
                adaptive_card_json(reply, names) + "}",
            {}};
}

HttpResponse invoke_error(int status, const std::string& code, const std::string& message) {
    return json_response(
        200, json::object{{"statusCode", status},
                          {"type", "application/vnd.microsoft.error"},
                          {"value", json::object{{"code", code}, {"message", message}}}});
}

}  // namespace

TeamsReceiver::TeamsReceiver(Pipeline& pipeline, Database& db, BotAuthenticator* auth,
                             bool loopback_only)
    : pipeline_(pipeline), db_(db), auth_(auth) {
    if (auth_ == nullptr) {
        if (!loopback_only) {
            throw std::invalid_argument(
                "Teams: no app id is configured, so activities cannot be authenticated; that is "
                "allowed only on a loopback listen address (127.0.0.1 or ::1). Set the Teams app "
                "id and password, or listen on 127.0.0.1.");
        }
        log::warn("teams",
                  "no app id configured: /api/messages accepts unauthenticated activities "
                  "(loopback listener only, for local tools)");
    }
}

void TeamsReceiver::mount(HttpServer& server) {
    server.route("/api/messages", [this](const HttpRequest& req) { return handle(req); });
}

HttpResponse TeamsReceiver::handle(const HttpRequest& req) {
    if (req.method != "POST") {
        HttpResponse r =
            error_response(405, "The Bot Framework POSTs activities to /api/messages.");
        r.headers["Allow"] = "POST";
        return r;
    }
    const std::string& authorization = req.header("authorization");
    if (auth_ != nullptr && authorization.empty()) {
        log::warn("teams", "401 for a request to /api/messages: no Authorization header");
        return unauthorized("The request carries no Authorization header (Bearer token).");
    }
    auto activity = decode_activity(req.body);
    if (!activity) return error_response(400, activity.error().message);

    if (auth_ != nullptr) {
        auto caller =
            auth_->authenticate(authorization, activity->channel_id, activity->service_url);
        if (!caller) {
            // The reason names the failed check (expired, audience, signature…), never the token.
            log::warn("teams", "401 for a " + activity->type + " activity from " +
                                   activity->service_url + ": " + caller.error().message);
            return unauthorized("Unauthorized: " + caller.error().message);
        }
    }

    try {
        // The reference and the event commit together: one durable commit per activity, and an
        // activity answered 200 has both stored. (A refused or duplicate event is undone in its
        // own savepoint; the reference stays.)
        Transaction tx(db_);
        // Every conversation the bot hears from can be reached later (proactive messages,
        // status updates), so its reference is stored before anything else is done.
        if (!activity->tenant.empty() && (activity->conversation_type == "personal" ||
                                          activity->conversation_type == "groupChat" ||
                                          activity->conversation_type == "channel")) {
            TeamsConversation c;
            c.tenant = activity->tenant;
            c.conversation_id = activity->conversation_id;
            c.conversation_type = activity->conversation_type;
            c.service_url = activity->service_url;
            if (activity->conversation_type == "personal" && !activity->from_id.empty() &&
                activity->from_id != activity->recipient_id)
                c.user_id = activity->from_id;
            if (!activity->team_id.empty()) c.team_id = activity->team_id;
            c.updated_at = std::chrono::time_point_cast<Seconds>(std::chrono::system_clock::now());
            TeamsConversationRepo(db_).upsert(c);
        }

        const bool invoke = activity->type == "invoke";
        if (invoke && activity->name != "adaptiveCard/action") {
            tx.commit();
            return error_response(501, "releasebot answers only adaptiveCard/action invokes, not " +
                                           activity->name + ".");
        }
        auto event = to_event(*activity);
        if (!event) {
            tx.commit();
            if (invoke) {
                return invoke_error(400, "BadRequest",
                                    "This card action carries no action releasebot knows. Type "
                                    "`help` to see the commands.");
            }
            return {200, "", "", {}};  // conversationUpdate, typing, …
        }
        if (!invoke) {
            pipeline_.handle(*event);
            tx.commit();
            return {200, "", "", {}};
        }

        // A survey's answer replaces the form; any other press runs its command, whose answer
        // goes to the conversation like a typed command's (everyone sees what changed) and is
        // shown to the presser at once.
        const bool submission = event->kind == EventKind::submission;
        event->reply_in_outbox = !submission;
        event->ack_shows_reply = true;
        Outcome outcome = pipeline_.handle(*event);
        tx.commit();
        if (outcome.duplicate) return invoke_message("Already done.");
        const NameLookup names = names_in(db_, activity->tenant);
        // A refused form (no answers, retro closed) keeps the form on screen: the answer is a
        // message, so nothing typed into the card is lost.
        if (submission && !outcome.reply.is_error) return invoke_card(outcome.reply, names);
        std::string text = outcome.reply.text;
        if (text.empty()) text = outcome.reply.is_error ? "That did not work." : "Done.";
        // Teams shows this message as it is, without markdown: plain words, mentions by name.
        return invoke_message(plain_text(text, names));
    } catch (const std::exception& e) {
        // Not acknowledged: Teams retries, and the pipeline's dedupe keeps the retry harmless.
        log::error("teams", std::string("could not handle an activity: ") + e.what());
        return error_response(500,
                              "releasebot could not process the activity; it will be retried.");
    }
}

}  // namespace releasebot::teams
