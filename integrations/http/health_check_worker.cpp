// The health-check worker: one GET at a time on one thread. Health checks are few (a handful of
// controls of the releases whose window is near) and each poll is small, so parallel requests
// would buy nothing worth another thread. See health_check_worker.hpp.
//
// Health-check URLs come from managers of the workspace. The worker tells them only the status
// a URL answered with (or why there was none), never its body, and allows only http and https
// (redirects included), so an internal URL reveals little.
#include "integrations/http/health_check_worker.hpp"

#include <set>

#include "bot/runtime/log.hpp"
#include "commands/health_check.hpp"
#include "integrations/http/curl_client.hpp"
#include "storage/control_repo.hpp"
#include "storage/database.hpp"
#include "storage/workspace_repo.hpp"

namespace releasebot {

namespace {

// The client's failure in words a release manager can act on. libcurl's own messages can name
// the host or the URL, so only its generic words are passed on.
std::string no_answer(const http::CurlReply& reply, std::chrono::seconds timeout) {
    using http::CurlFailure;
    switch (reply.failure) {
        case CurlFailure::timed_out:
            return "no answer within " + std::to_string(timeout.count()) + " s";
        case CurlFailure::cannot_resolve:
            return "host name not found";
        case CurlFailure::cannot_connect:
            return "could not connect";
        case CurlFailure::tls_untrusted:
            return "its TLS certificate is not trusted";
        case CurlFailure::tls_handshake:
            return "the TLS handshake failed";
        case CurlFailure::protocol_refused:
            return "redirected to an address that is not http or https";
        case CurlFailure::too_many_redirects:
            return "more than 5 redirects";
        case CurlFailure::got_nothing:
            return "the server closed the connection without answering";
        case CurlFailure::stopped:
            return "stopped";
        default:
            return reply.error_kind;
    }
}

}  // namespace

HealthAnswer poll_health_url(const std::string& url, const HealthCheckOptions& options,
                             std::stop_token stop) {
    // The body is only counted, up to max_body: its status is the answer.
    http::CurlClient client(http::CurlOptions{
        .timeout = options.timeout,
        .ca_file = options.ca_file,
        .max_redirects = 5,
        .max_body = options.max_body,
        .decompress = false,
        .user_agent = "releasebot/" RELEASEBOT_VERSION " (health check)",
    });
    const http::CurlReply reply = client.perform(http::CurlRequest{
        .url = url,
        .on_body = [](std::string_view) { return true; },
        .stop = std::move(stop),
    });
    // A long body does not spoil an answer whose status line arrived.
    if (reply.failure == http::CurlFailure::none ||
        (reply.failure == http::CurlFailure::too_large && reply.status > 0)) {
        return {static_cast<int>(reply.status), {}};
    }
    return {0, no_answer(reply, options.timeout)};
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
