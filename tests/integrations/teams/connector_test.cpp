// Tests of integrations/teams/connector.cpp against the Teams emulator over HTTPS on loopback:
// the client-credentials token and its cache, the Connector calls as the emulator records them,
// and how each answer is classified (ok, retry later, give up).
#include "integrations/teams/connector.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "support/teams_emulator.hpp"

using namespace releasebot;
using namespace releasebot::teams;
using releasebot::test::TeamsEmulator;
namespace json = boost::json;

namespace {

ConnectorOptions options_for(TeamsEmulator& teams) {
    ConnectorOptions o = teams.connector_options();
    o.timeout = std::chrono::milliseconds(5000);
    return o;
}

json::array sent(TeamsEmulator& teams, const std::string& conversation = "") {
    return json::parse(teams.sent(conversation)).as_object().at("activities").as_array();
}

const std::string kThread = "19:releases@thread.tacv2;messageid=1764150000001";
const std::string kActivity = R"({"type":"message","text":"status"})";

}  // namespace

TEST_CASE("ConnectorClient sends, replies, updates and creates chats", "[teams][connector]") {
    TeamsEmulator teams;
    ConnectorClient client(options_for(teams));

    SECTION("a send to a thread's conversation id arrives under that id") {
        ConnectorResult r = client.send_to_conversation(teams.service_url(), kThread, kActivity);
        INFO(r.error);
        REQUIRE(r.ok);
        CHECK((r.http_status == 201 || r.http_status == 200));
        CHECK_FALSE(r.id.empty());
        json::array rows = sent(teams, kThread);
        REQUIRE(rows.size() == 1);
        CHECK(rows[0].at("id").as_string() == r.id);
        CHECK(rows[0].at("activity").at("text").as_string() == "status");
    }
    SECTION("service URLs work with and without the trailing slash") {
        std::string url = teams.service_url();
        REQUIRE(url.back() == '/');
        std::string bare = url.substr(0, url.size() - 1);
        CHECK(client.send_to_conversation(url, kThread, kActivity).ok);
        CHECK(client.send_to_conversation(bare, kThread, kActivity).ok);
        CHECK(sent(teams, kThread).size() == 2);
    }
    SECTION("one token serves many calls") {
        for (int i = 0; i < 3; ++i)
            REQUIRE(client.send_to_conversation(teams.service_url(), kThread, kActivity).ok);
        CHECK(client.token_fetches() == 1);
        CHECK(teams.fetches("token") == 1);
    }
    SECTION("a reply names the activity it answers; an update keeps the id") {
        ConnectorResult first =
            client.send_to_conversation(teams.service_url(), kThread, kActivity);
        REQUIRE(first.ok);
        ConnectorResult reply = client.reply_to_activity(teams.service_url(), kThread, first.id,
                                                         R"({"type":"message","text":"a reply"})");
        REQUIRE(reply.ok);
        ConnectorResult update = client.update_activity(teams.service_url(), kThread, first.id,
                                                        R"({"type":"message","text":"status v2"})");
        REQUIRE(update.ok);
        CHECK(update.id == first.id);
        json::array rows = sent(teams, kThread);
        REQUIRE(rows.size() == 3);
        CHECK(rows[1].at("replyToId").as_string() == first.id);
        CHECK(rows[1].at("activity").at("replyToId").as_string() == first.id);
        CHECK(rows[2].at("method").as_string() == "PUT");
        CHECK(rows[2].at("id").as_string() == first.id);
        CHECK(rows[2].at("activity").at("text").as_string() == "status v2");
    }
    SECTION("a 1:1 chat is created in the tenant with the bot and the user") {
        ConnectorResult r = client.create_conversation(
            teams.service_url(), releasebot::test::kTeamsTenantId, "29:alice");
        INFO(r.error);
        REQUIRE(r.ok);
        CHECK(r.id.rfind("a:", 0) == 0);
        json::array created = json::parse(teams.created_conversations()).as_array();
        REQUIRE(created.size() == 1);
        CHECK(created[0].at("members").as_array()[0].at("id").as_string() == "29:alice");
        CHECK(created[0].at("tenantId").as_string() == releasebot::test::kTeamsTenantId);
        CHECK(client.send_to_conversation(teams.service_url(), r.id, kActivity).ok);
        CHECK(sent(teams, r.id).size() == 1);
    }
}

TEST_CASE("ConnectorClient tells retryable failures from permanent ones", "[teams][connector]") {
    TeamsEmulator teams;
    ConnectorClient client(options_for(teams));
    auto send = [&] {
        return client.send_to_conversation(teams.service_url(), kThread, kActivity);
    };

    SECTION("429 carries its Retry-After") {
        teams.fault("connector", 429, 1, 7);
        ConnectorResult r = send();
        CHECK_FALSE(r.ok);
        CHECK(r.retryable);
        CHECK(r.http_status == 429);
        REQUIRE(r.retry_after);
        CHECK(r.retry_after->count() == 7);
        CHECK(send().ok);  // the fault was for one call
    }
    SECTION("412, 502, 503 and 504 are worth another try") {
        for (int status : {412, 502, 503, 504}) {
            teams.fault("connector", status, 1);
            ConnectorResult r = send();
            CHECK_FALSE(r.ok);
            CHECK(r.retryable);
            CHECK(r.http_status == status);
        }
        CHECK(sent(teams).empty());
    }
    SECTION("other refusals are permanent, with the Connector's reason") {
        teams.fault("connector", 403, 1);
        ConnectorResult r = send();
        CHECK_FALSE(r.ok);
        CHECK_FALSE(r.retryable);
        CHECK(r.http_status == 403);
        CHECK(r.error.find("403") != std::string::npos);
        // A service URL the Connector does not serve.
        ConnectorResult nowhere =
            client.send_to_conversation(teams.base_url() + "/nowhere/", kThread, kActivity);
        CHECK_FALSE(nowhere.ok);
        CHECK_FALSE(nowhere.retryable);
        CHECK(nowhere.http_status == 404);
    }
    SECTION("a token endpoint outage is retryable and says where it failed") {
        teams.fault("token", 503, 1);
        ConnectorResult r = send();
        CHECK_FALSE(r.ok);
        CHECK(r.retryable);
        CHECK(r.error.find("token endpoint") != std::string::npos);
        CHECK(send().ok);
    }
    SECTION("a refused secret is permanent and the error holds no secret") {
        ConnectorOptions o = options_for(teams);
        o.app_password = "wrong-password";
        ConnectorClient wrong(o);
        ConnectorResult r = wrong.send_to_conversation(teams.service_url(), kThread, kActivity);
        CHECK_FALSE(r.ok);
        CHECK_FALSE(r.retryable);
        CHECK(r.error.find("app id and password") != std::string::npos);
        CHECK(r.error.find("wrong-password") == std::string::npos);
        CHECK(sent(teams).empty());
    }
    SECTION("an unreachable Connector is retryable") {
        ConnectorResult r =
            client.send_to_conversation("https://127.0.0.1:1/amer/", kThread, kActivity);
        CHECK_FALSE(r.ok);
        CHECK(r.retryable);
        CHECK(r.http_status == 0);
    }
}

TEST_CASE("ConnectorClient refetches a token that is within 5 minutes of expiry",
          "[teams][connector]") {
    TeamsEmulator teams;
    // Tokens that live 4 minutes are already inside the 5-minute margin: never reused.
    teams.post("config", R"({"token_lifetime_s":240})");
    ConnectorClient client(options_for(teams));
    REQUIRE(client.send_to_conversation(teams.service_url(), kThread, kActivity).ok);
    REQUIRE(client.send_to_conversation(teams.service_url(), kThread, kActivity).ok);
    CHECK(client.token_fetches() == 2);
    // An hour-long token is reused.
    teams.post("config", R"({"token_lifetime_s":3600})");
    ConnectorClient cached(options_for(teams));
    REQUIRE(cached.send_to_conversation(teams.service_url(), kThread, kActivity).ok);
    REQUIRE(cached.send_to_conversation(teams.service_url(), kThread, kActivity).ok);
    CHECK(cached.token_fetches() == 1);
}
