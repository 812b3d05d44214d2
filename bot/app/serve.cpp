// `releasebot serve`: builds every adapter the configuration enables, one SQLite connection per
// thread, and runs them until SIGINT/SIGTERM. See serve.hpp for the threads.
//
// This file is wiring only, and the composition root of the served bot: it alone knows every
// adapter. The worker's loop is the runtime's (bot/runtime/worker.hpp); the ports it delivers
// through and the pipelines' settings come from wiring.hpp, which the console uses too.
// Everything mounted on the HTTP server goes through observed(), which times the answer (the
// ack latency of webhook events), tells the worker when an event may have scheduled jobs or
// queued messages, and logs each request at debug level.
#include "bot/app/serve.hpp"

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "bot/app/wiring.hpp"
#include "bot/runtime/log.hpp"
#include "bot/runtime/metrics.hpp"
#include "bot/runtime/pipeline.hpp"
#include "bot/runtime/worker.hpp"
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
#include "integrations/slack/socket_mode.hpp"
#include "integrations/slack/web_api.hpp"
#include "integrations/teams/bot_auth.hpp"
#include "integrations/teams/messages_endpoint.hpp"
#include "storage/database.hpp"

namespace releasebot {

namespace {

constexpr const char* kSocketMode = "slack_socket_mode";
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

// Wraps a handler: times it (for `acks`, the answer is the platform's acknowledgement), wakes
// the worker (`wake`) after an event so it looks for newly scheduled jobs and queued messages,
// and logs the request at debug level (the log's redaction cuts any credential in the target
// or headers).
HttpHandler observed(HttpHandler inner, bool acks, WorkerThread* wake) {
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
        if (wake != nullptr && res.status < 300) wake->event_committed();
        if (log::enabled(log::Level::debug)) {
            std::string line = (req.head ? "HEAD" : req.method) + " " + req.target + " → " +
                               std::to_string(res.status) + " in " + millis(took);
            for (const auto& [name, value] : req.headers) line += "; " + name + ": " + value;
            log::debug("http", line);
        }
        return res;
    };
}

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

    // Before any thread starts: every thread inherits the mask, so SIGINT/SIGTERM are only read,
    // by the worker, from the signalfd.
    const StopSignals signals;

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
    const RuntimeSettings settings = runtime_settings(config);
    const bool socket_mode = config.slack.enabled && config.slack.socket_mode;

    slack::ApiOptions api_options;
    api_options.base_url = config.slack.api_url;
    api_options.ca_file = config.slack.ca_file;

    // ---- the worker: jobs, deliveries and the helpers' results, on a connection of its own --
    // (started last; the event threads tell it about commits from the start)
    std::unique_ptr<slack::SocketModeClient> client;
    std::unique_ptr<VerifyWorker> verify;
    std::unique_ptr<HealthCheckWorker> health_checks;
    WorkerThread::Options worker_options;
    worker_options.settings = settings;
    worker_options.open_database = [&config] { return open_database(config.database); };
    worker_options.make_ports = [&config](Database& wdb) { return chat_ports(config, wdb); };
    // The events just handled may have asked for a `release verify` or set a health check.
    worker_options.after_events = {[&verify] { verify->wake(); },
                                   [&health_checks] { health_checks->wake(); }};
    // The Socket Mode links start closing at once.
    worker_options.on_stop = [&client] {
        if (client) client->stop();
    };
    WorkerThread worker(clock, signals, std::move(worker_options));

    // ---- HTTP: receivers on their own connection and pipeline --------------------------------
    HttpServer server;
    std::optional<Pipeline> http_pipeline;
    std::unique_ptr<slack::SlackHttpReceiver> slack_http;
    std::unique_ptr<slack::SlackWebApi> http_bot_api;
    std::unique_ptr<slack::SlackUserDirectory> http_users;
    std::unique_ptr<CalendarFeed> calendar;
    std::unique_ptr<ci::CiWebhook> ci_webhook;
    std::unique_ptr<teams::BotAuthenticator> teams_auth;
    std::unique_ptr<teams::MessagesEndpoint> teams_endpoint;
    if (config.http.enabled) {
        http_pipeline.emplace(*http_db, clock);
        configure(*http_pipeline, settings);
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
                         &worker));
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
            observed([hook](const HttpRequest& req) { return hook->handle(req); }, true, &worker));
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
            teams_endpoint = std::make_unique<teams::MessagesEndpoint>(
                *http_pipeline, hdb, teams_auth.get(), config.http.loopback());
            teams::MessagesEndpoint* receiver = teams_endpoint.get();
            server.route(
                "/api/messages",
                observed([receiver](const HttpRequest& req) { return receiver->handle(req); }, true,
                         &worker));
            liveness::set("teams", "starting");
        }
    }

    // ---- Socket Mode: on this thread, with `db` ---------------------------------------------
    Pipeline pipeline(*db, clock);
    configure(pipeline, settings);
    std::unique_ptr<slack::SlackWebApi> app_api;
    std::unique_ptr<slack::SlackWebApi> socket_bot_api;
    std::unique_ptr<slack::SlackUserDirectory> socket_users;
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
        options.on_event = [&worker] { worker.event_committed(); };
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
        if (teams_endpoint) liveness::set("teams", "listening");
        log::info("http", "listening on " + listen_text(config.http, port));
    }

    // ---- `release verify` downloads and health checks, each on a thread (and connection) of
    // its own; their results go through the worker's pipeline ---------------------------------
    auto hand_to_worker = [&worker](const Event& event) { worker.submit(event); };
    verify = std::make_unique<VerifyWorker>(config.database, hand_to_worker);
    verify->start();
    HealthCheckOptions health_options;
    health_options.lead = config.health_checks.lead;
    health_options.interval = config.health_checks.interval;
    health_options.timeout = config.health_checks.timeout;
    health_checks =
        std::make_unique<HealthCheckWorker>(config.database, clock, hand_to_worker, health_options);
    health_checks->start();
    worker.start();

    std::string why = "stopped";
    if (client) {
        log::info("slack", "connecting (Socket Mode, " + std::to_string(config.slack.connections) +
                               (config.slack.connections == 1 ? " link" : " links") + ", Web API " +
                               config.slack.api_url + ")");
        why = client->run();
        liveness::set(kSocketMode, why == "stopped" ? "stopped" : "failed");
        if (why != "stopped") log::error("slack", why);
    } else {
        worker.wait_for_stop();
    }
    worker.stop();
    verify->stop();
    health_checks->stop();
    server.stop();
    if (worker.failed()) return 1;
    if (why != "stopped") return 1;
    log::info("serve", "stopped.");
    return 0;
}

}  // namespace releasebot
