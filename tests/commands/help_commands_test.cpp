#include <catch2/catch.hpp>

#include "commands/registry.hpp"
#include "support/test_env.hpp"

using namespace releasebot::test;
using Catch::Matchers::Contains;

TEST_CASE("help lists every topic and its commands", "[help]") {
    TestEnv env;
    auto out = env.say("alice", "help");
    for (const char* s : {"release plan <key>", "control tick <release>", "plan add <release>",
                          "freeze add", "role grant", "my tasks", "audit <release>"})
        CHECK_THAT(out, Contains(s));
    CHECK_THAT(out, !Contains("yes"));  // confirmations are not commands to look up
    // Every topic says what it is for.
    for (const auto& topic : releasebot::command_registry().topics()) {
        INFO(topic);
        CHECK_THAT(out, Contains("\n" + topic + " — "));
        CHECK_THAT(out, !Contains("\n" + topic + " — \n"));
    }
}

TEST_CASE("help for a topic or one command shows usage, role and example", "[help]") {
    TestEnv env;
    auto topic = env.say("alice", "help release");
    CHECK_THAT(topic, Contains("release go <key>"));
    CHECK_THAT(topic, Contains("(managers)"));
    CHECK_THAT(topic, Contains("Example: `release start web-2026.12`"));
    auto one = env.say("alice", "help release plan");
    CHECK_THAT(one, Contains("release plan <key> \"<title>\" at <when>"));
    CHECK_THAT(one, !Contains("release go"));
    CHECK(env.say("alice", "help relase") ==
          "There is no help topic `relase`. Did you mean `help release`? Topics: release, "
          "control, plan, channel, comms, remind, retro, freeze, role, my, audit, calendar, ci, "
          "help.\n");
}
