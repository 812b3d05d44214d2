// Inputs the fuzzers in fuzz/ found to crash or to break a decoder's contract, kept as ordinary
// tests so the fix stays in place without running a fuzzer. Each case names the target that
// found it; the input is the reproducer, trimmed to what still triggers the bug.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "integrations/slack/slack_decode.hpp"
#include "integrations/teams/activity.hpp"

using namespace releasebot;

namespace {

// An Action.Execute invoke as Teams sends it for a card button; `action` is the JSON of
// value.action.
std::string execute_invoke(const std::string& action) {
    return R"({
  "type": "invoke",
  "name": "adaptiveCard/action",
  "id": "f:invoke-0005",
  "serviceUrl": "https://smba.trafficmanager.net/emea/",
  "channelId": "msteams",
  "from": { "id": "29:1bob-teams-id", "name": "Bob Brown" },
  "conversation": { "conversationType": "channel", "id": "19:releases@thread.tacv2" },
  "recipient": { "id": "28:00000000-0000-4000-8000-00000000b07a", "name": "releasebot" },
  "value": { "action": )" +
           action + R"(, "trigger": "manual" },
  "channelData": { "tenant": { "id": "72f988bf-0000-4000-8000-000000000001" } }
})";
}

}  // namespace

// teams_activity_fuzz: to_event() read `data` before any was found (dom::object::size() on an
// empty simdjson object: a null dereference, so any authenticated caller could stop the bot).
TEST_CASE("an Action.Execute with a verb and no data is the verb's action", "[fuzz][teams]") {
    SECTION("no data at all") {
        auto a = teams::decode_activity(
            execute_invoke(R"({ "type": "Action.Execute", "title": "Tick", "verb": "tick" })"));
        INFO((a ? std::string() : a.error().message));
        REQUIRE(a.ok());
        auto e = teams::to_event(*a);
        REQUIRE(e);
        CHECK(e->kind == EventKind::action);
        CHECK(e->action_id == "tick");
        CHECK(e->value.empty());
    }
    SECTION("data that is not an object") {
        auto a = teams::decode_activity(execute_invoke(
            R"({ "type": "Action.Execute", "verb": "tick", "data": "control tick web 3" })"));
        REQUIRE(a.ok());
        auto e = teams::to_event(*a);
        REQUIRE(e);
        CHECK(e->action_id == "tick");
    }
    SECTION("a survey submission with no inputs") {
        auto a = teams::decode_activity(
            execute_invoke(R"({ "type": "Action.Execute", "verb": "survey.submit" })"));
        REQUIRE(a.ok());
        auto e = teams::to_event(*a);
        REQUIRE(e);
        CHECK(e->kind == EventKind::submission);
        CHECK(e->fields.empty());
    }
}

// slack_decode_fuzz: a url_verification body without a usable `challenge` got an error with an
// empty message from decode_event_callback (the header keeps an empty message for a body that
// decode_url_verification answers), so /slack/events answered 400 with no reason.
TEST_CASE("a url_verification without a challenge is refused with a reason", "[fuzz][slack]") {
    std::string body = GENERATE(
        std::string(R"({"token": "Jhj5dZrVaK6ZwHHjRy", "type": "url_verification"})"),
        std::string(R"({"type": "url_verification", "challenge": 42})"),
        R"({"type": "url_verification", "challenge": ")" + std::string(300, 'c') + R"("})");
    INFO(body);
    REQUIRE_FALSE(slack::decode_url_verification(body));
    auto e = slack::decode_event_callback(body);
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().message.find("challenge") != std::string::npos);
}

// slack_decode_fuzz: a block_actions payload broken inside `user` (an unterminated string runs
// into the next key) made the out-of-order field lookup that follows trip simdjson's assumption
// that the object was well-formed: an abort in debug builds, undefined behaviour in release.
// The decoders now check the whole document's structure before reading it.
TEST_CASE("a block_actions payload broken in the middle is refused, not a crash", "[fuzz][slack]") {
    std::ifstream in(std::string(RELEASEBOT_SOURCE_DIR) +
                     "/tests/fixtures/slack/broken_block_actions.json");
    std::stringstream body;
    body << in.rdbuf();
    REQUIRE(body.str().find("block_actions") != std::string::npos);
    auto e = slack::decode_interactive(body.str(), "slack:test:1");
    REQUIRE_FALSE(e.ok());
    CHECK_THAT(e.error().message, Catch::Matchers::Contains("JSON"));
}
