// The verify worker: libcurl downloads hashed as they stream (nothing is written to disk and
// memory stays flat whatever the artifact's size), one request at a time on one thread — a
// `release verify` is rare and the bottleneck is the network, so parallel downloads would only
// compete for it. See verify_worker.hpp.
//
// Artifact URLs come from people and pipelines of the workspace. The worker only ever tells
// them whether the bytes hashed to the recorded checksum, never what it fetched, and allows only
// http and https (redirects included), so an internal URL reveals little.
#include "integrations/http/verify_worker.hpp"

#include <curl/curl.h>
#include <openssl/evp.h>

#include <memory>

#include "storage/database.hpp"
#include "storage/verify_repo.hpp"
#include "storage/workspace_repo.hpp"

namespace releasebot {

namespace {

struct Download {
    EVP_MD_CTX* sha = nullptr;
    std::size_t bytes = 0;
    std::size_t max_bytes = 0;
    bool too_large = false;
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
    auto* d = static_cast<Download*>(user);
    std::size_t len = size * n;
    d->bytes += len;
    if (d->bytes > d->max_bytes) {
        d->too_large = true;
        return 0;  // makes curl stop with CURLE_WRITE_ERROR
    }
    EVP_DigestUpdate(d->sha, data, len);
    return len;
}

std::string hex(const unsigned char* data, unsigned int n) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < n; ++i) {
        out += kDigits[data[i] >> 4];
        out += kDigits[data[i] & 0x0F];
    }
    return out;
}

std::string size_text(std::size_t bytes) {
    if (bytes >= (std::size_t{1} << 20)) return std::to_string(bytes >> 20) + " MiB";
    return std::to_string(bytes) + " bytes";
}

}  // namespace

Result<std::string> fetch_sha256(const std::string& url, const VerifyOptions& options) {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> sha(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
    if (!sha || !curl || EVP_DigestInit_ex(sha.get(), EVP_sha256(), nullptr) != 1)
        return Error{ErrorKind::internal, "could not start a download (out of memory?)"};
    Download d{sha.get(), 0, options.max_bytes, false};
    char errbuf[CURL_ERROR_SIZE] = {0};
    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 0L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &d);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(options.timeout.count()));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
    // Refuses at once when the server announces a size above the limit.
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_bytes));
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!options.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options.ca_file.c_str());
    curl_easy_setopt(c, CURLOPT_USERAGENT, "releasebot/" RELEASEBOT_VERSION " (release verify)");

    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (d.too_large || rc == CURLE_FILESIZE_EXCEEDED)
        return invalid("the artifact is larger than the limit of " + size_text(options.max_bytes));
    if (rc == CURLE_OPERATION_TIMEDOUT)
        return invalid("the download took longer than " + std::to_string(options.timeout.count()) +
                       " s");
    if (rc != CURLE_OK)
        return invalid(std::string("the download failed: ") +
                       (errbuf[0] ? errbuf : curl_easy_strerror(rc)));
    if (status < 200 || status > 299)
        return invalid("the server answered HTTP " + std::to_string(status));
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(sha.get(), digest, &len);
    return hex(digest, len);
}

VerifyWorker::VerifyWorker(std::string db_path, std::function<void(const Event&)> submit,
                           VerifyOptions options)
    : db_path_(std::move(db_path)), submit_(std::move(submit)), options_(std::move(options)) {}

VerifyWorker::~VerifyWorker() {
    stop();
}

int VerifyWorker::run_once() {
    // Its own connection: the event thread's must not be touched from here. Opened once, not
    // per pass: an open runs the migration check and journal set-up every time.
    if (!db_) db_ = std::make_unique<Database>(db_path_);
    VerifyRepo verify(*db_);
    WorkspaceRepo workspaces(*db_);
    int submitted = 0;
    for (const auto& request : verify.pending()) {
        if (handed_over_.count(request.id)) continue;
        auto ws = workspaces.get(request.workspace);
        if (!ws) continue;
        Event e;
        e.idempotency_key = "verify:" + std::to_string(request.id);
        e.kind = EventKind::webhook;
        e.action_id = "verify.result";
        e.actor = Actor{ws->platform, ws->tenant, UserId("releasebot"), "releasebot", std::nullopt};
        e.conversation = ConversationRef{ws->platform, ws->tenant, "", std::nullopt, std::nullopt};
        e.fields["request"] = std::to_string(request.id);
        for (const auto& target : verify.targets(request.release)) {
            auto sum = fetch_sha256(target.url, options_);
            e.fields["c" + std::to_string(target.component.value())] =
                sum ? "sha256:" + *sum : "error:" + sum.error().message;
        }
        submit_(e);
        handed_over_.insert(request.id);
        ++submitted;
    }
    return submitted;
}

void VerifyWorker::start(std::chrono::milliseconds poll) {
    if (thread_.joinable()) return;
    stop_ = false;
    thread_ = std::thread([this, poll] {
        std::unique_lock lock(mu_);
        while (!stop_) {
            lock.unlock();
            try {
                run_once();
            } catch (const std::exception&) {
                // A storage fault: the requests stay pending and the next pass retries them.
            }
            lock.lock();
            cv_.wait_for(lock, poll, [this] { return stop_ || woken_; });
            woken_ = false;
        }
    });
}

void VerifyWorker::wake() {
    {
        std::lock_guard lock(mu_);
        woken_ = true;
    }
    cv_.notify_one();
}

void VerifyWorker::stop() {
    {
        std::lock_guard lock(mu_);
        stop_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
}

}  // namespace releasebot
