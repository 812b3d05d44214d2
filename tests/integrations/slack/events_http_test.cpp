// The Events API over real HTTP on loopback: signed requests are processed once, forged or
// stale ones are refused with 401 and change nothing, url_verification echoes its challenge.
#include "integrations/slack/events_http.hpp"

#include <catch2/catch.hpp>
#include <chrono>

#include "bot/runtime/pipeline.hpp"
#include "commands/clock.hpp"
#include "integrations/http/http_server.hpp"
#include "integrations/slack/signature.hpp"
#include "storage/database.hpp"
#include "support/slack_requests.hpp"
#include "support/test_env.hpp"

using namespace releasebot;
using Catch::Matchers::Contains;

namespace {

using test::kSlackRequestTime;
using test::kSlackSigningSecret;

// A POST to the receiver on `port` with Slack's headers, the timestamp and signature as given.
test::HttpResult post(int port, const std::string& path, const std::string& body,
                      const std::string& content_type, long long timestamp,
                      const std::string& signature) {
    return test::post_as_slack("http://127.0.0.1:" + std::to_string(port) + path, body,
                               content_type, timestamp, signature);
}

// `/release <text>` typed by alice (U0ALICE) of team T0001 in channel C0100.
std::string slash_body(const std::string& text, const std::string& trigger) {
    return test::slash_command_body("T0001", "U0ALICE", "C0100", text, trigger);
}

struct Fixture {
    Database db{":memory:"};
    ManualClock clock{test::default_start()};
    Pipeline pipeline{db, clock};
    slack::SlackHttpReceiver receiver{pipeline, kSlackSigningSecret,
                                      [] { return kSlackRequestTime; }};
    HttpServer server;
    int port = 0;
    Fixture() {
        receiver.mount(server);
        port = server.start("127.0.0.1", 0);
    }
    std::int64_t count(const char* sql) {
        auto st = db.prepare(sql);
        st.step();
        return st.get_int(0);
    }
};

}  // namespace

TEST_CASE("a signed slash command over HTTP is answered in the response body", "[slack][http]") {
    Fixture f;
    std::string body = slash_body("plan web \"Web\" at 2026-12-10 14:00", "111.222.aaa");
    auto r = post(f.port, "/slack/commands", body, "application/x-www-form-urlencoded",
                  kSlackRequestTime,
                  slack::sign(kSlackSigningSecret, std::to_string(kSlackRequestTime), body));
    CHECK(r.status == 200);
    CHECK_THAT(r.body, Contains("\"response_type\":\"in_channel\""));
    CHECK_THAT(r.body, Contains("Planned *web*"));
    CHECK(f.count("SELECT count(*) FROM releases") == 1);
    CHECK(f.count("SELECT count(*) FROM workspaces WHERE platform='slack' AND tenant='T0001'") == 1);

    SECTION("Slack's retry of the same request does not act twice") {
        auto again = post(
            f.port, "/slack/commands", body, "application/x-www-form-urlencoded", kSlackRequestTime,
            slack::sign(kSlackSigningSecret, std::to_string(kSlackRequestTime), body));
        CHECK(again.status == 200);
        CHECK(f.count("SELECT count(*) FROM releases") == 1);
        CHECK(f.count("SELECT count(*) FROM audit_log WHERE action='release.plan'") == 1);
    }
}

TEST_CASE("forged, stale and unsigned Slack requests are refused and change nothing",
          "[slack][http]") {
    Fixture f;
    std::string body = slash_body("plan web \"Web\" at 2026-12-10 14:00", "333.444.bbb");
    std::string good = slack::sign(kSlackSigningSecret, std::to_string(kSlackRequestTime), body);
    SECTION("a wrong signature") {
        std::string forged = good;
        forged.back() = forged.back() == '0' ? '1' : '0';
        auto r = post(f.port, "/slack/commands", body, "application/x-www-form-urlencoded",
                      kSlackRequestTime, forged);
        CHECK(r.status == 401);
        CHECK_THAT(r.body, !Contains(kSlackSigningSecret));
    }
    SECTION("a timestamp older than five minutes") {
        long long old = kSlackRequestTime - 301;
        auto r = post(f.port, "/slack/commands", body, "application/x-www-form-urlencoded", old,
                      slack::sign(kSlackSigningSecret, std::to_string(old), body));
        CHECK(r.status == 401);
    }
    SECTION("a body changed after signing") {
        auto r = post(f.port, "/slack/commands", body + "&x=1", "application/x-www-form-urlencoded",
                      kSlackRequestTime, good);
        CHECK(r.status == 401);
    }
    SECTION("no signature") {
        auto r = post(f.port, "/slack/commands", body, "application/x-www-form-urlencoded",
                      kSlackRequestTime, "");
        CHECK(r.status == 401);
    }
    CHECK(f.count("SELECT count(*) FROM releases") == 0);
    CHECK(f.count("SELECT count(*) FROM processed_events") == 0);
}

TEST_CASE("url_verification echoes the challenge; broken JSON is a 400", "[slack][http]") {
    Fixture f;
    std::string body = R"({"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"})";
    auto r = post(f.port, "/slack/events", body, "application/json", kSlackRequestTime,
                  slack::sign(kSlackSigningSecret, std::to_string(kSlackRequestTime), body));
    CHECK(r.status == 200);
    CHECK(r.body == R"({"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"})");

    std::string broken = R"({"type":"event_callback","event":)";
    auto bad = post(f.port, "/slack/events", broken, "application/json", kSlackRequestTime,
                    slack::sign(kSlackSigningSecret, std::to_string(kSlackRequestTime), broken));
    CHECK(bad.status == 400);
    CHECK(f.count("SELECT count(*) FROM processed_events") == 0);
}

TEST_CASE("a mention over the Events API is answered through the outbox", "[slack][http]") {
    Fixture f;
    std::string body = R"({"token":"x","team_id":"T0001","api_app_id":"A0001","type":"event_callback","event_id":"Ev0001","event_time":1796115600,"event":{"type":"app_mention","user":"U0ALICE","text":"<@U0BOT> release list","channel":"C0100","ts":"1796115600.000100","channel_type":"channel"}})";
    auto r = post(f.port, "/slack/events", body, "application/json", kSlackRequestTime,
                  slack::sign(kSlackSigningSecret, std::to_string(kSlackRequestTime), body));
    CHECK(r.status == 200);
    CHECK(f.count("SELECT count(*) FROM processed_events WHERE key LIKE '%Ev0001%'") == 1);
    CHECK(f.count("SELECT count(*) FROM outbox WHERE platform='slack' AND payload LIKE "
                  "'%No upcoming releases%'") == 1);
}
