// SlackWebApi: Slack's Web API over HTTPS with one http::CurlClient (a libcurl easy handle) per
// client, kept alive so a burst of outbox deliveries reuses one TLS connection instead of a
// handshake per message. Every call is a POST with the Bearer token — JSON, or a form for the
// file methods that take no JSON — and the answer is classified into ApiResult (Slack's own
// `ok`/`error`, HTTP 429 with Retry-After, transport failures in words). The token only ever
// travels in the Authorization header of Web API calls (never to a file upload URL): no error or
// log line is built from it. The users.info cache (SlackUserDirectory) is at the end.
#include "integrations/slack/web_api.hpp"

#include <curl/curl.h>

#include <boost/json.hpp>
#include <mutex>
#include <string_view>

#include "integrations/http/curl_client.hpp"

namespace releasebot::slack {

struct SlackWebApi::Impl {
    std::string token;
    ApiOptions options;
    std::unique_ptr<http::CurlClient> client;
    std::vector<std::string> json_headers;
    std::vector<std::string> form_headers;
    std::vector<std::string> upload_headers;  // no Authorization: upload URLs carry their own
    std::vector<std::string> respond_headers;  // a response_url, which is its own credential
    // One easy handle serves one transfer at a time; callers on other threads wait their turn.
    std::mutex mu;

    std::string url_for(const std::string& method) const {
        std::string url = options.base_url;
        if (url.empty() || url.back() != '/') url += '/';
        return url + method;
    }

    // One POST of `body` to `url` with `headers`; fills status, body and Retry-After, or the
    // transport error in words. The caller holds `mu`.
    ApiResult perform(const std::string& url, const std::string& body,
                      const std::vector<std::string>& headers) {
        ApiResult result;
        http::CurlReply reply = client->perform("POST", url, body, headers);
        result.body = std::move(reply.body);
        if (reply.status == 0) {
            result.error = "could not reach Slack at " + url + ": " + reply.error;
            return result;
        }
        result.http_status = static_cast<int>(reply.status);
        if (reply.status == 429) {
            result.retry_after = http::parse_retry_after(reply.retry_after);
            result.error = "ratelimited";
        }
        return result;
    }

    // A Web API method's answer: Slack's `ok` and `error`, or what the HTTP status says.
    ApiResult api_call(const std::string& method, const std::string& body,
                       const std::vector<std::string>& headers) {
        std::lock_guard lock(mu);
        ApiResult result = perform(url_for(method), body, headers);
        if (result.http_status == 0 || result.http_status == 429) return result;
        const long status = result.http_status;
        boost::system::error_code ec;
        boost::json::value doc = boost::json::parse(result.body, ec);
        const boost::json::object* obj = ec ? nullptr : doc.if_object();
        if (obj == nullptr) {
            result.error = "Slack answered " + method + " with HTTP " + std::to_string(status) +
                           " and no JSON body";
            return result;
        }
        const boost::json::value* ok = obj->if_contains("ok");
        if (ok != nullptr && ok->is_bool() && ok->get_bool() && status >= 200 && status < 300) {
            result.ok = true;
            return result;
        }
        const boost::json::value* error = obj->if_contains("error");
        if (error != nullptr && error->is_string()) {
            result.error = std::string(error->get_string());
        } else {
            result.error = "Slack answered " + method + " with HTTP " + std::to_string(status);
        }
        return result;
    }
};

SlackWebApi::SlackWebApi(std::string token, ApiOptions options) : impl_(std::make_unique<Impl>()) {
    impl_->token = std::move(token);
    impl_->options = std::move(options);
    impl_->client =
        std::make_unique<http::CurlClient>(impl_->options.timeout, impl_->options.ca_file);
    const std::string auth = "Authorization: Bearer " + impl_->token;
    // Without "Expect:" curl sends "Expect: 100-continue" for larger bodies and waits a second.
    impl_->json_headers = {auth, "Content-Type: application/json; charset=utf-8", "Expect:"};
    impl_->form_headers = {auth, "Content-Type: application/x-www-form-urlencoded", "Expect:"};
    impl_->upload_headers = {"Content-Type: application/octet-stream", "Expect:"};
    impl_->respond_headers = {"Content-Type: application/json; charset=utf-8", "Expect:"};
}

SlackWebApi::~SlackWebApi() = default;

ApiResult SlackWebApi::call(const std::string& method, const std::string& json_body) {
    return impl_->api_call(method, json_body, impl_->json_headers);
}

ApiResult SlackWebApi::call_form(const std::string& method,
                                 const std::vector<std::pair<std::string, std::string>>& fields) {
    std::string body;
    auto escape = [](const std::string& s) {
        char* e = curl_easy_escape(nullptr, s.data(), static_cast<int>(s.size()));
        std::string out = e != nullptr ? e : "";
        curl_free(e);
        return out;
    };
    for (const auto& [name, value] : fields) {
        if (!body.empty()) body += '&';
        body += escape(name) + "=" + escape(value);
    }
    return impl_->api_call(method, body, impl_->form_headers);
}

ApiResult SlackWebApi::upload(const std::string& url, const std::string& content) {
    std::lock_guard lock(impl_->mu);
    ApiResult result = impl_->perform(url, content, impl_->upload_headers);
    if (result.http_status == 200) {
        result.ok = true;
    } else if (result.http_status != 0 && result.http_status != 429) {
        result.error =
            "the file upload was answered with HTTP " + std::to_string(result.http_status);
    }
    return result;
}

ApiResult SlackWebApi::respond(const std::string& url, const std::string& json_body) {
    std::lock_guard lock(impl_->mu);
    ApiResult result = impl_->perform(url, json_body, impl_->respond_headers);
    if (result.http_status == 200) {
        result.ok = true;
    } else if (result.http_status != 0) {
        result.error =
            "the response_url was answered with HTTP " + std::to_string(result.http_status);
    }
    return result;
}

// ---- users.info -------------------------------------------------------------------------------

namespace {
// A failed lookup is not asked again for this long (or the ttl, when shorter).
constexpr std::chrono::seconds kFailedLookupTtl{60};
}  // namespace

SlackUserDirectory::SlackUserDirectory(SlackWebApi& bot_api, std::chrono::seconds ttl, Now now)
    : api_(bot_api), ttl_(ttl), now_(std::move(now)) {
    if (!now_) now_ = [] { return std::chrono::steady_clock::now(); };
}

std::optional<SlackUser> SlackUserDirectory::lookup(const std::string& user_id) {
    if (user_id.empty()) return std::nullopt;
    std::lock_guard lock(mu_);
    const auto now = now_();
    if (auto it = cache_.find(user_id); it != cache_.end() && now < it->second.expires)
        return it->second.user;

    // A read method: Slack takes its arguments from a form (or the query string) and ignores a
    // JSON body, which would lose `user`.
    ApiResult r = api_.call_form("users.info", {{"user", user_id}});
    std::optional<SlackUser> user;
    if (r.ok) {
        SlackUser u;
        for (const char* path : {"user.profile.display_name", "user.profile.real_name",
                                 "user.real_name", "user.name"}) {
            u.display_name = json_field(r.body, path);
            if (!u.display_name.empty()) break;
        }
        std::string tz = json_field(r.body, "user.tz");
        if (!tz.empty()) u.time_zone = std::move(tz);
        user = std::move(u);
    }
    const auto keep = user ? ttl_ : std::min(ttl_, kFailedLookupTtl);
    cache_[user_id] = Entry{user, now + keep};
    return user;
}

std::string json_field(const std::string& body, const std::string& dotted_path) {
    boost::system::error_code ec;
    boost::json::value doc = boost::json::parse(body, ec);
    if (ec) return {};
    const boost::json::value* at = &doc;
    std::string_view path(dotted_path);
    while (!path.empty()) {
        std::size_t dot = path.find('.');
        std::string_view key = path.substr(0, dot);
        path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
        const boost::json::object* obj = at->if_object();
        if (obj == nullptr) return {};
        at = obj->if_contains(key);
        if (at == nullptr) return {};
    }
    if (at->is_string()) return std::string(at->get_string());
    if (at->is_int64()) return std::to_string(at->get_int64());
    if (at->is_uint64()) return std::to_string(at->get_uint64());
    if (at->is_bool()) return at->get_bool() ? "true" : "false";
    return {};
}

}  // namespace releasebot::slack
