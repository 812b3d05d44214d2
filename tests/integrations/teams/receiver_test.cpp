// Tests of integrations/teams/messages_endpoint.cpp as a handler (no socket): what /api/messages
// answers for each kind of request, what it stores and what it runs, on a real SQLite database
// with the real pipeline. Authentication is off here (the loopback-only mode); the signed-token
// cases run against the Teams emulator in tests/e2e/teams_e2e_test.cpp.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "bot/runtime/log.hpp"
#include "integrations/teams/messages_endpoint.hpp"
#include "storage/teams_conversation_repo.hpp"
#include "support/fixture.hpp"
#include "support/test_env.hpp"

using namespace releasebot;
using namespace releasebot::teams;
using releasebot::test::TestEnv;
namespace json = boost::json;

namespace {

constexpr const char* kTenant = "72f988bf-0000-4000-8000-000000000001";
constexpr const char* kChannel = "19:releases@thread.tacv2";

// A golden Teams payload from tests/fixtures/teams/.
std::string fixture(const std::string& name) {
    return test::fixture("teams/" + name);
}

HttpRequest post(std::string body) {
    HttpRequest r;
    r.method = "POST";
    r.target = "/api/messages";
    r.headers["content-type"] = "application/json";
    r.body = std::move(body);
    return r;
}

int counter = 0;

// A channel message as Teams sends it, mentioning the bot.
std::string message(const std::string& from, const std::string& text, const std::string& id = "") {
    json::object a{
        {"type", "message"},
        {"id", id.empty() ? "m" + std::to_string(++counter) : id},
        {"serviceUrl", "https://smba.trafficmanager.net/emea/"},
        {"channelId", "msteams"},
        {"from", json::object{{"id", from}, {"name", from.substr(3)}}},
        {"conversation",
         json::object{{"id", kChannel}, {"conversationType", "channel"}, {"tenantId", kTenant}}},
        {"recipient", json::object{{"id", "28:bot"}, {"name", "releasebot"}}},
        {"text", "<at>releasebot</at> " + text},
        {"entities", json::array{json::object{
                         {"type", "mention"},
                         {"text", "<at>releasebot</at>"},
                         {"mentioned", json::object{{"id", "28:bot"}, {"name", "releasebot"}}}}}},
        {"channelData", json::object{{"team", json::object{{"id", "19:team"}}},
                                     {"tenant", json::object{{"id", kTenant}}}}}};
    return json::serialize(a);
}

std::string execute(const std::string& from, const std::string& verb, json::object data) {
    json::object a{
        {"type", "invoke"},
        {"name", "adaptiveCard/action"},
        {"id", "i" + std::to_string(++counter)},
        {"serviceUrl", "https://smba.trafficmanager.net/emea/"},
        {"channelId", "msteams"},
        {"from", json::object{{"id", from}, {"name", from.substr(3)}}},
        {"conversation",
         json::object{{"id", kChannel}, {"conversationType", "channel"}, {"tenantId", kTenant}}},
        {"recipient", json::object{{"id", "28:bot"}, {"name", "releasebot"}}},
        {"replyToId", "card-1"},
        {"value", json::object{{"action", json::object{{"type", "Action.Execute"},
                                                       {"verb", verb},
                                                       {"data", std::move(data)}}},
                               {"trigger", "manual"}}}};
    return json::serialize(a);
}

// Keeps the receiver's start-up warning out of the test output while a test runs.
struct QuietLog {
    std::vector<std::string> lines;
    QuietLog() {
        log::set_sink([this](const std::string& line) { lines.push_back(line); });
    }
    ~QuietLog() { log::set_sink({}); }
};

struct Fixture {
    QuietLog quiet;
    TestEnv env;
    Pipeline pipeline{env.db(), env.clock()};
    MessagesEndpoint receiver{pipeline, env.db(), nullptr, true};

    std::int64_t outbox() { return env.count("SELECT COUNT(*) FROM outbox"); }
    std::int64_t releases() { return env.count("SELECT COUNT(*) FROM releases"); }
};

}  // namespace

TEST_CASE("the receiver refuses what is not a POSTed activity", "[teams][receiver]") {
    Fixture f;
    SECTION("other methods are 405 with Allow: POST") {
        HttpRequest r = post("");
        r.method = "GET";
        HttpResponse res = f.receiver.handle(r);
        CHECK(res.status == 405);
        CHECK(res.headers.at("Allow") == "POST");
    }
    SECTION("a body that is not an activity is a 400 that says why, and changes nothing") {
        HttpResponse res = f.receiver.handle(post(R"({"hello":"world"})"));
        CHECK(res.status == 400);
        CHECK(res.body.find("not a Bot Framework activity") != std::string::npos);
        res = f.receiver.handle(post("{not json"));
        CHECK(res.status == 400);
        CHECK(res.body.find("not valid JSON") != std::string::npos);
        CHECK(f.env.count("SELECT COUNT(*) FROM teams_conversations") == 0);
        CHECK(f.env.count("SELECT COUNT(*) FROM processed_events") == 0);
    }
    SECTION("invokes other than adaptiveCard/action are not implemented") {
        std::string body = execute("29:bob", "command", {});
        auto at = body.find("adaptiveCard/action");
        body.replace(at, std::string("adaptiveCard/action").size(), "composeExtension/query");
        CHECK(f.receiver.handle(post(body)).status == 501);
    }
}

TEST_CASE("without an authenticator the receiver serves loopback only", "[teams][receiver]") {
    TestEnv env;
    Pipeline pipeline(env.db(), env.clock());
    CHECK_THROWS_WITH(MessagesEndpoint(pipeline, env.db(), nullptr, false),
                      Catch::Contains("loopback"));
    QuietLog log;
    MessagesEndpoint loopback(pipeline, env.db(), nullptr, true);
    REQUIRE(log.lines.size() == 1);
    CHECK(log.lines[0].find("unauthenticated") != std::string::npos);
}

TEST_CASE("an install stores the conversation reference and runs nothing", "[teams][receiver]") {
    Fixture f;
    HttpResponse res = f.receiver.handle(post(fixture("conversation_update_installed.json")));
    CHECK(res.status == 200);
    TeamsConversationRepo repo(f.env.db());
    auto personal = repo.personal_of(kTenant, "29:1alice-teams-id");
    REQUIRE(personal);
    CHECK(personal->conversation_id == "a:1alice-personal-chat");
    CHECK(personal->service_url == "https://smba.trafficmanager.net/emea/");
    CHECK(repo.service_url_of(kTenant).value_or("") == "https://smba.trafficmanager.net/emea/");
    CHECK(f.outbox() == 0);
    CHECK(f.env.count("SELECT COUNT(*) FROM processed_events") == 0);
}

TEST_CASE("a message runs its command once and answers through the outbox", "[teams][receiver]") {
    Fixture f;
    std::string body = message("29:alice",
                               "release plan web-2026.12 \"Web release\" at "
                               "2026-12-05 14:00",
                               "1764150000001");
    HttpResponse res = f.receiver.handle(post(body));
    CHECK(res.status == 200);
    CHECK(f.releases() == 1);
    CHECK(f.env.text("SELECT key FROM releases") == "web-2026.12");
    // The channel is known for later posts, with its team.
    TeamsConversationRepo repo(f.env.db());
    auto c = repo.find(kTenant, kChannel);
    REQUIRE(c);
    CHECK(c->conversation_type == "channel");
    CHECK(c->team_id.value_or("") == "19:team");
    // The reply is queued to the channel, threaded under the message.
    std::int64_t queued = f.outbox();
    CHECK(queued >= 1);
    std::string dest =
        f.env.text("SELECT destination FROM outbox WHERE idempotency_key LIKE '%#reply'");
    CHECK(dest.find(kChannel) != std::string::npos);
    CHECK(dest.find("1764150000001") != std::string::npos);
    CHECK(dest.find("smba.trafficmanager.net") != std::string::npos);

    SECTION("the same activity again does nothing twice") {
        CHECK(f.receiver.handle(post(body)).status == 200);
        CHECK(f.releases() == 1);
        CHECK(f.outbox() == queued);
    }
}

TEST_CASE("an Action.Execute press runs its command and answers in the invoke response",
          "[teams][receiver]") {
    Fixture f;
    REQUIRE(f.receiver
                .handle(post(message("29:alice",
                                     "release plan web-2026.12 \"Web\" at "
                                     "2026-12-05 14:00")))
                .status == 200);
    std::int64_t before = f.outbox();
    HttpResponse res = f.receiver.handle(post(execute(
        "29:bob", "command", {{"action_id", "command"}, {"value", "control tick web-2026.12 4"}})));
    CHECK(res.status == 200);
    json::object body = json::parse(res.body).as_object();
    CHECK(body.at("statusCode").as_int64() == 200);
    CHECK(body.at("type").as_string() == "application/vnd.microsoft.activity.message");
    CHECK(std::string(body.at("value").as_string()).find("Ticked") != std::string::npos);
    // Teams shows this text as it is: no Reply or Slack markup in it.
    for (const char* mark : {"*", "`", "<@"}) {
        INFO(mark);
        CHECK(std::string(body.at("value").as_string()).find(mark) == std::string::npos);
    }
    CHECK(f.env.text("SELECT status FROM release_controls WHERE position = 4") == "done");
    CHECK(f.env.text("SELECT done_by FROM release_controls WHERE position = 4") == "29:bob");
    CHECK(f.outbox() > before);  // the channel sees it too (reply and status update)

    SECTION("a press with no action releasebot knows is an invoke error, not a crash") {
        HttpResponse bad = f.receiver.handle(post(execute("29:bob", "", {{"x", "y"}})));
        CHECK(bad.status == 200);
        json::object b = json::parse(bad.body).as_object();
        CHECK(b.at("statusCode").as_int64() == 400);
        CHECK(b.at("type").as_string() == "application/vnd.microsoft.error");
    }
    SECTION("a refused command is shown to the presser once, and changes nothing") {
        const std::int64_t queued = f.outbox();
        HttpResponse again = f.receiver.handle(
            post(execute("29:bob", "command",
                         {{"action_id", "command"}, {"value", "control tick web-2099 1"}})));
        json::object b = json::parse(again.body).as_object();
        CHECK(b.at("statusCode").as_int64() == 200);
        CHECK(std::string(b.at("value").as_string()).find("web-2099") != std::string::npos);
        CHECK(f.env.count("SELECT COUNT(*) FROM release_controls WHERE done_by = '29:bob'") == 1);
        // The invoke response showed it; no direct message says it again.
        CHECK(f.outbox() == queued);
    }
    SECTION("a verb releasebot does not know is answered once, in the invoke response") {
        const std::int64_t queued = f.outbox();
        HttpResponse odd = f.receiver.handle(post(execute("29:bob", "release.explode", {})));
        json::object b = json::parse(odd.body).as_object();
        CHECK_THAT(std::string(b.at("value").as_string()),
                   Catch::Contains("is not one releasebot knows"));
        CHECK(f.outbox() == queued);
    }
    SECTION("an Action.Submit with data releasebot does not know gets an answer") {
        json::object a = json::parse(message("29:bob", "")).as_object();
        a.erase("text");
        a.erase("entities");
        a["value"] = json::object{{"from_an_old_card", true}};
        const std::int64_t queued = f.outbox();
        CHECK(f.receiver.handle(post(json::serialize(a))).status == 200);
        REQUIRE(f.outbox() == queued + 1);
        CHECK_THAT(f.env.text("SELECT payload FROM outbox ORDER BY id DESC LIMIT 1"),
                   Catch::Contains("That card sent nothing releasebot knows how to act on"));
        CHECK(f.env.count("SELECT COUNT(*) FROM release_controls WHERE done_by = '29:bob'") == 1);
    }
}

TEST_CASE("a survey submitted through Action.Execute answers in the invoke response",
          "[teams][receiver]") {
    Fixture f;
    SECTION("a form with no answers is refused as a message, leaving the form in place") {
        HttpResponse res = f.receiver.handle(
            post(execute("29:bob", "survey.submit",
                         {{"action_id", "survey.submit"}, {"value", "retro answer web-2026.12"}})));
        CHECK(res.status == 200);
        json::object b = json::parse(res.body).as_object();
        CHECK(b.at("type").as_string() == "application/vnd.microsoft.activity.message");
        CHECK(std::string(b.at("value").as_string()).find("no answers") != std::string::npos);
        CHECK(f.outbox() == 0);  // the presser saw it; nobody else needs to
    }
}
