// "Approved" means safe to deploy: stories told as the team types them, through the real
// pipeline on SQLite. After approval, any change to what the gate looks at — by any path —
// withdraws it, says what changed and who changed it, and tells the owner and the channel;
// nothing shows "approved" beside a blocker.
#include <catch2/catch.hpp>

#include "support/plans.hpp"
#include "support/test_env.hpp"

namespace releasebot {
namespace {

using Catch::Matchers::Contains;
using test::plan_web;
using test::TestEnv;

constexpr const char* kSha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

std::string state(TestEnv& env, const std::string& key = "web-2026.12") {
    return env.text("SELECT state FROM releases WHERE key = '" + key + "'");
}

std::string last_unapproval(TestEnv& env) {
    return env.text(
        "SELECT detail FROM audit_log WHERE action = 'release.unapprove' ORDER BY id DESC LIMIT 1");
}

// alice (the manager) plans; bob ticks and writes the plans; alice approves.
void approved_release(TestEnv& env) {
    plan_web(env);
    env.say("carol", "release show web-2026.12");  // carol becomes a member of the workspace
    test::approve_web_release(env);
    REQUIRE(state(env) == "approved");
}

TEST_CASE("an approval is withdrawn by any later change to what the gate looks at",
          "[gate][approval]") {
    TestEnv env;
    approved_release(env);

    SECTION("a member adds a component") {
        CHECK_THAT(env.say("carol", "release add web-2026.12 web/assets@1.0.0"), Contains("Added"));
        CHECK(state(env) == "planned");
        CHECK_THAT(last_unapproval(env), Contains("by <@carol>"));
        CHECK_THAT(last_unapproval(env), Contains("component web/assets 1.0.0 was added"));
        // The owner hears of it, and the channel.
        CHECK(env.count(
                  "SELECT count(*) FROM outbox WHERE payload LIKE '%is no longer approved%'") >= 1);
    }
    SECTION("a version changes") {
        env.say("carol", "release add web-2026.12 web/app@1.1.0");
        CHECK(state(env) == "planned");
        CHECK_THAT(last_unapproval(env), Contains("component web/app: 1.0.0 → 1.1.0"));
    }
    SECTION("a new program joins") {
        env.say("carol", "release add web-2026.12 mobile/app@2.0.0");
        CHECK(state(env) == "planned");
        CHECK_THAT(last_unapproval(env), Contains("programs"));
    }
    SECTION("a plan step is added") {
        env.say("bob", "plan add web-2026.12 deploy \"Flush caches\"");
        CHECK(state(env) == "planned");
        CHECK_THAT(last_unapproval(env), Contains("step deploy 2"));
    }
    SECTION("the window moves") {
        env.say("alice", "release move web-2026.12 to 2026-12-11 14:00");
        CHECK(state(env) == "planned");
        CHECK_THAT(last_unapproval(env), Contains("window"));
    }
    SECTION("a control is unticked") {
        env.say("bob", "control untick web-2026.12 ops-ready");
        CHECK(state(env) == "planned");
    }
    SECTION("re-approval needs `release go` again, and covers the new state") {
        env.say("carol", "release add web-2026.12 web/app@1.1.0");
        REQUIRE(state(env) == "planned");
        // A new version is a new artifact: its integrity is checked again.
        env.say("bob", "control tick web-2026.12 package-integrity \"1.1.0 checked\"");
        CHECK_THAT(env.say("alice", "release go web-2026.12"), Contains("is approved"));
        CHECK(state(env) == "approved");
        env.say("carol", "release show web-2026.12");
        CHECK(state(env) == "approved");  // reading changes nothing
    }
}

TEST_CASE("a release with nothing to ship, or a program without its component, is not approved",
          "[gate]") {
    TestEnv env;
    env.say("alice",
            "release plan web-2026.12 \"Web\" at 2026-12-10 14:00 program web program api");
    test::tick_open_controls(env, "web-2026.12", "bob");
    env.say("bob", "plan add web-2026.12 deploy \"Deploy\"");
    env.say("bob", "plan add web-2026.12 backout \"Roll back\"");

    std::string go = env.say("alice", "release go web-2026.12");
    CHECK_THAT(go, Contains("No go"));
    CHECK_THAT(go, Contains("Nothing ships"));
    CHECK(state(env) == "planned");

    env.say("bob", "release add web-2026.12 web/frontend@4.2.0 url https://a.example/f.tgz");
    go = env.say("alice", "release go web-2026.12");
    CHECK_THAT(go, Contains("Program api has no component"));
    // Either give it one, or take the program off if it was never meant to ship.
    CHECK_THAT(go, Contains("release program remove web-2026.12 api"));
    CHECK_THAT(go, Contains("has an artifact URL but no SHA-256"));

    env.say("bob", "release add web-2026.12 api/gateway@2.9.1");
    env.say("bob", std::string("release add web-2026.12 web/frontend@4.2.0 sha256 ") + kSha);
    // The artifacts changed after bob ticked package-integrity: that check is stale now.
    go = env.say("alice", "release go web-2026.12");
    CHECK_THAT(go, Contains("Control 4 `package-integrity`"));
    env.say("bob", "control tick web-2026.12 package-integrity \"checksums match\"");
    CHECK_THAT(env.say("alice", "release go web-2026.12"), Contains("is approved"));
}

TEST_CASE(
    "a freeze added over an approved window withdraws the approval, and a manager can "
    "approve through it",
    "[gate][freeze]") {
    TestEnv env;
    approved_release(env);
    env.say("alice", "freeze add 2026-12-10 00:00 to 2026-12-11 00:00 \"Audit week\"");
    CHECK(state(env) == "planned");
    CHECK_THAT(last_unapproval(env), Contains("Audit week"));

    // What every view shows: not approved, with the freeze as the blocker.
    const std::string shown = env.say("bob", "release show web-2026.12");
    CHECK_THAT(shown, !Contains("approved — nothing blocks it"));
    CHECK_THAT(shown, Contains("Audit week"));

    // No deadlock: the override the blocker suggests works.
    CHECK_THAT(env.say("alice", "release go web-2026.12 override \"Security fix, CAB approved\""),
               Contains("is approved"));
    CHECK(state(env) == "approved");
    CHECK(env.count("SELECT count(*) FROM audit_log WHERE action = 'release.freeze_override'") ==
          1);
}

TEST_CASE("a release starts in its window, or outside it by a manager's override",
          "[gate][start]") {
    TestEnv env;
    approved_release(env);  // 2026-12-10 14:00 for 2h; it is now 2026-12-01 09:00

    const std::string early = env.say("alice", "release start web-2026.12");
    CHECK_THAT(early, Contains("cannot start now"));
    CHECK_THAT(early, Contains("override \"<reason>\""));
    CHECK(state(env) == "approved");

    SECTION("in the window") {
        env.clock().set(test::utc("2026-12-10 13:50"));
        CHECK_THAT(env.say("alice", "release start web-2026.12"), Contains("is deploying"));
        CHECK(state(env) == "deploying");
    }
    SECTION("a manager overrides, and the audit keeps why") {
        CHECK_THAT(env.say("alice", "release start web-2026.12 override \"Customer outage\""),
                   Contains("is deploying"));
        CHECK(state(env) == "deploying");
        CHECK_THAT(env.text("SELECT detail FROM audit_log WHERE action = 'release.start_override'"),
                   Contains("Customer outage"));
    }
    SECTION("the lead before the window is the deployment's to set") {
        env.clock().set(test::utc("2026-12-10 13:20"));
        CHECK_THAT(env.say("alice", "release start web-2026.12"), Contains("cannot start now"));
        env.pipeline().set_start_lead(std::chrono::hours(1));
        CHECK_THAT(env.say("alice", "release start web-2026.12"), Contains("is deploying"));
    }
    SECTION("after the window closed") {
        env.clock().set(test::utc("2026-12-10 16:30"));
        CHECK_THAT(env.say("alice", "release start web-2026.12"), Contains("closed"));
        CHECK(state(env) == "approved");
    }
}

TEST_CASE("a verification holds only for the artifacts it checked", "[gate][verify]") {
    TestEnv env;
    approved_release(env);  // bob ticked package-integrity among the seven
    env.say("bob", std::string("release add web-2026.12 web/app@1.0.0 url "
                               "https://a.example/app-1.0.0.tgz sha256 ") +
                       kSha);
    CHECK(env.text("SELECT status FROM release_controls WHERE slug = 'package-integrity'") ==
          "open");
    CHECK_THAT(env.text("SELECT detail FROM audit_log WHERE action = 'control.untick' ORDER BY id "
                        "DESC LIMIT 1"),
               Contains("the verification is stale"));
}

TEST_CASE("a version bump drops the old version's artifact URL and checksum, and says so",
          "[gate][component]") {
    TestEnv env;
    env.say("alice", "release plan web-2026.12 \"Web\" at 2026-12-10 14:00");
    env.say("alice", std::string("release add web-2026.12 api/gateway@2.9.1 url "
                                 "https://a.example/gateway-2.9.1.tgz sha256 ") +
                         kSha);
    const std::string bump = env.say("alice", "release add web-2026.12 api/gateway@2.9.2");
    CHECK_THAT(bump, Contains("The artifact URL and SHA-256 of 2.9.1 were dropped"));
    CHECK(env.count("SELECT count(*) FROM components WHERE version = '2.9.2' AND artifact_url IS "
                    "NULL AND sha256 IS NULL") == 1);
}

TEST_CASE("a window that overlaps another release of the same program asks to confirm",
          "[gate][collision]") {
    TestEnv env;
    env.say("alice", "release plan web-1 \"Web\" at 2026-12-10 14:00 for 2h env prod program web");
    const std::string asked =
        env.say("bob", "release plan web-2 \"Hotfix\" at 2026-12-10 15:00 env prod program web");
    CHECK_THAT(asked, Contains("Please confirm"));
    CHECK_THAT(asked, Contains("overlaps web-1"));
    CHECK(env.count("SELECT count(*) FROM releases WHERE key = 'web-2'") == 0);
    env.say("bob", "yes");
    CHECK(env.count("SELECT count(*) FROM releases WHERE key = 'web-2'") == 1);

    // Another environment, or another program, is no collision.
    CHECK_THAT(env.say("bob",
                       "release plan web-3 \"Stage\" at 2026-12-10 15:00 env staging "
                       "program web"),
               Contains("Planned"));
    CHECK_THAT(env.say("bob",
                       "release plan api-1 \"API\" at 2026-12-10 15:00 env prod "
                       "program api"),
               Contains("Planned"));
    // Moving into it asks too, and `no` changes nothing.
    CHECK_THAT(env.say("bob", "release move api-1 to 2026-12-11 14:00"), Contains("Moved"));
    env.say("alice", "release plan web-4 \"Later\" at 2026-12-12 14:00 env prod program web");
    CHECK_THAT(env.say("alice", "release move web-4 to 2026-12-10 14:30"),
               Contains("Please confirm"));
    env.say("alice", "no");
    CHECK(
        env.text("SELECT datetime(window_start, 'unixepoch') FROM releases WHERE key = 'web-4'") ==
        "2026-12-12 14:00:00");
}

}  // namespace
}  // namespace releasebot
