// CurlClient (curl_client.hpp): the easy handle is configured once (what never changes between
// calls) and reused, so libcurl keeps its connection cache; each perform() sets only the URL,
// headers, body and the per-call write targets, and clears the targets again because they live
// on perform()'s stack.
#include "integrations/http/curl_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <charconv>
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
};

CurlClient::CurlClient(std::chrono::milliseconds timeout, const std::string& ca_file)
    : impl_(std::make_unique<Impl>()) {
    global_init();
    impl_->curl = curl_easy_init();
    CURL* curl = impl_->curl;
    if (curl == nullptr) return;
    const long timeout_ms = static_cast<long>(timeout.count());
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
    if (!ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file.c_str());
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
}

CurlClient::~CurlClient() {
    if (impl_->curl != nullptr) curl_easy_cleanup(impl_->curl);
}

CurlReply CurlClient::perform(const std::string& method, const std::string& url,
                              const std::string& body, const std::vector<std::string>& headers) {
    CurlReply reply;
    CURL* curl = impl_->curl;
    curl_slist* list = nullptr;
    for (const auto& h : headers) {
        curl_slist* next = curl_slist_append(list, h.c_str());
        if (next == nullptr) {
            curl_slist_free_all(list);
            list = nullptr;
            break;
        }
        list = next;
    }
    if (curl == nullptr || (list == nullptr && !headers.empty())) {
        reply.error = "the HTTP client could not be created (out of memory?)";
        return reply;
    }
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    if (method == "GET") {
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, nullptr);
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(curl, CURLOPT_POST, 1L);
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method == "POST" ? nullptr : method.c_str());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    }
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply.retry_after);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    const CURLcode rc = curl_easy_perform(curl);
    // The write targets, error buffer and header list live on this stack frame only.
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, nullptr);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, nullptr);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
    curl_slist_free_all(list);
    if (rc != CURLE_OK) {
        reply.error = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
        return reply;
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
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
