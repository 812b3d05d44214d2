// ConnectorClient: the Bot Connector REST API over HTTPS with libcurl (see connector.hpp). One
// easy handle per client, kept alive, so a burst of outbox deliveries to one serviceUrl reuses
// one TLS connection; the OAuth2 client-credentials token is fetched on the same handle and
// cached until 5 minutes before it expires. Calls are serialized by a mutex: the outbox sender
// is one thread, and one handle serves one transfer at a time. The app password and the token
// travel only in the request body and the Authorization header: no error or log line is built
// from them.
#include "integrations/teams/connector.hpp"

#include <curl/curl.h>

#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <mutex>
#include <string_view>

namespace releasebot::teams {

namespace {

constexpr std::chrono::seconds kDefaultRetryAfter{1};
// Refetch the token this long before it expires, so no call carries one that dies in flight.
constexpr std::chrono::seconds kTokenMargin{300};

void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    static_cast<std::string*>(user)->append(data, size * count);
    return size * count;
}

bool iequals_prefix(std::string_view line, std::string_view name) {
    if (line.size() < name.size()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(line[i])) !=
            std::tolower(static_cast<unsigned char>(name[i])))
            return false;
    }
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

// Keeps the Retry-After of the final response (reset at each status line: a 100 Continue
// comes first).
std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto* retry_after = static_cast<std::optional<std::string>*>(user);
    std::string_view line(data, size * count);
    if (line.rfind("HTTP/", 0) == 0) {
        retry_after->reset();
    } else if (iequals_prefix(line, "retry-after:")) {
        *retry_after = std::string(trim(line.substr(12)));
    }
    return size * count;
}

// Retry-After as delta-seconds; an HTTP-date or garbage means "not now" all the same: 1 s.
std::chrono::seconds parse_retry_after(const std::optional<std::string>& header) {
    if (!header) return kDefaultRetryAfter;
    long long seconds = 0;
    const char* first = header->data();
    const char* last = first + header->size();
    auto [end, ec] = std::from_chars(first, last, seconds);
    if (ec != std::errc() || end != last || seconds < 0) return kDefaultRetryAfter;
    return std::chrono::seconds(std::min<long long>(seconds, 3600));
}

// RFC 3986 unreserved characters stay; everything else (':' ';' '@' '=' in Teams conversation
// ids like "19:…@thread.tacv2;messageid=…") is percent-encoded, as the SDKs do.
std::string percent_encode(std::string_view s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size() * 3 / 2);
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += hex[u >> 4];
            out += hex[u & 0xF];
        }
    }
    return out;
}

std::string form_encode(std::string_view s) {
    return percent_encode(s);
}

std::string base_of(const std::string& service_url) {
    std::string base = service_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    return base;
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
    CURL* curl = nullptr;
    std::mutex mu;
    std::string token;
    std::chrono::steady_clock::time_point token_good_until{};
    long token_fetches = 0;

    struct Raw {
        long status = 0;  // 0: no HTTP answer
        std::string body;
        std::optional<std::string> retry_after;
        std::string error;  // transport error
    };

    // One request on the shared handle. `auth` is the Authorization header value or "".
    Raw perform(const std::string& method, const std::string& url, const std::string& body,
                const std::string& content_type, const std::string& auth) {
        Raw raw;
        if (curl == nullptr) {
            raw.error = "the HTTP client could not be created (out of memory?)";
            return raw;
        }
        curl_slist* headers = nullptr;
        std::string ct = "Content-Type: " + content_type;
        headers = curl_slist_append(headers, ct.c_str());
        headers = curl_slist_append(headers, "Accept: application/json");
        headers = curl_slist_append(headers, "Expect:");
        std::string authorization;
        if (!auth.empty()) {
            authorization = "Authorization: " + auth;
            headers = curl_slist_append(headers, authorization.c_str());
        }
        char errbuf[CURL_ERROR_SIZE] = {0};
        curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(curl, CURLOPT_POST, 1L);
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method == "POST" ? nullptr : method.c_str());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &raw.body);
        curl_easy_setopt(curl, CURLOPT_HEADERDATA, &raw.retry_after);
        curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
        CURLcode rc = curl_easy_perform(curl);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, nullptr);
        curl_easy_setopt(curl, CURLOPT_HEADERDATA, nullptr);
        curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
        curl_slist_free_all(headers);
        if (rc != CURLE_OK) {
            raw.error = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
            return raw;
        }
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &raw.status);
        return raw;
    }

    // The cached token, or a fresh one; on failure an unsuccessful result saying why.
    std::optional<ConnectorResult> ensure_token() {
        auto now = std::chrono::steady_clock::now();
        if (!token.empty() && now < token_good_until) return std::nullopt;
        ++token_fetches;
        std::string body =
            "grant_type=client_credentials&client_id=" + form_encode(options.app_id) +
            "&client_secret=" + form_encode(options.app_password) +
            "&scope=" + form_encode(options.scope);
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
            if (raw.status == 429) r.retry_after = parse_retry_after(raw.retry_after);
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
            if (auto failed = ensure_token()) {
                failed->error = what + " failed: " + failed->error;
                return *failed;
            }
            Raw raw =
                perform(method, url, body, "application/json; charset=utf-8", "Bearer " + token);
            // A token revoked or rotated early: fetch a new one and try once more.
            if (raw.status == 401 && attempt == 0) {
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
                r.retry_after = parse_retry_after(raw.retry_after);
            std::string detail = describe_error(r.body);
            r.error = what + " failed: HTTP " + std::to_string(raw.status) +
                      (detail.empty() ? "" : " (" + detail + ")");
            return r;
        }
    }
};

ConnectorClient::ConnectorClient(ConnectorOptions options) : impl_(std::make_unique<Impl>()) {
    global_init();
    impl_->options = std::move(options);
    impl_->curl = curl_easy_init();
    CURL* curl = impl_->curl;
    if (curl == nullptr) return;
    const long timeout_ms = static_cast<long>(impl_->options.timeout.count());
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!impl_->options.ca_file.empty())
        curl_easy_setopt(curl, CURLOPT_CAINFO, impl_->options.ca_file.c_str());
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
}

ConnectorClient::~ConnectorClient() {
    if (impl_->curl != nullptr) curl_easy_cleanup(impl_->curl);
}

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
    std::string url = base_of(service_url) + "/v3/conversations/" +
                      percent_encode(conversation_id) + "/activities/" +
                      percent_encode(activity_id);
    boost::system::error_code ec;
    auto doc = boost::json::parse(activity_json, ec);
    // The Connector threads the reply by replyToId in the body as well as by the path.
    if (!ec && doc.is_object()) {
        doc.as_object()["replyToId"] = activity_id;
        return impl_->call("POST", url, boost::json::serialize(doc),
                           "Teams reply in " + conversation_id);
    }
    return impl_->call("POST", url, activity_json, "Teams reply in " + conversation_id);
}

ConnectorResult ConnectorClient::update_activity(const std::string& service_url,
                                                 const std::string& conversation_id,
                                                 const std::string& activity_id,
                                                 const std::string& activity_json) {
    std::string url = base_of(service_url) + "/v3/conversations/" +
                      percent_encode(conversation_id) + "/activities/" +
                      percent_encode(activity_id);
    boost::system::error_code ec;
    auto doc = boost::json::parse(activity_json, ec);
    if (!ec && doc.is_object()) {
        doc.as_object()["id"] = activity_id;
        return impl_->call("PUT", url, boost::json::serialize(doc),
                           "Teams update in " + conversation_id);
    }
    return impl_->call("PUT", url, activity_json, "Teams update in " + conversation_id);
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
