// The verify worker: libcurl downloads hashed as they stream (nothing is written to disk and
// memory stays flat whatever the artifact's size), one request at a time on one thread — a
// `release verify` is rare and the bottleneck is the network, so parallel downloads would only
// compete for it. See verify_worker.hpp.
//
// Artifact URLs come from people and pipelines of the workspace. The worker only ever tells
// them whether the bytes hashed to the recorded checksum, never what it fetched, and allows only
// http and https (redirects included), so an internal URL reveals little.
#include "integrations/http/verify_worker.hpp"

#include <openssl/evp.h>

#include <memory>

#include "integrations/http/curl_client.hpp"
#include "storage/database.hpp"
#include "storage/verify_repo.hpp"
#include "storage/workspace_repo.hpp"

namespace releasebot {

namespace {

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
    if (!sha || EVP_DigestInit_ex(sha.get(), EVP_sha256(), nullptr) != 1)
        return Error{ErrorKind::internal, "could not start a download (out of memory?)"};
    // The bytes as served are hashed, so nothing is decompressed; a server that announces a
    // size above the limit is refused at once.
    http::CurlClient client(http::CurlOptions{
        .timeout = options.timeout,
        .connect_timeout = std::chrono::seconds(30),
        .ca_file = options.ca_file,
        .max_redirects = 5,
        .max_body = options.max_bytes,
        .refuse_announced_oversize = true,
        .decompress = false,
        .user_agent = "releasebot/" RELEASEBOT_VERSION " (release verify)",
    });
    const http::CurlReply reply = client.perform(http::CurlRequest{
        .url = url,
        .on_body =
            [&](std::string_view data) {
                EVP_DigestUpdate(sha.get(), data.data(), data.size());
                return true;
            },
    });
    if (reply.failure == http::CurlFailure::too_large)
        return invalid("the artifact is larger than the limit of " + size_text(options.max_bytes));
    if (reply.failure == http::CurlFailure::timed_out)
        return invalid("the download took longer than " + std::to_string(options.timeout.count()) +
                       " s");
    if (reply.failure != http::CurlFailure::none)
        return invalid("the download failed: " + reply.error);
    if (reply.status < 200 || reply.status > 299)
        return invalid("the server answered HTTP " + std::to_string(reply.status));
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
