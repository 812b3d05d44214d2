// `release …` commands through the real pipeline on an in-memory database.
#include <catch2/catch.hpp>

#include "support/test_env.hpp"

using namespace releasebot;
using namespace releasebot::test;
using Catch::Matchers::Contains;

namespace {

const char* kPlanWebAndApi =
    "release plan web-2026.12 \"Web December\" at 2026-12-10 14:00 for 2h program web program api";

// Ticks every mandatory control people tick and writes both plans (releasebot ticks the rest),
// so `release go` passes.
void make_ready(TestEnv& env, const std::string& key = "web-2026.12") {
    test::add_components(env, key);
    test::tick_open_controls(env, key, "alice");
    REQUIRE_THAT(env.say("alice", "plan add " + key + " deploy \"Deploy API\" owner @bob takes 30m"),
                 !Contains("rror"));
    env.say("alice", "plan add " + key + " deploy \"Deploy web\" takes 20m");
    env.say("alice", "plan add " + key + " backout \"Roll back API\"");
}

}  // namespace

TEST_CASE("release plan stores the window in UTC and shows it in the reader's zone", "[release]") {
    TestEnv env;
    env.zone = "Europe/Berlin";
    auto out = env.say("alice", kPlanWebAndApi);
    CHECK_THAT(out, Contains("Planned web-2026.12 — Web December"));
    CHECK_THAT(out, Contains("Thu 10 Dec 2026 14:00 CET – 16:00 (2h)"));
    CHECK_THAT(out, Contains("7 controls to tick"));
    // 14:00 in Berlin in December is 13:00 UTC.
    CHECK(env.count("SELECT window_start FROM releases WHERE key='web-2026.12'") ==
          utc("2026-12-10 13:00").time_since_epoch().count());
    CHECK(env.count("SELECT duration_s FROM releases") == 7200);
    CHECK(env.count("SELECT count(*) FROM release_programs") == 2);
    CHECK(env.count("SELECT count(*) FROM release_controls") == 7);
    CHECK(env.count("SELECT count(*) FROM audit_log WHERE action='release.plan'") == 1);

    SECTION("a reader in New York sees the same window in their zone") {
        env.zone = "America/New_York";
        CHECK_THAT(env.say("bob", "release show web-2026.12"),
                   Contains("Thu 10 Dec 2026 08:00 EST – 10:00 (2h)"));
    }
    SECTION("keys are unique, case-insensitively") {
        auto again = env.say("bob", "release plan WEB-2026.12 \"Other\" at 2026-12-11 10:00");
        CHECK_THAT(again, Contains("A release `web-2026.12` already exists"));
        CHECK(env.count("SELECT count(*) FROM releases") == 1);
    }
}

TEST_CASE("release plan refuses bad times and says what to type", "[release]") {
    TestEnv env;
    CHECK_THAT(env.say("alice", "release plan x \"T\" at 2026-11-30 10:00"),
               Contains("which is in the past"));
    CHECK_THAT(env.say("alice", "release plan x \"T\" at next blursday"),
               Contains("Could not read the time `next blursday`"));
    CHECK(env.count("SELECT count(*) FROM releases") == 0);
}

TEST_CASE("relative times plan from the current clock", "[release]") {
    TestEnv env;  // 2026-12-01 09:00 UTC, a Tuesday
    env.say("alice", "release plan x \"T\" at in 3h");
    env.say("alice", "release plan y \"T\" at tomorrow at 14:30");
    env.say("alice", "release plan z \"T\" at fri 10:00");
    CHECK(env.count("SELECT window_start FROM releases WHERE key='x'") ==
          utc("2026-12-01 12:00").time_since_epoch().count());
    CHECK(env.count("SELECT window_start FROM releases WHERE key='y'") ==
          utc("2026-12-02 14:30").time_since_epoch().count());
    CHECK(env.count("SELECT window_start FROM releases WHERE key='z'") ==
          utc("2026-12-04 10:00").time_since_epoch().count());
}

TEST_CASE("planning inside a freeze is refused unless a manager overrides", "[release][freeze]") {
    TestEnv env;
    env.say("alice", "release list");  // alice is the first user: manager
    REQUIRE_THAT(env.say("alice", "freeze add 2026-12-20 00:00 to 2027-01-04 00:00 \"Holidays\""),
                 !Contains("rror"));
    auto refused = env.say("bob", "release plan x \"T\" at 2026-12-24 10:00");
    CHECK_THAT(refused, Contains("That window overlaps the freeze \"Holidays\""));
    CHECK_THAT(refused, Contains("override \"<reason>\""));
    CHECK(env.count("SELECT count(*) FROM releases") == 0);

    auto member_override = env.say("bob", "release plan x \"T\" at 2026-12-24 10:00 override \"Urgent\"");
    CHECK_THAT(member_override, Contains("Only a manager can override the freeze for x"));
    CHECK(env.count("SELECT count(*) FROM releases") == 0);

    auto ok = env.say("alice", "release plan x \"T\" at 2026-12-24 10:00 override \"Security fix\"");
    CHECK_THAT(ok, Contains("Planned x"));
    CHECK(env.text("SELECT freeze_override FROM releases WHERE key='x'") == "Security fix");

    SECTION("moving into a freeze is refused too") {
        env.say("bob", "release plan y \"T\" at 2026-12-15 10:00");
        CHECK_THAT(env.say("bob", "release move y to 2026-12-28 10:00"),
                   Contains("overlaps the freeze"));
        CHECK(env.count("SELECT window_start FROM releases WHERE key='y'") ==
              utc("2026-12-15 10:00").time_since_epoch().count());
    }
}

TEST_CASE("release add records components and joins their program", "[release]") {
    TestEnv env;
    env.say("alice", kPlanWebAndApi);
    CHECK_THAT(env.say("bob", "release add web-2026.12 web/frontend@4.2.0"),
               Contains("Added web/frontend 4.2.0 to web-2026.12."));
    CHECK_THAT(env.say("bob", "release add web-2026.12 mobile/app@7.1"),
               Contains("Program mobile joins the release."));
    auto upd = env.say("bob", "release add web-2026.12 web/frontend@4.2.1 sha256 " +
                                  std::string(64, 'a'));
    CHECK_THAT(upd, Contains("Updated web/frontend on web-2026.12 from 4.2.0 to 4.2.1."));
    CHECK(env.count("SELECT count(*) FROM components") == 2);
    CHECK(env.text("SELECT version FROM components WHERE name='frontend'") == "4.2.1");
    CHECK(env.count("SELECT count(*) FROM release_programs") == 3);
    CHECK_THAT(env.say("bob", "release show web-2026.12"), Contains("4.2.1"));
}

TEST_CASE("release go lists the exact blockers, then approves", "[release][gate]") {
    TestEnv env;
    env.say("alice", kPlanWebAndApi);
    auto no_go = env.say("alice", "release go web-2026.12");
    CHECK_THAT(no_go, Contains("No go for web-2026.12: 6 blockers."));
    CHECK_THAT(no_go, Contains("Nothing ships: the release has no components"));
    CHECK_THAT(no_go, Contains("Control 4 `package-integrity` (Package integrity verified) is not "
                               "ticked"));
    // The controls releasebot keeps are not blockers of their own: what they stand for is.
    CHECK_THAT(no_go, !Contains("`deployment-plan`"));
    CHECK_THAT(no_go, Contains("control tick web-2026.12 business-signoff"));
    CHECK_THAT(no_go, Contains("There is no deployment plan"));
    CHECK_THAT(no_go, Contains("There is no backout plan"));
    CHECK(env.text("SELECT state FROM releases") == "planned");
    CHECK(env.count("SELECT count(*) FROM audit_log WHERE action='release.go'") == 0);

    SECTION("only managers decide go") {
        make_ready(env);
        CHECK_THAT(env.say("bob", "release go web-2026.12"),
                   Contains("Only a manager can use `release go`; you are a member."));
        CHECK(env.text("SELECT state FROM releases") == "planned");
    }
    SECTION("go clear approves") {
        make_ready(env);
        CHECK_THAT(env.say("alice", "release go web-2026.12"),
                   Contains("Go: web-2026.12 is approved for Thu 10 Dec 2026 14:00 UTC – 16:00"));
        CHECK(env.text("SELECT state FROM releases") == "approved");
        CHECK_THAT(env.say("alice", "release go web-2026.12"), Contains("already approved"));
    }
}

TEST_CASE("the deployment is walked step by step, in order of states", "[release]") {
    TestEnv env;
    env.say("alice", kPlanWebAndApi);
    make_ready(env);

    CHECK_THAT(test::start_in_window(env, "alice", "web-2026.12"),
               Contains("web-2026.12 is not approved yet; run `release go web-2026.12` first"));
    CHECK_THAT(env.say("bob", "release step web-2026.12 1 done"),
               Contains("web-2026.12 is planned; `release step` needs it to be deploying"));
    env.say("alice", "release go web-2026.12");
    CHECK_THAT(env.say("bob", "release start web-2026.12"),
               Contains("Only a manager can use `release start`"));

    auto started = test::start_in_window(env, "alice", "web-2026.12");
    CHECK_THAT(started, Contains("web-2026.12 is deploying"));
    CHECK_THAT(started, Contains("[>] 1. Deploy API"));
    CHECK(env.text("SELECT state FROM releases") == "deploying");

    CHECK_THAT(env.say("alice", "plan add web-2026.12 deploy \"Late step\""), Contains("deploying"));
    CHECK_THAT(env.say("bob", "release step web-2026.12 9 done"),
               Contains("Step 9 does not exist: the deploy plan of web-2026.12 has 2 steps."));
    CHECK_THAT(env.say("bob", "release step web-2026.12 1 done \"API healthy\""),
               Contains("Step 1 of the deploy plan done: Deploy API."));
    CHECK_THAT(env.say("bob", "release step web-2026.12 1 done"), Contains("already done"));
    CHECK_THAT(env.say("alice", "release done web-2026.12"),
               Contains("The deploy plan still has open step 2."));
    CHECK_THAT(env.say("bob", "release step web-2026.12 2 skip"),
               Contains("Every deploy step is marked. Close it with `release done web-2026.12`."));
    env.clock().advance(std::chrono::minutes(50));
    CHECK_THAT(env.say("alice", "release done web-2026.12"),
               Contains("web-2026.12 is deployed, in 50m."));
    CHECK(env.text("SELECT state FROM releases") == "deployed");
    CHECK(env.text("SELECT note FROM plan_steps WHERE position=1 AND plan='deploy'") ==
          "API healthy");
    CHECK(env.text("SELECT done_by FROM plan_steps WHERE position=1 AND plan='deploy'") == "bob");
    CHECK_THAT(env.say("alice", "release cancel web-2026.12"),
               Contains("web-2026.12 is deployed; `release cancel` needs it to be planned or "
                        "approved."));
}

TEST_CASE("a failed step leads to the backout plan, after confirmation", "[release]") {
    TestEnv env;
    env.say("alice", kPlanWebAndApi);
    make_ready(env);
    env.say("alice", "release go web-2026.12");
    test::start_in_window(env, "alice", "web-2026.12");
    auto failed = env.say("bob", "release step web-2026.12 1 fail \"5xx spike\"");
    CHECK_THAT(failed, Contains("Step 1 of the deploy plan FAILED: Deploy API."));
    CHECK_THAT(failed, Contains("release backout web-2026.12"));
    CHECK_THAT(env.say("alice", "release done web-2026.12"), Contains("open step 2"));

    CHECK_THAT(env.say("bob", "release backout web-2026.12 \"5xx\""),
               Contains("Only a manager can use `release backout`"));
    auto preview = env.say("alice", "release backout web-2026.12 \"5xx spike\"");
    CHECK_THAT(preview, Contains("Please confirm: back out web-2026.12"));
    CHECK_THAT(preview, Contains("yes"));
    CHECK(env.text("SELECT active_plan FROM releases") == "deploy");

    auto backing = env.say("alice", "yes");
    CHECK_THAT(backing, Contains("Backing out web-2026.12"));
    CHECK_THAT(backing, Contains("[>] 1. Roll back API"));
    CHECK(env.text("SELECT active_plan FROM releases") == "backout");
    CHECK(env.text("SELECT state_reason FROM releases") == "5xx spike");
    CHECK_THAT(env.say("alice", "yes"), Contains("Nothing is waiting for your confirmation."));

    env.say("bob", "release step web-2026.12 1 done");
    CHECK_THAT(env.say("alice", "release done web-2026.12"), Contains("is backed out"));
    CHECK(env.text("SELECT state FROM releases") == "backed-out");
}

TEST_CASE("release cancel needs the owner or a manager, and a confirmation", "[release]") {
    TestEnv env;
    env.say("alice", "release list");  // alice: manager
    env.say("bob", "release plan b1 \"Bob's\" at 2026-12-10 10:00");
    env.say("bob", "release plan b2 \"Bob's other\" at 2026-12-11 10:00");
    CHECK_THAT(env.say("carol", "release cancel b1"),
               Contains("Only a manager can cancel a release someone else owns"));

    CHECK_THAT(env.say("bob", "release cancel b1 \"Merged into b2\""),
               Contains("Please confirm: cancel b1"));
    CHECK(env.text("SELECT state FROM releases WHERE key='b1'") == "planned");
    CHECK_THAT(env.say("bob", "no"), Contains("Dropped: cancel b1"));
    CHECK(env.text("SELECT state FROM releases WHERE key='b1'") == "planned");

    env.say("bob", "release cancel b1 \"Merged into b2\"");
    CHECK_THAT(env.say("bob", "yes"), Contains("Cancelled b1"));
    CHECK(env.text("SELECT state FROM releases WHERE key='b1'") == "cancelled");
    CHECK(env.text("SELECT state_reason FROM releases WHERE key='b1'") == "Merged into b2");

    SECTION("a confirmation button does what `yes` does") {
        env.say("alice", "release cancel b2");
        auto pressed = env.press("alice", "command", "yes");
        CHECK_THAT(pressed.reply.text, Contains("Cancelled *b2*"));
        CHECK(env.text("SELECT state FROM releases WHERE key='b2'") == "cancelled");
        // The owner hears about it by direct message.
        CHECK(env.count("SELECT count(*) FROM outbox WHERE kind = 'post' AND payload LIKE "
                        "'%cancelled%'") == 1);
    }
    SECTION("a confirmation expires") {
        env.say("alice", "release cancel b2");
        env.clock().advance(std::chrono::minutes(11));
        CHECK_THAT(env.say("alice", "yes"), Contains("expired after 10 minutes"));
        CHECK(env.text("SELECT state FROM releases WHERE key='b2'") == "planned");
    }
}

TEST_CASE("an approved release returns to planned when a blocker reappears", "[release][gate]") {
    TestEnv env;
    env.say("alice", kPlanWebAndApi);
    make_ready(env);
    env.say("alice", "release go web-2026.12");
    REQUIRE(env.text("SELECT state FROM releases") == "approved");
    env.say("alice", "freeze add 2026-12-10 00:00 to 2026-12-11 00:00 \"Board visit\"");
    // Only its owner or a manager may move it.
    CHECK_THAT(env.say("bob", "release move web-2026.12 to 2026-12-12 14:00"),
               Contains("Only a manager can move a release someone else owns"));
    auto moved = env.say("alice", "release move web-2026.12 to 2026-12-12 14:00");
    CHECK_THAT(moved, Contains("Moved web-2026.12"));
    // A new window is not what was approved: approve it again.
    CHECK(env.text("SELECT state FROM releases") == "planned");
    CHECK_THAT(env.say("alice", "release go web-2026.12"), Contains("is approved"));
    SECTION("a freeze that lands on the window withdraws the approval, so it cannot start") {
        env.say("alice", "freeze add 2026-12-12 00:00 to 2026-12-13 00:00 \"Launch event\"");
        CHECK(env.text("SELECT state FROM releases") == "planned");
        CHECK_THAT(test::start_in_window(env, "alice", "web-2026.12"),
                   Contains("web-2026.12 is not approved yet"));
        CHECK_THAT(env.say("alice", "release go web-2026.12"),
                   Contains("The window overlaps the freeze \"Launch event\""));
    }
}

TEST_CASE("release list and calendar show what is coming", "[release]") {
    TestEnv env;
    env.say("alice", kPlanWebAndApi);
    env.say("alice", "release plan later \"Later\" at 2027-03-01 10:00 program mobile");
    env.say("alice", "freeze add weekly fri 12:00-23:59 \"No Friday deploys\"");
    auto list = env.say("bob", "release list");
    CHECK_THAT(list, Contains("web-2026.12"));
    CHECK_THAT(list, Contains("planned (6 blockers)"));
    CHECK_THAT(env.say("bob", "release list program mobile"), !Contains("web-2026.12"));
    CHECK_THAT(env.say("bob", "release list past"), Contains("No past releases."));

    auto cal = env.say("bob", "release calendar");
    CHECK_THAT(cal, Contains("Release calendar, 2026-12-01 to 2026-12-29 (UTC)"));
    CHECK_THAT(cal, Contains("2026-12-10 14:00"));
    CHECK_THAT(cal, Contains("No Friday deploys (weekly)"));
    CHECK_THAT(cal, Contains("2026-12-04 12:00"));
    CHECK_THAT(cal, !Contains("Later"));
}

TEST_CASE("an unknown release gets a suggestion", "[release]") {
    TestEnv env;
    env.say("alice", kPlanWebAndApi);
    CHECK(env.say("bob", "release show web-2026.11") ==
          "There is no release `web-2026.11` here. Did you mean `web-2026.12`? Type `release "
          "list` to see the releases.\n");
}

TEST_CASE("a marked step can be corrected, and the audit keeps what each mark replaced",
          "[release][steps]") {
    TestEnv env;
    env.say("alice", kPlanWebAndApi);
    make_ready(env);
    env.say("alice", "release go web-2026.12");
    test::start_in_window(env, "alice", "web-2026.12");
    auto step = [&](const std::string& column, int n = 1) {
        return env.text(
            "SELECT coalesce(" + column +
            ", '') FROM plan_steps WHERE plan='deploy' AND position=" + std::to_string(n));
    };
    REQUIRE_THAT(env.say("bob", "release step web-2026.12 1 fail \"gateway 502s\""),
                 Contains("FAILED"));

    SECTION("a failed step is retried: pending again, with the failure in the audit") {
        env.clock().advance(std::chrono::minutes(5));
        CHECK_THAT(env.say("bob", "release step web-2026.12 1 retry \"restarted the pods\""),
                   Contains("Step 1 of the deploy plan is pending again: Deploy API."));
        CHECK(step("status") == "pending");
        CHECK(step("done_by") == "");
        CHECK(step("note") == "restarted the pods");
        CHECK(env.text("SELECT detail FROM audit_log WHERE action='step.retry'") ==
              "deploy step 1 \"Deploy API\": \"restarted the pods\" (was failed by @bob "
              "2026-12-10 13:50 UTC, note \"gateway 502s\")");
        // Pending again, it is marked like any pending step.
        CHECK_THAT(env.say("bob", "release step web-2026.12 1 done"),
                   Contains("Step 1 of the deploy plan done: Deploy API."));
        CHECK_THAT(env.say("bob", "release step web-2026.12 1 retry"),
                   Contains("Step 1 of the deploy plan is already done (by @bob at"));
    }
    SECTION("a failed step is marked done after a fix by hand") {
        CHECK_THAT(env.say("bob", "release step web-2026.12 1 done \"fixed the config by hand\""),
                   Contains("Step 1 of the deploy plan done: Deploy API. It had failed; it is "
                            "marked done now."));
        CHECK(step("status") == "done");
        CHECK(step("note") == "fixed the config by hand");
        CHECK(env.text("SELECT detail FROM audit_log WHERE action='step.done'") ==
              "deploy step 1 \"Deploy API\": \"fixed the config by hand\" (was failed by @bob "
              "2026-12-10 13:50 UTC, note \"gateway 502s\")");
        // Both marks are in the audit, in order.
        CHECK(env.count("SELECT count(*) FROM audit_log WHERE action IN ('step.failed', "
                        "'step.done')") == 2);
    }
    SECTION("a done step that went wrong after all is marked failed") {
        env.say("bob", "release step web-2026.12 1 retry");
        env.say("bob", "release step web-2026.12 1 done \"API healthy\"");
        auto failed = env.say("alice", "release step web-2026.12 1 fail \"errors came back\"");
        CHECK_THAT(failed, Contains("Step 1 of the deploy plan FAILED: Deploy API. It was marked "
                                    "done by @bob before."));
        CHECK_THAT(failed, Contains("release backout web-2026.12"));
        CHECK(step("status") == "failed");
        CHECK(step("done_by") == "alice");
        CHECK_THAT(env.text("SELECT detail FROM audit_log WHERE action='step.failed' ORDER BY id "
                            "DESC LIMIT 1"),
                   Contains("(was done by @bob 2026-12-10 13:50 UTC, note \"API healthy\")"));
        // `release done` sees the failure.
        env.say("bob", "release step web-2026.12 2 done");
        CHECK_THAT(env.say("alice", "release done web-2026.12"), Contains("Deploy step 1 failed"));
    }
    SECTION("a mark that makes no sense is refused, says what can be done, and changes nothing") {
        const auto audits = env.count("SELECT count(*) FROM audit_log");
        CHECK_THAT(env.say("bob", "release step web-2026.12 1 fail"),
                   Contains("Step 1 of the deploy plan is already failed (by @bob at 13:50). "
                            "Run it again with `release step web-2026.12 1 retry`, or once it "
                            "is fixed by hand mark it done: `release step web-2026.12 1 done "
                            "\"<what you did>\"`."));
        CHECK_THAT(env.say("bob", "release step web-2026.12 1 skip"), Contains("already failed"));
        CHECK_THAT(env.say("bob", "release step web-2026.12 2 retry"),
                   Contains("Step 2 of the deploy plan is pending, not failed, so there is "
                            "nothing to retry."));
        env.say("bob", "release step web-2026.12 2 skip");
        const auto after_skip = env.count("SELECT count(*) FROM audit_log");
        CHECK_THAT(env.say("bob", "release step web-2026.12 2 done"),
                   Contains("is already skipped"));
        CHECK(env.count("SELECT count(*) FROM audit_log") == after_skip);
        CHECK(after_skip == audits + 1);
        CHECK(step("status") == "failed");
    }
}

TEST_CASE("a failed backout step ends the release as backout failed, loudly", "[release][steps]") {
    TestEnv env;
    env.say("alice", "release list");  // alice: manager
    env.say("bob", kPlanWebAndApi);    // bob owns the release
    make_ready(env);
    env.say("alice", "release go web-2026.12");
    test::start_in_window(env, "alice", "web-2026.12");
    env.say("carol", "release step web-2026.12 2 fail \"5xx\"");
    env.say("alice", "release backout web-2026.12 \"5xx\"");
    env.say("alice", "yes");

    auto failed = env.say("carol", "release step web-2026.12 1 fail \"rollback script died\"");
    CHECK_THAT(failed, Contains("Step 1 of the backout plan FAILED: Roll back API."));
    CHECK_THAT(failed, Contains("Production may be half rolled back."));
    // The owner is paged at once.
    CHECK(env.count("SELECT count(*) FROM outbox WHERE destination LIKE '%\"user\":\"bob\"%' AND "
                    "payload LIKE '%Backout step 1 of *web-2026.12* FAILED%'") == 1);
    CHECK(env.text("SELECT state FROM releases") == "deploying");

    auto closed = env.say("alice", "release done web-2026.12");
    CHECK_THAT(closed, Contains("web-2026.12: BACKOUT FAILED. Backout step 1 failed, so "
                                "production may be half rolled back."));
    CHECK_THAT(closed, Contains("No early life support was started."));
    CHECK(env.text("SELECT state FROM releases") == "backout-failed");
    CHECK(env.text("SELECT coalesce(els_until, '') FROM releases") == "");
    CHECK(env.count("SELECT count(*) FROM scheduled_jobs WHERE status='pending' AND kind LIKE "
                    "'%els%'") == 0);
    CHECK(env.count("SELECT count(*) FROM outbox WHERE destination LIKE '%\"user\":\"bob\"%' AND "
                    "payload LIKE '%BACKOUT FAILED%'") == 1);
    CHECK(env.text("SELECT detail FROM audit_log WHERE action='release.done'") ==
          "backout-failed, backout step 1 failed");

    auto shown = env.say("bob", "release show web-2026.12");
    CHECK_THAT(shown, Contains("BACKOUT FAILED"));
    CHECK_THAT(shown, Contains("production may be half rolled back"));
    // The status message says it too.
    CHECK(env.count("SELECT count(*) FROM outbox WHERE kind='status' AND payload LIKE "
                    "'%BACKOUT FAILED%'") >= 1);
    CHECK_THAT(env.say("bob", "release list past"), Contains("web-2026.12"));
    CHECK_THAT(env.say("bob", "release step web-2026.12 1 retry"),
               Contains("web-2026.12 is backout-failed; `release step` needs it to be deploying"));

    SECTION("a backout whose failed step was retried and done closes as backed out") {
        // Not this release: a second one whose failure was fixed.
        env.say("bob", "release plan api-2026.12 \"API\" at 2026-12-11 14:00");
        make_ready(env, "api-2026.12");
        env.say("alice", "release go api-2026.12");
        test::start_in_window(env, "alice", "api-2026.12");
        env.say("alice", "release backout api-2026.12");
        env.say("alice", "yes");
        env.say("carol", "release step api-2026.12 1 fail");
        env.say("carol", "release step api-2026.12 1 retry");
        env.say("carol", "release step api-2026.12 1 done");
        CHECK_THAT(env.say("bob", "release done api-2026.12"), Contains("is backed out"));
        CHECK(env.text("SELECT state FROM releases WHERE key='api-2026.12'") == "backed-out");
    }
}

TEST_CASE("a step with an owner is marked only by its owner or a manager", "[release][steps]") {
    TestEnv env;
    env.say("alice", "release list");  // alice: manager
    env.say("alice", "role grant @appr approver");
    env.say("bob", kPlanWebAndApi);
    make_ready(env);  // step 1 is owned by bob, step 2 by nobody
    env.say("alice", "release go web-2026.12");
    test::start_in_window(env, "alice", "web-2026.12");

    for (const char* user : {"carol", "appr", "stranger"}) {
        CAPTURE(user);
        auto out = env.run(user, "release step web-2026.12 1 done");
        CHECK(out.reply.is_error);
        CHECK_THAT(out.reply.text,
                   Contains("Only <@bob>, who owns deploy step 1 of web-2026.12, or a manager can "
                            "mark it"));
        CHECK(env.text("SELECT status FROM plan_steps WHERE plan='deploy' AND position=1") ==
              "pending");
    }
    // The step without an owner is open to every member.
    CHECK_THAT(env.say("carol", "release step web-2026.12 2 done"), Contains("done"));
    CHECK_THAT(env.say("bob", "release step web-2026.12 1 fail"), Contains("FAILED"));
    CHECK_THAT(env.say("carol", "release step web-2026.12 1 retry"), Contains("Only @bob"));
    CHECK_THAT(env.say("alice", "release step web-2026.12 1 retry"), Contains("pending again"));
}

TEST_CASE("a window needs a clock time, and one in a DST gap says which time was used",
          "[release][time]") {
    TestEnv env;
    auto vague = env.run("alice", "release plan spring \"Spring\" at tomorrow");
    CHECK(vague.reply.is_error);
    CHECK_THAT(vague.reply.text, Contains("tomorrow at what time? e.g. `tomorrow 14:00`"));
    CHECK(env.count("SELECT count(*) FROM releases") == 0);

    auto gap = env.say("alice", "release plan spring \"Spring\" at 2027-03-28 02:30 Europe/Berlin");
    CHECK_THAT(gap, Contains("Planned spring"));
    CHECK_THAT(gap, Contains("2027-03-28 02:30 does not exist in Europe/Berlin: the clocks jump "
                             "from 02:00 to 03:00 that night. Used Sun 28 Mar 2027 03:30 CEST."));
    CHECK(env.count("SELECT window_start FROM releases WHERE key='spring'") ==
          utc("2027-03-28 01:30").time_since_epoch().count());
    // An ordinary time gets no such note.
    CHECK_THAT(env.say("alice", "release plan summer \"Summer\" at 2027-06-01 14:00"),
               !Contains("does not exist"));
}
