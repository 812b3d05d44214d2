// Tests of the served bot: the log module (bot/runtime/log.cpp) and the real `releasebot serve` and
// `releasebot check-config` binaries (bot/app/serve.cpp, bot/app/cli.cpp) — configured by a file,
// talking to the Slack emulator over TLS, answering /healthz and /metrics over HTTP on loopback,
// firing reminders when they fall due, and stopping on SIGTERM even with a backlog of messages to
// deliver (what is undelivered stays queued) — with every line they log searched for the
// secrets they were given.
#include "bot/app/serve.hpp"

#include <openssl/sha.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#include "bot/runtime/log.hpp"
#include "bot/runtime/reply_codec.hpp"
#include "integrations/http/http_server.hpp"
#include "integrations/slack/signature.hpp"
#include "storage/database.hpp"
#include "storage/outbox_repo.hpp"
#include "support/emulator_process.hpp"
#include "support/eventually.hpp"
#include "support/loopback_http.hpp"
#include "support/releasebot_process.hpp"
#include "support/slack_emulator.hpp"
#include "support/system_clock.hpp"
#include "support/teams_emulator.hpp"
#include "support/temp_dir.hpp"
#include "support/test_env.hpp"
#include "support/text_search.hpp"

namespace releasebot {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using test::eventually;
using test::head_request;
using test::HeadAnswer;
using test::http_call;
using test::HttpResult;
using test::lines_of;
using test::SlackEmulator;
using test::TeamsChannel;
using test::TeamsEmulator;
using test::TempDir;

// The releasebot binary as a child process; its stdout and stderr go to files of `dir`.
class Process : public test::ReleasebotProcess {
  public:
    Process(const std::vector<std::string>& args, std::vector<std::string> env, const TempDir& dir)
        : out_path_(dir.file("stdout")), err_path_(dir.file("stderr")) {
        start(args, std::move(env), out_path_, err_path_);
    }
    std::string out() const { return test::read_text(out_path_); }
    std::string err() const { return test::read_text(err_path_); }
    // The port serve logged ("listening on 127.0.0.1:<port>"), once it did within the timeout.
    int listening_port(std::chrono::milliseconds timeout = 10000ms) {
        static const std::regex kListening(R"(listening on 127\.0\.0\.1:([0-9]+))");
        int port = 0;
        eventually(
            [&] {
                std::smatch m;
                const std::string text = err();
                if (std::regex_search(text, m, kListening)) port = std::stoi(m[1]);
                return port != 0;
            },
            timeout);
        return port;
    }

  private:
    std::string out_path_;
    std::string err_path_;
};

std::string write_config(const TempDir& dir, const std::string& text) {
    const std::string path = dir.file("releasebot.toml");
    std::ofstream(path) << text;
    chmod(path.c_str(), 0600);
    return path;
}

// A configuration for the emulator: Socket Mode and the Events API, on a free loopback port.
std::string slack_config(const TempDir& dir, SlackEmulator& emulator,
                         const std::string& signing_secret, const std::string& extra = "") {
    return write_config(dir, "[database]\npath = \"" + dir.file("r.db") +
                                 "\"\n\n[slack]\nbot_token = \"" + test::kSlackBotToken +
                                 "\"\napp_token = \"" + test::kSlackAppToken +
                                 "\"\nsigning_secret = \"" + signing_secret + "\"\napi_url = \"" +
                                 emulator.api_url() + "\"\nca_file = \"" + emulator.ca_file() +
                                 "\"\nsocket_mode = true\nhttp = true\n\n[http]\nlisten = "
                                 "\"127.0.0.1:0\"\n" +
                                 extra);
}

// The [teams] section for the emulator: authenticated, tokens from its endpoint.
std::string teams_section(TeamsEmulator& teams) {
    return "\n[teams]\napp_id = \"" + std::string(test::kTeamsAppId) + "\"\napp_password = \"" +
           test::kTeamsAppPassword + "\"\ntoken_url = \"" + teams.token_url() +
           "\"\nopenid_metadata_url = \"" + teams.metadata_url() + "\"\ntoken_issuer = \"" +
           test::kTeamsIssuer + "\"\nca_file = \"" + teams.ca_file() + "\"\n";
}

std::string sha256_hex(const std::string& data) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char b : digest) {
        out += kDigits[b >> 4];
        out += kDigits[b & 0x0F];
    }
    return out;
}

std::int64_t count_of(const std::string& db_path, const std::string& sql) {
    Database reader(db_path);
    auto st = reader.prepare(sql);
    return st.step() ? st.get_int(0) : -1;
}

// The channels whose name starts with `prefix` that hold a message from the bot, each once per
// message.
std::multiset<std::string> channels_with_messages(SlackEmulator& emulator,
                                                  const std::string& prefix) {
    std::multiset<std::string> out;
    const json::value answer = json::parse(emulator.get("messages"));
    for (const auto& m : answer.at("messages").as_array()) {
        const std::string channel(m.at("channel").as_string());
        if (channel.rfind(prefix, 0) == 0) out.insert(channel);
    }
    return out;
}

double sample(const std::string& text, const std::string& series) {
    for (const auto& line : lines_of(text)) {
        if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
    }
    return -1;
}

}  // namespace

// ---- the log module ---------------------------------------------------------------------------

TEST_CASE("Log lines are redacted, filtered by level, plain or JSON", "[log]") {
    std::vector<std::string> lines;
    log::set_sink([&lines](const std::string& line) { lines.push_back(line); });
    log::set_secrets({"s3cr3t-signing-value", "app/pass+word"});

    SECTION("configured secrets, raw or URL-encoded, and credential shapes are cut") {
        log::configure(log::Level::info, log::Format::plain);
        CHECK(log::redact("secret s3cr3t-signing-value here") == "secret [redacted] here");
        CHECK(log::redact("form app%2Fpass%2Bword") == "form [redacted]");
        CHECK(log::redact("Authorization: Bearer eyJhbGciOi.abc.def") ==
              "Authorization: Bearer [redacted]");
        CHECK(log::redact("token xoxb-123-456-abc, app xapp-1-A0-xyz.") ==
              "token xoxb-[redacted], app xapp-[redacted].");
        CHECK(log::redact("jwt eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl end") ==
              "jwt [redacted] end");
        CHECK(log::redact("GET /calendar.ics?token=abc123&x=1") ==
              "GET /calendar.ics?token=[redacted]&x=1");
        CHECK(log::redact("grant_type=client_credentials&client_secret=pa55") ==
              "grant_type=client_credentials&client_secret=[redacted]");
        // Words that merely resemble a token prefix are left alone.
        CHECK(log::redact("checkbox-xoxb-like and Bearer") == "checkbox-xoxb-like and Bearer");
    }
    SECTION("levels filter and plain lines carry time, level and component") {
        log::configure(log::Level::warn, log::Format::plain);
        log::info("serve", "not shown");
        log::warn("serve", "shown with s3cr3t-signing-value");
        log::error("http", "also shown");
        REQUIRE(lines.size() == 2);
        CHECK(std::regex_match(
            lines[0],
            std::regex(
                R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z warn  serve: shown with \[redacted\])")));
        CHECK(lines[1].find(" error http: also shown") != std::string::npos);
    }
    SECTION("plain records stay one line whatever a request put in them") {
        log::configure(log::Level::info, log::Format::plain);
        // A value taken from a request, crafted to start a record of its own.
        const std::string forged =
            "https://x.example/\n2026-12-01T09:00:00.000Z error serve: admin token "
            "leaked\r\x1b[2J\\n";
        log::warn("teams", "401 for a message activity from " + forged);
        REQUIRE(lines.size() == 1);
        CHECK(lines[0].find('\n') == std::string::npos);
        CHECK(lines[0].find('\r') == std::string::npos);
        CHECK(lines[0].find('\x1b') == std::string::npos);
        CHECK(lines[0].substr(25) ==
              "warn  teams: 401 for a message activity from https://x.example/\\n2026-12-01T09:00:"
              "00.000Z error serve: admin token leaked\\r\\x1b[2J\\\\n");
    }
    SECTION("JSON lines parse, one record each, newlines kept inside") {
        log::configure(log::Level::debug, log::Format::json);
        log::debug("slack", "two\nlines and \"quotes\" and xoxp-9-9");
        REQUIRE(lines.size() == 1);
        auto record = json::parse(lines[0]).as_object();
        CHECK(record.at("level").as_string() == "debug");
        CHECK(record.at("component").as_string() == "slack");
        CHECK(record.at("msg").as_string() == "two\nlines and \"quotes\" and xoxp-[redacted]");
        CHECK(record.contains("ts"));
    }
    SECTION("std::cerr, while captured, becomes redacted records") {
        log::configure(log::Level::info, log::Format::plain);
        {
            log::StderrCapture capture;
            std::cerr << "releasebot: slack: Socket Mode link 1 connected\n";
            std::cerr << "releasebot: slack: call failed with "
                      << "xoxb-leaky-token" << '\n';
            std::thread other([] { std::cerr << "releasebot: from another thread\n"; });
            other.join();
        }
        // Each line whole, its component taken from the "releasebot: <component>: " prefix, a
        // failure at warn level, the token cut.
        REQUIRE(lines.size() == 3);
        CHECK(lines[0].substr(25) == "info  slack: Socket Mode link 1 connected");
        CHECK(lines[1].substr(25) == "warn  slack: call failed with xoxb-[redacted]");
        CHECK(lines[2].substr(25) == "info  releasebot: from another thread");
    }
    log::set_sink({});
    log::set_secrets({});
    log::configure(log::Level::info, log::Format::plain);
}

// ---- check-config -----------------------------------------------------------------------------

TEST_CASE("releasebot check-config prints what will run and never a secret", "[serve]") {
    TempDir dir;
    const std::string path = write_config(
        dir, "[database]\npath = \"" + dir.file("rb.db") +
                 "\"\n[slack]\nbot_token = \"xoxb-check-secret-1\"\n"
                 "app_token = \"xapp-check-secret-2\"\n[http]\nlisten = \"127.0.0.1:8181\"\n");

    SECTION("a valid file: exit 0 and the plan") {
        Process p(
            {"check-config", "--config", path},
            {"RELEASEBOT_SLACK_SIGNING_SECRET=sig-check-secret-3", "RELEASEBOT_SLACK_HTTP=true"},
            dir);
        REQUIRE(p.wait(5000ms) == 0);
        const std::string out = p.out();
        CAPTURE(out);
        CHECK(out.find("releasebot serve will run with " + path + ":") == 0);
        CHECK(out.find("database   " + dir.file("rb.db") + " (will be created)") !=
              std::string::npos);
        CHECK(out.find("http       127.0.0.1:8181: /healthz, /metrics, /calendar.ics, /hooks/ci, "
                       "/slack/ (Events API)") != std::string::npos);
        CHECK(out.find("bot_token       (set, 19 chars, from the file)") != std::string::npos);
        CHECK(out.find("signing_secret  (set, 18 chars, from RELEASEBOT_SLACK_SIGNING_SECRET)") !=
              std::string::npos);
        for (const char* secret : {"check-secret-1", "check-secret-2", "check-secret-3"}) {
            CHECK(out.find(secret) == std::string::npos);
            CHECK(p.err().find(secret) == std::string::npos);
        }
        CHECK_FALSE(std::ifstream(dir.file("rb.db")).good());  // checking creates nothing
    }
    SECTION("an invalid setting: exit 2 and the message") {
        Process p({"check-config", "--config", path}, {"RELEASEBOT_SLACK_CONNECTIONS=11"}, dir);
        CHECK(p.wait(5000ms) == 2);
        CHECK(p.err() ==
              "releasebot: RELEASEBOT_SLACK_CONNECTIONS must be a whole number from 1 to 10 (it "
              "is 11).\n");
        CHECK(p.out().empty());
    }
}

TEST_CASE("releasebot serve refuses a bad configuration before starting anything", "[serve]") {
    TempDir dir;
    SECTION("Teams without an app id on a public address") {
        const std::string path =
            write_config(dir, "[database]\npath = \"" + dir.file("r.db") +
                                  "\"\n[teams]\n[http]\nlisten = \"0.0.0.0:3978\"\n");
        Process p({"serve", "--config", path}, {}, dir);
        CHECK(p.wait(5000ms) == 2);
        CHECK(p.err() ==
              "releasebot: teams.app_id is not set, so Teams activities would be accepted "
              "without authentication; that is allowed only on a loopback address, and "
              "http.listen is 0.0.0.0:3978. Set app_id and app_password, or listen on "
              "127.0.0.1.\n");
        CHECK_FALSE(std::ifstream(dir.file("r.db")).good());
    }
    SECTION("a missing token, named by its variable") {
        Process p({"serve"},
                  {"RELEASEBOT_SLACK_BOT_TOKEN=xoxb-quiet-please",
                   "RELEASEBOT_DATABASE_PATH=" + dir.file("r.db")},
                  dir);
        CHECK(p.wait(5000ms) == 2);
        CHECK(p.err().find("releasebot: slack.app_token is not set: ") == 0);
        CHECK(p.err().find("quiet-please") == std::string::npos);
    }
}

// ---- serve ------------------------------------------------------------------------------------

TEST_CASE("releasebot serve runs Slack and answers /healthz and /metrics over HTTP",
          "[serve][slack]") {
    SlackEmulator emulator;
    TempDir dir;
    const std::string secret = "serve-test-signing-secret";
    Process p({"serve", "--config", slack_config(dir, emulator, secret)}, {}, dir);
    const int port = p.listening_port();
    REQUIRE(port > 0);
    const std::string base = "http://127.0.0.1:" + std::to_string(port);
    REQUIRE(emulator.wait_connections(1, 10000ms));

    // Healthy once the Socket Mode link is up.
    HttpResult health;
    REQUIRE(eventually(
        [&] {
            health = http_call("GET", base + "/healthz");
            return health.status == 200;
        },
        5000ms));
    auto body = json::parse(health.body).as_object();
    CHECK(body.at("status").as_string() == "ok");
    CHECK(body.at("database").as_string() == "reachable");
    CHECK(body.at("adapters").at("slack_socket_mode").as_string() == "connected");
    CHECK(body.at("adapters").at("slack_http").as_string() == "listening");

    // A command over Socket Mode, and one over the Events API (a signed slash command).
    const std::string ack = emulator.wait_ack(
        emulator.slash("U1ALICE", "C1RELEASE", "plan web-1 \"Web\" at " + test::when_from_today(5)));
    REQUIRE_FALSE(ack.empty());
    const std::string form =
        "command=%2Frelease&text=release+list&team_id=T0EMULATOR&user_id=U1ALICE&channel_id="
        "C1RELEASE&trigger_id=t-1&user_name=alice";
    const std::string ts = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count());
    HttpResult slash = http_call(
        "POST", base + "/slack/commands",
        {"Content-Type: application/x-www-form-urlencoded", "X-Slack-Request-Timestamp: " + ts,
         "X-Slack-Signature: " + slack::sign(secret, ts, form)},
        form);
    CHECK(slash.status == 200);
    CHECK(slash.body.find("web-1") != std::string::npos);

    HttpResult metrics = http_call("GET", base + "/metrics");
    CHECK(metrics.status == 200);
    CHECK(metrics.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8");
    CHECK(sample(metrics.body, R"(releasebot_events_total{kind="command",outcome="ok"})") == 2);
    // The Events API answer is the ack; Socket Mode acks are timed inside the client.
    CHECK(sample(metrics.body, "releasebot_ack_latency_seconds_count") >= 1);
    CHECK(sample(metrics.body, R"(releasebot_adapter_up{adapter="slack_socket_mode"})") == 1);
    CHECK(sample(metrics.body, "releasebot_database_up") == 1);
    CHECK(sample(metrics.body, "releasebot_outbox_depth") >= 0);

    // `release verify`: the download runs on the verify worker, its result through the worker
    // thread's pipeline, while serve goes on.
    HttpServer artifacts;
    const std::string artifact = "frontend build 1.0";
    artifacts.route("/a/", [&artifact](const HttpRequest&) {
        return HttpResponse{200, "application/octet-stream", artifact, {}};
    });
    // …and a service's health endpoint, for the health check below.
    artifacts.route("/health", [](const HttpRequest&) {
        return HttpResponse{200, "text/plain", "ok", {}};
    });
    const int artifacts_port = artifacts.start("127.0.0.1", 0);
    for (const std::string& text :
         {"release plan api-1 \"API\" at " + test::when_from_today(7) + " program web",
          "release add api-1 web/frontend@1.0 url http://127.0.0.1:" +
              std::to_string(artifacts_port) + "/a/frontend.tgz sha256 " + sha256_hex(artifact),
          std::string("release verify api-1")}) {
        REQUIRE_FALSE(emulator.wait_ack(emulator.slash("U1ALICE", "C1RELEASE", text)).empty());
    }
    CHECK(eventually(
        [&] {
            Database reader(dir.file("r.db"));
            auto st = reader.prepare("SELECT COUNT(*) FROM verify_requests WHERE status = 'done'");
            return st.step() && st.get_int(0) == 1;
        },
        10000ms));

    // A health check: `control check` wakes the health-check worker, whose poll (the window is
    // within the default lead time) answers 200 and ticks the control as releasebot, which the
    // release's channel hears of.
    for (const std::string& text :
         {std::string("release plan hc-1 \"Health\" at in 30m program web"),
          "control check hc-1 ops-ready http://127.0.0.1:" + std::to_string(artifacts_port) +
              "/health?token=hc-t0ken"}) {
        REQUIRE_FALSE(emulator.wait_ack(emulator.slash("U1ALICE", "C1RELEASE", text)).empty());
    }
    CHECK(eventually(
        [&] {
            Database reader(dir.file("r.db"));
            auto st = reader.prepare(
                "SELECT COUNT(*) FROM release_controls c JOIN releases r ON r.id = c.release_id "
                "WHERE r.key = 'hc-1' AND c.slug = 'ops-ready' AND c.status = 'done' AND "
                "c.done_by = 'releasebot'");
            return st.step() && st.get_int(0) == 1;
        },
        10000ms));
    CHECK(eventually(
        [&] {
            return emulator.get("messages?channel=C1RELEASE").find("Health check passed") !=
                   std::string::npos;
        },
        10000ms));

    CHECK(http_call("GET", base + "/nothing-here").status == 404);
    // The CI webhook is mounted: an unsigned delivery is refused by it, not unrouted.
    CHECK(
        http_call("POST", base + "/hooks/ci/1", {"Content-Type: application/json"}, "{}").status ==
        401);

    // A Slack link that drops shows in /healthz until it is back, and counts as a reconnect.
    // Its websocket upgrades are refused meanwhile, so the link stays down until reset().
    emulator.fault("link", 503, 1000);
    emulator.drop();
    CHECK(eventually(
        [&] {
            health = http_call("GET", base + "/healthz");
            return health.status == 503;
        },
        5000ms));
    CHECK(json::parse(health.body).at("adapters").at("slack_socket_mode").as_string() ==
          "connecting");
    emulator.reset();
    REQUIRE(emulator.wait_connections(1, 10000ms));
    CHECK(eventually(
        [&] {
            return sample(http_call("GET", base + "/metrics").body,
                          R"(releasebot_reconnects_total{platform="slack"})") == 1;
        },
        5000ms));
    CHECK(eventually([&] { return http_call("GET", base + "/healthz").status == 200; }, 5000ms));

    p.signal(SIGTERM);
    CHECK(p.wait(5000ms) == 0);
    CHECK(emulator.wait_connections(0, 5000ms));
    CHECK(p.err().find("stopped.") != std::string::npos);
    Database db(dir.file("r.db"));
    auto st = db.prepare("SELECT COUNT(*) FROM releases WHERE key = 'web-1'");
    REQUIRE(st.step());
    CHECK(st.get_int(0) == 1);
}

TEST_CASE("releasebot serve at debug level never logs a configured secret",
          "[serve][slack][teams]") {
    SlackEmulator emulator;
    TeamsEmulator teams;
    TempDir dir;
    const std::string signing = "debug-signing-secret-4f1c";
    Process p({"serve", "--config", slack_config(dir, emulator, signing, teams_section(teams)),
               "--log-level", "debug", "--log-format", "json"},
              {}, dir);
    const int port = p.listening_port();
    REQUIRE(port > 0);
    const std::string base = "http://127.0.0.1:" + std::to_string(port);
    REQUIRE(emulator.wait_connections(1, 10000ms));

    // Requests that put every secret where a careless log line would pick it up: the target,
    // an Authorization header, a body, a forged signature.
    http_call("GET", base + "/healthz?token=" + signing,
              {"Authorization: Bearer " + std::string(test::kSlackBotToken)});
    http_call("GET", base + "/metrics", {"X-Debug: " + std::string(test::kSlackAppToken)});
    http_call("POST", base + "/slack/events",
              {"Content-Type: application/json", "X-Slack-Request-Timestamp: 1",
               "X-Slack-Signature: v0=" + signing},
              "{\"token\":\"" + signing + "\",\"type\":\"url_verification\"}");
    REQUIRE_FALSE(emulator.wait_ack(emulator.slash("U1ALICE", "C1RELEASE", "help")).empty());
    // Teams: a signed activity (its JWT is a credential too), and the Connector's token fetch
    // with the app password when the reply goes out.
    const std::string jwt = teams.token(test::TeamsToken::valid, teams.service_url());
    http_call("POST", base + "/api/messages",
              {"Content-Type: application/json", "Authorization: Bearer " + jwt}, "{}");
    const test::TeamsUser alice{"29:alice", "Alice", "aad-alice"};
    const std::string channel = "19:releases@thread.tacv2";
    REQUIRE(teams.send(base + "/api/messages", teams.message(alice, channel, "help")).status ==
            200);
    REQUIRE(eventually(
        [&] { return !json::parse(teams.sent(channel)).at("activities").as_array().empty(); },
        10000ms));

    p.signal(SIGTERM);
    REQUIRE(p.wait(5000ms) == 0);
    const std::string err = p.err();
    const auto lines = lines_of(err);
    REQUIRE(lines.size() > 3);
    bool saw_request = false;
    for (const auto& line : lines) {
        CAPTURE(line);
        for (const std::string& secret :
             {std::string(test::kSlackBotToken), std::string(test::kSlackAppToken), signing,
              std::string("test-bot"), std::string("test-app"),
              std::string(test::kTeamsAppPassword), jwt, jwt.substr(jwt.rfind('.') + 1)}) {
            CHECK(line.find(secret) == std::string::npos);
        }
        // Every line is a JSON record (nothing escaped the logger).
        json::error_code ec;
        json::value record = json::parse(line, ec);
        REQUIRE_FALSE(ec);
        const std::string msg(record.at("msg").as_string());
        if (msg.find("GET /healthz?token=[redacted]") == 0) {
            saw_request = true;
            CHECK(msg.find("authorization: Bearer [redacted]") != std::string::npos);
        }
    }
    // The test searched real debug output: the request line was logged, redacted.
    CHECK(saw_request);
}

TEST_CASE("releasebot serve runs Teams: activities in, replies out through the Connector",
          "[serve][teams]") {
    TeamsEmulator teams;
    TempDir dir;
    Process p(
        {"serve", "--config",
         write_config(dir, "[database]\npath = \"" + dir.file("r.db") +
                               "\"\n[http]\nlisten = \"127.0.0.1:0\"\n" + teams_section(teams))},
        {}, dir);
    const int port = p.listening_port();
    REQUIRE(port > 0);
    const std::string base = "http://127.0.0.1:" + std::to_string(port);

    HttpResult health = http_call("GET", base + "/healthz");
    CHECK(health.status == 200);
    CHECK(json::parse(health.body).at("adapters").at("teams").as_string() == "listening");

    const test::TeamsUser alice{"29:alice", "Alice", "aad-alice"};
    const std::string channel = "19:releases@thread.tacv2";
    auto r =
        teams.send(base + "/api/messages", teams.message(alice, channel,
                                                         "release plan web-1 \"Web\" at " +
                                                             test::when_from_today(5)));
    CHECK(r.status == 200);
    // The worker delivers the reply (and the status card) through the Connector.
    CHECK(eventually(
        [&] { return !json::parse(teams.sent(channel)).at("activities").as_array().empty(); },
        10000ms));
    // A forged token is refused and changes nothing.
    CHECK(teams
              .send(base + "/api/messages",
                    teams.message(alice, channel,
                                  "release plan web-2 \"Web\" at " + test::when_from_today(6)),
                    test::TeamsToken::forged)
              .status == 401);
    const std::string metrics = http_call("GET", base + "/metrics").body;
    CHECK(sample(metrics, R"(releasebot_events_total{kind="command",outcome="ok"})") == 1);
    CHECK(sample(metrics, R"(releasebot_adapter_up{adapter="teams"})") == 1);

    p.signal(SIGTERM);
    CHECK(p.wait(5000ms) == 0);
    Database db(dir.file("r.db"));
    auto st = db.prepare("SELECT COUNT(*) FROM releases");
    REQUIRE(st.step());
    CHECK(st.get_int(0) == 1);
}

TEST_CASE("releasebot serve runs Teams without an app id on loopback: local mode replies",
          "[serve][teams]") {
    // A local channel (as Microsoft 365 Agents Playground is): no JWT on activities, and a
    // Connector that takes no token. The bot must neither ask one for a token nor send one.
    TeamsEmulator teams(TeamsChannel::local);
    TempDir dir;
    const std::string config =
        write_config(dir, "[database]\npath = \"" + dir.file("r.db") + "\"\n[teams]\nca_file = \"" +
                              teams.ca_file() + "\"\n[http]\nlisten = \"127.0.0.1:0\"\n");
    {
        Process check({"check-config", "--config", config}, {}, dir);
        CHECK(check.wait(5000ms) == 0);
        CHECK_THAT(check.out(), Contains("unauthenticated (no app_id)"));
        CHECK_THAT(check.out(), Contains("connector       replies without a token (local mode"));
    }
    Process p({"serve", "--config", config}, {}, dir);
    const int port = p.listening_port();
    REQUIRE(port > 0);
    const std::string base = "http://127.0.0.1:" + std::to_string(port);
    const HttpResult health = http_call("GET", base + "/healthz");
    CHECK(health.status == 200);
    CHECK(json::parse(health.body).at("adapters").at("teams").as_string() == "listening");

    // Tools probe a bot with HEAD before they talk to it: headers only, on every route.
    for (const char* path :
         {"/healthz", "/metrics", "/api/messages", "/calendar.ics", "/hooks/ci/1"}) {
        INFO(path);
        const HeadAnswer head = head_request(base, path);
        CHECK_THAT(head.head, StartsWith("HTTP/1.1 "));
        CHECK(head.after == "");
    }

    const test::TeamsUser alice{"29:alice", "Alice", "aad-alice"};
    const std::string chat = "a:1alice-local";
    CHECK(teams.send(base + "/api/messages", teams.message(alice, chat, "help", "personal", false))
              .status == 200);
    // The reply lands, and no token was fetched for it.
    CHECK(eventually(
        [&] { return !json::parse(teams.sent(chat)).at("activities").as_array().empty(); },
        10000ms));
    CHECK(teams.fetches("token") == 0);
    CHECK(json::parse(teams.get("rejected")).as_array().empty());

    p.signal(SIGINT);
    CHECK(p.wait(5000ms) == 0);
    const std::string err = p.err();
    CHECK(err.find(" warn  teams: no app id configured: /api/messages accepts unauthenticated "
                   "activities") != std::string::npos);
    CHECK(err.find("stopping (SIGINT)") != std::string::npos);
    CHECK(err.find("could not") == std::string::npos);
}

TEST_CASE("releasebot serve posts a reminder when it falls due", "[serve][slack]") {
    SlackEmulator emulator;
    TempDir dir;
    Process p({"serve", "--config", slack_config(dir, emulator, "reminder-signing-secret")}, {},
              dir);
    REQUIRE(p.listening_port() > 0);
    REQUIRE(emulator.wait_connections(1, 10000ms));
    REQUIRE_FALSE(emulator
                      .wait_ack(emulator.slash("U1ALICE", "C1RELEASE",
                                               "release plan rem-1 \"Reminder test\" at in 30m"))
                      .empty());

    // A reminder two seconds from now: the window starts at a whole second, so the offset is
    // whole seconds too.
    const std::int64_t window =
        count_of(dir.file("r.db"), "SELECT window_start FROM releases WHERE key = 'rem-1'");
    REQUIRE(window > 0);
    const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    const std::string ack = emulator.wait_ack(emulator.slash(
        "U1ALICE", "C1RELEASE", "remind rem-1 at -" + std::to_string(window - now - 2) + "s"));
    REQUIRE(ack.find("scheduled") != std::string::npos);

    // No event announces it: the worker wakes for it on its own.
    CHECK(eventually(
        [&] {
            return emulator.get("messages?channel=C1RELEASE").find("⏰ rem-1") != std::string::npos;
        },
        10000ms));
    CHECK(count_of(dir.file("r.db"),
                   "SELECT count(*) FROM scheduled_jobs j JOIN releases r ON r.id = j.release_id "
                   "WHERE r.key = 'rem-1' AND j.kind = 'reminder' AND j.status = 'fired'") == 1);

    p.signal(SIGTERM);
    CHECK(p.wait(5000ms) == 0);
}

TEST_CASE("releasebot serve stops on SIGTERM in the middle of a backlog and loses nothing",
          "[serve][slack]") {
    // A backlog of messages queued before the start (an outage just ended), for a Slack that
    // answers slowly: SIGTERM must stop the process without delivering the rest first, and
    // the next start delivers exactly what was left.
    constexpr int kQueued = 200;
    SlackEmulator emulator;
    TempDir dir;
    const std::string db_path = dir.file("r.db");
    {
        Database db(db_path);
        OutboxRepo outbox(db);
        const Instant now = std::chrono::floor<Seconds>(std::chrono::system_clock::now());
        Transaction tx(db);
        for (int i = 0; i < kQueued; ++i) {
            const std::string channel = "CBACKLOG" + std::to_string(i);
            OutboxRow row;
            row.idempotency_key = "backlog:" + std::to_string(i);
            row.platform = "slack";
            row.destination = encode_destination(Destination{
                "slack", test::kSlackTeamId,
                ConversationRef{"slack", test::kSlackTeamId, channel, std::nullopt, std::nullopt},
                std::nullopt});
            row.payload = encode_reply(Reply::plain("Backlog message " + std::to_string(i)));
            row.not_before = now;
            row.created_at = now;
            REQUIRE(outbox.enqueue(row));
        }
        tx.commit();
    }
    // The first 20 posts take 200 ms each: delivering the whole backlog before stopping would
    // leave nothing pending.
    emulator.fault("chat.postMessage", 0, 20, 1, 200);
    const std::string config = slack_config(dir, emulator, "backlog-signing-secret");
    std::multiset<std::string> before_stop;
    {
        Process p({"serve", "--config", config}, {}, dir);
        REQUIRE(eventually([&] { return !channels_with_messages(emulator, "CBACKLOG").empty(); },
                           10000ms));
        p.signal(SIGTERM);
        // Generous: the counts below, not the time, show whether it stopped mid-backlog.
        REQUIRE(p.wait(10000ms) == 0);
        CHECK(p.err().find("stopping (SIGTERM)") != std::string::npos);
        before_stop = channels_with_messages(emulator, "CBACKLOG");
    }
    const std::int64_t sent =
        count_of(db_path, "SELECT count(*) FROM outbox WHERE status = 'sent'");
    const std::int64_t pending =
        count_of(db_path, "SELECT count(*) FROM outbox WHERE status = 'pending'");
    CHECK(sent + pending == kQueued);
    CHECK(pending > 0);  // it stopped, rather than delivering the backlog first
    // What was delivered is marked, once each.
    CHECK(static_cast<std::int64_t>(before_stop.size()) == sent);
    CHECK(std::set<std::string>(before_stop.begin(), before_stop.end()).size() ==
          before_stop.size());

    // The next start delivers the rest, each once, with no need to ask Slack what went out.
    emulator.reset();
    {
        Process p({"serve", "--config", config}, {}, dir);
        CHECK(eventually(
            [&] {
                return count_of(db_path, "SELECT count(*) FROM outbox WHERE status = 'pending'") ==
                       0;
            },
            10000ms));
        p.signal(SIGTERM);
        CHECK(p.wait(5000ms) == 0);
    }
    const auto after_restart = channels_with_messages(emulator, "CBACKLOG");
    CHECK(static_cast<std::int64_t>(after_restart.size()) == pending);
    std::set<std::string> all(before_stop.begin(), before_stop.end());
    all.insert(after_restart.begin(), after_restart.end());
    CHECK(static_cast<int>(all.size()) == kQueued);
    CHECK(count_of(db_path, "SELECT count(*) FROM outbox WHERE status = 'sent'") == kQueued);
    CHECK(json::parse(emulator.get("calls?method=conversations.history"))
              .at("calls")
              .as_array()
              .empty());
}

// ---- export and import --------------------------------------------------------------------

TEST_CASE("releasebot export and import move a workspace between databases", "[cli]") {
    TempDir dir;
    {
        test::TestEnv env(dir.file("old.db"));
        env.say("alice", "release plan web-1 \"Web\" at 2026-12-05 14:00");
        env.say("alice", "release plan api-2 \"API\" at 2026-12-06 14:00");
    }
    {
        Process p({"export", "--db", dir.file("old.db"), "--out", dir.file("ws.json")}, {}, dir);
        REQUIRE(p.wait(10000ms) == 0);
        CHECK(p.err().rfind("releasebot: exported console:local: 2 releases, ", 0) == 0);
    }
    CHECK(json::parse(test::read_text(dir.file("ws.json"))).at("format").as_string() ==
          "releasebot-workspace");
    {
        Process p({"import", "--db", dir.file("new.db"), dir.file("ws.json")}, {}, dir);
        REQUIRE(p.wait(10000ms) == 0);
        CHECK(p.err().find("releasebot: imported console:local into " + dir.file("new.db") +
                           ": 2 releases, ") == 0);
    }
    Database db(dir.file("new.db"));
    auto st = db.prepare("SELECT COUNT(*) FROM releases WHERE key IN ('web-1', 'api-2')");
    REQUIRE(st.step());
    CHECK(st.get_int(0) == 2);
    {
        // The same workspace again is refused, and the message says why.
        Process p({"import", "--db", dir.file("new.db"), dir.file("ws.json")}, {}, dir);
        CHECK(p.wait(10000ms) == 2);
        CHECK(p.err().rfind("releasebot: ", 0) == 0);
    }
    {
        Process p({"export", "--db", dir.file("missing.db")}, {}, dir);
        CHECK(p.wait(10000ms) == 2);
        CHECK(p.err() == "releasebot: there is no database at " + dir.file("missing.db") +
                             ": give the file to export with --db PATH.\n");
        CHECK_FALSE(std::ifstream(dir.file("missing.db")).good());
    }
}

}  // namespace releasebot
