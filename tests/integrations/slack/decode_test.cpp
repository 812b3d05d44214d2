// Tests for decoding Slack's payloads (integrations/slack/slack_decode.cpp): each payload kind,
// from golden fixtures written after Slack's documentation (tests/fixtures/slack/), becomes the
// exact Event the pipeline expects; malformed input of every kind becomes an Error that says
// what was wrong, never a crash; form bodies decode %-escapes and '+'.
#include <catch2/catch.hpp>
#include <cctype>
#include <sstream>
#include <string>

#include "integrations/http/form.hpp"
#include "integrations/slack/slack_decode.hpp"
#include "support/fixture.hpp"

using namespace releasebot;
using namespace releasebot::slack;

namespace {

std::string fixture(const std::string& name) {
    return test::fixture("slack/" + name);
}

// Every field of an Event on its own line, so a mismatch shows exactly which one differs.
std::string describe(const Event& e) {
    std::ostringstream o;
    o << "key=" << e.idempotency_key << "\nkind=" << kind_name(e.kind)
      << "\nactor=" << e.actor.platform << "/" << e.actor.tenant << "/" << e.actor.user.value()
      << " name=" << e.actor.display_name << " tz=" << e.actor.time_zone.value_or("-")
      << "\nwhere=" << e.conversation.platform << "/" << e.conversation.tenant << "/"
      << e.conversation.channel << " thread=" << e.conversation.thread.value_or("-")
      << "\ntext=" << e.text << "\naction=" << e.action_id << "\nvalue=" << e.value;
    for (const auto& [k, v] : e.fields) o << "\nfield " << k << "=" << v;
    return o.str();
}

Event slack_event(EventKind kind, std::string key, std::string user, std::string name,
                  std::string channel) {
    Event e;
    e.idempotency_key = std::move(key);
    e.kind = kind;
    e.actor.platform = "slack";
    e.actor.tenant = "T0RELEASE";
    e.actor.user = UserId(std::move(user));
    e.actor.display_name = std::move(name);
    e.conversation.platform = "slack";
    e.conversation.tenant = "T0RELEASE";
    e.conversation.channel = std::move(channel);
    return e;
}

std::string url_encode(const std::string& s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else if (c == ' ') {
            out += '+';
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

template <class T>
std::string error_of(const Result<T>& r) {
    REQUIRE_FALSE(r.ok());
    return r.error().message;
}

}  // namespace

TEST_CASE("Socket Mode frames: hello, disconnect and envelopes", "[slack][decode]") {
    SECTION("hello") {
        auto f = decode_socket_frame(fixture("socket_hello.json"));
        REQUIRE(f.ok());
        CHECK(f->type == "hello");
        CHECK(f->envelope_id.empty());
    }
    SECTION("disconnect with its reason") {
        auto f = decode_socket_frame(fixture("socket_disconnect_refresh.json"));
        REQUIRE(f.ok());
        CHECK(f->type == "disconnect");
        CHECK(f->reason == "refresh_requested");
    }
    SECTION("a slash command envelope, payload first") {
        auto f = decode_socket_frame(fixture("socket_slash_command.json"));
        REQUIRE(f.ok());
        CHECK(f->type == "slash_commands");
        CHECK(f->envelope_id == "1d3c79ab-0ffb-41f3-a080-d19e85f53649");
        CHECK(f->accepts_response_payload);
        CHECK(f->retry_attempt == 0);
        // The payload is handed on as raw JSON the slash command decoder reads.
        CHECK(f->payload.front() == '{');
        CHECK(f->payload.back() == '}');
        auto e = decode_slash_command_json(f->payload, "slack:env:" + f->envelope_id);
        REQUIRE(e.ok());
        Event want =
            slack_event(EventKind::command, "slack:env:1d3c79ab-0ffb-41f3-a080-d19e85f53649",
                        "U0ANNA", "anna", "C0RELEASES");
        want.text = "release plan web-2026.12 \"Web December\" at 2026-12-05 14:00 for 2h";
        CHECK(describe(*e) == describe(want));
    }
    SECTION("an events_api envelope that is a retry") {
        auto f = decode_socket_frame(fixture("socket_events_api.json"));
        REQUIRE(f.ok());
        CHECK(f->type == "events_api");
        CHECK(f->envelope_id == "dbdd0ef3-1543-4f94-bfb4-133d0e6c1545");
        CHECK_FALSE(f->accepts_response_payload);
        CHECK(f->retry_attempt == 1);
        auto e = decode_event_callback(f->payload);
        REQUIRE(e.ok());
        REQUIRE(e->has_value());
        Event want =
            slack_event(EventKind::command, "slack:event:Ev0MENTION1", "U0BEN", "", "C0RELEASES");
        want.text = "release show web-2026.12";
        CHECK(describe(**e) == describe(want));
    }
    SECTION("an interactive envelope") {
        std::string frame = "{\"type\":\"interactive\",\"envelope_id\":\"e-1\",\"payload\":" +
                            fixture("block_actions.json") + ",\"accepts_response_payload\":false}";
        auto f = decode_socket_frame(frame);
        REQUIRE(f.ok());
        CHECK(f->type == "interactive");
        auto e = decode_interactive(f->payload, "slack:env:e-1");
        REQUIRE(e.ok());
        CHECK(e->action_id == "command");
    }
    SECTION("an envelope of a type releasebot does not know is still acknowledgeable") {
        auto f = decode_socket_frame(R"({"type":"future_thing","envelope_id":"e-9"})");
        REQUIRE(f.ok());
        CHECK(f->type == "future_thing");
        CHECK(f->envelope_id == "e-9");
    }
}

TEST_CASE("slash commands become the command text without the slash", "[slack][decode]") {
    SECTION("JSON, as Socket Mode sends it; key order does not matter") {
        auto e = decode_slash_command_json(
            R"({"text":"  plan x  ","command":"/release","channel_id":"C1","user_name":"bo",)"
            R"("user_id":"U1","team_id":"T1"})",
            "k1");
        REQUIRE(e.ok());
        CHECK(e->text == "release plan x");
        CHECK(e->actor.tenant == "T1");
        CHECK(e->conversation.channel == "C1");
        CHECK_FALSE(e->conversation.thread.has_value());
    }
    SECTION("no text, or text absent, is the bare command") {
        auto e = decode_slash_command_json(
            R"({"team_id":"T1","user_id":"U1","channel_id":"C1","command":"/release","text":""})",
            "k2");
        REQUIRE(e.ok());
        CHECK(e->text == "release");
        auto absent = decode_slash_command_json(
            R"({"team_id":"T1","user_id":"U1","channel_id":"C1","command":"/release"})", "k2");
        REQUIRE(absent.ok());
        CHECK(absent->text == "release");
    }
    SECTION("a form body over HTTP, entities and escapes decoded") {
        auto e = decode_slash_command_form(fixture("slash_command_form.txt"), "slack:http:abc");
        REQUIRE(e.ok());
        Event want =
            slack_event(EventKind::command, "slack:http:abc", "U0ANNA", "anna", "C0RELEASES");
        want.text = "release comms draft web-2026.12 to customers now \"R&D ships <3\"";
        CHECK(describe(*e) == describe(want));
    }
    SECTION("Slack's signing example body is a slash command too") {
        auto e = decode_slash_command_form(
            "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id="
            "G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%"
            "2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%"
            "2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015."
            "47445629121.803a0bc887a14d10d2c447fce8b6703c",
            "k3");
        REQUIRE(e.ok());
        CHECK(e->text == "webhook-collect");
        CHECK(e->actor.user.value() == "U2CERLKJA");
        CHECK(e->actor.display_name == "roadrunner");
        CHECK(e->conversation.channel == "G8PSS9T3V");
    }
}

TEST_CASE("Events API callbacks: mentions and direct messages are commands", "[slack][decode]") {
    SECTION("an app_mention in a thread loses the bot mention and keeps the thread") {
        auto e = decode_event_callback(fixture("event_app_mention.json"));
        REQUIRE(e.ok());
        REQUIRE(e->has_value());
        Event want =
            slack_event(EventKind::command, "slack:event:Ev0MENTION2", "U0BEN", "", "C0RELEASES");
        want.conversation.thread = "1764579000.000100";
        want.text = "release plan x & y";
        CHECK(describe(**e) == describe(want));
    }
    SECTION("a direct message is its text") {
        auto e = decode_event_callback(fixture("event_message_im.json"));
        REQUIRE(e.ok());
        REQUIRE(e->has_value());
        Event want = slack_event(EventKind::command, "slack:event:Ev0DM1", "U0ANNA", "", "D0ANNA");
        want.text = "my tasks";
        CHECK(describe(**e) == describe(want));
    }
    SECTION("a mention with the name form and a no-break space") {
        auto e = decode_event_callback(
            "{\"type\":\"event_callback\",\"event_id\":\"Ev9\",\"team_id\":\"T1\",\"event\":{"
            "\"type\":\"app_mention\",\"user\":\"U1\",\"channel\":\"C1\",\"text\":\"<@U0BOT|"
            "releasebot>\xC2\xA0help release\"}}");
        REQUIRE(e.ok());
        REQUIRE(e->has_value());
        CHECK((*e)->text == "help release");
    }
    SECTION("only the leading mention is removed; mentions of people stay") {
        auto e = decode_event_callback(
            R"({"type":"event_callback","event_id":"Ev8","team_id":"T1","event":{)"
            R"("type":"app_mention","user":"U1","channel":"C1",)"
            R"("text":"<@U0BOT> role grant <@U0BEN> approver"}})");
        REQUIRE(e.ok());
        REQUIRE(e->has_value());
        CHECK((*e)->text == "role grant <@U0BEN> approver");
    }
    SECTION("the bot's own messages, edits and channel chatter are ignored") {
        auto name = GENERATE(as<std::string>{}, "event_message_im_bot.json",
                             "event_message_changed.json", "event_message_channel.json");
        CAPTURE(name);
        auto e = decode_event_callback(fixture(name));
        REQUIRE(e.ok());
        CHECK_FALSE(e->has_value());
    }
    SECTION("other event types and envelope types are ignored") {
        auto e = decode_event_callback(
            R"({"type":"event_callback","event_id":"Ev7","team_id":"T1","event":{)"
            R"("type":"reaction_added","user":"U1","reaction":"tada"}})");
        REQUIRE(e.ok());
        CHECK_FALSE(e->has_value());
        auto limited = decode_event_callback(
            R"({"type":"app_rate_limited","team_id":"T1","minute_rate_limited":1518467820})");
        REQUIRE(limited.ok());
        CHECK_FALSE(limited->has_value());
    }
    SECTION("url_verification is answered with its challenge") {
        std::string body = fixture("url_verification.json");
        CHECK(decode_url_verification(body) ==
              std::optional<std::string>("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"));
        // decode_url_verification answers it; as an event it is refused with a reason.
        auto e = decode_event_callback(body);
        REQUIRE_FALSE(e.ok());
        CHECK_FALSE(e.error().message.empty());
        CHECK_FALSE(decode_url_verification(fixture("event_app_mention.json")).has_value());
        CHECK_FALSE(decode_url_verification("not json").has_value());
    }
}

TEST_CASE("interactivity: buttons are actions, the survey modal is a submission",
          "[slack][decode]") {
    SECTION("block_actions strips the uniqueness suffix and answers in the thread") {
        auto e = decode_interactive(fixture("block_actions.json"), "slack:env:a1");
        REQUIRE(e.ok());
        Event want = slack_event(EventKind::action, "slack:env:a1", "U0BEN", "ben", "C0RELEASES");
        want.conversation.thread = "1764579000.000100";
        want.action_id = "command";
        want.value = "control tick web-2026.12 deployment-plan";
        want.fields["trigger_id"] = "12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3";
        want.fields["message_ts"] = "1764580500.000700";
        // Kept so that an answered confirmation can be taken away (delete_original).
        want.fields["response_url"] =
            "https://hooks.slack.com/actions/T0RELEASE/1234567890/abcdefABCDEF";
        CHECK(describe(*e) == describe(want));
    }
    SECTION("the same payload over HTTP, as the payload field of a form, keyed by its trigger") {
        auto form = http::form_fields("payload=" + url_encode(fixture("block_actions.json")));
        REQUIRE(form.ok());
        auto e = decode_interactive(form->at("payload"), "");
        REQUIRE(e.ok());
        CHECK(e->idempotency_key ==
              "slack:trigger:12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3");
        CHECK(e->action_id == "command");
        CHECK(e->value == "control tick web-2026.12 deployment-plan");
    }
    SECTION("over HTTP, an interaction without a trigger_id has nothing to be keyed by") {
        auto e = decode_interactive(
            R"({"type":"block_actions","user":{"id":"U1"},"team":{"id":"T1"},)"
            R"("channel":{"id":"C1"},"actions":[{"action_id":"command","value":"help"}]})",
            "");
        REQUIRE_FALSE(e.ok());
        CHECK_THAT(e.error().message, Catch::Matchers::Contains("has no `trigger_id`"));
    }
    SECTION("a button in a DM with no channel object uses the container's channel") {
        auto e = decode_interactive(
            R"({"type":"block_actions","user":{"id":"U1","username":"ann"},"team":{"id":"T1"},)"
            R"("container":{"type":"message","message_ts":"1.2","channel_id":"D1"},)"
            R"("actions":[{"type":"button","action_id":"survey.open#7",)"
            R"("value":"retro answer web-1"}]})",
            "k");
        REQUIRE(e.ok());
        CHECK(e->conversation.channel == "D1");
        CHECK(e->action_id == "survey.open");
        CHECK(e->value == "retro answer web-1");
        CHECK_FALSE(e->conversation.thread.has_value());
    }
    SECTION("an org-wide install has team null; the user's team is the tenant") {
        auto e = decode_interactive(
            R"({"type":"block_actions","team":null,"user":{"id":"U1","name":"ann","team_id":"T7"},)"
            R"("channel":{"id":"C1"},"actions":[{"type":"static_select","action_id":"pick",)"
            R"("selected_option":{"text":{"type":"plain_text","text":"3"},"value":"3"}}]})",
            "k");
        REQUIRE(e.ok());
        CHECK(e->actor.tenant == "T7");
        CHECK(e->actor.display_name == "ann");
        CHECK(e->value == "3");
    }
    SECTION("view_submission carries the answers by block.action and the metadata") {
        auto e = decode_interactive(fixture("view_submission.json"), "slack:env:v1");
        REQUIRE(e.ok());
        Event want = slack_event(EventKind::submission, "slack:env:v1", "U0ANNA", "anna", "");
        want.value = "retro answer web-2026.12";
        want.fields["q1.answer"] = "4";
        want.fields["q2.answer"] = "The backout plan was clear.\nComms went out late.";
        want.fields["q3.answer"] = "1";
        CHECK(describe(*e) == describe(want));
    }
    SECTION("other interaction types are refused by name") {
        auto e = decode_interactive(
            R"({"type":"view_closed","user":{"id":"U1"},"team":{"id":"T1"}})", "k");
        CHECK(error_of(e).find("`view_closed`") != std::string::npos);
    }
}

TEST_CASE("malformed payloads are errors that say what was wrong", "[slack][decode]") {
    const std::string slash_ok =
        R"({"team_id":"T1","user_id":"U1","channel_id":"C1","command":"/release","text":"x"})";
    auto [input, expect] = GENERATE_REF(table<std::string, std::string>({
        {"", "is empty"},
        {"not json at all", "not valid JSON"},
        {"{\"team_id\":", "not valid JSON"},
        {"[" + slash_ok + "]", "should be a JSON object, not an array"},
        {"\"just a string\"", "should be a JSON object, not a string"},
        {"42", "should be a JSON object, not a number"},
        {"null", "should be a JSON object, not null"},
        {R"({"user_id":"U1","channel_id":"C1","command":"/release","text":"x"})",
         "has no `team_id`"},
        {R"({"team_id":"T1","user_id":42,"channel_id":"C1","command":"/release","text":"x"})",
         "`user_id` in the Slack slash command payload should be a string, not a number"},
        {R"({"team_id":"T1","user_id":"U1","channel_id":["C1"],"command":"/release"})",
         "`channel_id` in the Slack slash command payload should be a string, not an array"},
        {R"({"team_id":"T1","user_id":"U1","channel_id":"C1","command":"/release","text":{}})",
         "`text` in the Slack slash command payload should be a string, not an object"},
        {R"({"team_id":"T1","user_id":"U1","channel_id":"C1","command":"","text":"x"})",
         "has no `command`"},
        {R"({"team_id":"T1","user_id":"U1","channel_id":"C1","command":"/","text":"x"})",
         "not a slash command name"},
        {R"({"team_id":"T 1","user_id":"U1","channel_id":"C1","command":"/release"})",
         "`team_id` in the Slack slash command payload is not a Slack ID"},
        {R"({"team_id":"T1","user_id":"<@U1>","channel_id":"C1","command":"/release"})",
         "is not a Slack ID"},
        {R"({"team_id":"T1","user_id":"U1","channel_id":"C1","command":"/release",)"
         R"("text":"a\u0000b"})",
         "contains a control character"},
        {"{\"team_id\":\"T1\",\"user_id\":\"U1\",\"channel_id\":\"C1\",\"command\":\"/release\","
         "\"text\":\"caf\xC3\"}",
         "not valid UTF-8"},
        {"{\"team_id\":\"T1\",\"user_id\":\"U1\",\"channel_id\":\"C1\",\"command\":\"/release\","
         "\"text\":\"\xFF\xFE\"}",
         "not valid UTF-8"},
        {R"({"team_id":"T1","user_id":"U1","channel_id":"C1","command":"/release","text":")" +
             std::string(20000, 'a') + "\"}",
         "`text` in the Slack slash command payload is 20000 bytes; releasebot reads at most "
         "16000"},
        {R"({"team_id":")" + std::string(300, 'T') +
             R"(","user_id":"U1","channel_id":"C1","command":"/release"})",
         "`team_id` in the Slack slash command payload is 300 bytes"},
        {R"({"team_id":"T1","user_id":"U1","channel_id":"C1","command":"/release","text":")" +
             std::string(2 << 20, 'a') + "\"}",
         "releasebot reads at most 1048576"},
    }));
    CAPTURE(input.substr(0, 120));
    auto e = decode_slash_command_json(input, "k");
    std::string m = error_of(e);
    CAPTURE(m);
    CHECK(m.find(expect) != std::string::npos);
    CHECK(e.error().kind == ErrorKind::invalid);
}

TEST_CASE("malformed frames, callbacks and interactions are errors, never crashes",
          "[slack][decode]") {
    // The common start of each kind of payload, so each row shows only what is wrong.
    const std::string ba =
        R"({"type":"block_actions","user":{"id":"U1"},"team":{"id":"T1"},"channel":{"id":"C1"},)";
    const std::string ev = R"({"type":"event_callback","event_id":"Ev1","team_id":"T1",)"
                           R"("event":{"type":"app_mention",)";
    const std::string vs = R"({"type":"view_submission","user":{"id":"U1"},"team":{"id":"T1"},)";
    auto [which, input, expect] = GENERATE_REF(table<int, std::string, std::string>({
        // 0: Socket Mode frames
        {0, "[]", "should be a JSON object"},
        {0, R"({"envelope_id":"e1"})", "has no `type`"},
        {0, R"({"type":7})", "`type` in the Slack Socket Mode message should be a string"},
        {0, R"({"type":"events_api","payload":{}})", "has no `envelope_id`"},
        {0, R"({"type":"events_api","envelope_id":"e1"})", "has no `payload`"},
        {0, R"({"type":"slash_commands","envelope_id":"e1","payload":"text"})",
         "`payload` in the Slack Socket Mode message should be an object, not a string"},
        {0, R"({"type":"events_api","envelope_id":"e1","payload":{},"retry_attempt":"1"})",
         "`retry_attempt` in the Slack Socket Mode message should be a whole number"},
        {0, R"({"type":"events_api","envelope_id":"e1","payload":{},"accepts_response_payload":1})",
         "should be true or false"},
        {0, R"({"type":"events_api","envelope_id":"e1","payload":{"a":})", "not valid JSON"},
        // 1: Events API callbacks
        {1, "{", "not valid JSON"},
        {1, "[1,2,3]", "should be a JSON object, not an array"},
        {1, R"({"type":"event_callback","team_id":"T1","event":{"type":"app_mention"}})",
         "has no `event_id`"},
        {1, R"({"type":"event_callback","event_id":"Ev1","team_id":"T1"})", "has no `event`"},
        {1, R"({"type":"event_callback","event_id":"Ev1","team_id":"T1","event":[]})",
         "`event` in the Slack event callback should be an object, not an array"},
        {1, ev + R"("channel":"C1","text":"hi"}})", "has no `user`"},
        {1,
         R"({"type":"event_callback","event_id":"Ev1",)"
         R"("event":{"type":"app_mention","user":"U1","channel":"C1","text":"hi"}})",
         "has no `team_id`"},
        {1, ev + R"("user":"U1","channel":"C1","text":false}})",
         "`text` in the `event` of the Slack event callback should be a string, not true or false"},
        {1,
         "{\"type\":\"event_callback\",\"event_id\":\"Ev1\",\"team_id\":\"T1\",\"event\":{\"type\":"
         "\"app_mention\",\"user\":\"U1\",\"channel\":\"C1\",\"text\":\"\xC0\xAF\"}}",
         "not valid UTF-8"},
        // 2: interactivity
        {2, "", "is empty"},
        {2, R"({"type":"block_actions"})", "has no `user`"},
        {2, R"({"type":"block_actions","user":"U1"})",
         "`user` in the Slack block_actions payload should be an object, not a string"},
        {2, R"({"type":"block_actions","user":{"id":"U1"},"team":{"id":"T1"},"actions":[]})",
         "has no channel"},
        {2, ba.substr(0, ba.size() - 1) + "}", "has no `actions`"},
        {2, ba + R"("actions":[]})", "is empty"},
        {2, ba + R"("actions":{"a":1}})",
         "`actions` in the Slack block_actions payload should be an array, not an object"},
        {2, ba + R"("actions":["x"]})", "should be an object"},
        {2, ba + R"("actions":[{"value":"v"}]})", "has no `action_id`"},
        {2, ba + R"("actions":[{"action_id":"#3"}]})", "empty `action_id`"},
        {2, R"({"type":"block_actions","user":{"id":"U1"},"channel":{"id":"C1"},"actions":[]})",
         "has no `team`"},
        {2, R"({"type":"view_submission","user":{"id":"U1"},"team":{"id":"T1"}})", "has no `view`"},
        {2, vs + R"("view":{"state":{"values":{"q1":[]}}}})", "should be an object"},
        {2, vs + R"("view":{"state":{"values":{"q1":{"answer":{"value":5}}}}}})",
         "should be a string, not a number"},
        {2,
         vs + R"("view":{"private_metadata":)" + std::string("\"") + std::string(13000, 'm') +
             "\"}}",
         "`private_metadata` in the `view` of the Slack view_submission payload is 13000 bytes"},
    }));
    CAPTURE(which, input.substr(0, 160));
    std::string m;
    if (which == 0) m = error_of(decode_socket_frame(input));
    if (which == 1) m = error_of(decode_event_callback(input));
    if (which == 2) m = error_of(decode_interactive(input, "k"));
    CAPTURE(m);
    CHECK(m.find(expect) != std::string::npos);
}

TEST_CASE("every truncation of a real payload is refused as not JSON, never a crash",
          "[slack][decode]") {
    // The decoders see partial frames when a socket drops mid-message; each prefix must be
    // handled as a value, and no prefix short of the closing brace is a whole payload.
    const std::string payloads[] = {fixture("block_actions.json"), fixture("view_submission.json"),
                                    fixture("socket_events_api.json")};
    using Catch::Matchers::Contains;
    for (const auto& p : payloads) {
        const std::size_t whole = p.rfind('}') + 1;
        for (std::size_t n = 0; n < whole; n += 7) {
            std::string cut = p.substr(0, n);
            CAPTURE(cut);
            auto a = decode_interactive(cut, "k");
            auto b = decode_socket_frame(cut);
            auto c = decode_event_callback(cut);
            REQUIRE_FALSE(a.ok());
            REQUIRE_FALSE(b.ok());
            REQUIRE_FALSE(c.ok());
            for (const auto* m : {&a.error().message, &b.error().message, &c.error().message})
                CHECK_THAT(*m, Contains("not valid JSON") || Contains("is empty"));
        }
    }
}

TEST_CASE("form bodies decode %-escapes and '+'", "[slack][decode]") {
    SECTION("values, empty values and keys without '='") {
        auto f = http::form_fields("a=b+c&d=%2Fx%26y%3D&e=&f&&g=%E2%9C%85+done&a=second");
        REQUIRE(f.ok());
        CHECK(f->at("a") == "b c");
        CHECK(f->at("d") == "/x&y=");
        CHECK(f->at("e").empty());
        CHECK(f->at("f").empty());
        CHECK(f->at("g") == "\xE2\x9C\x85 done");
        CHECK(f->size() == 5);
    }
    SECTION("an empty body is no fields") {
        auto f = http::form_fields("");
        REQUIRE(f.ok());
        CHECK(f->empty());
    }
    SECTION("bad escapes and bytes that are not UTF-8 are refused") {
        auto [body, expect] = GENERATE(table<std::string, std::string>({
            {"a=%zz", "bad %-escape at byte 2"},
            {"a=%4", "bad %-escape at byte 2"},
            {"text=ok&b=%", "bad %-escape at byte 10"},
            {"%g1=x", "bad %-escape at byte 0"},
            {"a=%FF%FE", "not valid UTF-8"},
            {"a=%C3", "not valid UTF-8"},
        }));
        CAPTURE(body);
        std::string m = error_of(http::form_fields(body));
        CHECK(m.find(expect) != std::string::npos);
    }
    SECTION("a slash command form missing a field names it") {
        std::string m = error_of(
            decode_slash_command_form("team_id=T1&user_id=U1&command=%2Frelease&text=x", "k"));
        CHECK(m.find("has no `channel_id`") != std::string::npos);
    }
}
