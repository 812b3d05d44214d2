// `releasebot serve`: builds every adapter the configuration enables, one SQLite connection per
// thread, and runs them until SIGINT/SIGTERM. See serve.hpp for the threads.
//
// This file is the composition root of the served bot: it alone knows
// every adapter. Everything it mounts on the HTTP server goes through observed(), which times
// the answer (the ack latency of webhook events), wakes the worker thread when an event may have
// scheduled jobs or queued messages, and logs each request at debug level.
//
// The worker thread sleeps in poll() on two descriptors — a signalfd for SIGINT/SIGTERM and an
// eventfd every event thread writes after a commit — with a timeout at the next moment it knows
// of: the scheduler's next due job, the outbox's next retry or delayed message, the end of a
// destination's rate-limit pause; at most kIdleWake. So a reminder fires at the start of its
// second, a queued message leaves at once, and a stop signal is heard even between the batches
// of a long outbox backlog.
#include "bot/app/serve.hpp"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "bot/runtime/log.hpp"
#include "bot/runtime/metrics.hpp"
#include "bot/runtime/outbox_sender.hpp"
#include "bot/runtime/pipeline.hpp"
#include "bot/runtime/scheduler.hpp"
#include "commands/clock.hpp"
#include "commands/health_check.hpp"
#include "commands/public_links.hpp"
#include "integrations/calendar/calendar.hpp"
#include "integrations/ci/ci_webhook.hpp"
#include "integrations/http/health_check_worker.hpp"
#include "integrations/http/http_server.hpp"
#include "integrations/http/liveness.hpp"
#include "integrations/http/verify_worker.hpp"
#include "integrations/slack/events_http.hpp"
#include "integrations/slack/slack_port.hpp"
#include "integrations/slack/socket_mode.hpp"
#include "integrations/slack/web_api.hpp"
#include "integrations/teams/bot_auth.hpp"
#include "integrations/teams/connector.hpp"
#include "integrations/teams/teams_port.hpp"
#include "integrations/teams/teams_receiver.hpp"
#include "storage/database.hpp"

namespace releasebot {

namespace {

constexpr const char* kSocketMode = "slack_socket_mode";
// The longest the worker sleeps with nothing due that it knows of: it then looks anyway, for
// what no event announced (another process writing the database, a retry due "now").
constexpr std::chrono::seconds kIdleWake{1};
// How long jobs that did not fire (a storage fault) wait before the next try.
constexpr std::chrono::seconds kJobRetry{1};
// The least time between two rounds of the worker: under a storm of events it then looks a few
// hundred times a second rather than after every commit, for at most this much more latency.
constexpr std::chrono::milliseconds kRoundSpacing{2};
// The verify and health-check workers read their tables each time they are woken; under a storm
// of events they are woken at most this often.
constexpr std::chrono::milliseconds kHelperWakeSpacing{100};

std::unique_ptr<Database> open_database(const std::string& path) {
    try {
        return std::make_unique<Database>(path);
    } catch (const std::exception& e) {
        std::string why = e.what();
        if (why.find(path) == std::string::npos) why = path + ": " + why;
        log::error("serve", "cannot open the database " + why +
                                ". Check the path and its permissions, or set database.path "
                                "(RELEASEBOT_DATABASE_PATH; --db for `releasebot slack`).");
        return nullptr;
    }
}

std::string millis(std::chrono::nanoseconds d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f ms", static_cast<double>(d.count()) / 1e6);
    return buf;
}

std::string listen_text(const HttpSettings& http, int port) {
    const bool v6 = http.address.find(':') != std::string::npos;
    return (v6 ? "[" + http.address + "]" : http.address) + ":" + std::to_string(port);
}

// A file descriptor closed with its owner.
class FileDescriptor {
  public:
    FileDescriptor(int fd, const char* what) : fd_(fd) {
        if (fd_ < 0) throw std::system_error(errno, std::generic_category(), what);
    }
    ~FileDescriptor() { close(fd_); }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return fd_; }

  private:
    int fd_;
};

// What wakes the worker thread from its poll: an eventfd any thread may write. event() is for
// a committed event (the worker then also tells the scheduler and the other workers to look
// again); notify() for anything else it should look at, such as a worker's result. Writes
// coalesce: an event while one is already pending costs no system call.
class WorkerWake {
  public:
    WorkerWake() : fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), "eventfd") {}
    void event() {
        if (!events_.exchange(true)) notify();
    }
    void notify() {
        const std::uint64_t one = 1;
        // Fails only when the counter is full, and then the worker is woken already.
        [[maybe_unused]] const ssize_t n = write(fd_.get(), &one, sizeof one);
    }
    int fd() const { return fd_.get(); }
    // For the worker once awake: empties the descriptor, then says whether an event committed
    // since the last call. In that order, so an event that comes in between is seen now or
    // wakes the next poll.
    bool take_events() {
        std::uint64_t count = 0;
        [[maybe_unused]] const ssize_t n = read(fd_.get(), &count, sizeof count);
        return events_.exchange(false);
    }

  private:
    FileDescriptor fd_;
    std::atomic<bool> events_{false};
};

// The steady-clock moment at which the system clock reads `at` (a whole second: the start of
// that second), as far as the two clocks agree now.
std::chrono::steady_clock::time_point steady_moment(Instant at) {
    return std::chrono::steady_clock::now() +
           std::chrono::duration_cast<std::chrono::steady_clock::duration>(
               std::chrono::system_clock::time_point(at) - std::chrono::system_clock::now());
}

// Waits until a stop signal, a wake (unless `wake` is null) or `deadline` (at once if it has
// passed).
void wait_for(const FileDescriptor& signals, const WorkerWake* wake,
              std::chrono::steady_clock::time_point deadline) {
    pollfd fds[2] = {{signals.get(), POLLIN, 0}, {wake != nullptr ? wake->fd() : -1, POLLIN, 0}};
    const auto left = std::max(deadline - std::chrono::steady_clock::now(),
                               std::chrono::steady_clock::duration::zero());
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(left);
    const timespec timeout{static_cast<time_t>(secs.count()),
                           static_cast<long>(std::chrono::nanoseconds(left - secs).count())};
    // EINTR and the like only end the wait early; the worker then looks and waits again.
    ppoll(fds, 2, &timeout, nullptr);
}

// Wraps a handler: times it (for `acks`, the answer is the platform's acknowledgement), wakes
// the worker (`wake`) after an event so it looks for newly scheduled jobs and queued messages,
// and logs the request at debug level (the log's redaction cuts any credential in the target
// or headers).
HttpHandler observed(HttpHandler inner, bool acks, WorkerWake* wake) {
    return [inner = std::move(inner), acks, wake](const HttpRequest& req) {
        const auto started = std::chrono::steady_clock::now();
        HttpResponse res;
        try {
            res = inner(req);
        } catch (const std::exception& e) {
            log::error("http", req.method + " " + req.target + " failed: " + e.what());
            throw;
        }
        const auto took = std::chrono::steady_clock::now() - started;
        if (acks && res.status < 500) metrics::ack_latency(took);
        if (wake != nullptr && res.status < 300) wake->event();
        if (log::enabled(log::Level::debug)) {
            std::string line = (req.head ? "HEAD" : req.method) + " " + req.target + " → " +
                               std::to_string(res.status) + " in " + millis(took);
            for (const auto& [name, value] : req.headers) line += "; " + name + ": " + value;
            log::debug("http", line);
        }
        return res;
    };
}

// Events made off the event threads (the verify and health-check workers' results), handed to
// the worker thread, which runs them through its pipeline on its own connection.
class EventQueue {
  public:
    void push(const Event& event) {
        std::lock_guard lock(mutex_);
        events_.push_back(event);
    }
    std::vector<Event> take() {
        std::lock_guard lock(mutex_);
        return std::exchange(events_, {});
    }

  private:
    std::mutex mutex_;
    std::vector<Event> events_;
};

// The stop request from the worker (a signal, or a failure) to the calling thread.
struct StopFlag {
    std::mutex mutex;
    std::condition_variable cv;
    bool stopped = false;
    void raise() {
        {
            std::lock_guard lock(mutex);
            stopped = true;
        }
        cv.notify_all();
    }
    void wait() {
        std::unique_lock lock(mutex);
        cv.wait(lock, [this] { return stopped; });
    }
};

std::string adapters_text(const Config& config) {
    std::string out;
    auto add = [&out](const std::string& s) { out += (out.empty() ? "" : ", ") + s; };
    if (config.slack.enabled && config.slack.socket_mode) {
        add("Slack Socket Mode (" + std::to_string(config.slack.connections) +
            (config.slack.connections == 1 ? " link)" : " links)"));
    }
    if (config.slack.enabled && config.slack.http) add("Slack Events API at /slack/");
    if (config.teams.enabled) add("Teams at /api/messages");
    return out;
}

}  // namespace

int serve(const Config& config) {
    log::configure(config.log.level, config.log.format);
    log::set_secrets(config.secrets());
    // From here on, whatever any component writes to std::cerr is a redacted log record.
    log::StderrCapture capture;
    for (const auto& warning : config.warnings) {
        // The Teams receiver gives its own warning about running without an app id.
        if (warning.rfind("teams:", 0) != 0) log::warn("config", warning);
    }
    liveness::reset();

    // Every thread started from here on inherits the mask, so SIGINT/SIGTERM are only read,
    // by the worker, from the signalfd; a peer closing a socket must not kill the process either.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    signal(SIGPIPE, SIG_IGN);
    const FileDescriptor signals(signalfd(-1, &stop_signals, SFD_NONBLOCK | SFD_CLOEXEC),
                                 "signalfd");
    WorkerWake wake;

    log::info("serve", std::string("releasebot ") + RELEASEBOT_VERSION +
                           " starting: " + adapters_text(config) + "; database " + config.database);

    // The first open creates the file and runs the migrations before any other thread opens it.
    std::unique_ptr<Database> db = open_database(config.database);
    if (!db) return 1;
    std::unique_ptr<Database> http_db;
    if (config.http.enabled) {
        http_db = open_database(config.database);
        if (!http_db) return 1;
    }

    // Read by `calendar link` and `ci secret`, and by `control check`; set before any event runs.
    set_public_base_url(config.http.public_url);
    set_health_check_timing({config.health_checks.lead, config.health_checks.interval});
    SystemClock clock;
    const bool socket_mode = config.slack.enabled && config.slack.socket_mode;

    slack::ApiOptions api_options;
    api_options.base_url = config.slack.api_url;
    api_options.ca_file = config.slack.ca_file;

    // ---- HTTP: receivers on their own connection and pipeline --------------------------------
    HttpServer server;
    std::optional<Pipeline> http_pipeline;
    std::unique_ptr<slack::SlackHttpReceiver> slack_http;
    std::unique_ptr<slack::SlackWebApi> http_bot_api;
    std::unique_ptr<slack::SlackUserDirectory> http_users;
    std::unique_ptr<CalendarFeed> calendar;
    std::unique_ptr<ci::CiWebhook> ci_webhook;
    std::unique_ptr<teams::BotAuthenticator> teams_auth;
    std::unique_ptr<teams::TeamsReceiver> teams_receiver;
    if (config.http.enabled) {
        http_pipeline.emplace(*http_db, clock);
        http_pipeline->set_start_lead(config.releases.start_lead);
        Database& hdb = *http_db;
        server.route(
            "/healthz",
            observed([&hdb](const HttpRequest& req) { return liveness::healthz(hdb, req); }, false,
                     nullptr));
        server.route("/metrics", observed(
                                     [&hdb](const HttpRequest& req) {
                                         return liveness::metrics_endpoint(hdb, req);
                                     },
                                     false, nullptr));
        if (config.slack.enabled && config.slack.http) {
            slack_http = std::make_unique<slack::SlackHttpReceiver>(
                *http_pipeline, config.slack.signing_secret.value);
            // A Web API client and users.info cache of this thread's own (calls on one client
            // take turns, so the outbox's is not shared).
            http_bot_api =
                std::make_unique<slack::SlackWebApi>(config.slack.bot_token.value, api_options);
            http_users = std::make_unique<slack::SlackUserDirectory>(*http_bot_api);
            slack_http->use_web_api(http_bot_api.get(), http_users.get());
            slack::SlackHttpReceiver* receiver = slack_http.get();
            server.route(
                "/slack/",
                observed([receiver](const HttpRequest& req) { return receiver->handle(req); }, true,
                         &wake));
            liveness::set("slack_http", "starting");
        }
        calendar = std::make_unique<CalendarFeed>(hdb);
        CalendarFeed* feed = calendar.get();
        server.route(
            "/calendar.ics",
            observed([feed](const HttpRequest& req) { return feed->handle(req); }, false, nullptr));
        ci_webhook = std::make_unique<ci::CiWebhook>(*http_pipeline, hdb);
        ci::CiWebhook* hook = ci_webhook.get();
        server.route(
            "/hooks/ci",
            observed([hook](const HttpRequest& req) { return hook->handle(req); }, true, &wake));
        if (config.teams.enabled) {
            // No app id: no authenticator, which the receiver accepts on loopback only (the
            // configuration refused anything else already).
            if (!config.teams.app_id.empty()) {
                teams::BotAuthOptions auth;
                auth.app_id = config.teams.app_id;
                if (!config.teams.openid_metadata_url.empty()) {
                    auth.metadata_url = config.teams.openid_metadata_url;
                }
                if (!config.teams.token_issuer.empty()) auth.issuer = config.teams.token_issuer;
                auth.ca_file = config.teams.ca_file;
                teams_auth = std::make_unique<teams::BotAuthenticator>(auth);
            }
            teams_receiver = std::make_unique<teams::TeamsReceiver>(
                *http_pipeline, hdb, teams_auth.get(), config.http.loopback());
            teams::TeamsReceiver* receiver = teams_receiver.get();
            server.route(
                "/api/messages",
                observed([receiver](const HttpRequest& req) { return receiver->handle(req); }, true,
                         &wake));
            liveness::set("teams", "starting");
        }
    }

    // ---- Socket Mode: on this thread, with `db` ---------------------------------------------
    Pipeline pipeline(*db, clock);
    pipeline.set_start_lead(config.releases.start_lead);
    std::unique_ptr<slack::SlackWebApi> app_api;
    std::unique_ptr<slack::SlackWebApi> socket_bot_api;
    std::unique_ptr<slack::SlackUserDirectory> socket_users;
    std::unique_ptr<slack::SocketModeClient> client;
    if (socket_mode) {
        app_api = std::make_unique<slack::SlackWebApi>(config.slack.app_token.value, api_options);
        socket_bot_api =
            std::make_unique<slack::SlackWebApi>(config.slack.bot_token.value, api_options);
        socket_users = std::make_unique<slack::SlackUserDirectory>(*socket_bot_api);
        slack::SocketModeOptions options;
        options.bot_api = socket_bot_api.get();
        options.users = socket_users.get();
        options.connections = config.slack.connections;
        options.ca_file = config.slack.ca_file;
        options.on_event = [&wake] { wake.event(); };
        client = std::make_unique<slack::SocketModeClient>(*app_api, pipeline, options);
        // The client reports each link going up and down itself (and counts reconnects).
        liveness::expect_links(kSocketMode, config.slack.connections);
    }

    if (config.http.enabled) {
        int port = 0;
        try {
            port = server.start(config.http.address, config.http.port);
        } catch (const std::exception& e) {
            // Asio's message ends in a source location no operator needs.
            std::string why = e.what();
            why = why.substr(0, why.find(" ["));
            log::error("serve", "cannot listen on " + listen_text(config.http, config.http.port) +
                                    " (" + why +
                                    "). Set http.listen (RELEASEBOT_HTTP_LISTEN) to a free "
                                    "address:port.");
            return 1;
        }
        if (slack_http) liveness::set("slack_http", "listening");
        if (teams_receiver) liveness::set("teams", "listening");
        log::info("http", "listening on " + listen_text(config.http, port));
    }

    // ---- `release verify` downloads and health checks, each on a thread (and connection) of
    // its own; their results go through the worker's pipeline ---------------------------------
    EventQueue worker_results;
    auto hand_to_worker = [&worker_results, &wake](const Event& event) {
        worker_results.push(event);
        wake.notify();
    };
    VerifyWorker verify(config.database, hand_to_worker);
    verify.start();
    HealthCheckOptions health_options;
    health_options.lead = config.health_checks.lead;
    health_options.interval = config.health_checks.interval;
    health_options.timeout = config.health_checks.timeout;
    HealthCheckWorker health_checks(config.database, clock, hand_to_worker, health_options);
    health_checks.start();

    // ---- the worker: jobs and deliveries, with a third connection; and the signals ----------
    StopFlag stop;
    std::atomic<bool> done{false};
    std::atomic<bool> worker_failed{false};
    std::thread worker([&] {
        std::unique_ptr<Database> worker_db = open_database(config.database);
        if (!worker_db) {
            worker_failed = true;
            if (client) client->stop();
            stop.raise();
            return;
        }
        Pipeline timers(*worker_db, clock);
        Scheduler scheduler(*worker_db, clock, timers);
        OutboxSender sender(*worker_db, clock);
        std::unique_ptr<slack::SlackWebApi> bot_api;
        std::unique_ptr<slack::SlackPort> slack_port;
        if (config.slack.enabled) {
            bot_api =
                std::make_unique<slack::SlackWebApi>(config.slack.bot_token.value, api_options);
            slack_port = std::make_unique<slack::SlackPort>(*bot_api);
            sender.add_port(*slack_port);
        }
        std::unique_ptr<teams::ConnectorClient> connector;
        std::unique_ptr<teams::TeamsPort> teams_port;
        if (config.teams.enabled) {
            teams::ConnectorOptions options;
            options.app_id = config.teams.app_id;
            options.app_password = config.teams.app_password.value;
            options.token_url = config.teams.effective_token_url();
            options.ca_file = config.teams.ca_file;
            connector = std::make_unique<teams::ConnectorClient>(options);
            teams_port = std::make_unique<teams::TeamsPort>(*connector, *worker_db);
            sender.add_port(*teams_port);
        }

        using SteadyClock = std::chrono::steady_clock;
        // The stop signal read from the signalfd (0: none yet). Asked between outbox batches and
        // before each delivery too, so a deep backlog does not keep the process from stopping:
        // the Socket Mode links start closing at once, while the delivery in flight ends and
        // its outcome is recorded.
        int stop_signal = 0;
        const std::function<bool()> stopping = [&] {
            signalfd_siginfo info{};
            if (stop_signal == 0 && read(signals.get(), &info, sizeof info) == sizeof info) {
                stop_signal = static_cast<int>(info.ssi_signo);
                log::info("serve", std::string("stopping (") +
                                       (stop_signal == SIGINT ? "SIGINT" : "SIGTERM") + ")…");
                if (client) client->stop();
                stop.raise();
            }
            return stop_signal != 0 || done;
        };
        auto wake_at = SteadyClock::now();  // at once: overdue jobs and queued messages first
        auto last_round = SteadyClock::time_point::min();
        auto jobs_retry_at = SteadyClock::time_point::min();
        auto helpers_woken = SteadyClock::time_point::min();
        bool helpers_owed = false;
        for (;;) {
            if (stop_signal == 0) {
                // Signals are heard at once; wakes once the spacing since the last round is over.
                const auto spaced = last_round + kRoundSpacing;
                if (SteadyClock::now() < spaced) wait_for(signals, nullptr, spaced);
                wait_for(signals, &wake, wake_at);
            }
            if (stopping()) break;
            last_round = SteadyClock::now();
            // The events just handled may have scheduled jobs this thread has not seen, asked
            // for a `release verify`, or set a health check.
            if (wake.take_events()) helpers_owed = true;
            if (helpers_owed && last_round >= helpers_woken + kHelperWakeSpacing) {
                verify.wake();
                health_checks.wake();
                helpers_owed = false;
                helpers_woken = last_round;
            }
            // Looked up again each time (one indexed read): jobs scheduled by events, by the
            // results below, or by another process all count.
            scheduler.invalidate();
            wake_at = last_round + kIdleWake;
            if (helpers_owed) wake_at = helpers_woken + kHelperWakeSpacing;
            try {
                std::vector<Event> results = worker_results.take();
                for (std::size_t i = 0; i < results.size(); ++i) {
                    try {
                        timers.handle(results[i]);
                    } catch (const std::exception&) {
                        // Kept for the next try: a storage fault passes, and the key makes a
                        // result that did commit a duplicate.
                        for (std::size_t j = i; j < results.size(); ++j) {
                            worker_results.push(results[j]);
                        }
                        throw;
                    }
                }
                auto next_job = scheduler.next_due();
                if (next_job && *next_job <= clock.now() && SteadyClock::now() >= jobs_retry_at) {
                    const Instant ran_at = clock.now();
                    scheduler.run_due();
                    next_job = scheduler.next_due();
                    // Every job due by then was tried: one still due did not fire.
                    if (next_job && *next_job <= ran_at)
                        jobs_retry_at = SteadyClock::now() + kJobRetry;
                }
                constexpr int kBatch = 100;
                do {
                    sender.deliver_due(kBatch, stopping);
                } while (sender.more_due() && !stopping());
                if (stopping()) break;

                if (next_job)
                    wake_at = std::min(wake_at, std::max(steady_moment(*next_job), jobs_retry_at));
                if (auto next_message = sender.next_not_before())
                    wake_at = std::min(wake_at, steady_moment(*next_message));
                if (auto paced = sender.paced_until()) wake_at = std::min(wake_at, *paced);
            } catch (const std::exception& e) {
                log::warn("serve", std::string("scheduled jobs or messages could not be handled, "
                                               "retrying: ") +
                                       e.what());
            }
        }
    });

    std::string why = "stopped";
    if (client) {
        log::info("slack", "connecting (Socket Mode, " + std::to_string(config.slack.connections) +
                               (config.slack.connections == 1 ? " link" : " links") + ", Web API " +
                               config.slack.api_url + ")");
        why = client->run();
        liveness::set(kSocketMode, why == "stopped" ? "stopped" : "failed");
        if (why != "stopped") log::error("slack", why);
    } else {
        stop.wait();
    }
    done = true;
    wake.notify();
    worker.join();
    verify.stop();
    health_checks.stop();
    server.stop();
    if (worker_failed) return 1;
    if (why != "stopped") return 1;
    log::info("serve", "stopped.");
    return 0;
}

}  // namespace releasebot
