// The Events API over real HTTP on loopback: signed requests are processed once, forged or
// stale ones are refused with 401 and change nothing, url_verification echoes its challenge.
#include "integrations/slack/events_http.hpp"

#include <curl/curl.h>

#include <catch2/catch.hpp>
#include <chrono>

#include "bot/runtime/pipeline.hpp"
#include "commands/clock.hpp"
#include "integrations/http/http_server.hpp"
#include "integrations/slack/signature.hpp"
#include "storage/database.hpp"
#include "support/test_env.hpp"

using namespace releasebot;
using Catch::Matchers::Contains;

namespace {

const char* kSecret = "8f742231b10e8888abcd99yyyzzz85a5";
constexpr long long kNow = 1796115600;  // 2026-12-01 09:00 UTC

struct Response {
    long status = 0;
    std::string body;
};

std::size_t collect(char* data, std::size_t size, std::size_t n, void* out) {
    static_cast<std::string*>(out)->append(data, size * n);
    return size * n;
}

Response post(int port, const std::string& path, const std::string& body,
              const std::string& content_type, long long timestamp, const std::string& signature) {
    CURL* curl = curl_easy_init();
    std::string url = "http://127.0.0.1:" + std::to_string(port) + path;
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, ("Content-Type: " + content_type).c_str());
    headers = curl_slist_append(headers,
                                ("X-Slack-Request-Timestamp: " + std::to_string(timestamp)).c_str());
    headers = curl_slist_append(headers, ("X-Slack-Signature: " + signature).c_str());
    Response r;
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 5L);
    REQUIRE(curl_easy_perform(curl) == CURLE_OK);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return r;
}

std::string slash_body(const std::string& text, const std::string& trigger) {
    char* escaped = curl_easy_escape(nullptr, text.c_str(), static_cast<int>(text.size()));
    std::string body = "token=x&team_id=T0001&team_domain=acme&channel_id=C0100&channel_name=releases"
                       "&user_id=U0ALICE&user_name=alice&command=%2Frelease&text=" +
                       std::string(escaped) + "&api_app_id=A0001&trigger_id=" + trigger +
                       "&response_url=https%3A%2F%2Fhooks.example%2Fx";
    curl_free(escaped);
    return body;
}

struct Fixture {
    Database db{":memory:"};
    ManualClock clock{test::default_start()};
    Pipeline pipeline{db, clock};
    slack::SlackHttpReceiver receiver{pipeline, kSecret, [] { return kNow; }};
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
    auto r = post(f.port, "/slack/commands", body, "application/x-www-form-urlencoded", kNow,
                  slack::sign(kSecret, std::to_string(kNow), body));
    CHECK(r.status == 200);
    CHECK_THAT(r.body, Contains("\"response_type\":\"in_channel\""));
    CHECK_THAT(r.body, Contains("Planned *web*"));
    CHECK(f.count("SELECT count(*) FROM releases") == 1);
    CHECK(f.count("SELECT count(*) FROM workspaces WHERE platform='slack' AND tenant='T0001'") == 1);

    SECTION("Slack's retry of the same request does not act twice") {
        auto again = post(f.port, "/slack/commands", body, "application/x-www-form-urlencoded",
                          kNow, slack::sign(kSecret, std::to_string(kNow), body));
        CHECK(again.status == 200);
        CHECK(f.count("SELECT count(*) FROM releases") == 1);
        CHECK(f.count("SELECT count(*) FROM audit_log WHERE action='release.plan'") == 1);
    }
}

TEST_CASE("forged, stale and unsigned Slack requests are refused and change nothing",
          "[slack][http]") {
    Fixture f;
    std::string body = slash_body("plan web \"Web\" at 2026-12-10 14:00", "333.444.bbb");
    std::string good = slack::sign(kSecret, std::to_string(kNow), body);
    SECTION("a wrong signature") {
        std::string forged = good;
        forged.back() = forged.back() == '0' ? '1' : '0';
        auto r = post(f.port, "/slack/commands", body, "application/x-www-form-urlencoded", kNow,
                      forged);
        CHECK(r.status == 401);
        CHECK_THAT(r.body, !Contains(kSecret));
    }
    SECTION("a timestamp older than five minutes") {
        long long old = kNow - 301;
        auto r = post(f.port, "/slack/commands", body, "application/x-www-form-urlencoded", old,
                      slack::sign(kSecret, std::to_string(old), body));
        CHECK(r.status == 401);
    }
    SECTION("a body changed after signing") {
        auto r = post(f.port, "/slack/commands", body + "&x=1",
                      "application/x-www-form-urlencoded", kNow, good);
        CHECK(r.status == 401);
    }
    SECTION("no signature") {
        auto r = post(f.port, "/slack/commands", body, "application/x-www-form-urlencoded", kNow,
                      "");
        CHECK(r.status == 401);
    }
    CHECK(f.count("SELECT count(*) FROM releases") == 0);
    CHECK(f.count("SELECT count(*) FROM processed_events") == 0);
}

TEST_CASE("url_verification echoes the challenge; broken JSON is a 400", "[slack][http]") {
    Fixture f;
    std::string body = R"({"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"})";
    auto r = post(f.port, "/slack/events", body, "application/json", kNow,
                  slack::sign(kSecret, std::to_string(kNow), body));
    CHECK(r.status == 200);
    CHECK(r.body == R"({"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"})");

    std::string broken = R"({"type":"event_callback","event":)";
    auto bad = post(f.port, "/slack/events", broken, "application/json", kNow,
                    slack::sign(kSecret, std::to_string(kNow), broken));
    CHECK(bad.status == 400);
    CHECK(f.count("SELECT count(*) FROM processed_events") == 0);
}

TEST_CASE("a mention over the Events API is answered through the outbox", "[slack][http]") {
    Fixture f;
    std::string body = R"({"token":"x","team_id":"T0001","api_app_id":"A0001","type":"event_callback","event_id":"Ev0001","event_time":1796115600,"event":{"type":"app_mention","user":"U0ALICE","text":"<@U0BOT> release list","channel":"C0100","ts":"1796115600.000100","channel_type":"channel"}})";
    auto r = post(f.port, "/slack/events", body, "application/json", kNow,
                  slack::sign(kSecret, std::to_string(kNow), body));
    CHECK(r.status == 200);
    CHECK(f.count("SELECT count(*) FROM processed_events WHERE key LIKE '%Ev0001%'") == 1);
    CHECK(f.count("SELECT count(*) FROM outbox WHERE platform='slack' AND payload LIKE "
                  "'%No upcoming releases%'") == 1);
}
