// ConnectorClient: the Bot Connector REST API over HTTPS (see connector.hpp), on one
// http::CurlClient per client, kept alive, so a burst of outbox deliveries to one serviceUrl reuses
// one TLS connection; the OAuth2 client-credentials token is fetched on the same handle and
// cached until 5 minutes before it expires. Calls are serialized by a mutex: the outbox sender
// is one thread, and one handle serves one transfer at a time. The app password and the token
// travel only in the request body and the Authorization header: no error or log line is built
// from them.
#include "integrations/teams/connector.hpp"

#include <boost/json.hpp>
#include <charconv>
#include <mutex>
#include <string_view>
#include <vector>

#include "commands/text_util.hpp"
#include "integrations/http/curl_client.hpp"

namespace releasebot::teams {

namespace {

// Refetch the token this long before it expires, so no call carries one that dies in flight.
constexpr std::chrono::seconds kTokenMargin{300};
// A Retry-After longer than this is taken as this: an outbox delivery never waits hours.
constexpr std::chrono::seconds kMaxRetryAfter{3600};

std::string base_of(const std::string& service_url) {
    std::string base = service_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    return base;
}

// /v3/conversations/{conversationId}/activities/{activityId} under the service URL.
std::string activity_url(const std::string& service_url, const std::string& conversation_id,
                         const std::string& activity_id) {
    return base_of(service_url) + "/v3/conversations/" + percent_encode(conversation_id) +
           "/activities/" + percent_encode(activity_id);
}

// `activity_json` with `key` set to `value`; a body that is not a JSON object goes unchanged,
// and the Connector's answer to it says what is wrong.
std::string with_field(const std::string& activity_json, std::string_view key,
                       const std::string& value) {
    boost::system::error_code ec;
    auto doc = boost::json::parse(activity_json, ec);
    if (ec || !doc.is_object()) return activity_json;
    doc.as_object()[key] = value;
    return boost::json::serialize(doc);
}

std::string string_field(const boost::json::value& doc, std::string_view key) {
    const auto* obj = doc.if_object();
    if (obj == nullptr) return {};
    const auto* v = obj->if_contains(key);
    if (v == nullptr || !v->is_string()) return {};
    return std::string(v->get_string());
}

bool retryable_status(long status) {
    return status == 429 || status == 412 || status == 502 || status == 503 || status == 504;
}

// The Connector's error answer is {"error":{"code","message"}}; its code and message say what
// was wrong (ConversationNotFound, BotNotInConversationRoster, …) without any secret.
std::string describe_error(const std::string& body) {
    boost::system::error_code ec;
    auto doc = boost::json::parse(body, ec);
    if (ec) return {};
    const auto* obj = doc.if_object();
    if (obj == nullptr) return {};
    const auto* err = obj->if_contains("error");
    if (err == nullptr) return {};
    std::string code = string_field(*err, "code");
    std::string message = string_field(*err, "message");
    if (message.size() > 300) message.resize(300);
    if (code.empty()) return message;
    return message.empty() ? code : code + ": " + message;
}

}  // namespace

struct ConnectorClient::Impl {
    ConnectorOptions options;
    std::unique_ptr<http::CurlClient> client;
    std::mutex mu;
    std::string token;
    std::chrono::steady_clock::time_point token_good_until{};
    long token_fetches = 0;

    using Raw = http::CurlReply;

    // One request on the shared handle. `auth` is the Authorization header value or "".
    Raw perform(const std::string& method, const std::string& url, const std::string& body,
                const std::string& content_type, const std::string& auth) {
        std::vector<std::string> headers = {"Content-Type: " + content_type,
                                            "Accept: application/json", "Expect:"};
        if (!auth.empty()) headers.push_back("Authorization: " + auth);
        return client->perform(method, url, body, headers);
    }

    // The cached token, or a fresh one; on failure an unsuccessful result saying why.
    std::optional<ConnectorResult> ensure_token() {
        auto now = std::chrono::steady_clock::now();
        if (!token.empty() && now < token_good_until) return std::nullopt;
        ++token_fetches;
        std::string body =
            "grant_type=client_credentials&client_id=" + percent_encode(options.app_id) +
            "&client_secret=" + percent_encode(options.app_password) +
            "&scope=" + percent_encode(options.scope);
        Raw raw = perform("POST", options.token_url, body, "application/x-www-form-urlencoded", "");
        ConnectorResult r;
        r.http_status = static_cast<int>(raw.status);
        if (raw.status == 0) {
            r.retryable = true;
            r.error = "could not reach the token endpoint " + options.token_url + ": " + raw.error;
            return r;
        }
        if (raw.status != 200) {
            r.retryable = raw.status == 429 || raw.status >= 500;
            if (raw.status == 429)
                r.retry_after = http::parse_retry_after(raw.retry_after, kMaxRetryAfter);
            r.error = "the token endpoint " + options.token_url + " answered HTTP " +
                      std::to_string(raw.status) +
                      (r.retryable ? "" : "; check the Teams app id and password");
            return r;
        }
        boost::system::error_code ec;
        auto doc = boost::json::parse(raw.body, ec);
        std::string access = ec ? std::string() : string_field(doc, "access_token");
        if (access.empty()) {
            r.retryable = true;
            r.error = "the token endpoint " + options.token_url + " answered without access_token";
            return r;
        }
        long long expires_in = 3600;
        if (const auto* obj = doc.if_object()) {
            if (const auto* e = obj->if_contains("expires_in")) {
                if (e->is_int64())
                    expires_in = e->get_int64();
                else if (e->is_uint64())
                    expires_in = static_cast<long long>(e->get_uint64());
                else if (e->is_string()) {
                    auto s = e->get_string();
                    std::from_chars(s.data(), s.data() + s.size(), expires_in);
                }
            }
        }
        token = std::move(access);
        token_good_until = now + std::chrono::seconds(expires_in) - kTokenMargin;
        return std::nullopt;
    }

    ConnectorResult call(const std::string& method, const std::string& url, const std::string& body,
                         const std::string& what) {
        std::lock_guard lock(mu);
        for (int attempt = 0;; ++attempt) {
            // No app id is local mode (a channel on this machine, such as Agents Playground,
            // that takes calls without a token): nothing to fetch, no Authorization header.
            const bool local = options.app_id.empty();
            if (!local) {
                if (auto failed = ensure_token()) {
                    failed->error = what + " failed: " + failed->error;
                    return *failed;
                }
            }
            Raw raw = perform(method, url, body, "application/json; charset=utf-8",
                              local ? std::string() : "Bearer " + token);
            // A token revoked or rotated early: fetch a new one and try once more.
            if (raw.status == 401 && attempt == 0 && !local) {
                token.clear();
                continue;
            }
            ConnectorResult r;
            r.http_status = static_cast<int>(raw.status);
            r.body = std::move(raw.body);
            if (raw.status == 0) {
                r.retryable = true;
                r.error = what + " failed: could not reach " + url + ": " + raw.error;
                return r;
            }
            if (raw.status == 200 || raw.status == 201 || raw.status == 202) {
                r.ok = true;
                if (!r.body.empty()) {
                    boost::system::error_code ec;
                    auto doc = boost::json::parse(r.body, ec);
                    if (!ec) r.id = string_field(doc, "id");
                }
                return r;
            }
            r.retryable = retryable_status(raw.status);
            // A 429 always means "not now"; a 503 may say for how long too.
            if (raw.status == 429 || (r.retryable && raw.retry_after))
                r.retry_after = http::parse_retry_after(raw.retry_after, kMaxRetryAfter);
            std::string detail = describe_error(r.body);
            r.error = what + " failed: HTTP " + std::to_string(raw.status) +
                      (detail.empty() ? "" : " (" + detail + ")");
            return r;
        }
    }
};

ConnectorClient::ConnectorClient(ConnectorOptions options) : impl_(std::make_unique<Impl>()) {
    impl_->options = std::move(options);
    impl_->client =
        std::make_unique<http::CurlClient>(impl_->options.timeout, impl_->options.ca_file);
}

ConnectorClient::~ConnectorClient() = default;

ConnectorResult ConnectorClient::send_to_conversation(const std::string& service_url,
                                                      const std::string& conversation_id,
                                                      const std::string& activity_json) {
    std::string url = base_of(service_url) + "/v3/conversations/" +
                      percent_encode(conversation_id) + "/activities";
    return impl_->call("POST", url, activity_json, "Teams send to " + conversation_id);
}

ConnectorResult ConnectorClient::reply_to_activity(const std::string& service_url,
                                                   const std::string& conversation_id,
                                                   const std::string& activity_id,
                                                   const std::string& activity_json) {
    // The Connector threads the reply by replyToId in the body as well as by the path.
    return impl_->call("POST", activity_url(service_url, conversation_id, activity_id),
                       with_field(activity_json, "replyToId", activity_id),
                       "Teams reply in " + conversation_id);
}

ConnectorResult ConnectorClient::update_activity(const std::string& service_url,
                                                 const std::string& conversation_id,
                                                 const std::string& activity_id,
                                                 const std::string& activity_json) {
    return impl_->call("PUT", activity_url(service_url, conversation_id, activity_id),
                       with_field(activity_json, "id", activity_id),
                       "Teams update in " + conversation_id);
}

ConnectorResult ConnectorClient::create_conversation(const std::string& service_url,
                                                     const std::string& tenant,
                                                     const std::string& user_id) {
    namespace json = boost::json;
    json::object body{{"bot", json::object{{"id", "28:" + impl_->options.app_id}}},
                      {"members", json::array{json::object{{"id", user_id}}}},
                      {"channelData", json::object{{"tenant", json::object{{"id", tenant}}}}},
                      {"tenantId", tenant},
                      {"isGroup", false}};
    std::string url = base_of(service_url) + "/v3/conversations";
    return impl_->call("POST", url, json::serialize(body), "Teams 1:1 chat with " + user_id);
}

long ConnectorClient::token_fetches() const {
    std::lock_guard lock(impl_->mu);
    return impl_->token_fetches;
}

}  // namespace releasebot::teams
