// The health-check worker: one GET at a time on one thread. Health checks are few (a handful of
// controls of the releases whose window is near) and each poll is small, so parallel requests
// would buy nothing worth another thread. See health_check_worker.hpp.
//
// Health-check URLs come from managers of the workspace. The worker tells them only the status
// a URL answered with (or why there was none), never its body, and allows only http and https
// (redirects included), so an internal URL reveals little.
#include "integrations/http/health_check_worker.hpp"

#include <curl/curl.h>

#include <set>

#include "bot/runtime/log.hpp"
#include "commands/health_check.hpp"
#include "storage/control_repo.hpp"
#include "storage/database.hpp"
#include "storage/workspace_repo.hpp"

namespace releasebot {

namespace {

// The body is only counted: its status is the answer. Past the limit the transfer is cut,
// which libcurl reports as a write error once the status line is in.
struct BodyLimit {
    std::size_t seen = 0;
    std::size_t max = 0;
    bool cut = false;
};

size_t count_body(char*, size_t size, size_t n, void* user) {
    auto* limit = static_cast<BodyLimit*>(user);
    limit->seen += size * n;
    if (limit->seen <= limit->max) return size * n;
    limit->cut = true;
    return 0;
}

// Asked between libcurl's steps: a stop request (serve shutting down) ends the poll at once
// instead of after its timeout.
int stop_requested(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<const std::stop_token*>(user)->stop_requested() ? 1 : 0;
}

// libcurl's error in words a release manager can act on. Its own messages can name the host
// or the URL, so they are not passed on.
std::string no_answer(CURLcode rc, std::chrono::seconds timeout) {
    switch (rc) {
        case CURLE_OPERATION_TIMEDOUT:
            return "no answer within " + std::to_string(timeout.count()) + " s";
        case CURLE_COULDNT_RESOLVE_HOST:
            return "host name not found";
        case CURLE_COULDNT_CONNECT:
            return "could not connect";
        case CURLE_PEER_FAILED_VERIFICATION:
            return "its TLS certificate is not trusted";
        case CURLE_SSL_CONNECT_ERROR:
            return "the TLS handshake failed";
        case CURLE_UNSUPPORTED_PROTOCOL:
            return "redirected to an address that is not http or https";
        case CURLE_TOO_MANY_REDIRECTS:
            return "more than 5 redirects";
        case CURLE_GOT_NOTHING:
            return "the server closed the connection without answering";
        case CURLE_ABORTED_BY_CALLBACK:
            return "stopped";
        default:
            return curl_easy_strerror(rc);
    }
}

}  // namespace

HealthAnswer poll_health_url(const std::string& url, const HealthCheckOptions& options,
                             std::stop_token stop) {
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> handle(curl_easy_init(),
                                                               &curl_easy_cleanup);
    if (!handle) return {0, "could not start a request (out of memory?)"};
    CURL* c = handle.get();
    BodyLimit limit{0, options.max_body, false};
    const long timeout_ms = static_cast<long>(
        std::chrono::duration_cast<std::chrono::milliseconds>(options.timeout).count());
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, count_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &limit);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, stop_requested);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &stop);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!options.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options.ca_file.c_str());
    curl_easy_setopt(c, CURLOPT_USERAGENT, "releasebot/" RELEASEBOT_VERSION " (health check)");

    const CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    // A long body does not spoil an answer whose status line arrived.
    if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && limit.cut && status > 0)) {
        return {static_cast<int>(status), {}};
    }
    return {0, no_answer(rc, options.timeout)};
}

HealthCheckWorker::HealthCheckWorker(std::string db_path, const Clock& clock,
                                     std::function<void(const Event&)> submit,
                                     HealthCheckOptions options)
    : db_path_(std::move(db_path)),
      clock_(clock),
      submit_(std::move(submit)),
      options_(std::move(options)) {}

HealthCheckWorker::~HealthCheckWorker() {
    stop();
}

int HealthCheckWorker::run_once() {
    return run_pass(std::stop_token{});
}

int HealthCheckWorker::run_pass(const std::stop_token& stop) {
    if (!db_) db_ = std::make_unique<Database>(db_path_);
    ControlRepo controls(*db_);
    WorkspaceRepo workspaces(*db_);
    const Instant now = clock_.now();
    std::set<std::int64_t> due_now;
    int submitted = 0;
    for (const auto& due : controls.due_health_checks(now, options_.lead)) {
        const std::int64_t id = due.control.value();
        due_now.insert(id);
        // The thread waits `interval` between passes on the steady clock while `now` counts
        // whole seconds, so a pass may come up to a second short of it.
        auto last = polled_at_.find(id);
        if (last != polled_at_.end() && now - last->second + Seconds{1} < options_.interval) {
            continue;
        }
        auto ws = workspaces.get(due.workspace);
        if (!ws) continue;
        // When this poll was made: a pass over slow URLs can take a while.
        const Instant polled = clock_.now();
        const HealthAnswer answer = poll_health_url(due.url, options_, stop);
        if (stop.stop_requested()) break;
        polled_at_[id] = polled;
        log::debug("health", "control " + std::to_string(id) + ": GET " + display_url(due.url) +
                                 " → " +
                                 (answer.status ? std::to_string(answer.status) : answer.error));

        Event e;
        e.kind = EventKind::webhook;
        e.action_id = "healthcheck.result";
        const std::string at = std::to_string(polled.time_since_epoch().count());
        e.idempotency_key = "healthcheck:" + std::to_string(id) + ":" + at;
        e.actor = Actor{ws->platform, ws->tenant, UserId("releasebot"), "releasebot", std::nullopt};
        e.conversation = ConversationRef{ws->platform, ws->tenant, "", std::nullopt, std::nullopt};
        e.fields = {{"control", std::to_string(id)}, {"url", due.url}, {"at", at}};
        if (answer.status) {
            e.fields["status"] = std::to_string(answer.status);
        } else {
            e.fields["error"] = answer.error;
        }
        submit_(e);
        ++submitted;
    }
    // Controls no longer due (ticked, window opened, check removed) are forgotten, so a check
    // that becomes due again is polled at once.
    std::erase_if(polled_at_, [&](const auto& entry) { return !due_now.count(entry.first); });
    return submitted;
}

void HealthCheckWorker::start() {
    if (thread_.joinable()) return;
    thread_ = std::jthread([this](std::stop_token stop) {
        while (!stop.stop_requested()) {
            try {
                run_pass(stop);
            } catch (const std::exception& e) {
                // A storage fault: nothing was handed over for what failed; the next pass
                // polls it again.
                log::warn("health",
                          std::string("health checks could not be run, retrying: ") + e.what());
            }
            std::unique_lock lock(mu_);
            cv_.wait_for(lock, stop, options_.interval, [this] { return woken_; });
            woken_ = false;
        }
    });
}

void HealthCheckWorker::wake() {
    {
        std::lock_guard lock(mu_);
        woken_ = true;
    }
    cv_.notify_one();
}

void HealthCheckWorker::stop() {
    if (!thread_.joinable()) return;
    thread_.request_stop();
    thread_.join();
}

}  // namespace releasebot
