// Tests of `freeze add|add weekly|list|remove` through the real pipeline: what the manager
// reads, what the database holds, and the refusals (role, bad times, bad ranges, unknown ids).
#include <catch2/catch.hpp>

#include "support/plans.hpp"
#include "support/test_env.hpp"

using Catch::Matchers::Contains;
using releasebot::test::epoch;
using releasebot::test::kPlanWeb;
using releasebot::test::TestEnv;

TEST_CASE("freeze add stores a one-off freeze in UTC and says so", "[freeze]") {
    TestEnv env;
    std::string out =
        env.say("alice", "freeze add 2026-12-24 00:00 to 2027-01-02 00:00 \"Holiday freeze\"");
    CHECK_THAT(out, Contains("Added freeze #1: Thu 24 Dec 2026 00:00 UTC – Sat 2 Jan 2027 "
                             "00:00 UTC"));
    CHECK_THAT(out, Contains("Holiday freeze"));
    CHECK(env.count("SELECT COUNT(*) FROM freezes WHERE kind = 'once'") == 1);
    CHECK(env.count("SELECT starts_at FROM freezes") == epoch("2026-12-24 00:00"));
    CHECK(env.count("SELECT ends_at FROM freezes") == epoch("2027-01-02 00:00"));
    CHECK(env.text("SELECT reason FROM freezes") == "Holiday freeze");
    CHECK(env.text("SELECT created_by FROM freezes") == "alice");
    CHECK(env.count("SELECT COUNT(*) FROM audit_log WHERE action = 'freeze.add' AND release_id "
                    "IS NULL AND actor = 'alice'") == 1);

    SECTION("times are read in the reader's zone") {
        env.zone = "Europe/Berlin";
        env.say("alice", "freeze add 2026-12-31 18:00 to 2027-01-01 06:00 \"New year\"");
        CHECK(env.count("SELECT starts_at FROM freezes WHERE reason = 'New year'") ==
              epoch("2026-12-31 17:00"));
    }
}

TEST_CASE("freeze add weekly keeps the team's day and zone", "[freeze]") {
    TestEnv env;
    env.zone = "Europe/Berlin";
    std::string out =
        env.say("alice", "freeze add weekly fri 12:00-23:59 \"No deploys on Friday afternoons\"");
    CHECK_THAT(out, Contains("Added weekly freeze #1: every Friday 12:00–23:59 Europe/Berlin"));
    CHECK(env.count("SELECT COUNT(*) FROM freezes WHERE kind = 'weekly'") == 1);
    CHECK(env.count("SELECT weekday FROM freezes") == 5);
    CHECK(env.count("SELECT from_minute FROM freezes") == 12 * 60);
    CHECK(env.count("SELECT to_minute FROM freezes") == 23 * 60 + 59);
    CHECK(env.text("SELECT time_zone FROM freezes") == "Europe/Berlin");

    SECTION("a slot past midnight says it ends the next day") {
        out = env.say("alice", "freeze add weekly Saturday 22:00-02:00 \"Batch jobs\"");
        CHECK_THAT(out, Contains("every Saturday 22:00–02:00 (next day) Europe/Berlin"));
        CHECK(env.count("SELECT to_minute FROM freezes WHERE reason = 'Batch jobs'") == 120);
    }
    SECTION("another reader still sees it in the team's zone") {
        env.zone = "America/New_York";
        CHECK_THAT(env.say("bob", "freeze list"),
                   Contains("every Friday 12:00–23:59 Europe/Berlin"));
    }
}

TEST_CASE("freeze list shows every freeze and flags releases inside them", "[freeze]") {
    TestEnv env;
    REQUIRE_THAT(env.say("alice", kPlanWeb), Contains("web-2026.12"));

    SECTION("no freezes") {
        CHECK_THAT(env.say("bob", "freeze list"),
                   Contains("No freezes: releases can be planned at any time."));
    }
    SECTION("a one-off freeze over the window, added after planning") {
        std::string added =
            env.say("alice", "freeze add 2026-12-10 00:00 to 2026-12-11 00:00 \"Audit day\"");
        CHECK_THAT(added, Contains("Already planned inside this freeze:"));
        CHECK_THAT(added, Contains("web-2026.12 (Thu 10 Dec 2026 14:00 UTC) — no override"));

        std::string out = env.say("bob", "freeze list");
        CHECK_THAT(out, Contains("#1"));
        CHECK_THAT(out, Contains("Thu 10 Dec 2026 00:00 UTC – Fri 11 Dec 2026 00:00 UTC"));
        CHECK_THAT(out, Contains("Audit day"));
        CHECK_THAT(out, Contains("@alice"));
        CHECK_THAT(out, Contains("web-2026.12 ⚠ no override"));
        CHECK_THAT(out, Contains("1 release is planned inside a freeze with no override"));

        CHECK_THAT(out, Contains("release go <release> override \"<reason>\""));

        SECTION("a release in two freezes counts once") {
            env.say("alice", "freeze add weekly thu 13:00-15:00 \"Thursday maintenance\"");
            out = env.say("bob", "freeze list");
            CHECK_THAT(out, Contains("1 release is planned inside a freeze with no override"));
        }
    }
    SECTION("a weekly freeze over the window (Thursdays)") {
        env.say("alice", "freeze add weekly thu 13:00-15:00 \"Thursday maintenance\"");
        CHECK_THAT(env.say("bob", "freeze list"), Contains("web-2026.12 ⚠ no override"));
    }
    SECTION("a weekly freeze on another day leaves the release alone") {
        env.say("alice", "freeze add weekly fri 12:00-23:59 \"Fridays\"");
        std::string out = env.say("bob", "freeze list");
        CHECK_THAT(out, Contains("every Friday 12:00–23:59 UTC"));
        CHECK_THAT(out, !Contains("web-2026.12"));
    }
    SECTION("a cancelled release is not flagged") {
        env.say("alice", "freeze add 2026-12-10 00:00 to 2026-12-11 00:00 \"Audit day\"");
        env.db().exec("UPDATE releases SET state = 'cancelled'");
        CHECK_THAT(env.say("bob", "freeze list"), !Contains("web-2026.12"));
    }
}

TEST_CASE("freeze list shows a manager's override", "[freeze]") {
    TestEnv env;
    env.say("alice", "freeze add 2026-12-10 00:00 to 2026-12-11 00:00 \"Audit day\"");
    REQUIRE_THAT(env.say("alice", std::string(kPlanWeb) + " override \"CEO signed off\""),
                 Contains("web-2026.12"));
    REQUIRE(env.text("SELECT freeze_override FROM releases") == "CEO signed off");

    std::string out = env.say("bob", "freeze list");
    CHECK_THAT(out, Contains("web-2026.12 (overridden: CEO signed off)"));
    CHECK_THAT(out, !Contains("no override"));
}

TEST_CASE("freeze remove deletes the freeze by its number", "[freeze]") {
    TestEnv env;
    env.say("alice", "freeze add 2026-12-24 00:00 to 2027-01-02 00:00 \"Holiday freeze\"");
    env.say("alice", "freeze add weekly fri 12:00-23:59 \"Fridays\"");
    REQUIRE(env.count("SELECT COUNT(*) FROM freezes") == 2);

    auto id = GENERATE(as<std::string>{}, "1", "#1");
    CAPTURE(id);
    std::string out = env.say("alice", "freeze remove " + id);
    CHECK_THAT(out, Contains("Removed freeze #1: Thu 24 Dec 2026 00:00 UTC – Sat 2 Jan 2027 "
                             "00:00 UTC (Holiday freeze)"));
    CHECK(env.count("SELECT COUNT(*) FROM freezes") == 1);
    CHECK(env.text("SELECT reason FROM freezes") == "Fridays");
    CHECK(env.count("SELECT COUNT(*) FROM audit_log WHERE action = 'freeze.remove'") == 1);
}

TEST_CASE("freeze commands refuse members", "[freeze]") {
    TestEnv env;
    env.say("alice", "freeze list");  // alice becomes the manager
    env.say("alice", "freeze add weekly fri 12:00-23:59 \"Fridays\"");

    SECTION("adding") {
        std::string out =
            env.say("bob", "freeze add 2026-12-24 00:00 to 2027-01-02 00:00 \"Holiday freeze\"");
        CHECK_THAT(out, Contains("Only a manager can use `freeze add`; you are a member."));
        out = env.say("bob", "freeze add weekly mon 09:00-10:00 \"Standup\"");
        CHECK_THAT(out, Contains("Only a manager can use `freeze add weekly`; you are a member."));
        CHECK(env.count("SELECT COUNT(*) FROM freezes") == 1);
    }
    SECTION("removing") {
        CHECK_THAT(env.say("bob", "freeze remove 1"),
                   Contains("Only a manager can use `freeze remove`; you are a member."));
        CHECK(env.count("SELECT COUNT(*) FROM freezes") == 1);
    }
    SECTION("an approver is not enough") {
        env.say("alice", "role grant @carol approver");
        CHECK_THAT(env.say("carol", "freeze remove 1"),
                   Contains("Only a manager can use `freeze remove`; you are an approver."));
    }
    SECTION("but anyone may list") {
        CHECK_THAT(env.say("bob", "freeze list"), Contains("Fridays"));
    }
}

TEST_CASE("freeze commands refuse bad input with what to type instead", "[freeze]") {
    TestEnv env;
    env.say("alice", "freeze list");

    struct Case {
        std::string command;
        std::string error;
    };
    auto c = GENERATE(values<Case>({
        {"freeze add 2026-12-24 00:00 to 2026-12-20 00:00 \"Backwards\"",
         "The freeze would end (Sun 20 Dec 2026 00:00 UTC) before it starts (Thu 24 Dec 2026 "
         "00:00 UTC): the time after `to` must be later than the one before it. Example: "
         "`freeze add 2026-12-24 00:00 to 2027-01-02 00:00 \"Holiday freeze\"`\n"},
        {"freeze add 2026-12-24 00:00 to 2026-12-24 00:00 \"Empty\"",
         "The freeze would end (Thu 24 Dec 2026 00:00 UTC) before it starts (Thu 24 Dec 2026 "
         "00:00 UTC): the time after `to` must be later than the one before it. Example: "
         "`freeze add 2026-12-24 00:00 to 2027-01-02 00:00 \"Holiday freeze\"`\n"},
        {"freeze add 2026-11-01 00:00 to 2026-11-02 00:00 \"Long gone\"",
         "That freeze would already be over (it ends Mon 2 Nov 2026 00:00 UTC): give a range "
         "that ends in the future.\n"},
        {"freeze add 2026-12-24 00:00 to 2027-01-02 00:00 \"  \"",
         "A freeze needs a reason, so people know why they cannot deploy. Example: `freeze add "
         "2026-12-24 00:00 to 2027-01-02 00:00 \"Holiday freeze\"`\n"},
        {"freeze add weekly fryday 12:00-23:59 \"Fridays\"",
         "`fryday` is not a day of the week: use mon, tue, wed, thu, fri, sat or sun. Example: "
         "`freeze add weekly fri 12:00-23:59 \"No deploys on Friday afternoons\"`\n"},
        {"freeze add weekly fri noon-23:59 \"Fridays\"",
         "`noon-23:59` is not a time range: write <from>-<to> in 24-hour time, like "
         "`12:00-23:59`. Example: `freeze add weekly fri 12:00-23:59 \"No deploys on Friday "
         "afternoons\"`\n"},
        {"freeze add weekly fri 12:00 \"Fridays\"",
         "`12:00` is not a time range: write <from>-<to> in 24-hour time, like `12:00-23:59`. "
         "Example: `freeze add weekly fri 12:00-23:59 \"No deploys on Friday afternoons\"`\n"},
        {"freeze add weekly fri 12:00-25:00 \"Fridays\"",
         "`12:00-25:00` is not a time range: write <from>-<to> in 24-hour time, like "
         "`12:00-23:59`. Example: `freeze add weekly fri 12:00-23:59 \"No deploys on Friday "
         "afternoons\"`\n"},
        {"freeze add weekly fri 12:00-12:00 \"Fridays\"",
         "`12:00-12:00` is an empty range: give different start and end times, or "
         "`00:00-24:00` for the whole day.\n"},
        {"freeze add weekly fri 12:00-23:59 \"\"",
         "A freeze needs a reason, so people know why they cannot deploy. Example: `freeze add "
         "weekly fri 12:00-23:59 \"No deploys on Friday afternoons\"`\n"},
        {"freeze remove 9",
         "There is no freeze #9. Type `freeze list` to see the freezes and their numbers.\n"},
        {"freeze remove friday",
         "`friday` is not a freeze number: give the number shown by `freeze list`, like "
         "`freeze remove 2`.\n"},
    }));
    CAPTURE(c.command);
    CHECK(env.say("alice", c.command) == c.error);
    CHECK(env.count("SELECT COUNT(*) FROM freezes") == 0);
    CHECK(env.count("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'freeze.%'") == 0);
}

TEST_CASE("a whole-day weekly freeze and a bad time in a one-off freeze", "[freeze]") {
    TestEnv env;
    CHECK_THAT(env.say("alice", "freeze add weekly sun 00:00-24:00 \"Sundays off\""),
               Contains("every Sunday 00:00–24:00 UTC"));
    CHECK(env.count("SELECT to_minute FROM freezes") == 1440);
    // The time parser's own message reaches the user, and nothing is stored.
    CHECK_THAT(env.say("alice", "freeze add someday to 2027-01-02 00:00 \"Holiday freeze\""),
               Contains("Could not read the time `someday`"));
    CHECK(env.count("SELECT COUNT(*) FROM freezes") == 1);
}
