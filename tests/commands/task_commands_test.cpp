// Tests of `my tasks`: open controls owned by a person or by a role they hold, pending plan
// steps they own, in releases still in play, soonest first, each with its command.
#include <catch2/catch.hpp>

#include "support/plans.hpp"
#include "support/test_env.hpp"

using Catch::Matchers::Contains;
using releasebot::test::plan_web;
using releasebot::test::TestEnv;

namespace {

void plan_two_releases(TestEnv& env) {
    plan_web(env);
    REQUIRE_THAT(env.say("alice",
                         "release plan api-2026.12 \"API December\" at 2026-12-08 "
                         "09:00 for 1h program api"),
                 Contains("api-2026.12"));
    env.say("alice", "role grant @carol approver");
    // ops-ready of web is owned by every approver; dana owns a deploy step of each release.
    env.say("alice", "control edit ops-ready owner approver in web-2026.12");
    REQUIRE(env.text("SELECT owner FROM release_controls WHERE slug = 'ops-ready' AND release_id "
                     "= (SELECT id FROM releases WHERE key = 'web-2026.12')") == "role:approver");
    env.say("alice",
            "plan add web-2026.12 deploy \"Switch traffic to blue\" owner @dana takes 15m");
    env.say("alice", "plan add api-2026.12 deploy \"Run migrations\" owner @dana");
    env.say("alice", "plan add api-2026.12 deploy \"Smoke test\" owner @erin");
}

}  // namespace

TEST_CASE("my tasks lists a control owned by the approver role to an approver", "[tasks]") {
    TestEnv env;
    plan_two_releases(env);

    std::string out = env.say("carol", "my tasks");
    CHECK_THAT(out, Contains("Your tasks: 1 task"));
    CHECK_THAT(out, Contains("web-2026.12 Web December — Thu 10 Dec 2026 14:00 UTC · planned"));
    CHECK_THAT(out, Contains("[ ] Control 6 `ops-ready`"));
    CHECK_THAT(out, Contains("owned by any approver — `control tick web-2026.12 ops-ready`"));
    CHECK_THAT(out, !Contains("api-2026.12"));
    CHECK_THAT(out, !Contains("Switch traffic"));

    SECTION("a ticked control is no longer a task") {
        env.say("carol", "control tick web-2026.12 ops-ready");
        CHECK_THAT(env.say("carol", "my tasks"), Contains("Nothing on your plate."));
    }
    SECTION("a cancelled release's controls are no longer tasks") {
        env.db().exec("UPDATE releases SET state = 'cancelled' WHERE key = 'web-2026.12'");
        CHECK_THAT(env.say("carol", "my tasks"), Contains("Nothing on your plate."));
    }
}

TEST_CASE("my tasks lists steps a person owns, soonest release first", "[tasks]") {
    TestEnv env;
    plan_two_releases(env);

    std::string out = env.say("dana", "my tasks");
    CHECK_THAT(out, Contains("Your tasks: 2 tasks"));
    CHECK_THAT(out, Contains("[ ] deploy step 1: Run migrations — in the window: `release step "
                             "api-2026.12 1 done`"));
    CHECK_THAT(out, Contains("[ ] deploy step 1: Switch traffic to blue (15m) — in the window: "
                             "`release step web-2026.12 1 done`"));
    // api's window (8 Dec) comes before web's (10 Dec).
    CHECK(out.find("api-2026.12") < out.find("web-2026.12"));
    CHECK_THAT(out, !Contains("Smoke test"));
    CHECK_THAT(out, !Contains("ops-ready"));
}

TEST_CASE("my tasks shows nothing to people who own nothing", "[tasks]") {
    TestEnv env;
    plan_two_releases(env);

    // bob is a member: a control owned by approvers is not his, nor are dana's steps.
    std::string out = env.say("bob", "my tasks");
    CHECK(out ==
          "Nothing on your plate.\n"
          "  Controls and plan steps you own in planned, approved or deploying releases show up "
          "here. See what is coming with `release list`.\n");
    CHECK_THAT(env.say("erin", "my tasks"), Contains("Smoke test"));
    CHECK_THAT(env.say("erin", "my tasks"), !Contains("Run migrations"));
}

TEST_CASE("my tasks lists a control owned by the person", "[tasks]") {
    TestEnv env;
    plan_two_releases(env);
    env.say("alice", "control edit business-signoff owner @frank in api-2026.12");
    REQUIRE(env.count("SELECT COUNT(*) FROM release_controls WHERE owner = 'user:frank'") == 1);

    std::string out = env.say("frank", "my tasks");
    CHECK_THAT(out, Contains("[ ] Control 7 `business-signoff`"));
    CHECK_THAT(out, Contains("`control tick api-2026.12 business-signoff`"));
    CHECK_THAT(out, !Contains("owned by"));
    CHECK_THAT(out, !Contains("web-2026.12"));
}
