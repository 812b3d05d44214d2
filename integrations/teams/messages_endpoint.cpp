// The Teams messaging endpoint (see messages_endpoint.hpp). The order of checks is the order of
// cost and trust: method, presence of a token, the body being an activity, the token's validity
// for that activity's channel and serviceUrl; only then does the receiver store anything. A
// message is answered 200 once the pipeline committed (the reply rides the outbox, so Teams'
// 15-second limit is never at risk); an invoke's answer is the response body.
#include "integrations/teams/messages_endpoint.hpp"

#include <boost/json.hpp>
#include <stdexcept>

#include "bot/runtime/log.hpp"
#include "integrations/teams/activity.hpp"
#include "integrations/teams/bot_auth.hpp"

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

}  // namespace

MessagesEndpoint::MessagesEndpoint(Pipeline& pipeline, Database& db, BotAuthenticator* auth,
                                   bool loopback_only)
    : receiver_(pipeline, db), auth_(auth) {
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

void MessagesEndpoint::mount(HttpServer& server) {
    server.route("/api/messages", [this](const HttpRequest& req) { return handle(req); });
}

HttpResponse MessagesEndpoint::handle(const HttpRequest& req) {
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
        ActivityAnswer answer = receiver_.receive(*activity);
        return {answer.status,
                answer.body.empty() ? "" : "application/json",
                std::move(answer.body),
                {}};
    } catch (const std::exception& e) {
        // Not acknowledged: Teams retries, and the pipeline's dedupe keeps the retry harmless.
        log::error("teams", std::string("could not handle an activity: ") + e.what());
        return error_response(500,
                              "releasebot could not process the activity; it will be retried.");
    }
}

}  // namespace releasebot::teams
