// CurlClient (curl_client.hpp): the easy handle is configured once from CurlOptions (what never
// changes between calls) and reused, so libcurl keeps its connection cache; each perform() sets
// only the URL, method, headers, body and the per-call targets, and clears the targets again
// because they live on perform()'s stack.
#include "integrations/http/curl_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <mutex>
#include <string_view>

#include "commands/text_util.hpp"

namespace releasebot::http {

namespace {

constexpr std::chrono::seconds kDefaultRetryAfter{1};

// curl_global_init is not thread-safe and must run once before any handle exists.
void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Where one transfer's body goes, and how much of it is allowed.
struct BodyTarget {
    std::string* body = nullptr;
    const std::function<bool(std::string_view)>* sink = nullptr;  // instead of body, when set
    std::size_t max = 0;                                          // 0: no limit
    std::size_t seen = 0;
    bool too_large = false;
    bool refused = false;  // the sink said stop
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto* target = static_cast<BodyTarget*>(user);
    const std::size_t len = size * count;
    target->seen += len;
    if (target->max != 0 && target->seen > target->max) {
        target->too_large = true;
        return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
    }
    if (target->sink != nullptr && *target->sink) {
        if (!(*target->sink)(std::string_view(data, len))) {
            target->refused = true;
            return 0;
        }
    } else {
        target->body->append(data, len);
    }
    return len;
}

// Asked between libcurl's steps: a stop request ends the transfer at once.
int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<const std::stop_token*>(user)->stop_requested() ? 1 : 0;
}

CurlFailure failure_of(CURLcode rc) {
    switch (rc) {
        case CURLE_OK:
            return CurlFailure::none;
        case CURLE_FILESIZE_EXCEEDED:
            return CurlFailure::too_large;
        case CURLE_OPERATION_TIMEDOUT:
            return CurlFailure::timed_out;
        case CURLE_COULDNT_RESOLVE_HOST:
            return CurlFailure::cannot_resolve;
        case CURLE_COULDNT_CONNECT:
            return CurlFailure::cannot_connect;
        case CURLE_PEER_FAILED_VERIFICATION:
            return CurlFailure::tls_untrusted;
        case CURLE_SSL_CONNECT_ERROR:
            return CurlFailure::tls_handshake;
        case CURLE_UNSUPPORTED_PROTOCOL:
            return CurlFailure::protocol_refused;
        case CURLE_TOO_MANY_REDIRECTS:
            return CurlFailure::too_many_redirects;
        case CURLE_GOT_NOTHING:
            return CurlFailure::got_nothing;
        case CURLE_ABORTED_BY_CALLBACK:
            return CurlFailure::stopped;
        default:
            return CurlFailure::other;
    }
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

}  // namespace

struct CurlClient::Impl {
    CURL* curl = nullptr;
    CurlOptions options;
};

CurlClient::CurlClient(std::chrono::milliseconds timeout, const std::string& ca_file)
    : CurlClient(CurlOptions{.timeout = timeout, .ca_file = ca_file}) {}

CurlClient::CurlClient(const CurlOptions& options) : impl_(std::make_unique<Impl>()) {
    global_init();
    impl_->options = options;
    impl_->curl = curl_easy_init();
    CURL* curl = impl_->curl;
    if (curl == nullptr) return;
    const long timeout_ms = static_cast<long>(options.timeout.count());
    const long connect_ms =
        static_cast<long>(options.connect_timeout.value_or(options.timeout).count());
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    // Signals cannot interrupt a resolver on a worker thread, and the process's threads must
    // not receive SIGALRM/SIGPIPE from curl.
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https,http");
    if (options.max_redirects > 0) {
        curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(curl, CURLOPT_MAXREDIRS, options.max_redirects);
    } else {
        curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    }
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!options.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options.ca_file.c_str());
    if (options.max_body != 0 && options.refuse_announced_oversize) {
        curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
                         static_cast<curl_off_t>(options.max_body));
    }
    if (options.decompress) curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
    if (!options.user_agent.empty()) {
        curl_easy_setopt(curl, CURLOPT_USERAGENT, options.user_agent.c_str());
    }
}

CurlClient::~CurlClient() {
    if (impl_->curl != nullptr) curl_easy_cleanup(impl_->curl);
}

CurlReply CurlClient::perform(const std::string& method, const std::string& url,
                              const std::string& body, const std::vector<std::string>& headers) {
    return perform(CurlRequest{.method = method, .url = url, .body = body, .headers = headers});
}

CurlReply CurlClient::perform(const CurlRequest& request) {
    CurlReply reply;
    CURL* curl = impl_->curl;
    curl_slist* list = nullptr;
    for (const auto& h : request.headers) {
        curl_slist* next = curl_slist_append(list, h.c_str());
        if (next == nullptr) {
            curl_slist_free_all(list);
            list = nullptr;
            break;
        }
        list = next;
    }
    if (curl == nullptr || (list == nullptr && !request.headers.empty())) {
        reply.failure = CurlFailure::other;
        reply.error = "the HTTP client could not be created (out of memory?)";
        reply.error_kind = reply.error;
        return reply;
    }
    const std::string& method = request.method;
    char errbuf[CURL_ERROR_SIZE] = {0};
    BodyTarget target{&reply.body, &request.on_body, impl_->options.max_body};
    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    if (method == "GET" || method == "HEAD") {
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, nullptr);
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(curl, CURLOPT_NOBODY, method == "HEAD" ? 1L : 0L);
    } else {
        curl_easy_setopt(curl, CURLOPT_NOBODY, 0L);
        curl_easy_setopt(curl, CURLOPT_POST, 1L);
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method == "POST" ? nullptr : method.c_str());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(request.body.size()));
    }
    const bool watch_stop = request.stop.stop_possible();
    if (watch_stop) {
        curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &request.stop);
    }
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &target);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply.retry_after);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    const CURLcode rc = curl_easy_perform(curl);
    // The targets, error buffer and header list live on this stack frame only.
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, nullptr);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, nullptr);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
    if (watch_stop) {
        curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 1L);
        curl_easy_setopt(curl, CURLOPT_XFERINFODATA, nullptr);
    }
    curl_slist_free_all(list);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
        return reply;
    }
    reply.failure = target.too_large ? CurlFailure::too_large
                    : target.refused ? CurlFailure::stopped
                                     : failure_of(rc);
    reply.error = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
    reply.error_kind = curl_easy_strerror(rc);
    // A body cut at the limit does not spoil an answer whose status line arrived.
    if (reply.failure == CurlFailure::too_large) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
    }
    return reply;
}

std::chrono::seconds parse_retry_after(const std::optional<std::string>& header,
                                       std::chrono::seconds max) {
    if (!header) return kDefaultRetryAfter;
    long long seconds = 0;
    const char* first = header->data();
    const char* last = first + header->size();
    auto [end, ec] = std::from_chars(first, last, seconds);
    if (ec != std::errc() || end != last || seconds < 0) return kDefaultRetryAfter;
    return std::min(std::chrono::seconds(seconds), max);
}

}  // namespace releasebot::http
