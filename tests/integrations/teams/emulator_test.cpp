// The Teams emulator's own behaviour through its harness (tests/support/teams_emulator.hpp):
// what its token endpoint and Connector accept and refuse, what it records, its faults, and the
// activities it builds and POSTs to a bot. Other Teams tests rely on all of this;
// botbuilder_check.js holds the emulator to Microsoft's botbuilder.
#include <algorithm>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <mutex>
#include <vector>

#include "integrations/http/http_server.hpp"
#include "integrations/teams/bot_auth.hpp"
#include "support/teams_emulator.hpp"

namespace json = boost::json;
using releasebot::test::HttpReply;
using releasebot::test::kTeamsAppId;
using releasebot::test::kTeamsAppPassword;
using releasebot::test::kTeamsTenantId;
using releasebot::test::TeamsEmulator;
using releasebot::test::TeamsToken;
using releasebot::test::TeamsUser;

namespace {

const TeamsUser alice{"29:alice", "Alice", "aad-alice"};
const std::string channel = "19:releases@thread.tacv2";

json::object parse_object(const std::string& text) {
    return json::parse(text).as_object();
}

std::string form(const std::string& id, const std::string& secret, const std::string& scope) {
    return "grant_type=client_credentials&client_id=" + id + "&client_secret=" + secret +
           "&scope=" + scope;
}

const std::string kScope = "https%3A%2F%2Fapi.botframework.com%2F.default";

HttpReply token_request(TeamsEmulator& teams, const std::string& body) {
    return teams.request("POST", "/botframework.com/oauth2/v2.0/token", body,
                         {"Content-Type: application/x-www-form-urlencoded"});
}

HttpReply connector(TeamsEmulator& teams, const std::string& verb, const std::string& path,
                    const std::string& body, const std::string& token) {
    std::vector<std::string> headers = {"Content-Type: application/json"};
    if (!token.empty()) headers.push_back("Authorization: Bearer " + token);
    return teams.request(verb, "/amer/v3/conversations" + path, body, headers);
}

const std::string kChannelPath = "/19%3Areleases%40thread.tacv2/activities";

}  // namespace

TEST_CASE("Teams emulator: the token endpoint issues client-credentials tokens",
          "[teams][emulator]") {
    TeamsEmulator teams;

    SECTION("the bot's id, secret and the Bot Framework scope get a bearer token") {
        const HttpReply reply = token_request(teams, form(kTeamsAppId, kTeamsAppPassword, kScope));
        REQUIRE(reply.status == 200);
        const json::object answer = parse_object(reply.body);
        CHECK(answer.at("token_type").as_string() == "Bearer");
        CHECK(answer.at("expires_in").to_number<int>() > 300);
        CHECK(!answer.at("access_token").as_string().empty());
        CHECK(teams.fetches("token") == 1);
    }
    SECTION("a wrong secret, an unknown client or a wrong scope are refused as Azure AD does") {
        const HttpReply secret = token_request(teams, form(kTeamsAppId, "nope", kScope));
        CHECK(secret.status == 401);
        CHECK(parse_object(secret.body).at("error").as_string() == "invalid_client");
        const HttpReply client =
            token_request(teams, form("someone-else", kTeamsAppPassword, kScope));
        CHECK(client.status == 400);
        CHECK(parse_object(client.body).at("error").as_string() == "unauthorized_client");
        const HttpReply scope =
            token_request(teams, form(kTeamsAppId, kTeamsAppPassword, "https%3A%2F%2Fgraph"));
        CHECK(scope.status == 400);
        CHECK(parse_object(scope.body).at("error").as_string() == "invalid_scope");
    }
    SECTION("an outage answers 503, then the endpoint recovers") {
        teams.fault("token", 503, 2);
        CHECK(token_request(teams, form(kTeamsAppId, kTeamsAppPassword, kScope)).status == 503);
        CHECK(token_request(teams, form(kTeamsAppId, kTeamsAppPassword, kScope)).status == 503);
        CHECK(token_request(teams, form(kTeamsAppId, kTeamsAppPassword, kScope)).status == 200);
        CHECK(teams.fetches("token") == 3);
    }
}

TEST_CASE("Teams emulator: the Connector needs a token it issued and records what the bot sent",
          "[teams][emulator]") {
    TeamsEmulator teams;
    const std::string token = teams.access_token();

    SECTION("no token, or one it did not issue, is a 401 and nothing is recorded") {
        const std::string activity = R"({"type":"message","text":"hi"})";
        CHECK(connector(teams, "POST", kChannelPath, activity, "").status == 401);
        CHECK(connector(teams, "POST", kChannelPath, activity, "made-up").status == 401);
        CHECK(parse_object(teams.sent()).at("activities").as_array().empty());
    }
    SECTION("send, reply and update are recorded with their conversation and ids") {
        const HttpReply sent =
            connector(teams, "POST", kChannelPath, R"({"type":"message","text":"status"})", token);
        REQUIRE(sent.status == 201);
        const std::string id(parse_object(sent.body).at("id").as_string());
        const HttpReply reply = connector(teams, "POST", kChannelPath + "/" + id,
                                          R"({"type":"message","text":"a reply"})", token);
        REQUIRE(reply.status == 200);
        const HttpReply update = connector(teams, "PUT", kChannelPath + "/" + id,
                                           R"({"type":"message","text":"status v2"})", token);
        REQUIRE(update.status == 200);
        CHECK(parse_object(update.body).at("id").as_string() == id);

        const json::array rows = parse_object(teams.sent(channel)).at("activities").as_array();
        REQUIRE(rows.size() == 3);
        CHECK(rows[0].at("method").as_string() == "POST");
        CHECK(rows[0].at("conversation").as_string() == channel);
        CHECK(rows[0].at("activity").at("text").as_string() == "status");
        CHECK(rows[1].at("replyToId").as_string() == id);
        CHECK(rows[1].at("activity").at("text").as_string() == "a reply");
        CHECK(rows[2].at("method").as_string() == "PUT");
        CHECK(rows[2].at("id").as_string() == id);
        CHECK(
            parse_object(teams.sent("19:other@thread.tacv2")).at("activities").as_array().empty());
    }
    SECTION("a body that is not an activity is a 400") {
        CHECK(connector(teams, "POST", kChannelPath, "not json", token).status == 400);
        CHECK(connector(teams, "POST", kChannelPath, R"({"text":"no type"})", token).status == 400);
    }
    SECTION("creating a 1:1 conversation answers the same id for the same user") {
        const std::string params = std::string(R"({"bot":{"id":"28:)") + kTeamsAppId +
                                   R"("},"members":[{"id":"29:alice"}],"tenantId":")" +
                                   kTeamsTenantId + R"(","isGroup":false})";
        const HttpReply first = connector(teams, "POST", "", params, token);
        REQUIRE(first.status == 201);
        const HttpReply second = connector(teams, "POST", "", params, token);
        const std::string id(parse_object(first.body).at("id").as_string());
        CHECK(id.rfind("a:", 0) == 0);
        CHECK(parse_object(second.body).at("id").as_string() == id);
        CHECK(json::parse(teams.created_conversations()).as_array().size() == 2);
        const std::string no_tenant = R"({"members":[{"id":"29:alice"}]})";
        CHECK(connector(teams, "POST", "", no_tenant, token).status == 400);
    }
    SECTION("faults: 429 with Retry-After, then 502, then success") {
        teams.fault("connector", 429, 1, 7);
        teams.fault("connector", 502, 1);
        const std::string activity = R"({"type":"message","text":"x"})";
        const HttpReply limited = connector(teams, "POST", kChannelPath, activity, token);
        CHECK(limited.status == 429);
        CHECK(limited.retry_after == "7");
        CHECK(connector(teams, "POST", kChannelPath, activity, token).status == 502);
        CHECK(connector(teams, "POST", kChannelPath, activity, token).status == 201);
        CHECK(parse_object(teams.sent()).at("activities").as_array().size() == 1);
    }
    SECTION("with a rate limit, a conversation's sends beyond the burst get 429 + Retry-After") {
        teams.post("config", R"({"rate_per_second":0.5,"rate_burst":2})");
        const std::string activity = R"({"type":"message","text":"x"})";
        CHECK(connector(teams, "POST", kChannelPath, activity, token).status == 201);
        CHECK(connector(teams, "POST", kChannelPath, activity, token).status == 201);
        const HttpReply limited = connector(teams, "POST", kChannelPath, activity, token);
        CHECK(limited.status == 429);
        CHECK(!limited.retry_after.empty());
        // Another conversation has its own budget.
        CHECK(connector(teams, "POST", "/19%3Aother%40thread.tacv2/activities", activity, token)
                  .status == 201);
    }
    SECTION("reset forgets what was sent") {
        connector(teams, "POST", kChannelPath, R"({"type":"message","text":"x"})", token);
        teams.reset();
        CHECK(parse_object(teams.sent()).at("activities").as_array().empty());
    }
}

TEST_CASE("Teams emulator: activities look like the ones Teams sends", "[teams][emulator]") {
    TeamsEmulator teams;

    SECTION("a channel message mentions the bot in the text and the entities") {
        const json::object a = parse_object(teams.message(alice, channel, "release list"));
        CHECK(a.at("type").as_string() == "message");
        CHECK(a.at("channelId").as_string() == "msteams");
        CHECK(a.at("serviceUrl").as_string() == teams.service_url());
        CHECK(a.at("text").as_string() == "<at>releasebot</at> release list");
        CHECK(a.at("from").at("id").as_string() == "29:alice");
        CHECK(a.at("from").at("aadObjectId").as_string() == "aad-alice");
        CHECK(a.at("recipient").at("id").as_string() == std::string("28:") + kTeamsAppId);
        CHECK(a.at("conversation").at("conversationType").as_string() == "channel");
        CHECK(a.at("conversation").at("tenantId").as_string() == kTeamsTenantId);
        CHECK(a.at("channelData").at("tenant").at("id").as_string() == kTeamsTenantId);
        CHECK(a.at("channelData").at("team").is_object());
        const json::array& entities = a.at("entities").as_array();
        REQUIRE(!entities.empty());
        CHECK(entities[0].at("type").as_string() == "mention");
        CHECK(entities[0].at("text").as_string() == "<at>releasebot</at>");
    }
    SECTION("a personal message without a mention has no team") {
        const json::object a =
            parse_object(teams.message(alice, "a:1personal", "my tasks", "personal", false));
        CHECK(a.at("text").as_string() == "my tasks");
        CHECK(a.at("conversation").at("conversationType").as_string() == "personal");
        CHECK(a.at("channelData").as_object().if_contains("team") == nullptr);
    }
    SECTION("Action.Submit carries the value; Action.Execute is an adaptiveCard/action invoke") {
        const json::object s =
            parse_object(teams.submit(alice, channel, R"({"action":"tick","control":"c1"})"));
        CHECK(s.at("type").as_string() == "message");
        CHECK(s.at("value").at("control").as_string() == "c1");
        const json::object e =
            parse_object(teams.execute(alice, channel, "tick", R"({"control":"c1"})"));
        CHECK(e.at("type").as_string() == "invoke");
        CHECK(e.at("name").as_string() == "adaptiveCard/action");
        CHECK(e.at("value").at("action").at("verb").as_string() == "tick");
        CHECK(e.at("value").at("action").at("data").at("control").as_string() == "c1");
    }
    SECTION("installing the bot is a conversationUpdate adding the bot") {
        const json::object a =
            parse_object(teams.installed_by(alice, TeamsEmulator::bot_user(), "a:1personal"));
        CHECK(a.at("type").as_string() == "conversationUpdate");
        CHECK(a.at("membersAdded").at(0).at("id").as_string() == std::string("28:") + kTeamsAppId);
        CHECK(a.at("from").at("id").as_string() == "29:alice");
    }
    SECTION("a bad request to the control API says what was wrong") {
        CHECK_THROWS_WITH(teams.message(alice, channel, "x", "meeting"),
                          Catch::Contains("personal, groupChat, channel"));
    }
}

TEST_CASE("Teams emulator: tokens and keys", "[teams][emulator]") {
    TeamsEmulator teams;

    SECTION("a valid token names the signing key and carries the service URL") {
        const std::string jwt = teams.token(TeamsToken::valid);
        CHECK(std::count(jwt.begin(), jwt.end(), '.') == 2);
        CHECK(teams.token(TeamsToken::none).empty());
    }
    SECTION("rotating publishes a new signing key") {
        const std::string before = teams.signing_kid();
        teams.rotate_key();
        const std::string after = teams.signing_kid();
        CHECK(after != before);
        const json::object keys = parse_object(teams.get("jwks"));
        int found = 0;
        for (const auto& key : keys.at("keys").as_array()) {
            if (key.at("kid").as_string() == before || key.at("kid").as_string() == after) ++found;
        }
        CHECK(found == 2);
    }
    SECTION("fetch counters count the metadata and key documents") {
        CHECK(teams.fetches("metadata") == 0);
        teams.request("GET", "/v1/.well-known/openidconfiguration", "", {});
        teams.request("GET", "/v1/.well-known/keys", "", {});
        CHECK(teams.fetches("metadata") == 1);
        CHECK(teams.fetches("jwks") == 1);
        CHECK_THROWS(teams.fetches("nothing"));
    }
}

TEST_CASE("Teams emulator: send() POSTs the activity to the bot with the token asked for",
          "[teams][emulator]") {
    TeamsEmulator teams;
    releasebot::teams::BotAuthenticator auth(teams.bot_auth_options());

    // A stand-in bot: records what arrives and checks the token as the receiver would.
    std::mutex mu;
    std::vector<releasebot::HttpRequest> received;
    releasebot::HttpServer bot;
    bot.route("/api/messages", [&](const releasebot::HttpRequest& req) {
        {
            std::lock_guard lock(mu);
            received.push_back(req);
        }
        std::error_code ec;
        const json::value activity = json::parse(req.body, ec);
        if (ec || !activity.is_object()) return releasebot::HttpResponse{400, "text/plain", "", {}};
        const auto& a = activity.as_object();
        const auto caller = auth.authenticate(req.header("authorization"),
                                              std::string(a.at("channelId").as_string()),
                                              std::string(a.at("serviceUrl").as_string()));
        if (!caller) return releasebot::HttpResponse{401, "text/plain", caller.error().message, {}};
        return releasebot::HttpResponse{200, "application/json", R"({"ok":true})", {}};
    });
    const int port = bot.start("127.0.0.1", 0);
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/api/messages";
    const std::string activity = teams.message(alice, channel, "release list");

    SECTION("a valid token: the bot gets the activity and a Bearer JWT it accepts") {
        const HttpReply reply = teams.send(url, activity);
        CHECK(reply.status == 200);
        CHECK(reply.body == R"({"ok":true})");
        std::lock_guard lock(mu);
        REQUIRE(received.size() == 1);
        CHECK(received[0].method == "POST");
        CHECK(received[0].header("authorization").rfind("Bearer ey", 0) == 0);
        CHECK(parse_object(received[0].body).at("text").as_string() ==
              "<at>releasebot</at> release list");
    }
    SECTION("a broken token is sent as asked, and the bot's 401 comes back") {
        const HttpReply reply = teams.send(url, activity, TeamsToken::expired);
        CHECK(reply.status == 401);
        CHECK_THAT(reply.body, Catch::Contains("expired"));
        const HttpReply none = teams.send(url, activity, TeamsToken::none);
        CHECK(none.status == 401);
        std::lock_guard lock(mu);
        REQUIRE(received.size() == 2);
        CHECK(received[1].header("authorization").empty());
    }
    SECTION("a body that is not JSON is sent as it is") {
        const HttpReply reply = teams.send(url, "not an activity");
        CHECK(reply.status == 400);
        std::lock_guard lock(mu);
        REQUIRE(received.size() == 1);
        CHECK(received[0].body == "not an activity");
    }
    SECTION("a bot that is not there is a transport error, not an HTTP status") {
        bot.stop();
        const HttpReply reply = teams.send(url, activity);
        CHECK(reply.status == 0);
        CHECK(!reply.error.empty());
    }
    bot.stop();
}
