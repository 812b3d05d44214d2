// SlackWebApi: Slack's Web API over HTTPS with one libcurl easy handle per client, kept alive so
// a burst of outbox deliveries reuses one TLS connection instead of a handshake per message.
// Every call is a JSON POST with the Bearer token; the answer is classified into ApiResult
// (Slack's own `ok`/`error`, HTTP 429 with Retry-After, transport failures in words). The token
// only ever travels in the Authorization header: no error or log line is built from it.
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
    curl_slist* headers = nullptr;
    // One easy handle serves one transfer at a time; callers on other threads wait their turn.
    std::mutex mu;

    std::string url_for(const std::string& method) const {
        std::string url = options.base_url;
        if (url.empty() || url.back() != '/') url += '/';
        return url + method;
    }
};

SlackWebApi::SlackWebApi(std::string token, ApiOptions options) : impl_(std::make_unique<Impl>()) {
    global_init();
    impl_->token = std::move(token);
    impl_->options = std::move(options);
    impl_->curl = curl_easy_init();
    std::string auth = "Authorization: Bearer " + impl_->token;
    impl_->headers = curl_slist_append(impl_->headers, auth.c_str());
    impl_->headers =
        curl_slist_append(impl_->headers, "Content-Type: application/json; charset=utf-8");
    // Without this curl sends "Expect: 100-continue" for larger bodies and waits a second.
    impl_->headers = curl_slist_append(impl_->headers, "Expect:");

    CURL* curl = impl_->curl;
    if (curl == nullptr) return;
    // What does not change between calls is set once; the handle keeps its connection cache.
    const long timeout_ms = static_cast<long>(impl_->options.timeout.count());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, impl_->headers);
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
    curl_slist_free_all(impl_->headers);
}

ApiResult SlackWebApi::call(const std::string& method, const std::string& json_body) {
    ApiResult result;
    std::lock_guard lock(impl_->mu);
    CURL* curl = impl_->curl;
    if (curl == nullptr || impl_->headers == nullptr) {
        result.error = "the HTTP client could not be created (out of memory?)";
        return result;
    }

    const std::string url = impl_->url_for(method);
    std::optional<std::string> retry_after;
    char errbuf[CURL_ERROR_SIZE] = {0};

    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, json_body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(json_body.size()));
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
        return result;
    }

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
