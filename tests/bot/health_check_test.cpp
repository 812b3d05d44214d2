// Tests of control health checks end to end (integrations/http/health_check_worker.hpp,
// commands/health_check.hpp): `control check` sets a URL on a release's control, the worker
// polls it over real loopback HTTP in the lead time before the window, and its results go
// through the real pipeline on a real SQLite file — recorded, shown by `control list`, and the
// control ticked once, by releasebot, on the first 2xx answer.
#include "commands/health_check.hpp"

#include <catch2/catch.hpp>
#include <mutex>
#include <thread>
#include <vector>

#include "bot/runtime/log.hpp"
#include "bot/runtime/pipeline.hpp"
#include "integrations/http/health_check_worker.hpp"
#include "integrations/http/http_server.hpp"
#include "support/plans.hpp"
#include "support/temp_dir.hpp"
#include "support/test_env.hpp"

using Catch::Matchers::Contains;
using releasebot::Event;
using releasebot::HealthCheckOptions;
using releasebot::HealthCheckWorker;
using releasebot::HttpRequest;
using releasebot::HttpResponse;
using releasebot::HttpServer;
using releasebot::Seconds;
using releasebot::test::plan_web;
using releasebot::test::TempDir;
using releasebot::test::TestEnv;
using releasebot::test::utc;

namespace {

std::size_t count_of(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

// A service whose /health answers with the statuses given, one per request, the last one
// repeated; /slow answers after 1.2 s, /moved redirects to /health, /big sends 200 KB.
struct HealthServer {
    HealthServer() {
        server.route("/health", [this](const HttpRequest& req) {
            std::lock_guard lock(mu);
            targets.push_back(req.target);
            int status = statuses.empty() ? 200 : statuses.front();
            if (statuses.size() > 1) statuses.erase(statuses.begin());
            // A 204 carries no body.
            std::string body = status == 204 ? "" : "status " + std::to_string(status);
            return HttpResponse{status, "text/plain", body, {}};
        });
        server.route("/slow", [](const HttpRequest&) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1200));
            return HttpResponse{200, "text/plain", "late", {}};
        });
        server.route("/moved", [](const HttpRequest&) {
            return HttpResponse{302, "text/plain", "", {{"Location", "/health"}}};
        });
        server.route("/big", [](const HttpRequest&) {
            return HttpResponse{200, "text/plain", std::string(200000, 'x'), {}};
        });
        port = server.start("127.0.0.1", 0);
    }
    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(port) + path;
    }
    void answer(std::vector<int> s) {
        std::lock_guard lock(mu);
        statuses = std::move(s);
    }
    std::size_t hits() {
        std::lock_guard lock(mu);
        return targets.size();
    }

    std::mutex mu;
    std::vector<int> statuses{200};
    std::vector<std::string> targets;
    HttpServer server;
    int port = 0;
};

// A loopback port nothing listens on: a server's, after it stopped.
std::string closed_url() {
    HttpServer gone;
    const int port = gone.start("127.0.0.1", 0);
    gone.stop();
    return "http://127.0.0.1:" + std::to_string(port) + "/health";
}

// One release, web-2026.12, window Thu 10 Dec 2026 14:00 UTC for 2h, on a database file; a
// worker whose results go through a pipeline of their own, as under `releasebot serve`.
struct Fixture {
    explicit Fixture(HealthCheckOptions options = {})
        : env(dir.file("releasebot.db")),
          pipeline(env.db(), env.clock()),
          worker(
              dir.file("releasebot.db"), env.clock(),
              [this](const Event& e) {
                  events.push_back(e);
                  outcomes.push_back(pipeline.handle(e));
              },
              options) {
        plan_web(env);
    }
    std::string status_of(const std::string& slug) {
        return env.text("SELECT status FROM release_controls WHERE slug = '" + slug + "'");
    }
    std::int64_t posts_like(const std::string& text) {
        return env.count("SELECT COUNT(*) FROM outbox WHERE kind = 'post' AND payload LIKE '%" +
                         text + "%'");
    }

    TempDir dir;
    TestEnv env;
    releasebot::Pipeline pipeline;
    std::vector<Event> events;
    std::vector<releasebot::Outcome> outcomes;
    HealthCheckWorker worker;
};

// Log lines written while it lives, at debug level.
struct LogCollector {
    LogCollector() {
        releasebot::log::configure(releasebot::log::Level::debug, releasebot::log::Format::plain);
        releasebot::log::set_sink([this](const std::string& line) {
            std::lock_guard lock(mu);
            lines.push_back(line);
        });
    }
    ~LogCollector() {
        releasebot::log::set_sink({});
        releasebot::log::configure(releasebot::log::Level::info, releasebot::log::Format::plain);
    }
    std::mutex mu;
    std::vector<std::string> lines;
};

}  // namespace

TEST_CASE("A health check answering 503 then 200 ticks its control once, as releasebot",
          "[health]") {
    HealthServer service;
    Fixture f;
    LogCollector log;
    const std::string url = service.url("/health?token=s3cr3t-t0ken");
    const std::string shown = service.url("/health?…");
    service.answer({503, 200});

    std::string reply = f.env.say("alice", "control check web-2026.12 ops-ready " + url);
    CHECK_THAT(reply,
               Contains("Health check set on control 6 `ops-ready` of web-2026.12: GET " + shown));
    CHECK_THAT(reply, Contains("Polling starts at Thu 10 Dec 2026 13:00 UTC (1h before the "
                               "window), every 1m"));
    CHECK(f.worker.run_once() == 0);  // a week before the window
    CHECK(service.hits() == 0);

    f.env.clock().set(utc("2026-12-10 13:30"));
    CHECK(f.worker.run_once() == 1);
    CHECK(f.status_of("ops-ready") == "open");
    CHECK_THAT(f.env.say("bob", "control list web-2026.12"),
               Contains("health check: " + shown + " — last 503 at 13:30"));
    CHECK(f.posts_like("answered 503") == 1);
    // Not again before the interval has passed.
    CHECK(f.worker.run_once() == 0);

    f.env.clock().advance(Seconds{60});
    CHECK(f.worker.run_once() == 1);
    CHECK(f.status_of("ops-ready") == "done");
    CHECK(f.env.text("SELECT done_by FROM release_controls WHERE slug = 'ops-ready'") ==
          "releasebot");
    const std::string evidence =
        "health check GET " + shown + " answered 200 at Thu 10 Dec 2026 13:31 UTC";
    CHECK(f.env.text("SELECT note FROM release_controls WHERE slug = 'ops-ready'") == evidence);
    CHECK(f.env.count("SELECT COUNT(*) FROM audit_log WHERE action = 'control.tick' AND actor = "
                      "'releasebot' AND detail = '6 `ops-ready` note \"" +
                      evidence + "\"'") == 1);
    CHECK(f.posts_like("Health check passed: ticked control 6 `ops-ready` on *web-2026.12*") == 1);
    CHECK_THAT(f.env.say("bob", "control list web-2026.12"),
               Contains("ticked by @releasebot") && Contains("last 200 at 13:31"));

    SECTION("and polls it no more") {
        f.env.clock().advance(Seconds{60});
        CHECK(f.worker.run_once() == 0);
        CHECK(service.hits() == 2);
    }
    SECTION("the same result handed over again is a duplicate") {
        CHECK(f.pipeline.handle(f.events.back()).duplicate);
    }
    SECTION("a later 2xx result for the ticked control ticks nothing") {
        Event later = f.events.back();
        later.idempotency_key += "-later";
        CHECK_FALSE(f.pipeline.handle(later).duplicate);
        CHECK(f.env.count("SELECT COUNT(*) FROM audit_log WHERE action = 'control.tick' AND "
                          "detail LIKE '%ops-ready%'") == 1);
        CHECK(f.posts_like("Health check passed") == 1);
    }
    SECTION("the token in the query was sent, and is shown, stored or logged nowhere else") {
        {
            std::lock_guard lock(service.mu);
            CHECK(service.targets.front() == "/health?token=s3cr3t-t0ken");
        }
        CHECK(f.env.count("SELECT COUNT(*) FROM outbox WHERE payload LIKE '%s3cr3t%'") == 0);
        CHECK(f.env.count("SELECT COUNT(*) FROM audit_log WHERE detail LIKE '%s3cr3t%'") == 0);
        CHECK(f.env.count("SELECT COUNT(*) FROM release_controls WHERE note LIKE '%s3cr3t%'") == 0);
        std::lock_guard lock(log.mu);
        bool logged_poll = false;
        for (const auto& line : log.lines) {
            CHECK(line.find("s3cr3t") == std::string::npos);
            logged_poll = logged_poll || line.find("GET " + shown + " → 200") != std::string::npos;
        }
        CHECK(logged_poll);
    }
}

TEST_CASE("A health check that never answers 2xx leaves its control open, with its last result",
          "[health]") {
    HealthServer service;
    Fixture f;
    service.answer({500});
    const std::string gone = closed_url();
    f.env.say("alice", "control check web-2026.12 ops-ready " + service.url("/health"));
    f.env.say("alice", "control check web-2026.12 business-signoff " + gone);

    f.env.clock().set(utc("2026-12-10 13:30"));
    for (int poll = 0; poll < 3; ++poll) {
        CHECK(f.worker.run_once() == 2);
        f.env.clock().advance(Seconds{60});
    }
    CHECK(f.status_of("ops-ready") == "open");
    CHECK(f.status_of("business-signoff") == "open");
    const std::string list = f.env.say("bob", "control list web-2026.12");
    CHECK_THAT(list, Contains("health check: " + service.url("/health") + " — last 500 at 13:32"));
    CHECK_THAT(list, Contains("health check: " + gone + " — last: could not connect at 13:32"));
    // `release show` (and so the status message) draws the same line, once per control.
    const std::string show = f.env.say("bob", "release show web-2026.12");
    CHECK_THAT(show, Contains("health check: " + service.url("/health") + " — last 500 at 13:32"));
    CHECK(count_of(list, "health check: " + service.url("/health")) == 1);
    // One message per control, at its first failed poll, not one per poll.
    CHECK(f.posts_like("Health check of control") == 2);
    CHECK(f.posts_like("answered 500. I''ll keep polling until the window opens at Thu 10 Dec "
                       "2026 14:00 UTC") == 1);
    // Only releasebot's own controls were ticked, none by a health check.
    CHECK(f.env.count("SELECT COUNT(*) FROM audit_log WHERE action = 'control.tick' AND "
                      "detail NOT LIKE '%by releasebot:%'") == 0);
    CHECK_THAT(f.env.say("bob", "control explain ops-ready in web-2026.12"),
               Contains(service.url("/health") + " — last 500 at 13:32"));
}

TEST_CASE("Health checks are polled only in the lead time before the window, while open",
          "[health]") {
    HealthServer service;
    Fixture f;
    service.answer({503});
    f.env.say("alice", "control check web-2026.12 ops-ready " + service.url("/health"));

    SECTION("not before the lead time; from its first second") {
        f.env.clock().set(utc("2026-12-10 12:59"));
        CHECK(f.worker.run_once() == 0);
        f.env.clock().set(utc("2026-12-10 13:00"));
        CHECK(f.worker.run_once() == 1);
    }
    SECTION("not once the window has opened, even if the release has not started") {
        f.env.clock().set(utc("2026-12-10 14:00"));
        CHECK(f.worker.run_once() == 0);
    }
    SECTION("not while the control is ticked; again at once when it is unticked") {
        f.env.clock().set(utc("2026-12-10 13:30"));
        f.env.say("bob", "control tick web-2026.12 ops-ready");
        CHECK(f.worker.run_once() == 0);
        f.env.say("bob", "control untick web-2026.12 ops-ready");
        CHECK(f.worker.run_once() == 1);
    }
    SECTION("not once the check is removed") {
        REQUIRE_THAT(f.env.say("alice", "control check web-2026.12 ops-ready off"),
                     Contains("Removed the health check of control 6 `ops-ready`"));
        f.env.clock().set(utc("2026-12-10 13:30"));
        CHECK(f.worker.run_once() == 0);
    }
    SECTION("not for a cancelled release") {
        f.env.say("alice", "release cancel web-2026.12 \"moved to January\"");
        REQUIRE_THAT(f.env.say("alice", "yes"), Contains("Cancelled web-2026.12"));
        f.env.clock().set(utc("2026-12-10 13:30"));
        CHECK(f.worker.run_once() == 0);
    }
    SECTION("the window moved closer brings the polling with it") {
        REQUIRE_THAT(f.env.say("alice", "release move web-2026.12 to 2026-12-10 13:40"),
                     !Contains("rror"));
        f.env.clock().set(utc("2026-12-10 12:45"));
        CHECK(f.worker.run_once() == 1);
    }
    CHECK(service.hits() == static_cast<std::size_t>(f.events.size()));
}

TEST_CASE("control check sets, replaces and removes a health check, with audit entries",
          "[health]") {
    TestEnv env;
    env.say("alice", "release plan web-2026.12 \"Web December\" at 2026-12-10 14:00 program web");
    auto audits = [&] {
        return env.count("SELECT COUNT(*) FROM audit_log WHERE action = 'control.check'");
    };

    CHECK_THAT(
        env.say("alice", "control check web-2026.12 6 <https://status.example.com/a?k=1&v=2>"),
        Contains("GET https://status.example.com/a?…"));
    CHECK(env.text("SELECT health_check_url FROM release_controls WHERE slug = 'ops-ready'") ==
          "https://status.example.com/a?k=1&v=2");
    CHECK(env.text("SELECT detail FROM audit_log WHERE action = 'control.check'") ==
          "6 `ops-ready` https://status.example.com/a?…");

    CHECK_THAT(env.say("alice",
                       "control check web-2026.12 ops-ready "
                       "https://status.example.com/a?k=1&v=2"),
               Contains("already has that health check; nothing changed"));
    CHECK(audits() == 1);

    CHECK_THAT(env.say("alice",
                       "control check web-2026.12 ops-ready "
                       "https://ops:pw@status.example.com/b#top"),
               Contains("GET https://status.example.com/b."));
    CHECK(env.text("SELECT detail FROM audit_log WHERE action = 'control.check' ORDER BY id DESC "
                   "LIMIT 1") ==
          "6 `ops-ready` https://status.example.com/b (was https://status.example.com/a?…)");

    CHECK_THAT(env.say("alice", "control check web-2026.12 ops-ready OFF"),
               Contains("Removed the health check of control 6 `ops-ready` on web-2026.12: "
                        "https://status.example.com/b is no longer polled."));
    CHECK(env.count("SELECT COUNT(*) FROM release_controls WHERE health_check_url IS NOT NULL") ==
          0);
    CHECK(audits() == 3);
    CHECK_THAT(env.say("alice", "control list web-2026.12"), !Contains("health check"));

    CHECK_THAT(env.say("bob", "help control check"),
               Contains("control check <release> <id|n> <url>|off") &&
                   Contains("Example: `control check web-2026.12 ops-ready "
                            "https://status.example.com/health`"));
}

TEST_CASE("control check refuses what it cannot use and changes nothing", "[health]") {
    TestEnv env;
    env.say("alice", "release plan web-2026.12 \"Web December\" at 2026-12-10 14:00 program web");
    env.say("alice", "release plan api-2027.01 \"API January\" at 2027-01-12 10:00 program api");
    env.say("alice", "release cancel api-2027.01 \"merged into web\"");
    REQUIRE_THAT(env.say("alice", "yes"), Contains("Cancelled api-2027.01"));
    const std::string instead =
        "Type `control check web-2026.12 ops-ready <url>`, e.g. with "
        "https://status.example.com/health";
    auto [user, command, expected] = GENERATE_REF(table<std::string, std::string, std::string>({
        {"bob", "control check web-2026.12 ops-ready https://status.example.com/health",
         "Only a manager can use `control check`; you are a member."},
        {"alice", "control check web-2099 ops-ready https://status.example.com/health",
         "There is no release `web-2099` here."},
        {"alice", "control check web-2026.12 ops-redy https://status.example.com/health",
         "web-2026.12 has no control `ops-redy`. Did you mean `ops-ready`?"},
        {"alice", "control check web-2026.12 ops-ready ftp://files.example.com/health",
         "`ftp://files.example.com/health` is not a health-check URL: releasebot polls http:// "
         "and https:// addresses only. " +
             instead + ", or `off` to remove the check."},
        {"alice", "control check web-2026.12 ops-ready status.example.com/health?key=abc",
         "`status.example.com/health?…` is not a health-check URL"},
        {"alice", "control check web-2026.12 ops-ready https://?key=abc",
         "`https://?…` names no host to poll. " + instead + "."},
        {"alice", "control check web-2026.12 ops-ready https://status.example.com:99999/health",
         "`https://status.example.com:99999/health` has a port that is not a number from 1 to "
         "65535."},
        {"alice", "control check web-2026.12 ops-ready off",
         "Control 6 `ops-ready` on web-2026.12 has no health check, so there is nothing to turn "
         "off. Give it one with `control check web-2026.12 ops-ready "
         "https://status.example.com/health`."},
        {"alice", "control check web-2026.12 ops-ready", "Usage: `control check <release>"},
        {"alice", "control check api-2027.01 ops-ready https://status.example.com/health",
         "api-2027.01 is cancelled"},
    }));
    CAPTURE(command);
    const auto audits_before = env.count("SELECT COUNT(*) FROM audit_log");
    CHECK_THAT(env.say(user, command), Contains(expected));
    CHECK(env.count("SELECT COUNT(*) FROM release_controls WHERE health_check_url IS NOT NULL") ==
          0);
    CHECK(env.count("SELECT COUNT(*) FROM audit_log") == audits_before);
}

TEST_CASE("poll_health_url reports the final status, or why there was none", "[health]") {
    HealthServer service;
    HealthCheckOptions options;
    service.answer({204});
    CHECK(releasebot::poll_health_url(service.url("/health"), options).status == 204);
    service.answer({200});
    CHECK(releasebot::poll_health_url(service.url("/moved"), options).status == 200);
    // The body is cut at the limit; the status that came first still counts.
    options.max_body = 1024;
    CHECK(releasebot::poll_health_url(service.url("/big"), options).status == 200);

    auto refused = releasebot::poll_health_url("ftp://127.0.0.1/health", options);
    CHECK(refused.status == 0);
    CHECK_FALSE(refused.error.empty());
    auto closed = releasebot::poll_health_url(closed_url(), options);
    CHECK(closed.status == 0);
    CHECK(closed.error == "could not connect");
    // Shutting down does not wait for a poll's timeout.
    std::stop_source stopping;
    stopping.request_stop();
    auto stopped =
        releasebot::poll_health_url(service.url("/health"), options, stopping.get_token());
    CHECK(stopped.status == 0);
    CHECK(stopped.error == "stopped");
    options.timeout = std::chrono::seconds(1);
    auto slow = releasebot::poll_health_url(service.url("/slow"), options);
    CHECK(slow.status == 0);
    CHECK(slow.error == "no answer within 1 s");
}

TEST_CASE("display_url keeps a URL's address and path only", "[health]") {
    auto [url, shown] = GENERATE(table<std::string, std::string>({
        {"https://status.example.com/health", "https://status.example.com/health"},
        {"https://status.example.com/health?token=abc", "https://status.example.com/health?…"},
        {"https://u:p@status.example.com:8443/a/b?x=1#f", "https://status.example.com:8443/a/b?…"},
        {"http://status.example.com#frag", "http://status.example.com"},
        {"http://status.example.com/a@b", "http://status.example.com/a@b"},
    }));
    CHECK(releasebot::display_url(url) == shown);
}
