// SlackWebApi: Slack's Web API over HTTPS with one libcurl easy handle per client, kept alive so
// a burst of outbox deliveries reuses one TLS connection instead of a handshake per message.
// Every call is a POST with the Bearer token — JSON, or a form for the file methods that take no
// JSON — and the answer is classified into ApiResult (Slack's own `ok`/`error`, HTTP 429 with
// Retry-After, transport failures in words). The token only ever travels in the Authorization
// header of Web API calls (never to a file upload URL): no error or log line is built from it.
// The users.info cache (SlackUserDirectory) is at the end.
#include "integrations/slack/web_api.hpp"

#include <curl/curl.h>

#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <mutex>
#include <string_view>

namespace releasebot::slack {

namespace {

constexpr std::chrono::seconds kDefaultRetryAfter{1};

// curl_global_init is not thread-safe and must run once before any handle exists.
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

// Collects the Retry-After header of the final response. Headers of earlier responses of the
// same transfer (a 100 Continue) come first, so the value is reset at each status line.
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

// Retry-After in whole seconds. Slack sends delta-seconds; an HTTP-date or garbage falls back to
// one second, since a 429 always means "not now" even when it does not say how long.
std::chrono::seconds parse_retry_after(const std::optional<std::string>& header) {
    if (!header) return kDefaultRetryAfter;
    long long seconds = 0;
    const char* first = header->data();
    const char* last = first + header->size();
    auto [end, ec] = std::from_chars(first, last, seconds);
    if (ec != std::errc() || end != last || seconds < 0) return kDefaultRetryAfter;
    return std::chrono::seconds(seconds);
}

}  // namespace

struct SlackWebApi::Impl {
    std::string token;
    ApiOptions options;
    CURL* curl = nullptr;
    curl_slist* json_headers = nullptr;
    curl_slist* form_headers = nullptr;
    curl_slist* upload_headers = nullptr;  // no Authorization: upload URLs carry their own
    // One easy handle serves one transfer at a time; callers on other threads wait their turn.
    std::mutex mu;

    std::string url_for(const std::string& method) const {
        std::string url = options.base_url;
        if (url.empty() || url.back() != '/') url += '/';
        return url + method;
    }

    // One POST of `body` to `url` with `headers`; fills status, body and Retry-After, or the
    // transport error in words. The caller holds `mu`.
    ApiResult perform(const std::string& url, const std::string& body, curl_slist* headers) {
        ApiResult result;
        if (curl == nullptr || headers == nullptr) {
            result.error = "the HTTP client could not be created (out of memory?)";
            return result;
        }
        std::optional<std::string> retry_after;
        char errbuf[CURL_ERROR_SIZE] = {0};
        curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result.body);
        curl_easy_setopt(curl, CURLOPT_HEADERDATA, &retry_after);
        curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);

        CURLcode rc = curl_easy_perform(curl);
        // The write target and error buffer live on this stack frame only.
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, nullptr);
        curl_easy_setopt(curl, CURLOPT_HEADERDATA, nullptr);
        curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);

        if (rc != CURLE_OK) {
            std::string detail = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
            result.error = "could not reach Slack at " + url + ": " + detail;
            return result;
        }
        long status = 0;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        result.http_status = static_cast<int>(status);
        if (status == 429) {
            result.retry_after = parse_retry_after(retry_after);
            result.error = "ratelimited";
        }
        return result;
    }

    // A Web API method's answer: Slack's `ok` and `error`, or what the HTTP status says.
    ApiResult api_call(const std::string& method, const std::string& body, curl_slist* headers) {
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
    global_init();
    impl_->token = std::move(token);
    impl_->options = std::move(options);
    impl_->curl = curl_easy_init();
    const std::string auth = "Authorization: Bearer " + impl_->token;
    // Without "Expect:" curl sends "Expect: 100-continue" for larger bodies and waits a second.
    for (auto [list, type] :
         {std::pair{&impl_->json_headers, "Content-Type: application/json; charset=utf-8"},
          std::pair{&impl_->form_headers, "Content-Type: application/x-www-form-urlencoded"}}) {
        *list = curl_slist_append(*list, auth.c_str());
        *list = curl_slist_append(*list, type);
        *list = curl_slist_append(*list, "Expect:");
    }
    impl_->upload_headers =
        curl_slist_append(impl_->upload_headers, "Content-Type: application/octet-stream");
    impl_->upload_headers = curl_slist_append(impl_->upload_headers, "Expect:");

    CURL* curl = impl_->curl;
    if (curl == nullptr) return;
    // What does not change between calls is set once; the handle keeps its connection cache.
    const long timeout_ms = static_cast<long>(impl_->options.timeout.count());
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    // Signals cannot interrupt a resolver on a worker thread, and the process's threads must
    // not receive SIGALRM/SIGPIPE from curl.
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!impl_->options.ca_file.empty())
        curl_easy_setopt(curl, CURLOPT_CAINFO, impl_->options.ca_file.c_str());
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
}

SlackWebApi::~SlackWebApi() {
    if (impl_->curl != nullptr) curl_easy_cleanup(impl_->curl);
    curl_slist_free_all(impl_->json_headers);
    curl_slist_free_all(impl_->form_headers);
    curl_slist_free_all(impl_->upload_headers);
}

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

    boost::json::object args;
    args["user"] = user_id;
    ApiResult r = api_.call("users.info", boost::json::serialize(args));
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
