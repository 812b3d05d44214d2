// The Scheduler on the manual clock: which jobs fire when, in what order, how often, what it
// keeps in memory, and how it walks the clock forward.
#include "bot/runtime/scheduler.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "bot/runtime/pipeline.hpp"
#include "support/plans.hpp"
#include "support/test_env.hpp"

using namespace releasebot;
using namespace releasebot::test;
using Catch::Matchers::Contains;

namespace {

// plan_web(): web-2026.12 on Thu 10 Dec 2026 14:00–16:00 UTC, so reminders fall due Wed 14:00,
// Thu 13:00 and 13:45, and the window check at 16:00.

// When each reminder was sent (the audit entry's instant), earliest first.
std::string sent_at(TestEnv& env) {
    return env.text(
        "SELECT coalesce(group_concat(t, ', '), '') FROM (SELECT strftime('%Y-%m-%d %H:%M', at, "
        "'unixepoch') || ' ' || substr(detail, 1, instr(detail, ' ') - 1) AS t FROM audit_log "
        "WHERE action IN ('reminder.sent', 'window.passed') ORDER BY id)");
}

std::int64_t posts(TestEnv& env) {
    return env.count("SELECT count(*) FROM outbox WHERE kind='post'");
}

}  // namespace

TEST_CASE("run_due fires every job due by now, earliest first, each once", "[scheduler]") {
    TestEnv env;
    plan_web(env);
    Pipeline p(env.db(), env.clock());
    Scheduler s(env.db(), env.clock(), p);

    CHECK(s.run_due() == 0);
    CHECK(sent_at(env).empty());

    env.clock().set(utc("2026-12-10 13:30"));
    CHECK(s.run_due() == 2);
    // Both fired now, the older first.
    CHECK(sent_at(env) == "2026-12-10 13:30 T-24h, 2026-12-10 13:30 T-1h");
    CHECK(env.count("SELECT count(*) FROM scheduled_jobs WHERE status='fired' AND "
                    "fired_at=strftime('%s', '2026-12-10 13:30')") == 2);
    CHECK(s.next_due() == utc("2026-12-10 13:45"));

    auto queued = posts(env);
    CHECK(s.run_due() == 0);
    CHECK(posts(env) == queued);

    env.clock().set(utc("2026-12-10 16:00"));
    CHECK(s.run_due() == 2);
    CHECK(sent_at(env) ==
          "2026-12-10 13:30 T-24h, 2026-12-10 13:30 T-1h, 2026-12-10 16:00 T-15m, "
          "2026-12-10 16:00 no");
    CHECK(s.next_due() == std::nullopt);
}

TEST_CASE("a job fired more than a minute late says so", "[scheduler]") {
    TestEnv env;
    plan_web(env);
    Pipeline p(env.db(), env.clock());
    Scheduler s(env.db(), env.clock(), p);
    auto late = [&] {
        return env.count(
            "SELECT count(*) FROM outbox WHERE kind='post' AND payload LIKE "
            "'%late: the bot was down when this was due at Wed 9 Dec 2026 14:00 "
            "UTC%'");
    };

    SECTION("a minute is on time") {
        env.clock().set(utc("2026-12-09 14:01"));
        CHECK(s.run_due() == 1);
        CHECK(late() == 0);
        CHECK(env.text("SELECT detail FROM audit_log WHERE action='reminder.sent'") ==
              "T-24h reminder to the release's channel");
    }
    SECTION("a minute and a second is late") {
        env.clock().set(utc("2026-12-09 14:01") + std::chrono::seconds(1));
        CHECK(s.run_due() == 1);
        CHECK(late() == 1);
        CHECK(env.text("SELECT detail FROM audit_log WHERE action='reminder.sent'") ==
              "T-24h reminder to the release's channel (late, due 2026-12-09 14:00 UTC)");
    }
}

TEST_CASE("next_due is kept in memory until invalidated", "[scheduler]") {
    TestEnv env;
    plan_web(env);
    Pipeline p(env.db(), env.clock());
    Scheduler s(env.db(), env.clock(), p);
    CHECK(s.next_due() == utc("2026-12-09 14:00"));

    // A command schedules an earlier job; the scheduler learns of it when told.
    REQUIRE_THAT(env.say("bob", "remind snooze web-2026.12 2h"), Contains("Snoozed"));
    CHECK(s.next_due() == utc("2026-12-09 14:00"));
    s.invalidate();
    CHECK(s.next_due() == utc("2026-12-01 11:00"));

    SECTION("run_due refreshes it") {
        REQUIRE_THAT(env.say("bob", "remind snooze web-2026.12 1h"), Contains("Snoozed"));
        CHECK(s.run_due() == 0);
        CHECK(s.next_due() == utc("2026-12-01 10:00"));
    }
    SECTION("no pending job: nothing due") {
        env.say("alice", "release cancel web-2026.12");
        REQUIRE_THAT(env.say("alice", "yes"), Contains("Cancelled"));
        s.invalidate();
        CHECK(s.next_due() == std::nullopt);
    }
}

TEST_CASE("advance_to stops at each due instant on the way", "[scheduler]") {
    TestEnv env;
    plan_web(env);
    Pipeline p(env.db(), env.clock());
    Scheduler s(env.db(), env.clock(), p);

    CHECK(s.advance_to(env.clock(), utc("2026-12-11 00:00")) == 4);
    CHECK(env.clock().now() == utc("2026-12-11 00:00"));
    // Every job fired at its own instant, none late.
    CHECK(sent_at(env) ==
          "2026-12-09 14:00 T-24h, 2026-12-10 13:00 T-1h, 2026-12-10 13:45 T-15m, "
          "2026-12-10 16:00 no");
    CHECK(env.count("SELECT count(*) FROM outbox WHERE payload LIKE '%(late:%'") == 0);

    SECTION("with nothing due it only moves the clock") {
        CHECK(s.advance_to(env.clock(), utc("2026-12-12 00:00")) == 0);
        CHECK(env.clock().now() == utc("2026-12-12 00:00"));
    }
    SECTION("it never moves the clock back") {
        CHECK(s.advance_to(env.clock(), utc("2026-12-05 00:00")) == 0);
        CHECK(env.clock().now() == utc("2026-12-11 00:00"));
    }
}

TEST_CASE("a job cancelled before it is due never fires", "[scheduler]") {
    TestEnv env;
    plan_web(env);
    Pipeline p(env.db(), env.clock());
    Scheduler s(env.db(), env.clock(), p);
    CHECK(s.next_due() == utc("2026-12-09 14:00"));  // cached before the cancel

    env.say("alice", "release cancel web-2026.12");
    REQUIRE_THAT(env.say("alice", "yes"), Contains("Cancelled"));
    auto queued = posts(env);
    CHECK(s.advance_to(env.clock(), utc("2026-12-11 00:00")) == 0);
    CHECK(posts(env) == queued);
    CHECK(env.count("SELECT count(*) FROM scheduled_jobs WHERE status='fired'") == 0);
}

TEST_CASE("a job whose release no longer needs it is spent quietly", "[scheduler]") {
    TestEnv env;
    plan_web(env);
    Pipeline p(env.db(), env.clock());
    Scheduler s(env.db(), env.clock(), p);
    // A job of a kind nobody knows (a newer version's, say) is marked fired and says nothing.
    ScheduledJob odd;
    odd.workspace = WorkspaceId(env.count("SELECT id FROM workspaces"));
    odd.kind = "from-the-future";
    odd.due_at = utc("2026-12-02 09:00");
    env.store().jobs.schedule(odd);
    s.invalidate();

    auto queued = posts(env);
    CHECK(s.advance_to(env.clock(), utc("2026-12-03 00:00")) == 1);
    CHECK(posts(env) == queued);
    CHECK(env.count("SELECT count(*) FROM scheduled_jobs WHERE kind='from-the-future' AND "
                    "status='fired'") == 1);
    CHECK(s.next_due() == utc("2026-12-09 14:00"));
}

TEST_CASE("many due jobs fire in batches without a gap or a repeat", "[scheduler]") {
    TestEnv env;
    env.say("alice", "role list");  // the workspace exists
    auto ws = WorkspaceId(env.count("SELECT id FROM workspaces"));
    for (int i = 0; i < 600; ++i) {
        ScheduledJob j;
        j.workspace = ws;
        j.kind = "from-the-future";
        j.due_at = utc("2026-12-01 09:00") + std::chrono::seconds(i % 7);
        env.store().jobs.schedule(j);
    }
    Pipeline p(env.db(), env.clock());
    Scheduler s(env.db(), env.clock(), p);
    env.clock().set(utc("2026-12-01 10:00"));
    CHECK(s.run_due() == 600);
    CHECK(env.count("SELECT count(*) FROM scheduled_jobs WHERE status='fired'") == 600);
    CHECK(env.count("SELECT count(*) FROM processed_events WHERE key LIKE 'job:%'") == 600);
    CHECK(s.run_due() == 0);
}
