// `remind …` commands through the real pipeline on an in-memory database: a release's own
// reminder offsets, the list of what is still to come, and snoozing, with their refusals.
#include <catch2/catch.hpp>
#include <string>

#include "support/plans.hpp"
#include "support/test_env.hpp"

using namespace releasebot;
using namespace releasebot::test;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;

namespace {

std::int64_t pending_reminders(TestEnv& env) {
    return env.count(
        "SELECT count(*) FROM scheduled_jobs WHERE kind='reminder' AND status='pending'");
}

// Due instants of the pending reminder jobs, as "YYYY-MM-DD HH:MM" UTC, earliest first.
std::string reminder_times(TestEnv& env) {
    return env.text(
        "SELECT coalesce(group_concat(t, ', '), '') FROM (SELECT strftime('%Y-%m-%d %H:%M', "
        "due_at, 'unixepoch') AS t FROM scheduled_jobs WHERE kind='reminder' AND "
        "status='pending' ORDER BY due_at)");
}

}  // namespace

TEST_CASE("a planned release gets the default reminders and a window check", "[reminder]") {
    TestEnv env;
    plan_web(env);
    CHECK(reminder_times(env) == "2026-12-09 14:00, 2026-12-10 13:00, 2026-12-10 13:45");
    CHECK(env.text("SELECT payload FROM scheduled_jobs WHERE kind='reminder' ORDER BY due_at "
                   "LIMIT 1") == "-86400");
    CHECK(env.count("SELECT count(*) FROM scheduled_jobs WHERE kind='window-passed' AND "
                    "status='pending' AND due_at=strftime('%s', '2026-12-10 16:00')") == 1);

    auto shown = env.say("bob", "remind list web-2026.12");
    CHECK_THAT(shown, Contains("Scheduled for web-2026.12: 4 messages (times in UTC)"));
    CHECK_THAT(shown, Contains("Wed 9 Dec 2026 14:00 UTC"));
    CHECK_THAT(shown, Contains("Reminder, T-24h"));
    CHECK_THAT(shown, Contains("Reminder, T-1h"));
    CHECK_THAT(shown, Contains("Reminder, T-15m"));
    CHECK_THAT(shown, Contains("Thu 10 Dec 2026 16:00 UTC"));
    CHECK_THAT(shown, Contains("Window check"));
    CHECK_THAT(shown, Contains("Reminders at T-24h, T-1h and T-15m (the defaults)"));

    SECTION("the list shows times in the reader's zone") {
        env.zone = "Asia/Kolkata";
        auto local = env.say("erin", "remind list web-2026.12");
        CHECK_THAT(local, Contains("(times in Asia/Kolkata)"));
        CHECK_THAT(local, Contains("Wed 9 Dec 2026 19:30 IST"));
    }
}

TEST_CASE("remind at replaces a release's reminders", "[reminder]") {
    TestEnv env;
    plan_web(env);

    auto run = env.run("bob", "remind web-2026.12 at -2d,-1h,-15m");
    CHECK_THAT(run.reply.text, Equals("Reminders for web-2026.12 at T-2d, T-1h and T-15m."));
    auto shown = env.say("bob", "remind web-2026.12 at -2d,-1h,-15m");
    CHECK_THAT(shown, Contains("Tue 8 Dec 2026 14:00 UTC"));
    CHECK_THAT(shown, Contains("scheduled"));
    CHECK_THAT(shown, !Contains("skipped"));
    CHECK(reminder_times(env) == "2026-12-08 14:00, 2026-12-10 13:00, 2026-12-10 13:45");
    CHECK(env.count("SELECT count(*) FROM reminder_offsets") == 3);
    CHECK(env.text("SELECT detail FROM audit_log WHERE action='reminder.set' AND actor='bob' "
                   "ORDER BY id LIMIT 1") == "T-2d, T-1h, T-15m");
    // Setting them again replaces rather than adds.
    CHECK(pending_reminders(env) == 3);
    CHECK(env.count("SELECT count(*) FROM scheduled_jobs WHERE kind='window-passed' AND "
                    "status='pending'") == 1);

    SECTION("the minus is optional, spaces and order do not matter") {
        CHECK_THAT(env.say("bob", "remind web-2026.12 at 1h, 3d"),
                   Contains("Reminders for web-2026.12 at T-3d and T-1h."));
        CHECK(reminder_times(env) == "2026-12-07 14:00, 2026-12-10 13:00");
    }
    SECTION("T-notation and duplicates are accepted") {
        CHECK_THAT(env.say("bob", "remind web-2026.12 at T-30m,-30m,90m"),
                   Contains("Reminders for web-2026.12 at T-1h 30m and T-30m."));
        CHECK(pending_reminders(env) == 2);
    }
    SECTION("offsets already past are listed as skipped and not scheduled") {
        auto out = env.say("bob", "remind web-2026.12 at -10d,-1h");
        CHECK_THAT(out, Contains("T-1w 3d"));
        CHECK_THAT(out, Contains("Mon 30 Nov 2026 14:00 UTC"));
        CHECK_THAT(out, Contains("skipped: already past"));
        CHECK(reminder_times(env) == "2026-12-10 13:00");
    }
    SECTION("`default` goes back to the defaults") {
        CHECK_THAT(env.say("bob", "remind web-2026.12 at default"),
                   Contains("Reminders for web-2026.12 at T-24h, T-1h and T-15m (the defaults)."));
        CHECK(env.count("SELECT count(*) FROM reminder_offsets") == 0);
        CHECK(reminder_times(env) == "2026-12-09 14:00, 2026-12-10 13:00, 2026-12-10 13:45");
    }
    SECTION("the reply shows the instants in the reader's zone") {
        env.zone = "Europe/Berlin";
        CHECK_THAT(env.say("erin", "remind web-2026.12 at -2d"),
                   Contains("Tue 8 Dec 2026 15:00 CET"));
    }
    SECTION("a move keeps the release's own offsets") {
        REQUIRE_THAT(env.say("alice", "release move web-2026.12 to 2026-12-11 14:00"),
                     Contains("Moved"));
        CHECK(reminder_times(env) == "2026-12-09 14:00, 2026-12-11 13:00, 2026-12-11 13:45");
    }
}

TEST_CASE("remind at refuses bad offsets and releases that are not waiting", "[reminder]") {
    TestEnv env;
    plan_web(env);
    std::string before = reminder_times(env);

    SECTION("not a duration") {
        CHECK_THAT(env.run("bob", "remind web-2026.12 at -2x,-1h").reply.text,
                   Equals("`-2x` is not a reminder time. Write each as a duration before the "
                          "window, separated by commas, like `remind web-2026.12 at "
                          "-2d,-1h,-15m`."));
    }
    SECTION("after the start") {
        CHECK_THAT(env.run("bob", "remind web-2026.12 at +1h").reply.text,
                   Equals("`+1h` would be after the window starts; reminders come before it. "
                          "Write each as a time before the start, like `remind web-2026.12 at "
                          "-2d,-1h,-15m`."));
    }
    SECTION("nothing but commas") {
        CHECK_THAT(env.run("bob", "remind web-2026.12 at ,,").reply.text,
                   Equals("Say when to remind, like `remind web-2026.12 at -2d,-1h,-15m`, or "
                          "`remind web-2026.12 at default` for T-24h, T-1h and T-15m."));
    }
    SECTION("too many") {
        CHECK_THAT(
            env.run("bob", "remind web-2026.12 at 1m,2m,3m,4m,5m,6m,7m,8m,9m,10m,11m").reply.text,
            Equals("That is 11 reminders; 10 at most keep the channel readable."));
    }
    SECTION("no offsets at all") {
        CHECK_THAT(env.say("bob", "remind web-2026.12"), Contains("needs `at <offsets>`"));
    }
    SECTION("unknown release") {
        CHECK_THAT(env.run("bob", "remind web-2026.11 at -1h").reply.text,
                   Equals("There is no release `web-2026.11` here. Did you mean `web-2026.12`? "
                          "Type `release list` to see the releases."));
    }
    SECTION("a cancelled release") {
        env.say("alice", "release cancel web-2026.12");
        REQUIRE_THAT(env.say("alice", "yes"), Contains("Cancelled"));
        CHECK_THAT(env.run("bob", "remind web-2026.12 at -1h").reply.text,
                   Equals("web-2026.12 is cancelled; `remind` needs it to be planned or "
                          "approved. Type `release show web-2026.12` to see where it stands."));
        CHECK(pending_reminders(env) == 0);
        CHECK_THAT(env.say("bob", "remind list web-2026.12"),
                   Contains("Nothing is scheduled for web-2026.12 (it is cancelled"));
        return;
    }
    CHECK(reminder_times(env) == before);
    CHECK(env.count("SELECT count(*) FROM reminder_offsets") == 0);
    CHECK(env.count("SELECT count(*) FROM audit_log WHERE action='reminder.set'") == 0);
}

TEST_CASE("remind snooze brings a reminder back later", "[reminder]") {
    // Wed 9 Dec 14:00 UTC: the T-24h reminder has just gone out.
    TestEnv env(":memory:", utc("2026-12-01 09:00"));
    plan_web(env);
    env.clock().set(utc("2026-12-09 14:00"));

    SECTION("30m, by text") {
        auto run = env.run("bob", "remind snooze web-2026.12 30m");
        CHECK_THAT(run.reply.text,
                   Equals("Snoozed: the reminder for *web-2026.12* comes back Wed 9 Dec 2026 "
                          "14:30 UTC (in 30m)."));
        CHECK(env.count("SELECT count(*) FROM scheduled_jobs WHERE kind='reminder' AND "
                        "payload='snooze' AND status='pending' AND "
                        "due_at=strftime('%s', '2026-12-09 14:30')") == 1);
        CHECK(env.text("SELECT detail FROM audit_log WHERE action='reminder.snooze'") ==
              "for 30m, until 2026-12-09 14:30 UTC");
        CHECK_THAT(env.say("bob", "remind list web-2026.12"), Contains("Snoozed reminder"));
    }
    SECTION("1h, by the button") {
        auto pressed = env.press("carol", "command", "remind snooze web-2026.12 1h");
        CHECK_THAT(pressed.reply.text, Contains("comes back Wed 9 Dec 2026 15:00 UTC (in 1h)"));
        CHECK(env.count("SELECT count(*) FROM scheduled_jobs WHERE payload='snooze' AND "
                        "due_at=strftime('%s', '2026-12-09 15:00')") == 1);
    }
    SECTION("tomorrow, in the reader's zone") {
        env.clock().set(utc("2026-12-08 09:00"));
        env.zone = "Europe/Berlin";
        CHECK_THAT(env.say("erin", "remind snooze web-2026.12 tomorrow"),
                   Contains("comes back Wed 9 Dec 2026 10:00 CET (in 24h)"));
    }
    SECTION("any duration that ends before the start") {
        CHECK_THAT(env.say("bob", "remind snooze web-2026.12 2 hours"), Contains("(in 2h)"));
    }
    SECTION("a snooze survives rescheduling the release's reminders") {
        env.say("bob", "remind snooze web-2026.12 30m");
        env.say("bob", "remind web-2026.12 at -1h");
        CHECK(reminder_times(env) == "2026-12-09 14:30, 2026-12-10 13:00");
    }
    SECTION("not past the window start") {
        env.clock().set(utc("2026-12-10 13:45"));
        CHECK_THAT(env.run("bob", "remind snooze web-2026.12 30m").reply.text,
                   Equals("web-2026.12 starts in 15m (Thu 10 Dec 2026 14:00 UTC), before a 30m "
                          "snooze would end. Snooze for less than 15m, like `remind snooze "
                          "web-2026.12 7m`."));
        env.clock().set(utc("2026-12-10 14:05"));
        CHECK_THAT(env.run("bob", "remind snooze web-2026.12 30m").reply.text,
                   Equals("The window of web-2026.12 started Thu 10 Dec 2026 14:00 UTC, so "
                          "there is nothing left to remind about. Start it with `release start "
                          "web-2026.12` or move it with `release move web-2026.12 to <when>`."));
        CHECK(env.count("SELECT count(*) FROM scheduled_jobs WHERE payload='snooze'") == 0);
    }
    SECTION("not a snooze time") {
        CHECK_THAT(env.run("bob", "remind snooze web-2026.12 later").reply.text,
                   Equals("`later` is not a snooze time: type `remind snooze web-2026.12 30m`, "
                          "`1h` or `tomorrow` (any duration works, like `10m`)."));
        CHECK_THAT(env.say("bob", "remind snooze web-2026.12"), Contains("needs 30m|1h|tomorrow"));
    }
    SECTION("a cancelled release") {
        env.say("alice", "release cancel web-2026.12");
        env.say("alice", "yes");
        CHECK_THAT(env.run("bob", "remind snooze web-2026.12 30m").reply.text,
                   Equals("web-2026.12 is cancelled; `remind snooze` needs it to be planned or "
                          "approved. Type `release show web-2026.12` to see where it stands."));
    }
}

TEST_CASE("remind commands are in help", "[reminder]") {
    TestEnv env;
    auto help = env.say("alice", "help remind");
    CHECK_THAT(help, Contains("remind web-2026.12 at -2d,-1h,-15m"));
    CHECK_THAT(help, Contains("remind list web-2026.12"));
    CHECK_THAT(help, Contains("remind snooze web-2026.12 30m"));
}
