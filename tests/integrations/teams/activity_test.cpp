// Tests of integrations/teams/activity.cpp: Bot Framework activities as Teams sends them
// (golden fixtures written from the Bot Framework activity schema, tests/fixtures/teams/)
// become the Events the pipeline runs, and malformed bodies become clear errors.
#include "integrations/teams/activity.hpp"

#include <catch2/catch.hpp>

#include "support/fixture.hpp"

using namespace releasebot;
using namespace releasebot::teams;

namespace {

// A golden Teams payload from tests/fixtures/teams/.
std::string fixture(const std::string& name) {
    return test::fixture("teams/" + name);
}

TeamsActivity decoded(const std::string& name) {
    auto a = decode_activity(fixture(name));
    INFO((a ? std::string() : a.error().message));
    REQUIRE(a.ok());
    return *a;
}

}  // namespace

TEST_CASE("a channel message addressed to the bot becomes a command", "[teams][activity]") {
    TeamsActivity a = decoded("message_channel_mention.json");
    CHECK(a.type == "message");
    CHECK(a.conversation_type == "channel");
    CHECK(a.tenant == "72f988bf-0000-4000-8000-000000000001");
    CHECK(a.team_id == "19:platform-team@thread.tacv2");
    CHECK(a.mention_texts == std::vector<std::string>{"<at>releasebot</at>"});

    auto e = to_event(a);
    REQUIRE(e);
    CHECK(e->kind == EventKind::command);
    SECTION("the bot's mention is gone and other people's mentions are user markup") {
        CHECK(e->text == "control add smoke \"Smoke test\" owner <@29:1bob-teams-id>");
    }
    SECTION("the actor is the Teams user in the tenant, in the zone their client reports") {
        CHECK(e->actor.platform == "teams");
        CHECK(e->actor.tenant == "72f988bf-0000-4000-8000-000000000001");
        CHECK(e->actor.user.value() == "29:1alice-teams-id");
        CHECK(e->actor.display_name == "Alice Adams");
        REQUIRE(e->actor.time_zone);
        CHECK(*e->actor.time_zone == "Europe/Berlin");
    }
    SECTION("the answer goes to the thread of the message, through the outbox") {
        CHECK(e->conversation.platform == "teams");
        CHECK(e->conversation.channel == "19:releases@thread.tacv2;messageid=1764150000001");
        REQUIRE(e->conversation.thread);
        CHECK(*e->conversation.thread == "1764150000001");
        REQUIRE(e->conversation.service_url);
        CHECK(*e->conversation.service_url == "https://smba.trafficmanager.net/emea/");
        CHECK(e->reply_in_outbox);
    }
    SECTION("the idempotency key names the activity") {
        CHECK(e->idempotency_key.rfind("teams:", 0) == 0);
        CHECK(e->idempotency_key.find("1764150000001") != std::string::npos);
    }
}

TEST_CASE("a personal chat message needs no mention and takes the tenant from channelData",
          "[teams][activity]") {
    TeamsActivity a = decoded("message_personal.json");
    CHECK(a.tenant == "72f988bf-0000-4000-8000-000000000001");
    auto e = to_event(a);
    REQUIRE(e);
    CHECK(e->text == "my tasks");
    CHECK_FALSE(e->conversation.thread);  // chats have no threads
    REQUIRE(e->actor.time_zone);
    CHECK(*e->actor.time_zone == "America/New_York");  // localTimezone wins over clientInfo
}

TEST_CASE("an Action.Submit press becomes the action its data names", "[teams][activity]") {
    auto e = to_event(decoded("message_submit_tick.json"));
    REQUIRE(e);
    CHECK(e->kind == EventKind::action);
    CHECK(e->action_id == "command");
    CHECK(e->value == "control tick web-2026.12 2");
    CHECK(e->actor.user.value() == "29:1bob-teams-id");
    // The answer is threaded under the card that was pressed.
    REQUIRE(e->conversation.thread);
    CHECK(*e->conversation.thread == "1764150000100");
    CHECK(e->reply_in_outbox);
}

TEST_CASE("an Action.Execute invoke becomes the action of its verb and data", "[teams][activity]") {
    TeamsActivity a = decoded("invoke_execute_tick.json");
    CHECK(a.name == "adaptiveCard/action");
    CHECK(a.tenant == "72f988bf-0000-4000-8000-000000000001");  // only in channelData here
    auto e = to_event(a);
    REQUIRE(e);
    CHECK(e->kind == EventKind::action);
    CHECK(e->action_id == "command");
    CHECK(e->value == "control tick web-2026.12 3");
    CHECK_FALSE(e->reply_in_outbox);  // the receiver decides for invokes

    SECTION("with no data the verb alone is the action") {
        std::string json = fixture("invoke_execute_tick.json");
        auto at = json.find("\"data\"");
        auto end = json.find('}', at);
        json.replace(at, end - at + 1, "\"data\": {}");
        auto b = decode_activity(json);
        REQUIRE(b);
        auto e2 = to_event(*b);
        REQUIRE(e2);
        CHECK(e2->action_id == "command");
        CHECK(e2->value.empty());
    }
}

TEST_CASE("a survey card submission becomes a submission with its answers", "[teams][activity]") {
    TeamsActivity a = decoded("message_submit_survey.json");
    // The press is decoded with the rest of the activity.
    REQUIRE(a.card);
    CHECK(a.card->action_id == "survey.submit");
    CHECK(a.card->inputs.size() == 3);
    auto e = to_event(a);
    REQUIRE(e);
    CHECK(e->kind == EventKind::submission);
    CHECK(e->value == "retro answer web-2026.12");
    CHECK(e->fields.at("q1.answer") == "4");
    CHECK(e->fields.at("q2.answer") == "Smoother hand-over to operations");
    CHECK(e->fields.at("q3.answer").empty());
    CHECK(e->fields.count("action_id") == 0);
    CHECK(e->fields.count("value") == 0);
}

TEST_CASE("conversationUpdate is decoded but runs nothing", "[teams][activity]") {
    TeamsActivity a = decoded("conversation_update_installed.json");
    CHECK(a.type == "conversationUpdate");
    CHECK(a.conversation_type == "personal");
    CHECK(a.members_added == std::vector<std::string>{"29:1alice-teams-id",
                                                      "28:00000000-0000-4000-8000-00000000b07a"});
    CHECK_FALSE(to_event(a));
    ConversationRef c = conversation_of(a);
    CHECK(c.channel == "a:1alice-personal-chat");
    CHECK(c.service_url.value_or("") == "https://smba.trafficmanager.net/emea/");
}

TEST_CASE("bodies that are not activities are refused with a reason", "[teams][activity]") {
    struct Case {
        std::string body;
        std::string says;
    };
    auto c = GENERATE(values<Case>({
        {"", "no body"},
        {"not json", "not valid JSON"},
        {"[1,2]", "JSON object"},
        {"{\"hello\":\"world\"}", "no `type`"},
        {"{\"type\":7}", "`type`"},
        {R"({"type":"message","id":"1","channelId":"msteams","from":{"id":"29:a"},)"
         R"("conversation":{"id":"c","conversationType":"personal","tenantId":"t"},"text":"hi"})",
         "serviceUrl"},
        {R"({"type":"message","id":"1","serviceUrl":"https://x/","from":{"id":"29:a"},)"
         R"("conversation":{"id":"c","conversationType":"personal"},"text":"hi"})",
         "tenant"},
        {R"({"type":"message","id":"1","serviceUrl":"https://x/","from":{"id":"29:a"},)"
         R"("conversation":{"id":"c","conversationType":"meeting","tenantId":"t"},"text":"hi"})",
         "conversationType"},
        {R"({"type":"message","id":"1","serviceUrl":"ftp://x/","from":{"id":"29:a"},)"
         R"("conversation":{"id":"c","conversationType":"personal","tenantId":"t"},"text":"hi"})",
         "http(s)"},
        {R"({"type":"message","id":"1","serviceUrl":"https://x/","from":"alice",)"
         R"("conversation":{"id":"c","conversationType":"personal","tenantId":"t"}})",
         "`from`"},
    }));
    auto a = decode_activity(c.body);
    REQUIRE_FALSE(a.ok());
    INFO(a.error().message);
    CHECK(a.error().message.find(c.says) != std::string::npos);
}

TEST_CASE("card actions releasebot does not know are answered, images are not",
          "[teams][activity]") {
    std::string base =
        R"({"type":"message","id":"9","serviceUrl":"https://x/","from":{"id":"29:a"},)"
        R"("conversation":{"id":"c","conversationType":"personal","tenantId":"t"},)";
    SECTION("a submit whose data has no action id is an action with none, to be told so") {
        auto a = decode_activity(base + R"("value":{"comment":"hi"}})");
        REQUIRE(a);
        CHECK_FALSE(a->card);
        auto e = to_event(*a);
        REQUIRE(e);
        CHECK(e->kind == EventKind::action);
        CHECK(e->action_id.empty());
        CHECK(e->reply_in_outbox);
    }
    SECTION("a message with neither text nor value (an image)") {
        auto a = decode_activity(base + R"("text":""})");
        REQUIRE(a);
        CHECK_FALSE(to_event(*a));
    }
    SECTION("a bare mention of the bot is an empty command, which the pipeline answers") {
        auto a = decode_activity(
            R"({"type":"message","id":"9","serviceUrl":"https://x/","from":{"id":"29:a"},)"
            R"("recipient":{"id":"28:bot"},"conversation":{"id":"c","conversationType":"channel",)"
            R"("tenantId":"t"},"text":"<at>releasebot</at>&nbsp;","entities":[{"type":"mention",)"
            R"("text":"<at>releasebot</at>","mentioned":{"id":"28:bot"}}]})");
        REQUIRE(a);
        auto e = to_event(*a);
        REQUIRE(e);
        CHECK(e->kind == EventKind::command);
        CHECK(e->text.empty());
    }
    SECTION("a control character in a command") {
        auto a = decode_activity(base + R"("text":"release list\u0007"})");
        REQUIRE_FALSE(a);
        CHECK(a.error().message.find("control character") != std::string::npos);
    }
}
