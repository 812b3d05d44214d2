// `plan …` commands through the real pipeline on an in-memory database: adding, showing and
// removing deploy and backout steps, their timing against the window, the lock once deployment
// starts, and what removing a step does to an approved release.
#include <catch2/catch.hpp>
#include <string>

#include "support/plans.hpp"
#include "support/test_env.hpp"

using namespace releasebot;
using namespace releasebot::test;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;

namespace {

// Two deploy steps (1h 10m in all) and one backout step.
void write_plans(TestEnv& env) {
    REQUIRE_THAT(env.say("bob",
                         "plan add web-2026.12 deploy \"Switch traffic to blue\" owner "
                         "@dana takes 1h"),
                 Contains("Added deploy step 1"));
    REQUIRE_THAT(env.say("bob", "plan add web-2026.12 deploy \"Purge caches\" takes 10m"),
                 Contains("Added deploy step 2"));
    REQUIRE_THAT(env.say("bob",
                         "plan add web-2026.12 backout \"Switch traffic to green\" owner "
                         "@dana takes 5m"),
                 Contains("Added backout step 1"));
}

void approve_web(TestEnv& env) {
    add_components(env, "web-2026.12");
    test::tick_open_controls(env, "web-2026.12", "bob");
    REQUIRE_THAT(env.say("alice", "release go web-2026.12"), Contains("is approved"));
}

std::string state_of(TestEnv& env) {
    return env.text("SELECT state FROM releases WHERE key='web-2026.12'");
}

}  // namespace

TEST_CASE("plan add appends a step with its owner and expected time", "[plan]") {
    TestEnv env;
    plan_web(env);

    auto run = env.run("bob",
                       "plan add web-2026.12 deploy \"Switch traffic to blue\" owner @dana "
                       "takes 15m");
    CHECK_THAT(run.reply.text, Equals("Added deploy step 1 to *web-2026.12*: Switch traffic to "
                                      "blue — <@dana>, 15m"));
    auto shown = env.say("bob", "plan add web-2026.12 deploy Purge caches takes 1h");
    CHECK_THAT(shown, Contains("Added deploy step 2 to web-2026.12: Purge caches — 1h"));
    CHECK_THAT(shown, Contains("deploy plan: 1h 15m of the 2h window."));

    CHECK(env.count("SELECT count(*) FROM plan_steps WHERE plan='deploy'") == 2);
    CHECK(env.text("SELECT title FROM plan_steps WHERE position=1") == "Switch traffic to blue");
    CHECK(env.text("SELECT owner FROM plan_steps WHERE position=1") == "user:dana");
    CHECK(env.count("SELECT expected_s FROM plan_steps WHERE position=1") == 900);
    CHECK(env.count("SELECT expected_s FROM plan_steps WHERE position=2") == 3600);
    CHECK(env.text("SELECT status FROM plan_steps WHERE position=2") == "pending");
    CHECK(env.text("SELECT detail FROM audit_log WHERE action='plan.add'") ==
          "deploy step 1 \"Switch traffic to blue\" owner @dana takes 15m");
    CHECK(env.count("SELECT count(*) FROM audit_log WHERE action='plan.add' AND actor='bob'") == 2);
    // dana is told she owns a step; nobody else is.
    CHECK(run.outbound == 1);
    CHECK(env.count("SELECT count(*) FROM outbox WHERE destination LIKE '%\"user\":\"dana\"%' "
                    "AND payload LIKE '%You own deploy step 1 of *web-2026.12*%'") == 1);

    SECTION("the owner's message shows the window in the owner's zone") {
        env.zone = "America/New_York";
        env.say("erin", "plan show web-2026.12");  // erin is seen with her zone
        env.zone = "UTC";
        env.say("bob", "plan add web-2026.12 backout \"Restore snapshot\" owner @erin");
        CHECK(env.count("SELECT count(*) FROM outbox WHERE destination LIKE "
                        "'%\"user\":\"erin\"%' AND payload LIKE '%The window opens Thu 10 Dec "
                        "2026 09:00 EST.%'") == 1);
    }
    SECTION("a backout step is numbered in its own plan") {
        CHECK_THAT(env.say("bob", "plan add web-2026.12 backout \"Switch traffic to green\""),
                   Contains("Added backout step 1 to web-2026.12: Switch traffic to green"));
        CHECK(env.count("SELECT position FROM plan_steps WHERE plan='backout'") == 1);
    }
    SECTION("a plan longer than the window is flagged") {
        auto over = env.say("bob", "plan add web-2026.12 deploy \"Reindex\" takes 50m");
        CHECK_THAT(over, Contains("Warning: the deploy plan takes 2h 5m, longer than the 2h "
                                  "window."));
        CHECK(env.count("SELECT count(*) FROM plan_steps") == 3);
    }
    SECTION("bad input changes nothing") {
        CHECK_THAT(env.say("bob", "plan add web-2026.12 deploy \"Reindex\" takes soon"),
                   Contains("soon"));
        CHECK_THAT(env.say("bob", "plan add web-2026.12 \"Reindex\""),
                   Contains("`plan add` needs one of deploy, backout."));
        CHECK_THAT(env.say("bob", "plan add web-2026.12 deploy \"\""),
                   Equals("A step needs a text: `plan add web-2026.12 deploy \"Switch traffic to "
                          "blue\" owner @dana takes 15m`.\n"));
        CHECK_THAT(env.say("bob", "plan add web-2099 deploy \"Reindex\""),
                   Contains("There is no release `web-2099` here."));
        CHECK(env.count("SELECT count(*) FROM plan_steps") == 2);
    }
}

TEST_CASE("plans are locked once the release starts", "[plan]") {
    TestEnv env;
    plan_web(env);
    write_plans(env);
    approve_web(env);

    SECTION("adding to an approved release is allowed, and withdraws the approval") {
        CHECK_THAT(env.say("bob", "plan add web-2026.12 backout \"Tell support\" takes 5m"),
                   Contains("Added backout step 2"));
        CHECK(state_of(env) == "planned");
    }
    SECTION("not while deploying") {
        test::start_in_window(env, "alice", "web-2026.12");
        REQUIRE(state_of(env) == "deploying");
        CHECK_THAT(env.say("bob", "plan add web-2026.12 deploy \"One more thing\""),
                   Equals("web-2026.12 is deploying; `plan add` needs it to be planned or "
                          "approved. Type `release show web-2026.12` to see where it stands. "
                          "Plans are locked once the release starts.\n"));
        CHECK_THAT(env.say("bob", "plan remove web-2026.12 deploy 2"),
                   Contains("web-2026.12 is deploying; `plan remove` needs it to be planned or "
                            "approved."));
        CHECK(env.count("SELECT count(*) FROM plan_steps") == 3);
    }
    SECTION("not after a cancel") {
        env.say("alice", "release cancel web-2026.12");
        env.say("alice", "yes");
        CHECK_THAT(env.say("bob", "plan add web-2026.12 deploy \"One more thing\""),
                   Contains("web-2026.12 is cancelled; `plan add` needs it to be planned or "
                            "approved."));
        CHECK(env.count("SELECT count(*) FROM plan_steps") == 3);
    }
}

TEST_CASE("plan show draws both plans with their timing", "[plan]") {
    TestEnv env;
    plan_web(env);

    auto empty = env.say("bob", "plan show web-2026.12");
    CHECK_THAT(empty, Contains("Plans of web-2026.12 — Web December (planned)"));
    CHECK_THAT(empty, Contains("Deploy plan: no steps yet. Add one with `plan add web-2026.12 "
                               "deploy \"<step>\" owner @user takes 15m`."));
    CHECK_THAT(empty, Contains("Backout plan: no steps yet."));

    write_plans(env);
    env.say("bob", "plan add web-2026.12 backout \"Tell support\"");
    auto out = env.say("bob", "plan show web-2026.12");
    CHECK_THAT(out, Contains("Window Thu 10 Dec 2026 14:00 UTC – 16:00 (2h)"));
    CHECK_THAT(out, Contains("Deploy plan\n[ ] 1. Switch traffic to blue — @dana, 1h\n"
                             "[ ] 2. Purge caches — 10m\n"));
    CHECK_THAT(out, Contains("deploy plan: 1h 10m of the 2h window"));
    CHECK_THAT(out, Contains("Backout plan\n[ ] 1. Switch traffic to green — @dana, 5m\n"
                             "[ ] 2. Tell support\n"));
    CHECK_THAT(out, Contains("backout plan: 5m of the 2h window (1 step has no expected "
                             "duration)"));
    CHECK_THAT(out, !Contains("Warning"));
    CHECK_THAT(out, !Contains("Active plan"));

    SECTION("a plan longer than the window is flagged") {
        env.say("bob", "plan add web-2026.12 deploy \"Reindex\" takes 1h");
        CHECK_THAT(env.say("bob", "plan show web-2026.12"),
                   Contains("Warning: the deploy plan takes 2h 10m, longer than the 2h window."));
    }
    SECTION("while deploying, the active plan and its current step") {
        approve_web(env);
        test::start_in_window(env, "alice", "web-2026.12");
        auto live = env.say("bob", "plan show web-2026.12");
        CHECK_THAT(live, Contains("Active plan: deploy."));
        CHECK_THAT(live, Contains("Deploy plan (active)"));
        CHECK_THAT(live, Contains("[>] 1. Switch traffic to blue — @dana, 1h"));
        CHECK_THAT(live, Contains("[ ] 2. Purge caches — 10m"));
        CHECK_THAT(live, Contains("[ ] 1. Switch traffic to green"));

        env.clock().advance(std::chrono::minutes(5));
        env.say("dana", "release step web-2026.12 1 done");
        auto later = env.say("bob", "plan show web-2026.12");
        CHECK_THAT(later, Contains("[x] 1. Switch traffic to blue — @dana, 1h, done by @dana "
                                   "13:55"));
        CHECK_THAT(later, Contains("[>] 2. Purge caches — 10m"));

        env.say("alice", "release backout web-2026.12 \"caches would not purge\"");
        env.say("alice", "yes");
        auto back = env.say("bob", "plan show web-2026.12");
        CHECK_THAT(back, Contains("Active plan: backout."));
        CHECK_THAT(back, Contains("Backout plan (active)"));
        CHECK_THAT(back, Contains("[ ] 2. Purge caches — 10m"));
        CHECK_THAT(back, Contains("[>] 1. Switch traffic to green — @dana, 5m"));
    }
}

TEST_CASE("plan remove takes a step out and renumbers the rest", "[plan]") {
    TestEnv env;
    plan_web(env);
    write_plans(env);
    env.say("bob", "plan add web-2026.12 deploy \"Smoke test\" takes 5m");

    auto out = env.say("bob", "plan remove web-2026.12 deploy 1");
    CHECK_THAT(out, Contains("Removed deploy step 1 from web-2026.12: Switch traffic to blue."));
    CHECK_THAT(out, Contains("The steps after it moved up one; the deploy plan has 2 steps."));
    CHECK(env.count("SELECT count(*) FROM plan_steps WHERE plan='deploy'") == 2);
    CHECK(env.text("SELECT title FROM plan_steps WHERE plan='deploy' AND position=1") ==
          "Purge caches");
    CHECK(env.text("SELECT title FROM plan_steps WHERE plan='deploy' AND position=2") ==
          "Smoke test");
    CHECK(env.count("SELECT count(*) FROM plan_steps WHERE plan='backout'") == 1);
    CHECK(env.text("SELECT detail FROM audit_log WHERE action='plan.remove'") ==
          "deploy step 1 \"Switch traffic to blue\"");

    SECTION("a number out of range says how many steps there are") {
        CHECK_THAT(env.say("bob", "plan remove web-2026.12 deploy 9"),
                   Equals("Step 9 does not exist: the deploy plan of web-2026.12 has 2 steps. "
                          "Type `plan show web-2026.12` to see them.\n"));
        CHECK_THAT(env.say("bob", "plan remove web-2026.12 deploy 0"),
                   Contains("`0` is not a number: give a whole number like `2`."));
        CHECK(env.count("SELECT count(*) FROM plan_steps") == 3);
    }
    SECTION("removing the last backout step of an approved release reopens the gate") {
        approve_web(env);
        auto reopened = env.say("bob", "plan remove web-2026.12 backout 1");
        CHECK_THAT(reopened, Contains("web-2026.12 is back to planned: run `release go "
                                      "web-2026.12` again"));
        CHECK_THAT(reopened, Contains("The backout plan is now empty"));
        CHECK(state_of(env) == "planned");
        CHECK(env.count("SELECT count(*) FROM audit_log WHERE action='release.unapprove'") == 1);
        CHECK_THAT(env.say("alice", "release go web-2026.12"),
                   Contains("There is no backout plan"));
        CHECK_THAT(env.say("bob", "plan remove web-2026.12 backout 1"),
                   Equals("Step 1 does not exist: the backout plan of web-2026.12 has no steps. "
                          "Type `plan show web-2026.12` to see them.\n"));
    }
    SECTION("removing a step from an approved release withdraws the approval") {
        approve_web(env);
        env.say("bob", "plan remove web-2026.12 deploy 2");
        CHECK(state_of(env) == "planned");
    }
}
