// Hostile input on every inbound path: bodies over the size limit on each
// HTTP route, a header block over its limit, bytes that are not HTTP, a Socket Mode frame over
// the frame limit, command text over the command limit, and malformed JSON, wrong types,
// unknown fields, huge numbers, deep nesting and invalid UTF-8 in each payload. Each is
// answered with a clear error (a 4xx whose JSON says what was wrong, or a refusal the user
// reads), changes nothing, and leaves the bot serving the next request.

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "bot/runtime/log.hpp"
#include "integrations/console/text_renderer.hpp"
#include "integrations/slack/socket_mode.hpp"
#include "integrations/slack/web_api.hpp"
#include "storage/workspace_secret_repo.hpp"
#include "support/db_snapshot.hpp"
#include "support/eventually.hpp"
#include "support/fixture.hpp"
#include "support/inbound_server.hpp"
#include "support/slack_emulator.hpp"

using namespace releasebot;
using namespace releasebot::test;
using Catch::Matchers::Contains;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

// The error a 4xx answer carries, or "" when its body is not {"error": "<words>"}.
std::string error_of(const HttpResult& r) {
    boost::system::error_code ec;
    json::value v = json::parse(r.body, ec);
    if (ec || !v.is_object()) return "";
    const auto* e = v.as_object().if_contains("error");
    return e && e->is_string() ? std::string(e->as_string()) : "";
}

// A Teams activity (a personal-chat message) saying `text`, with id `id`.
std::string teams_message(const std::string& text, const std::string& id) {
    json::object a = json::parse(fixture("teams/message_personal.json")).as_object();
    a["text"] = text;
    a["id"] = id;
    return json::serialize(a);
}

// The Slack workspace T0AAA with its CI webhook set up (`ci secret`): its id and secret.
std::pair<WorkspaceId, std::string> ci_workspace(InboundServer& s) {
    s.slash("T0AAA", "U0ALICE", "C0A", "ci secret");
    const WorkspaceId ws = s.workspace("slack", "T0AAA");
    return {ws, s.secrets(ws).webhook_secret};
}

}  // namespace

TEST_CASE("every HTTP route answers a body over the limit with 413 in words, changing nothing",
          "[security][limits]") {
    InboundServer s;
    const auto [ws, secret] = ci_workspace(s);
    const DbSnapshot before = snapshot(s.db);
    // One byte over, and eight times over: the client is still sending when it is refused, and
    // must get the refusal rather than a reset.
    const std::string just_over(HttpServer::kMaxBody + 1, 'x');
    const std::string huge(8 * HttpServer::kMaxBody, 'x');

    for (const std::string& path :
         std::vector<std::string>{"/slack/events", "/slack/commands", "/slack/interactive",
                                  "/api/messages", "/hooks/ci/" + std::to_string(ws.value())}) {
        INFO(path);
        SECTION("with a Content-Length " + path) {
            for (const std::string* body : {&just_over, &huge}) {
                // Signed as its platform would, so only the size is wrong; sent at once, without
                // waiting for a 100 Continue, so the refusal comes while the body still arrives.
                auto r = http_call(
                    "POST", s.base + path,
                    {"Content-Type: application/json",
                     "Expect:", "X-Slack-Request-Timestamp: " + std::to_string(kSlackRequestTime),
                     "X-Slack-Signature: " + slack::sign(kSlackSigningSecret,
                                                         std::to_string(kSlackRequestTime), *body)},
                    *body);
                CHECK(r.status == 413);
                CHECK_THAT(error_of(r), Contains("larger than 1048576 bytes"));
                CHECK_THAT(error_of(r), Contains("nothing was done"));
            }
        }
        SECTION("chunked, with no length announced " + path) {
            auto r = http_call(
                "POST", s.base + path,
                {"Content-Type: application/json", "Transfer-Encoding: chunked", "Expect:"}, huge);
            CHECK(r.status == 413);
            CHECK_THAT(error_of(r), Contains("larger than 1048576 bytes"));
        }
    }
    SECTION("the CI webhook's own, smaller limit") {
        std::string body = R"({"action":"control.tick","note":")" + std::string(70000, 'n') + "\"}";
        auto r = s.ci_post(ws, secret, body);
        CHECK(r.status == 413);
        CHECK_THAT(error_of(r), Contains("the CI webhook reads at most 65536"));
    }
    SECTION("headers over their limit") {
        auto r = http_call("POST", s.base + "/slack/commands",
                           {"X-Padding: " + std::string(20 * 1024, 'h')}, "text=x");
        CHECK(r.status == 431);
        CHECK_THAT(error_of(r), Contains("headers are larger than 16384 bytes"));
    }
    SECTION("bytes that are not HTTP") {
        std::string answer = raw_exchange(s.base, "HELLO THERE\r\n\r\n");
        CHECK_THAT(answer, Contains("400 Bad Request"));
        CHECK_THAT(answer, Contains("not valid HTTP/1.1"));
    }
    CHECK(snapshot_diff(before, snapshot(s.db)) == "");
    // The listener still serves: a signed command right after is processed.
    CHECK_THAT(s.slash("T0AAA", "U0ALICE", "C0A", "release list"), Contains("No upcoming"));
}

TEST_CASE(
    "malformed, mistyped and hostile JSON on every path is refused in words, changing nothing",
    "[security][limits]") {
    InboundServer s;
    const auto [ws, secret] = ci_workspace(s);
    const std::string deep = std::string(5000, '[') + std::string(5000, ']');
    const std::vector<std::string> broken = {
        "",
        "{\"type\":",
        "null",
        "[]",
        "\"a string\"",
        "42",
        deep,
        "{\"type\":\"message\",\"text\":\"\xff\xfe bad UTF-8\"}",
        "{\"type\":\"event_callback\",\"event\":\"\xc0\xaf\"}",
        "{\"type\":1e99999}",
        "{\"type\":99999999999999999999999999999}",
        "{\"type\":{\"nested\":[1,2,3]},\"text\":[\"release list\"]}",
        "{\"type\":\"event_callback\",\"type\":\"invoke\"}",
    };
    const DbSnapshot before = snapshot(s.db);

    auto slack_json = [&](const std::string& path, const std::string& body) {
        return s.slack_post(path, body, "application/json");
    };
    auto slack_payload = [&](const std::string& body) {
        return s.slack_post("/slack/interactive", "payload=" + url_escape(body),
                            "application/x-www-form-urlencoded");
    };
    for (const auto& body : broken) {
        INFO("body: " << body.substr(0, 80));
        for (const auto& [name, r] : std::vector<std::pair<std::string, HttpResult>>{
                 {"events", slack_json("/slack/events", body)},
                 {"interactive", slack_payload(body)},
                 {"teams", http_call("POST", s.base + "/api/messages",
                                     {"Content-Type: application/json"}, body)},
                 {"ci", s.ci_post(ws, secret, body)}}) {
            INFO(name << " → " << r.status << " " << r.body.substr(0, 200));
            CHECK(r.status == 400);
            CHECK(error_of(r).size() > 10);
        }
    }
    SECTION("form bodies: bad escapes and bytes that are not UTF-8") {
        for (const std::string form : {"team_id=T0AAA&text=%FF%FE", "team_id=T0AAA&text=%zz",
                                       "text=%", "payload=%7B%22type%22%3A"}) {
            INFO(form);
            auto r = s.slack_post("/slack/commands", form, "application/x-www-form-urlencoded");
            CHECK(r.status == 400);
            CHECK(error_of(r).size() > 10);
        }
    }
    CHECK(snapshot_diff(before, snapshot(s.db)) == "");

    SECTION("unknown fields are ignored, and the rest is read as usual") {
        json::object activity = json::parse(teams_message("release list", "u1")).as_object();
        activity["x-unknown"] = json::object{{"deep", json::array{1, 2.5, nullptr, "x"}}};
        activity["from"].as_object()["extra"] = 99999999999999999.0;
        activity["conversation"].as_object()["huge"] = 1e300;
        auto teams = http_call("POST", s.base + "/api/messages", {"Content-Type: application/json"},
                               json::serialize(activity));
        CHECK(teams.status == 200);
        CHECK(s.count("SELECT count(*) FROM processed_events WHERE key LIKE 'teams:%u1'") == 1);

        json::object callback{{"token", "x"},
                              {"team_id", "T0AAA"},
                              {"api_app_id", "A0001"},
                              {"type", "event_callback"},
                              {"event_id", "EvUNKNOWN"},
                              {"event_time", kSlackRequestTime},
                              {"brand_new_field", json::object{{"n", 1e300}}},
                              {"event",
                               {{"type", "app_mention"},
                                {"user", "U0ALICE"},
                                {"text", "<@U0BOT> release list"},
                                {"channel", "C0A"},
                                {"ts", "1796115600.000100"},
                                {"unheard_of", json::array{json::array{json::array{}}}}}}};
        CHECK(slack_json("/slack/events", json::serialize(callback)).status == 200);
        CHECK(s.count("SELECT count(*) FROM processed_events WHERE key LIKE '%EvUNKNOWN%'") == 1);
    }
}

TEST_CASE("HEAD on every route answers GET's status and headers, and no body", "[security][http]") {
    InboundServer s;
    const auto [ws, secret] = ci_workspace(s);
    s.slash("T0AAA", "U0ALICE", "C0A", "calendar link");
    const std::string token = WorkspaceSecretRepo(s.db).get(ws)->calendar_token;
    REQUIRE(!token.empty());
    const DbSnapshot before = snapshot(s.db);
    for (const std::string& path : std::vector<std::string>{
             "/slack/events", "/slack/commands", "/slack/interactive", "/api/messages",
             "/hooks/ci/" + std::to_string(ws.value()), "/calendar.ics?token=" + token,
             "/calendar.ics?token=wrong", "/nowhere"}) {
        INFO(path);
        const HttpResult get = http_call("GET", s.base + path);
        const HeadAnswer head = head_request(s.base, path);
        // Node's HTTP client, which Microsoft's tools use to probe a bot, refuses a HEAD answer
        // with bytes after its headers.
        CHECK(head.after == "");
        CHECK_THAT(head.head, Contains("HTTP/1.1 " + std::to_string(get.status) + " "));
        CHECK_THAT(head.head + "\r\n",
                   Contains("Content-Length: " + std::to_string(get.body.size()) + "\r\n"));
    }
    CHECK(snapshot_diff(before, snapshot(s.db)) == "");
}

TEST_CASE("an answer with no body claims no content type", "[security][http]") {
    InboundServer s;
    // A conversationUpdate is answered 200 with nothing to say.
    json::object a = json::parse(fixture("teams/message_personal.json")).as_object();
    a["type"] = "conversationUpdate";
    a.erase("text");
    const HttpResult r = http_call("POST", s.base + "/api/messages",
                                   {"Content-Type: application/json"}, json::serialize(a));
    CHECK(r.status == 200);
    CHECK(r.body == "");
    CHECK(r.headers.count("content-type") == 0);
}

TEST_CASE("command text over the limit is refused in words on every path", "[security][limits]") {
    SECTION("the core, whatever the way in: 16,000 characters") {
        TestEnv env;
        env.say("alice", "release list");
        const DbSnapshot before = snapshot(env.db(), {"processed_events"});
        // Characters, not bytes: 16,000 three-byte characters are fine.
        std::string title;
        for (int i = 0; i < 16000 - 60; ++i) title += "\xE2\x9C\x93";  // ✓
        auto at_limit = env.run("alice", "release plan long \"" + title + "\" at 2026-12-10 14:00");
        // The command is read whole; then the title is held to its own, smaller limit.
        CHECK_THAT(at_limit.reply.text, Contains("The title is 15940 characters long; it may be "
                                                 "at most 120."));

        auto over = env.run("alice", "release plan longer \"" + title + std::string(100, 'x') +
                                         "\" at 2026-12-10 14:00");
        CHECK(over.reply.is_error);
        CHECK_THAT(over.reply.text, Contains("That command is 16082 characters long; releasebot "
                                             "reads commands of up to 16000. Shorten it"));
        CHECK(env.count("SELECT count(*) FROM releases WHERE key = 'longer'") == 0);
        auto bad_utf8 = env.run("alice", "release plan x \"\xC0\xAF\" at 2026-12-10 14:00");
        CHECK(bad_utf8.reply.is_error);
        CHECK_THAT(bad_utf8.reply.text, Contains("not valid UTF-8 text (at byte 16)"));
        for (const char* overlong_or_surrogate :
             {"\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x9C"}) {
            auto r = env.run("alice", std::string("release show ") + overlong_or_surrogate);
            CHECK_THAT(r.reply.text, Contains("not valid UTF-8 text"));
        }
    }
    SECTION("Slack over HTTP, Teams, and a button's value") {
        InboundServer s;
        const std::string long_text = "release plan x \"" + std::string(20000, 'y') + "\"";
        std::string body =
            "token=x&team_id=T0AAA&channel_id=C0A&user_id=U0ALICE&command=%2Frelease"
            "&trigger_id=t.1&text=" +
            url_escape(long_text);
        auto slash = s.slack_post("/slack/commands", body, "application/x-www-form-urlencoded");
        CHECK(slash.status == 400);
        CHECK_THAT(error_of(slash), Contains("bytes; releasebot reads at most 16000"));

        auto teams = http_call("POST", s.base + "/api/messages", {"Content-Type: application/json"},
                               teams_message(long_text, "long1"));
        CHECK(teams.status == 200);
        CHECK(s.count("SELECT count(*) FROM outbox WHERE payload LIKE '%That command is " +
                      std::to_string(long_text.size()) + " characters long%'") == 1);
        CHECK(s.count("SELECT count(*) FROM releases") == 0);

        auto way_too_long =
            http_call("POST", s.base + "/api/messages", {"Content-Type: application/json"},
                      teams_message(std::string(40000, 'z'), "long2"));
        CHECK(way_too_long.status == 400);
        CHECK_THAT(error_of(way_too_long), Contains("releasebot reads at most"));

        auto press = s.press("T0AAA", "U0ALICE", "C0A", long_text.substr(0, 13000));
        CHECK(press.status == 400);
        CHECK_THAT(error_of(press), Contains("releasebot reads at most 12000"));
        CHECK(s.count("SELECT count(*) FROM releases") == 0);
    }
}

TEST_CASE("huge numbers and far-off dates in commands are refused in words", "[security][limits]") {
    TestEnv env;
    env.say("alice", "release plan web \"Web\" at 2026-12-10 14:00");
    const DbSnapshot before = snapshot(env.db(), {"processed_events"});
    const std::string big = "99999999999999999999";
    for (const std::string& text : std::vector<std::string>{
             "control tick web " + big,
             "control tick web 0",
             "release step web " + big + " done",
             "plan remove web deploy " + big,
             "comms review " + big + " approve",
             "comms show -1",
             "retro answer web " + big + " 4",
             "retro action done " + big,
             "freeze remove " + big,
             "release plan far \"F\" at 99999-12-05 14:00",
             "release plan far \"F\" at 2026-12-05 14:00 for " + big + "h",
             "release plan far \"F\" at in " + big + "h",
             "release plan far \"F\" at 2026-02-30 14:00",
             "release move web to 2026-13-45 25:99",
             "release els web " + big + "d",
             "remind web at -" + big + "h",
             "freeze add 99999-01-01 00:00 to 99999-01-02 00:00 \"Far\"",
             "freeze add weekly fri 25:00-26:00 \"Bad\"",
             "retro start web closes in " + big + "d",
         }) {
        INFO(text);
        auto out = env.run("alice", text);
        INFO("→ " << render_text(out.reply));
        CHECK(out.reply.is_error);
        CHECK(out.reply.text.size() > 20);
        CHECK(snapshot_diff(before, snapshot(env.db(), {"processed_events"})) == "");
    }
}

TEST_CASE("a Socket Mode frame over the limit is dropped and the link keeps serving",
          "[security][limits][slack]") {
    SlackEmulatorOptions options;
    options.ack_timeout_ms = 300;
    options.max_redeliveries = 1;
    SlackEmulator emulator(options);
    TempDir dir;
    Database db(dir.file("releasebot.db"));
    Database reader(dir.file("releasebot.db"));
    ManualClock clock(default_start());
    Pipeline pipeline(db, clock);
    slack::SlackWebApi api(kSlackAppToken,
                           slack::ApiOptions{emulator.api_url(), emulator.ca_file(), 5000ms});
    slack::SocketModeOptions socket_options;
    socket_options.ca_file = emulator.ca_file();
    slack::SocketModeClient client(api, pipeline, socket_options);

    std::mutex lines_mutex;
    std::string logged;
    log::set_sink([&](const std::string& line) {
        std::lock_guard<std::mutex> lock(lines_mutex);
        logged += line + "\n";
    });
    auto capture = std::make_unique<log::StderrCapture>();
    auto running = std::async(std::launch::async, [&] { return client.run(); });
    REQUIRE(emulator.wait_connections(1));

    // 5 MiB of command: more than the 4 MiB a frame may hold.
    const std::string huge = emulator.slash(
        "U0ALICE", "C0A",
        "release plan huge \"" + std::string(5 << 20, 'h') + "\" at 2026-12-10 14:00");
    // The envelope after it on the same link is acknowledged with its answer.
    const std::string next =
        emulator.slash("U0ALICE", "C0A", "release plan web \"Web\" at 2026-12-10 14:00");
    const std::string ack = emulator.wait_ack(next);
    CHECK_THAT(ack, Contains("Planned *web*"));
    // Slack gives up on the huge one after its redeliveries; none is acknowledged.
    std::this_thread::sleep_for(800ms);
    CHECK(emulator.wait_ack(huge, 10ms).empty());

    client.stop();
    CHECK(running.wait_for(10s) == std::future_status::ready);
    capture.reset();
    log::set_sink({});

    CHECK(client.reconnects() == 0);
    auto st = reader.prepare("SELECT group_concat(key) FROM releases");
    REQUIRE(st.step());
    CHECK(st.get_text(0) == "web");
    CHECK_THAT(logged, Contains("ignored a Socket Mode frame of"));
    CHECK_THAT(logged, Contains("releasebot reads frames of up to 4194304 bytes"));
}
