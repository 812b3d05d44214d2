// `channel …` commands through the real pipeline on an in-memory database: audiences spanning
// several platforms, `here`, listing and removing, refusals by role and for bad input, the
// audit rows each change leaves, and the warning when a removal strands a communication.
#include <catch2/catch.hpp>
#include <string>

#include "integrations/console/text_renderer.hpp"
#include "support/plans.hpp"
#include "support/test_env.hpp"
#include "support/text_search.hpp"

using namespace releasebot;
using namespace releasebot::test;
using Catch::Matchers::Contains;

namespace {

// alice speaks first and so is the workspace's manager.
void two_platform_stakeholders(TestEnv& env) {
    REQUIRE_THAT(env.say("alice", "channel add stakeholders slack:C0123"),
                 Contains("Added slack:C0123 to audience stakeholders."));
    REQUIRE_THAT(env.say("alice", "channel add stakeholders teams:19:abc@thread.tacv2"),
                 Contains("Added teams:19:abc@thread.tacv2 to audience stakeholders (now 2 "
                          "channels: slack:C0123, teams:19:abc@thread.tacv2)."));
}

}  // namespace

TEST_CASE("channel add puts channels of several platforms under one audience", "[channel]") {
    TestEnv env;
    two_platform_stakeholders(env);

    CHECK(env.count("SELECT count(*) FROM audiences WHERE name = 'stakeholders'") == 2);
    CHECK(env.text("SELECT platform || ' ' || channel || ' ' || tenant FROM audiences WHERE "
                   "platform = 'teams'") == "teams 19:abc@thread.tacv2 local");
    CHECK(env.count("SELECT count(*) FROM audit_log WHERE action = 'channel.add' AND "
                    "release_id IS NULL AND detail = 'stakeholders slack:C0123'") == 1);

    SECTION("channel list shows every channel with who added it") {
        auto out = env.say("bob", "channel list");
        CHECK_THAT(out, Contains("Audiences of this workspace"));
        CHECK_THAT(line_of(out, "audience"), Contains("platform  channel"));
        CHECK_THAT(line_of(out, "audience"), Contains("added by"));
        CHECK_THAT(line_of(out, "C0123"), Contains("stakeholders  slack"));
        CHECK_THAT(line_of(out, "C0123"), Contains("@alice"));
        CHECK_THAT(line_of(out, "19:abc"), Contains("stakeholders  teams"));
        CHECK_THAT(out, Contains("1 audience, 2 channels."));
    }
    SECTION("the same channel twice is refused") {
        CHECK_THAT(env.say("alice", "channel add stakeholders slack:C0123"),
                   Contains("Audience stakeholders already has slack:C0123. Type `channel list` "
                            "to see every audience and its channels."));
        CHECK(env.count("SELECT count(*) FROM audiences") == 2);
    }
    SECTION("a differently capitalised name joins the audience as it was first spelled") {
        CHECK_THAT(env.say("alice", "channel add Stakeholders console:terminal"),
                   Contains("Added console:terminal to audience stakeholders (now 3 channels"));
        CHECK(env.count("SELECT count(*) FROM audiences WHERE name = 'stakeholders' COLLATE "
                        "BINARY") == 3);
    }
    SECTION("the platform name is not case-sensitive") {
        CHECK_THAT(env.say("alice", "channel add ops Slack:C0999"),
                   Contains("Added slack:C0999 to audience ops."));
    }
}

TEST_CASE("channel add here adds the conversation the command is typed in", "[channel]") {
    TestEnv env;
    CHECK_THAT(env.say("alice", "channel add ops here"),
               Contains("Added this conversation (console:terminal) to audience ops."));
    CHECK(env.text("SELECT platform || ':' || tenant || ':' || channel FROM audiences") ==
          "console:local:terminal");

    SECTION("here knows its own tenant and address") {
        CHECK_THAT(env.say("alice", "channel add ops2 here tenant T1"),
                   Contains("`here` already knows this conversation's tenant and address"));
    }
}

TEST_CASE("channel add takes a tenant and a service url for other platforms", "[channel]") {
    TestEnv env;
    CHECK_THAT(env.say("alice",
                       "channel add stakeholders teams:19:abc@thread.tacv2 tenant "
                       "72f988bf-86f1 url https://smba.trafficmanager.net/emea/"),
               Contains("Added teams:19:abc@thread.tacv2 to audience stakeholders."));
    CHECK(env.text("SELECT tenant || ' ' || service_url FROM audiences") ==
          "72f988bf-86f1 https://smba.trafficmanager.net/emea/");
}

TEST_CASE("channel add refuses what it cannot post to", "[channel]") {
    TestEnv env;
    env.say("alice", "channel list");  // alice becomes the manager

    auto [command, error] = GENERATE(table<std::string, std::string>({
        {"channel add stakeholders discord:123",
         "`discord` is not a platform releasebot posts to: use slack, teams or console, e.g. "
         "`slack:C0123ABCD`."},
        {"channel add stakeholders C0123",
         "`C0123` is not a channel: write <platform>:<id> — `slack:C0123ABCD`, "
         "`teams:19:abc@thread.tacv2` or `console:terminal` — or `here` for the conversation "
         "you are typing in."},
        {"channel add stakeholders slack:", "`slack:` is not a channel: write <platform>:<id>"},
        {"channel add stakeholders slack:#general",
         "`#general` is not a Slack channel id: Slack channels are named by id, like "
         "`slack:C0123ABCD` (open the channel's details; the id is at the bottom), or type "
         "`channel add <audience> here` in the channel itself."},
        {"channel add stake,holders slack:C0123",
         "`stake,holders` is not an audience name: use up to 40 letters, digits, dashes, dots "
         "and underscores, starting with a letter, like `stakeholders` or `it-ops` (no commas "
         "or spaces: communications list audiences as `to stakeholders,it-ops`)."},
        {"channel add 9lives slack:C0123", "`9lives` is not an audience name"},
        {"channel add here slack:C0123", "`here` is not an audience name"},
    }));
    CAPTURE(command);
    CHECK_THAT(env.say("alice", command), Contains(error));
    CHECK(env.count("SELECT count(*) FROM audiences") == 0);
}

TEST_CASE("only managers add and remove channels; anyone lists them", "[channel]") {
    TestEnv env;
    two_platform_stakeholders(env);
    env.say("alice", "role grant @carol approver");

    CHECK_THAT(env.say("bob", "channel add ops slack:C0999"),
               Contains("Only a manager can use `channel add`; you are a member. Type `role "
                        "list` to see who can, and ask a manager for `role grant @bob "
                        "manager`."));
    CHECK_THAT(env.say("carol", "channel remove stakeholders"),
               Contains("Only a manager can use `channel remove`; you are an approver."));
    CHECK(env.count("SELECT count(*) FROM audiences") == 2);
    CHECK_THAT(env.say("bob", "channel list"), Contains("1 audience, 2 channels."));
}

TEST_CASE("channel remove takes one channel or the whole audience", "[channel]") {
    TestEnv env;
    two_platform_stakeholders(env);

    SECTION("one channel") {
        auto out = env.say("alice", "channel remove stakeholders teams:19:abc@thread.tacv2");
        CHECK_THAT(out, Contains("Removed teams:19:abc@thread.tacv2 from audience "
                                 "stakeholders."));
        CHECK_THAT(out, Contains("stakeholders still has slack:C0123."));
        CHECK(env.count("SELECT count(*) FROM audiences") == 1);
        CHECK(env.count("SELECT count(*) FROM audit_log WHERE action = 'channel.remove' AND "
                        "detail = 'stakeholders teams:19:abc@thread.tacv2' AND release_id IS "
                        "NULL") == 1);
    }
    SECTION("the whole audience, named in any case") {
        CHECK_THAT(env.say("alice", "channel remove STAKEHOLDERS"),
                   Contains("Removed audience stakeholders (slack:C0123, "
                            "teams:19:abc@thread.tacv2)."));
        CHECK(env.count("SELECT count(*) FROM audiences") == 0);
        CHECK_THAT(env.say("alice", "channel list"), Contains("There are no audiences yet."));
    }
    SECTION("a channel the audience does not have") {
        CHECK_THAT(env.say("alice", "channel remove stakeholders slack:C9999"),
                   Contains("Audience stakeholders has no channel slack:C9999; it has "
                            "slack:C0123, teams:19:abc@thread.tacv2. Type `channel remove "
                            "stakeholders <platform>:<id>` with one of those, or `channel "
                            "remove stakeholders` to remove the whole audience."));
        CHECK(env.count("SELECT count(*) FROM audiences") == 2);
    }
    SECTION("an audience that does not exist") {
        CHECK_THAT(env.say("alice", "channel remove press"),
                   Contains("There is no audience `press`. Known audiences: stakeholders. A "
                            "manager adds one with `channel add press slack:C0123ABCD` (or "
                            "`channel add press here` in the channel itself)."));
    }
}

TEST_CASE("removing an audience's last channel warns about communications addressed to it",
          "[channel]") {
    TestEnv env;
    plan_web(env);
    two_platform_stakeholders(env);
    env.say("alice", "channel add ops here");
    REQUIRE_THAT(env.say("bob", "comms draft web-2026.12 to stakeholders on done \"Live\""),
                 Contains("Drafted communication #1"));

    auto partial = env.say("alice", "channel remove stakeholders slack:C0123");
    CHECK_THAT(partial, !Contains("Heads-up"));

    auto out = env.say("alice", "channel remove stakeholders");
    CHECK_THAT(out, Contains("Removed audience stakeholders (teams:19:abc@thread.tacv2)."));
    CHECK_THAT(out, Contains("Heads-up: #1 (draft) is addressed to stakeholders, which now has "
                             "no channels, so it would not reach anyone there. Add a channel "
                             "with `channel add stakeholders <platform>:<id>` before it goes "
                             "out."));
    CHECK_THAT(env.say("alice", "channel remove ops"), !Contains("Heads-up"));
}

TEST_CASE("channel list with no audiences says how to add one", "[channel]") {
    TestEnv env;
    auto out = env.say("bob", "channel list");
    CHECK_THAT(out, Contains("There are no audiences yet."));
    CHECK_THAT(out, Contains("`channel add stakeholders slack:C0123ABCD`"));
}

TEST_CASE("channel add here in a Teams channel thread adds the channel, not the thread",
          "[channel][teams]") {
    TestEnv env;
    Pipeline teams(env.db(), env.clock());
    int n = 0;
    // A message typed in a Teams channel arrives in the conversation of its thread.
    auto say = [&](const std::string& text) {
        Event e;
        e.idempotency_key = "teams-test:" + std::to_string(++n);
        e.actor = Actor{"teams", "tenant-1", UserId("29:alice"), "Alice", std::nullopt};
        e.conversation = ConversationRef{
            "teams", "tenant-1", "19:releases@thread.tacv2;messageid=1764150000001",
            std::string("1764150000001"), std::string("https://smba.trafficmanager.net/emea/")};
        e.text = text;
        return render_text(teams.handle(e).reply);
    };

    CHECK_THAT(say("channel add stakeholders here"),
               Contains("Added this conversation (teams:19:releases@thread.tacv2) to audience "
                        "stakeholders."));
    CHECK(env.text("SELECT channel || ' ' || tenant || ' ' || service_url FROM audiences") ==
          "19:releases@thread.tacv2 tenant-1 https://smba.trafficmanager.net/emea/");

    SECTION("typed again in another thread of the same channel, it is the same channel") {
        CHECK_THAT(say("channel add stakeholders here"),
                   Contains("Audience stakeholders already has teams:19:releases@thread.tacv2."));
        CHECK(env.count("SELECT count(*) FROM audiences") == 1);
    }
    SECTION("a thread's id typed out names its channel too, for add and remove") {
        CHECK_THAT(say("channel add ops teams:19:ops@thread.tacv2;messageid=42"),
                   Contains("Added teams:19:ops@thread.tacv2 to audience ops."));
        CHECK_THAT(say("channel remove stakeholders here"),
                   Contains("Removed audience stakeholders (teams:19:releases@thread.tacv2)."));
    }
}
