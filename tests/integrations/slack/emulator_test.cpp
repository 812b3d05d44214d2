// Tests of the local Slack (tests/emulators/slack) through the C++ helper that starts it
// (tests/support/slack_emulator.hpp): its Web API answers as Slack's do, over real TLS, with
// Slack's errors, per-channel rate limits and injected faults, and its control API records what
// a bot posted. The Socket Mode side is exercised by Slack's own Bolt (bolt_check.js) and by the
// socket mode tests.
#include <curl/curl.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "support/slack_emulator.hpp"

namespace releasebot::test {
namespace {

namespace json = boost::json;

json::value parse(const std::string& text) {
    return json::parse(text);
}

std::string str(const json::value& v, const char* key) {
    return std::string(v.at(key).as_string());
}

// What a Slack client would read from a Web API answer: ok, or the error.
std::string outcome(const HttpReply& reply) {
    if (reply.status != 200) return "http " + std::to_string(reply.status);
    const auto body = parse(reply.body);
    return body.at("ok").as_bool() ? "ok" : str(body, "error");
}

std::string post_json(const std::string& channel, const std::string& text) {
    return json::serialize(json::object{{"channel", channel}, {"text", text}});
}

json::array recorded(SlackEmulator& emu, const std::string& query = "") {
    return parse(emu.get("messages" + query)).at("messages").as_array();
}

}  // namespace

TEST_CASE("the Slack emulator checks tokens as Slack does", "[slack][emulator]") {
    SlackEmulator emu;
    REQUIRE(emu.port() > 0);
    CHECK(emu.api_url() == "https://127.0.0.1:" + std::to_string(emu.port()) + "/api/");

    auto [method, token, expected] = GENERATE(table<std::string, std::string, std::string>({
        {"auth.test", kSlackBotToken, "ok"},
        {"auth.test", "", "not_authed"},
        {"auth.test", "xoxb-someone-else", "invalid_auth"},
        {"auth.test", kSlackAppToken, "not_allowed_token_type"},
        {"apps.connections.open", kSlackAppToken, "ok"},
        {"apps.connections.open", kSlackBotToken, "not_allowed_token_type"},
        {"chat.postMessage", kSlackAppToken, "not_allowed_token_type"},
        {"no.such.method", kSlackBotToken, "unknown_method"},
    }));
    CAPTURE(method, token);
    CHECK(outcome(emu.call(method, post_json("C1RELEASE", "hello"), token)) == expected);
}

TEST_CASE("the Slack emulator serves real TLS with its own certificate", "[slack][emulator]") {
    SlackEmulator emu;
    REQUIRE_FALSE(emu.ca_file().empty());

    SECTION("a client trusting only the system's authorities refuses it") {
        CURL* curl = curl_easy_init();
        const std::string url = emu.api_url() + "auth.test";
        curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        const CURLcode code = curl_easy_perform(curl);
        curl_easy_cleanup(curl);
        CHECK(code == CURLE_PEER_FAILED_VERIFICATION);
    }
    SECTION("the certificate names localhost as well as 127.0.0.1") {
        CURL* curl = curl_easy_init();
        const std::string url =
            "https://localhost:" + std::to_string(emu.port()) + "/api/auth.test";
        const std::string ca = emu.ca_file();
        std::string body;
        curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
        curl_easy_setopt(curl, CURLOPT_CAINFO, ca.c_str());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "token=xoxb-test-bot");
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(
            curl, CURLOPT_WRITEFUNCTION, +[](char* data, size_t size, size_t n, void* out) {
                static_cast<std::string*>(out)->append(data, size * n);
                return size * n;
            });
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
        const CURLcode code = curl_easy_perform(curl);
        curl_easy_cleanup(curl);
        REQUIRE(code == CURLE_OK);
        CHECK(str(parse(body), "user_id") == kSlackBotUserId);
    }
}

TEST_CASE("the Slack emulator also runs over plain HTTP", "[slack][emulator]") {
    SlackEmulator emu(false);
    CHECK(emu.api_url() == "http://127.0.0.1:" + std::to_string(emu.port()) + "/api/");
    CHECK(emu.ca_file().empty());
    const auto open = emu.call("apps.connections.open", "{}", kSlackAppToken);
    REQUIRE(outcome(open) == "ok");
    CHECK(str(parse(open.body), "url")
              .rfind("ws://127.0.0.1:" + std::to_string(emu.port()) + "/link/?ticket=", 0) == 0);
}

TEST_CASE("apps.connections.open hands out a wss URL on the emulator itself", "[slack][emulator]") {
    SlackEmulator emu;
    const auto first =
        emu.call("apps.connections.open", "", kSlackAppToken, "application/x-www-form-urlencoded");
    const auto second =
        emu.call("apps.connections.open", "", kSlackAppToken, "application/x-www-form-urlencoded");
    REQUIRE(outcome(first) == "ok");
    const std::string url = str(parse(first.body), "url");
    CHECK(url.rfind("wss://127.0.0.1:" + std::to_string(emu.port()) + "/link/?ticket=", 0) == 0);
    CHECK(url != str(parse(second.body), "url"));
}

TEST_CASE("chat.postMessage and chat.update are recorded as the channel shows them",
          "[slack][emulator]") {
    SlackEmulator emu;
    const std::string blocks =
        R"([{"type":"header","text":{"type":"plain_text","text":"Release 2.4"}},)"
        R"({"type":"actions","elements":[{"type":"button","action_id":"tick","value":"t1",)"
        R"("text":{"type":"plain_text","text":"Done"}}]}])";

    const auto posted =
        emu.call("chat.postMessage",
                 R"({"channel":"C1RELEASE","text":"Release 2.4","blocks":)" + blocks + "}");
    REQUIRE(outcome(posted) == "ok");
    const auto answer = parse(posted.body);
    const std::string ts = str(answer, "ts");
    CHECK(str(answer, "channel") == "C1RELEASE");
    CHECK(str(answer.at("message"), "text") == "Release 2.4");
    CHECK(answer.at("message").at("blocks").as_array().size() == 2);

    SECTION("the record lists the message with its blocks") {
        const auto messages = recorded(emu);
        REQUIRE(messages.size() == 1);
        CHECK(str(messages[0], "kind") == "postMessage");
        CHECK(str(messages[0], "ts") == ts);
        CHECK(messages[0].at("blocks").as_array().size() == 2);
    }
    SECTION("a form-encoded post, as Slack's SDKs send, with blocks as a JSON string") {
        const std::string form =
            "channel=C1RELEASE&text=second&blocks=%5B%7B%22type%22%3A%22divider%22%7D%5D";
        const auto reply =
            emu.call("chat.postMessage", form, kSlackBotToken, "application/x-www-form-urlencoded");
        REQUIRE(outcome(reply) == "ok");
        CHECK(recorded(emu, "?channel=C1RELEASE").size() == 2);
        CHECK(str(recorded(emu).back().at("blocks").at(0), "type") == "divider");
    }
    SECTION("chat.update edits it in place and keeps its blocks when none are sent") {
        const auto reply = emu.call(
            "chat.update", R"({"channel":"C1RELEASE","ts":")" + ts + R"(","text":"Released"})");
        REQUIRE(outcome(reply) == "ok");
        const auto history = parse(emu.get("history?channel=C1RELEASE")).at("messages").as_array();
        REQUIRE(history.size() == 1);
        CHECK(str(history[0], "text") == "Released");
        CHECK(history[0].at("blocks").as_array().size() == 2);
        CHECK(str(recorded(emu).back(), "kind") == "update");
    }
    SECTION("chat.update of a message that does not exist") {
        const auto reply =
            emu.call("chat.update", R"({"channel":"C1RELEASE","ts":"1.000001","text":"x"})");
        CHECK(outcome(reply) == "message_not_found");
    }
    SECTION("a button press on it carries the message and the button's block") {
        const std::string id = emu.action("U1ALICE", "C1RELEASE", ts, "tick", "t1");
        const auto envelopes = parse(emu.get("envelopes")).at("envelopes").as_array();
        REQUIRE(envelopes.size() == 1);
        const auto& payload = envelopes[0].at("payload");
        CHECK(str(envelopes[0], "envelope_id") == id);
        CHECK(str(envelopes[0], "type") == "interactive");
        CHECK(str(payload, "type") == "block_actions");
        CHECK(str(payload.at("actions").at(0), "value") == "t1");
        CHECK(str(payload.at("container"), "message_ts") == ts);
        CHECK(str(payload.at("message"), "ts") == ts);
    }
    SECTION("a press of a button the message does not show is refused") {
        CHECK_THROWS_WITH(emu.action("U1ALICE", "C1RELEASE", ts, "tick", "t2"),
                          Catch::Contains("no element with action_id \"tick\""));
    }
}

TEST_CASE("the emulator refuses what Slack refuses in a message", "[slack][emulator]") {
    SlackEmulator emu;
    // A message with text "hi" in C1RELEASE and these blocks.
    auto with_blocks = [](const std::string& blocks) {
        return R"({"channel":"C1RELEASE","text":"hi","blocks":)" + blocks + "}";
    };
    const std::string header = R"({"type":"header","text":{"type":"plain_text","text":")";
    const std::string button =
        R"({"type":"button","text":{"type":"plain_text","text":"x"},"style":"loud"})";
    auto [body, expected] = GENERATE_COPY(table<std::string, std::string>({
        {R"({"channel":"C1RELEASE"})", "no_text"},
        {R"({"text":"hi"})", "channel_not_found"},
        {with_blocks(R"("not json")"), "invalid_blocks_format"},
        {with_blocks("[" + header + std::string(151, 'x') + R"("}}])"), "invalid_blocks"},
        {with_blocks(R"([{"type":"header","text":{"type":"mrkdwn","text":"*x*"}}])"),
         "invalid_blocks"},
        {with_blocks(R"([{"type":"actions","elements":[)" + button + "]}]"), "invalid_blocks"},
        {with_blocks("[" + header + R"(ok"}}])"), "ok"},
    }));
    CAPTURE(body);
    CHECK(outcome(emu.call("chat.postMessage", body)) == expected);
    CHECK(recorded(emu).size() == (expected == "ok" ? 1U : 0U));
}

TEST_CASE("a message has at most 50 blocks", "[slack][emulator]") {
    SlackEmulator emu;
    auto blocks_of = [](int n) {
        json::array blocks;
        for (int i = 0; i < n; ++i) blocks.push_back(json::object{{"type", "divider"}});
        return json::serialize(
            json::object{{"channel", "C1RELEASE"}, {"text", "t"}, {"blocks", blocks}});
    };
    CHECK(outcome(emu.call("chat.postMessage", blocks_of(50))) == "ok");
    const auto refused = emu.call("chat.postMessage", blocks_of(51));
    CHECK(outcome(refused) == "invalid_blocks");
    CHECK_THAT(refused.body, Catch::Contains("must be less than 51 items"));
}

TEST_CASE("chat.postMessage is rate limited per channel with 429 and Retry-After",
          "[slack][emulator]") {
    // One message every two seconds: the burst below takes milliseconds, but a loaded machine
    // can stretch it, and a token refilled in between would let the fourth message through.
    SlackEmulatorOptions options;
    options.rate_per_second = 0.5;
    options.rate_burst = 3;
    SlackEmulator emu(options);

    for (int i = 0; i < 3; ++i) {
        CHECK(outcome(emu.call("chat.postMessage", post_json("C1RELEASE", "burst"))) == "ok");
    }
    const auto limited = emu.call("chat.postMessage", post_json("C1RELEASE", "one too many"));
    CHECK(limited.status == 429);
    CHECK(limited.retry_after == "2");
    CHECK(str(parse(limited.body), "error") == "ratelimited");
    // The limit is per channel, and the refused message was not posted.
    CHECK(outcome(emu.call("chat.postMessage", post_json("C2OTHER", "elsewhere"))) == "ok");
    CHECK(recorded(emu, "?channel=C1RELEASE").size() == 3);

    // Time refills the bucket (made quick here by raising the rate instead of waiting).
    emu.post("config", R"({"rate_per_second":1000})");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(outcome(emu.call("chat.postMessage", post_json("C1RELEASE", "later"))) == "ok");
}

TEST_CASE("faults make the next calls fail or slow down", "[slack][emulator]") {
    SlackEmulator emu;

    SECTION("two 500s, then Slack answers again") {
        emu.fault("chat.postMessage", 500, 2);
        CHECK(emu.call("chat.postMessage", post_json("C1RELEASE", "a")).status == 500);
        CHECK(emu.call("chat.postMessage", post_json("C1RELEASE", "a")).status == 500);
        CHECK(outcome(emu.call("chat.postMessage", post_json("C1RELEASE", "a"))) == "ok");
        CHECK(recorded(emu).size() == 1);
    }
    SECTION("a 429 storm with the Retry-After asked for") {
        emu.fault("chat.update", 429, 3, 7);
        for (int i = 0; i < 3; ++i) {
            const auto reply = emu.call("chat.update", R"({"channel":"C1","ts":"1.1","text":"x"})");
            CHECK(reply.status == 429);
            CHECK(reply.retry_after == "7");
        }
        CHECK(outcome(emu.call("chat.update", R"({"channel":"C1","ts":"1.1","text":"x"})")) ==
              "message_not_found");
        const auto calls = parse(emu.get("calls?method=chat.update")).at("calls").as_array();
        CHECK(calls.size() == 4);
    }
    SECTION("a slow answer") {
        emu.fault("users.info", 0, 1, 1, 400);
        const auto start = std::chrono::steady_clock::now();
        CHECK(outcome(emu.call("users.info", "user=U1ALICE", kSlackBotToken,
                               "application/x-www-form-urlencoded")) == "ok");
        CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(400));
    }
    SECTION("a fault on another method changes nothing") {
        emu.fault("views.open", 503, 5);
        CHECK(outcome(emu.call("auth.test", "{}")) == "ok");
    }
}

TEST_CASE("conversations.open and users.info", "[slack][emulator]") {
    SlackEmulator emu;
    emu.users("U1ALICE", "alice", "Europe/Berlin");

    const auto opened = emu.call("conversations.open", R"({"users":"U1ALICE"})");
    REQUIRE(outcome(opened) == "ok");
    const std::string dm = str(parse(opened.body).at("channel"), "id");
    CHECK(dm.front() == 'D');
    CHECK(str(parse(emu.call("conversations.open", R"({"users":"U1ALICE"})").body).at("channel"),
              "id") == dm);
    CHECK(outcome(emu.call("conversations.open", "{}")) == "users_list_not_supplied");

    // A read method, as Slack has it: arguments in a form or the query string; a JSON body is
    // ignored, so `user` sent that way is missing.
    auto form = [&](const std::string& body) {
        return emu.call("users.info", body, kSlackBotToken, "application/x-www-form-urlencoded");
    };
    CHECK(outcome(emu.call("users.info", R"({"user":"U1ALICE"})")) == "user_not_found");
    const auto info = parse(form("user=U1ALICE").body);
    CHECK(str(info.at("user"), "name") == "alice");
    CHECK(str(info.at("user"), "tz") == "Europe/Berlin");
    const auto offset = info.at("user").at("tz_offset").as_int64();
    CHECK((offset == 3600 || offset == 7200));
    CHECK(str(parse(form("user=U9NOBODY").body).at("user"), "tz") == "UTC");
    CHECK(outcome(form("user=not-a-user")) == "user_not_found");
    CHECK(outcome(emu.call("users.info?user=U1ALICE", "")) == "ok");
    CHECK_THROWS_WITH(emu.users("U1ALICE", "alice", "Mars/Olympus"),
                      Catch::Contains("not an IANA time zone"));
}

TEST_CASE("views.open takes a trigger once, within its lifetime", "[slack][emulator]") {
    SlackEmulator emu;
    // No bot is connected: the command waits in the queue, but its trigger exists already.
    const auto slash =
        parse(emu.post("slash", R"({"user":"U1ALICE","channel":"C1RELEASE","text":"retro"})"));
    CHECK(slash.at("queued").as_bool());
    const std::string trigger = str(slash, "trigger_id");
    const std::string view =
        R"({"type":"modal","callback_id":"survey","private_metadata":"r7",)"
        R"("title":{"type":"plain_text","text":"Retro"},)"
        R"("submit":{"type":"plain_text","text":"Send"},)"
        R"("blocks":[{"type":"input","block_id":"q1","label":{"type":"plain_text","text":"How?"},)"
        R"("element":{"type":"plain_text_input","action_id":"answer"}}]})";
    auto open = [&](const std::string& t) {
        return emu.call("views.open", R"({"trigger_id":")" + t + R"(","view":)" + view + "}");
    };

    CHECK(outcome(open("123.456.nope")) == "invalid_trigger_id");
    const auto opened = open(trigger);
    REQUIRE(outcome(opened) == "ok");
    const std::string view_id = str(parse(opened.body).at("view"), "id");
    CHECK(outcome(open(trigger)) == "exchanged_trigger_id");
    CHECK(str(recorded(emu, "?kind=view").at(0), "view_id") == view_id);

    SECTION("the submission carries Slack's state values and the private metadata") {
        emu.submit("U1ALICE", {{"q1", {{"answer", "smooth"}}}});
        const auto envelopes = parse(emu.get("envelopes")).at("envelopes").as_array();
        const auto& payload = envelopes.back().at("payload");
        CHECK(str(payload, "type") == "view_submission");
        CHECK(str(payload.at("view"), "id") == view_id);
        CHECK(str(payload.at("view"), "private_metadata") == "r7");
        CHECK(str(payload.at("view").at("state").at("values").at("q1").at("answer"), "value") ==
              "smooth");
    }
    SECTION("a submission without a required input is refused") {
        CHECK_THROWS_WITH(emu.submit("U1ALICE", {}, view_id), Catch::Contains("is required"));
    }
}

TEST_CASE("a slash command is queued with Slack's payload until a link opens",
          "[slack][emulator]") {
    SlackEmulator emu;
    emu.users("U1ALICE", "alice", "UTC");
    const std::string id = emu.slash("U1ALICE", "C1RELEASE", "plan 2.4");
    const auto envelopes = parse(emu.get("envelopes")).at("envelopes").as_array();
    REQUIRE(envelopes.size() == 1);
    const auto& env = envelopes[0];
    CHECK(str(env, "envelope_id") == id);
    CHECK(str(env, "type") == "slash_commands");
    CHECK(env.at("pending").as_bool());
    CHECK(env.at("accepts_response_payload").as_bool());
    const auto& payload = env.at("payload");
    CHECK(str(payload, "command") == "/release");
    CHECK(str(payload, "text") == "plan 2.4");
    CHECK(str(payload, "user_id") == "U1ALICE");
    CHECK(str(payload, "user_name") == "alice");
    CHECK(str(payload, "channel_id") == "C1RELEASE");
    CHECK(str(payload, "team_id") == kSlackTeamId);
    CHECK(str(payload, "response_url").rfind(emu.base_url() + "/_respond/", 0) == 0);
    CHECK_FALSE(str(payload, "trigger_id").empty());
    CHECK(emu.wait_ack(id, std::chrono::milliseconds(50)).empty());
    CHECK_FALSE(emu.wait_connections(1, std::chrono::milliseconds(50)));

    SECTION("reset forgets it") {
        emu.reset();
        CHECK(parse(emu.get("envelopes")).at("envelopes").as_array().empty());
    }
}

TEST_CASE("a CSV export uploads through files.getUploadURLExternal", "[slack][emulator]") {
    SlackEmulator emu;
    const auto url = emu.call("files.getUploadURLExternal", "filename=retro.csv&length=12",
                              kSlackBotToken, "application/x-www-form-urlencoded");
    REQUIRE(outcome(url) == "ok");
    const auto answer = parse(url.body);
    const std::string upload_url = str(answer, "upload_url");
    const std::string file_id = str(answer, "file_id");
    REQUIRE(upload_url.rfind(emu.base_url(), 0) == 0);

    const auto uploaded =
        emu.request("POST", upload_url.substr(emu.base_url().size()), "a,b\n1,2\n3,4\n", {});
    CHECK(uploaded.status == 200);
    const auto done = emu.call(
        "files.completeUploadExternal",
        R"({"files":[{"id":")" + file_id + R"(","title":"Retro"}],"channel_id":"C1RELEASE"})");
    REQUIRE(outcome(done) == "ok");
    const auto upload = recorded(emu, "?kind=upload").at(0);
    CHECK(str(upload, "channel") == "C1RELEASE");
    CHECK(str(upload.at("files").at(0), "content") == "a,b\n1,2\n3,4\n");
    CHECK(str(upload.at("files").at(0), "title") == "Retro");
}

TEST_CASE("the emulator stops with its helper", "[slack][emulator]") {
    int port = 0;
    {
        SlackEmulator emu(false);
        port = emu.port();
        REQUIRE(outcome(emu.call("auth.test", "{}")) == "ok");
    }
    CURL* curl = curl_easy_init();
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/_emulator/health";
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
    const CURLcode code = curl_easy_perform(curl);
    curl_easy_cleanup(curl);
    CHECK(code == CURLE_COULDNT_CONNECT);
}

}  // namespace releasebot::test
