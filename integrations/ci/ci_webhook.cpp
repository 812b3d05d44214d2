// The CI webhook: cheap checks first (method, headers, the replay window), then the workspace's
// secret and the signature in constant time, then the body (simdjson DOM: a webhook body is
// small and every field is read), then one Event through the pipeline. Nothing is written
// before the signature verifies, and a request refused at any step changes nothing. See
// ci_webhook.hpp.
#include "integrations/ci/ci_webhook.hpp"

#include <simdjson.h>

#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <set>

#include "integrations/http/hmac.hpp"
#include "storage/database.hpp"
#include "storage/workspace_repo.hpp"
#include "storage/workspace_secret_repo.hpp"

namespace releasebot::ci {

namespace {

constexpr std::size_t kSignatureLength = 7 + 64;  // "sha256=" and 64 hex digits
constexpr std::size_t kMaxDelivery = 200;
constexpr std::size_t kMaxBody = 64 * 1024;  // a CI report is a few hundred bytes
constexpr std::string_view kPrefix = "/hooks/ci";

HttpResponse json_response(int status, const boost::json::object& v) {
    return {status, "application/json", boost::json::serialize(v), {}};
}

HttpResponse error_response(int status, const std::string& message) {
    return json_response(status, boost::json::object{{"error", message}});
}

// One answer for an unknown workspace and a wrong signature, so a caller cannot tell which.
HttpResponse unauthorized() {
    return error_response(
        401,
        "The X-Releasebot-Signature does not match: sign \"<timestamp>.<delivery>.<body>\" with "
        "HMAC-SHA256 under the secret `ci secret` shows, and POST to the URL it shows.");
}

// The fields each action takes; required ones first in the message, all strings.
const std::map<std::string, std::set<std::string>>& action_fields() {
    static const std::map<std::string, std::set<std::string>> fields = {
        {"control.tick", {"release", "control", "evidence", "note", "by"}},
        {"component.report", {"release", "program", "component", "version", "url", "sha256", "by"}},
    };
    return fields;
}

struct Body {
    std::string action;
    std::map<std::string, std::string> fields;
};

Result<Body> decode(const std::string& raw) {
    static thread_local simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (auto e = parser.parse(raw).get(doc))
        return usage_error(std::string("The body is not valid JSON (") +
                           simdjson::error_message(e) + ").");
    simdjson::dom::object obj;
    if (doc.get(obj))
        return usage_error(
            "The body must be a JSON object like {\"action\": \"control.tick\", "
            "\"release\": \"web-2026.12\", \"control\": \"package-integrity\"}.");
    Body body;
    for (auto [key, value] : obj) {
        std::string_view s;
        if (value.get(s))
            return usage_error("The field \"" + std::string(key) + "\" must be a string.");
        if (key == "action") {
            body.action = std::string(s);
        } else {
            body.fields[std::string(key)] = std::string(s);
        }
    }
    if (body.action.empty())
        return usage_error(
            "The field \"action\" is missing: use \"control.tick\" or "
            "\"component.report\".");
    auto allowed = action_fields().find(body.action);
    if (allowed == action_fields().end())
        return usage_error("The action \"" + body.action +
                           "\" is not one the CI webhook takes: use \"control.tick\" or "
                           "\"component.report\".");
    for (const auto& [key, value] : body.fields) {
        (void)value;
        if (!allowed->second.count(key))
            return usage_error("The field \"" + key + "\" is not one \"" + body.action +
                               "\" takes.");
    }
    return body;
}

// "ci" or "ci:<by>" for the user the change is recorded under.
Result<std::string> ci_user(const std::map<std::string, std::string>& fields) {
    auto it = fields.find("by");
    if (it == fields.end() || it->second.empty()) return std::string("ci");
    const std::string& by = it->second;
    bool ok = by.size() <= 64;
    for (char c : by)
        ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.');
    if (!ok)
        return usage_error(
            "The field \"by\" must be a short name of letters, digits, - _ and ., "
            "like \"gitlab-ci\".");
    return "ci:" + by;
}

}  // namespace

std::string sign(std::string_view secret, std::string_view timestamp, std::string_view delivery,
                 std::string_view body) {
    std::string base;
    base.reserve(timestamp.size() + delivery.size() + body.size() + 2);
    base.append(timestamp).append(".").append(delivery).append(".").append(body);
    std::string digest = http::hmac_sha256_hex(secret, base);
    if (digest.empty()) return {};
    return "sha256=" + digest;
}

namespace {

// The window check alone; it needs no secret, so it runs before the workspace is looked up.
Status check_timestamp(std::string_view timestamp, long long now_unix) {
    if (timestamp.empty())
        return forbidden(
            "The request has no X-Releasebot-Timestamp header (Unix seconds, "
            "e.g. $(date +%s)).");
    const auto age = http::signed_age(timestamp, now_unix);
    if (!age) return forbidden("The X-Releasebot-Timestamp header is not a Unix time in seconds.");
    if (std::string late = http::outside_replay_window(*age); !late.empty()) {
        return forbidden(late +
                         "; requests are accepted within 300 s. Sign each request when it is "
                         "sent, and check the clocks.");
    }
    return ok_status();
}

Status check_signature_format(std::string_view signature, std::string& given) {
    if (signature.empty())
        return forbidden("The request has no X-Releasebot-Signature header (\"sha256=<hex>\").");
    if (signature.size() != kSignatureLength || signature.substr(0, 7) != "sha256=")
        return forbidden(
            "The X-Releasebot-Signature header is not \"sha256=\" followed by 64 "
            "hex digits.");
    given = "sha256=";
    if (!http::append_lower_hex(signature.substr(7), given))
        return forbidden(
            "The X-Releasebot-Signature header is not \"sha256=\" followed by "
            "64 hex digits.");
    return ok_status();
}

bool same(const std::string& a, const std::string& b) {
    return http::equal_constant_time(a, b);
}

}  // namespace

Status verify(std::string_view secret, std::string_view timestamp, std::string_view delivery,
              std::string_view body, std::string_view signature, long long now_unix) {
    RB_TRY(check_timestamp(timestamp, now_unix));
    std::string given;
    RB_TRY(check_signature_format(signature, given));
    if (secret.empty() || !same(sign(secret, timestamp, delivery, body), given))
        return forbidden("The X-Releasebot-Signature does not match the request.");
    return ok_status();
}

CiWebhook::CiWebhook(Pipeline& pipeline, Database& db, std::function<long long()> now_unix)
    : pipeline_(pipeline), db_(db), now_unix_(std::move(now_unix)) {
    if (!now_unix_) {
        now_unix_ = [] {
            return static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count());
        };
    }
}

void CiWebhook::mount(HttpServer& server) {
    server.route(std::string(kPrefix), [this](const HttpRequest& req) { return handle(req); });
}

HttpResponse CiWebhook::handle(const HttpRequest& req) {
    if (req.method != "POST") {
        HttpResponse r = error_response(405, "CI webhooks are POSTed.");
        r.headers["Allow"] = "POST";
        return r;
    }
    std::string path = req.target.substr(0, req.target.find('?'));
    std::string id_text = path.size() > kPrefix.size() + 1 && path[kPrefix.size()] == '/'
                              ? path.substr(kPrefix.size() + 1)
                              : std::string();
    bool numeric = !id_text.empty() && id_text.size() <= 18 &&
                   id_text.find_first_not_of("0123456789") == std::string::npos;
    if (!numeric)
        return error_response(404,
                              "POST to /hooks/ci/<workspace id>; `ci secret` shows the "
                              "whole URL.");
    if (req.body.size() > kMaxBody)
        return error_response(413, "The body is " + std::to_string(req.body.size()) +
                                       " bytes; the CI webhook reads at most " +
                                       std::to_string(kMaxBody) + ".");

    const std::string& timestamp = req.header("x-releasebot-timestamp");
    if (auto s = check_timestamp(timestamp, now_unix_()); !s)
        return error_response(401, s.error().message);
    std::string given;
    if (auto s = check_signature_format(req.header("x-releasebot-signature"), given); !s)
        return error_response(401, s.error().message);
    const std::string& delivery = req.header("x-releasebot-delivery");
    if (delivery.empty() || delivery.size() > kMaxDelivery ||
        delivery.find_first_of(" \t\r\n") != std::string::npos)
        return error_response(400,
                              "The request needs an X-Releasebot-Delivery header: an id "
                              "unique to this delivery (up to 200 characters, no spaces), "
                              "repeated when the same delivery is retried.");

    WorkspaceId ws_id(std::stoll(id_text));
    auto ws = WorkspaceRepo(db_).get(ws_id);
    auto secrets = ws ? WorkspaceSecretRepo(db_).get(ws_id) : std::nullopt;
    // The same work whether or not the workspace exists, so timing does not tell.
    std::string expected = sign(secrets ? secrets->webhook_secret : std::string(64, '0'), timestamp,
                                delivery, req.body);
    if (!same(expected, given) || !secrets) return unauthorized();

    auto body = decode(req.body);
    if (!body) return error_response(400, body.error().message);
    auto user = ci_user(body->fields);
    if (!user) return error_response(400, user.error().message);
    body->fields.erase("by");

    Event e;
    e.idempotency_key = "ci:" + std::to_string(ws_id.value()) + ":" + delivery;
    e.kind = EventKind::webhook;
    e.actor =
        Actor{ws->platform, ws->tenant, UserId(*user), *user == "ci" ? "CI" : *user, std::nullopt};
    e.conversation = ConversationRef{ws->platform, ws->tenant, "", std::nullopt, std::nullopt};
    e.action_id = body->action;
    e.fields = std::move(body->fields);
    Outcome outcome = pipeline_.handle(e);
    if (outcome.duplicate)
        return json_response(200, {{"ok", true},
                                   {"duplicate", true},
                                   {"result",
                                    "This delivery was processed before; nothing was "
                                    "done again."}});
    if (outcome.reply.is_error) return error_response(422, outcome.reply.text);
    return json_response(200, {{"ok", true}, {"result", outcome.reply.text}});
}

}  // namespace releasebot::ci
