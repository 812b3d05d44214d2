// Retrospective action items, their carry-over to the next release of a program, early life
// support after `release done` and the retro it starts, and `retro trends` — through the real
// pipeline and scheduler on an in-memory database with the fake clock.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "bot/runtime/pipeline.hpp"
#include "bot/runtime/scheduler.hpp"
#include "commands/early_life.hpp"
#include "commands/timers.hpp"
#include "support/test_env.hpp"
#include "support/text_search.hpp"

using namespace releasebot;
using namespace releasebot::test;
using Catch::Matchers::Contains;
using namespace std::chrono_literals;

namespace {

// Plans `key` as alice (the workspace's manager once she has spoken first).
void plan(TestEnv& env, const std::string& key, const std::string& at, const std::string& program) {
    REQUIRE_THAT(env.say("alice", "release plan " + key + " \"" + key + "\" at " + at +
                                      " for 2h program " + program),
                 Contains("Planned " + key));
}

// Takes a planned release all the way to deployed: alice ticks every control and runs it, bob
// owns and marks its one deploy step. So its retro's participants are alice and bob.
void ship(TestEnv& env, const std::string& key) {
    add_components(env, key);
    test::tick_open_controls(env, key, "alice");
    REQUIRE_THAT(env.say("alice", "plan add " + key + " deploy \"Deploy\" owner @bob takes 30m"),
                 Contains("Added deploy step 1"));
    REQUIRE_THAT(env.say("alice", "plan add " + key + " backout \"Roll back\""),
                 Contains("Added backout step 1"));
    REQUIRE_THAT(env.say("alice", "release go " + key), Contains("approved"));
    REQUIRE_THAT(env.say("alice", "release start " + key + " override \"Early, on purpose\""), Contains("is deploying"));
    REQUIRE_THAT(env.say("bob", "release step " + key + " 1 done"), Contains("done"));
    REQUIRE_THAT(env.say("alice", "release done " + key), Contains("is deployed"));
}

std::int64_t seconds(Instant t) {
    return t.time_since_epoch().count();
}

std::string q(const std::string& key) {
    return "'" + key + "'";
}

// Direct messages queued for `user` whose payload matches the LIKE pattern `like`.
std::int64_t dms_like(TestEnv& env, const std::string& user, const std::string& like = "%") {
    return env.count(
        "SELECT count(*) FROM outbox WHERE kind = 'post' AND destination LIKE '%\"user\":\"" +
        user + "\"%' AND payload LIKE '" + like + "'");
}

// The survey a retro sends each participant when it starts (not its reminder).
const std::string kSurvey = "%How did web-2026.12 go?%";

std::int64_t pending_els_jobs(TestEnv& env, const std::string& key) {
    return env.count(
        "SELECT count(*) FROM scheduled_jobs WHERE kind = 'els-end' AND status = 'pending' AND "
        "release_id = (SELECT id FROM releases WHERE key = " +
        q(key) + ")");
}

std::int64_t els_due(TestEnv& env, const std::string& key) {
    return env.count(
        "SELECT due_at FROM scheduled_jobs WHERE kind = 'els-end' AND status = 'pending' AND "
        "release_id = (SELECT id FROM releases WHERE key = " +
        q(key) + ")");
}

Context system_context(TestEnv& env) {
    auto ws = env.store().workspaces.get(WorkspaceId(1));
    REQUIRE(ws);
    return make_system_context(env.store(), env.clock().now(), *ws);
}

// Fires every job due up to `until`, as the bot's scheduler would.
int run_scheduler_until(TestEnv& env, Instant until) {
    Pipeline p(env.db(), env.clock());
    Scheduler s(env.db(), env.clock(), p);
    return s.advance_to(env.clock(), until);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Action items

TEST_CASE("any member records an action item and its owner is told", "[actions]") {
    TestEnv env;
    plan(env, "web-2026.12", "2026-12-10 14:00", "web");

    auto out =
        env.say("bob", "retro action add web-2026.12 \"Automate the smoke tests\" owner @dana");
    CHECK_THAT(out, Contains("Added action item #1 to the retro of web-2026.12: Automate the "
                             "smoke tests (owner @dana)."));
    CHECK_THAT(out, Contains("carries over to the next release of web"));
    CHECK_THAT(out, Contains("`retro action done 1`"));
    CHECK(env.text("SELECT owner || ' ' || created_by || ' ' || status FROM retro_actions") ==
          "dana bob open");
    CHECK(env.count("SELECT created_at FROM retro_actions") == seconds(default_start()));
    CHECK(env.text("SELECT detail FROM audit_log WHERE action = 'retro.action.add'") ==
          "#1 \"Automate the smoke tests\" owner @dana");
    CHECK(dms_like(env, "dana", "%gave you action item #1 from the retro of web-2026.12%") == 1);
    CHECK(dms_like(env, "bob") == 0);

    SECTION("raising one for yourself sends no message") {
        env.say("bob", "retro action add web-2026.12 \"Write the runbook\" owner @bob");
        CHECK(env.count("SELECT count(*) FROM retro_actions") == 2);
        CHECK(dms_like(env, "bob") == 0);
    }
    SECTION("the release must exist") {
        CHECK_THAT(env.say("bob", "retro action add web-2026.11 \"x\" owner @dana"),
                   Contains("There is no release `web-2026.11` here. Did you mean "
                            "`web-2026.12`?"));
        CHECK(env.count("SELECT count(*) FROM retro_actions") == 1);
    }
    SECTION("an item needs text and an owner") {
        CHECK_THAT(env.say("bob", "retro action add web-2026.12 \"  \" owner @dana"),
                   Contains("An action item needs its text, in quotes: `retro action add "
                            "web-2026.12 \"Automate the smoke tests\" owner @dana`."));
        CHECK_THAT(env.say("bob", "retro action add web-2026.12 \"Fix alerts\""),
                   Contains("retro action add <release> \"<text>\" owner @user"));
        CHECK_THAT(env.say("bob", "retro action add web-2026.12 \"" + std::string(501, 'x') +
                                      "\" owner @dana"),
                   Contains("That action item is 501 characters; keep it to 500"));
        CHECK(env.count("SELECT count(*) FROM retro_actions") == 1);
    }
}

TEST_CASE("an action item is closed by its owner, who raised it, or a manager", "[actions]") {
    TestEnv env;
    plan(env, "web-2026.12", "2026-12-10 14:00", "web");  // alice: manager
    env.say("bob", "retro action add web-2026.12 \"Automate the smoke tests\" owner @dana");
    env.clock().advance(2h);

    SECTION("the right people") {
        auto [closer, typed] = GENERATE(
            table<std::string, std::string>({{"dana", "1"}, {"bob", "#1"}, {"alice", "1"}}));
        CAPTURE(closer);
        auto out = env.say(closer, "retro action done " + typed);
        CHECK_THAT(out, Contains("Done: action item #1 from the retro of web-2026.12 — Automate "
                                 "the smoke tests."));
        CHECK(env.text("SELECT status || ' ' || done_by FROM retro_actions") == "done " + closer);
        CHECK(env.count("SELECT done_at FROM retro_actions") == seconds(default_start() + 2h));
        CHECK(env.text("SELECT detail FROM audit_log WHERE action = 'retro.action.done'") ==
              "#1 \"Automate the smoke tests\"");
        // The owner hears when someone else closes their item.
        CHECK(dms_like(env, "dana", "%marked action item #1%") == (closer == "dana" ? 0 : 1));

        CHECK_THAT(env.say("dana", "retro action done 1"),
                   Contains("Action item #1 is already done Tue 1 Dec 2026 11:00 UTC by @" +
                            closer + ". Nothing changed."));
    }
    SECTION("anyone else is refused, and nothing changes") {
        CHECK_THAT(env.say("carol", "retro action done 1"),
                   Contains("Only @dana (its owner), @bob (who raised it) or a manager can mark "
                            "action item #1 done. Ask @dana to type `retro action done 1`."));
        CHECK(env.text("SELECT status FROM retro_actions") == "open");
        CHECK(env.count("SELECT count(*) FROM audit_log WHERE action = 'retro.action.done'") == 0);
    }
    SECTION("a number that is not an item") {
        CHECK_THAT(env.say("dana", "retro action done 7"),
                   Contains("There is no action item #7 here. Type `retro action list` to see "
                            "the open ones."));
        CHECK_THAT(env.say("dana", "retro action done smoke"),
                   Contains("`smoke` is not an action item number: give the number shown when "
                            "it was added, like `retro action done 4`."));
    }
}

TEST_CASE("open action items carry over to the next releases of the same program", "[actions]") {
    TestEnv env;
    plan(env, "web-2026.11", "2026-12-05 14:00", "web");
    plan(env, "web-2026.12", "2026-12-10 14:00", "web");
    plan(env, "mobile-1", "2026-12-12 10:00", "mobile");
    env.say("bob", "retro action add web-2026.11 \"Automate the smoke tests\" owner @dana");
    env.say("bob", "retro action add web-2026.12 \"Page the API team earlier\" owner @erin");

    auto carried_into = [&](const std::string& key) {
        Context ctx = system_context(env);
        auto r = env.store().releases.find(WorkspaceId(1), key);
        REQUIRE(r);
        std::string texts;
        for (const auto& a : carried_over_actions(ctx, *r)) texts += a.text + ";";
        return texts;
    };
    // The later release of the program gets the earlier one's item; its own item is not
    // "carried over" to itself, and nothing flows back to the earlier release.
    CHECK(carried_into("web-2026.12") == "Automate the smoke tests;");
    CHECK(carried_into("web-2026.11") == "");
    CHECK(carried_into("mobile-1") == "");

    // Where people see them: the next release's view, and the owner's tasks.
    CHECK_THAT(env.say("carol", "release show web-2026.12"),
               Contains("#1 Automate the smoke tests — @dana (web-2026.11)"));
    CHECK_THAT(env.say("carol", "release show mobile-1"), !Contains("Automate the smoke tests"));
    CHECK_THAT(env.say("dana", "my tasks"),
               Contains("Action #1: Automate the smoke tests (from web-2026.11)"));

    auto list = env.say("carol", "retro action list web-2026.12");
    CHECK_THAT(list, Contains("Action items of web-2026.12 — web-2026.12: 1 raised in its retro, 1 "
                              "open from earlier releases."));
    CHECK_THAT(line_of(list, "Automate the smoke tests"), Contains("web-2026.11"));
    CHECK_THAT(line_of(list, "Automate the smoke tests"), Contains("@dana"));
    CHECK_THAT(line_of(list, "Page the API team earlier"), Contains("open since 2026-12-01"));
    CHECK_THAT(env.say("carol", "retro action list mobile-1"),
               !Contains("Automate the smoke tests"));
    auto program = env.say("carol", "retro action list web");
    CHECK_THAT(program, Contains("Open action items of program web: 2."));
    CHECK_THAT(env.say("dana", "retro action list"), Contains("Your open action items: 1."));
    CHECK_THAT(env.say("carol", "retro action list nothing"),
               Contains("There is no release or program `nothing` here."));

    SECTION("a done item stops carrying over") {
        env.say("dana", "retro action done 1");
        CHECK(carried_into("web-2026.12") == "");
        CHECK_THAT(env.say("carol", "release show web-2026.12"),
                   !Contains("Automate the smoke tests"));
        CHECK_THAT(env.say("dana", "my tasks"), !Contains("Automate the smoke tests"));
        CHECK_THAT(env.say("carol", "retro action list web-2026.12"),
                   Contains("0 open from earlier releases"));
        CHECK_THAT(env.say("carol", "retro action list web"),
                   Contains("Open action items of program web: 1."));
        CHECK_THAT(env.say("dana", "retro action list"),
                   Contains("You have no open action items."));
    }
}

// ---------------------------------------------------------------------------------------------
// Early life support

TEST_CASE("early life support opens for 3 days owned by the release owner", "[els]") {
    TestEnv env;
    plan(env, "web-2026.12", "2026-12-10 14:00", "web");
    ship(env, "web-2026.12");
    const Instant done = default_start();

    SECTION("release done opens it") {
        CHECK(env.count("SELECT els_until FROM releases") == seconds(done + 72h));
        CHECK(env.text("SELECT els_owner FROM releases") == "alice");
        CHECK(els_due(env, "web-2026.12") == seconds(done + 72h));
        CHECK(env.text("SELECT detail FROM audit_log WHERE action = 'release.els'") ==
              "early life support until 2026-12-04 09:00 UTC owned by @alice");
    }
    SECTION("open_early_life_support stores it and schedules its end once") {
        env.clock().advance(1h);
        Context ctx = system_context(env);
        auto r = env.store().releases.find(WorkspaceId(1), "web-2026.12");
        REQUIRE(r);
        open_early_life_support(ctx, *r);
        CHECK(env.count("SELECT els_until FROM releases") == seconds(done + 1h + 72h));
        CHECK(env.text("SELECT els_owner FROM releases") == "alice");
        CHECK(pending_els_jobs(env, "web-2026.12") == 1);
        CHECK(els_due(env, "web-2026.12") == seconds(done + 1h + 72h));
        REQUIRE(ctx.audit_entries.size() == 1);
        CHECK(ctx.audit_entries[0].action == "release.els");
        CHECK(ctx.audit_entries[0].detail ==
              "early life support until 2026-12-04 10:00 UTC owned by @alice");
    }
}

TEST_CASE("release els moves the end of early life support and its owner", "[els]") {
    TestEnv env;
    plan(env, "web-2026.12", "2026-12-10 14:00", "web");
    plan(env, "web-2027.01", "2027-01-10 14:00", "web");
    ship(env, "web-2026.12");
    const Instant done = default_start();
    env.clock().advance(24h);

    auto out = env.say("alice", "release els web-2026.12 5d owner @ops");
    CHECK_THAT(out, Contains("Early life support of web-2026.12 now runs until Sun 6 Dec 2026 "
                             "09:00 UTC (5d after it was done), owned by @ops."));
    CHECK(env.count("SELECT els_until FROM releases WHERE key = 'web-2026.12'") ==
          seconds(done + 120h));
    CHECK(env.text("SELECT els_owner FROM releases WHERE key = 'web-2026.12'") == "ops");
    CHECK(pending_els_jobs(env, "web-2026.12") == 1);
    CHECK(els_due(env, "web-2026.12") == seconds(done + 120h));
    CHECK(dms_like(env, "ops", "%You now own early life support of *web-2026.12*%") == 1);
    CHECK(env.count("SELECT count(*) FROM audit_log WHERE action = 'release.els' AND detail = "
                    "'early life support until 2026-12-06 09:00 UTC (5d after it was done) owned "
                    "by @ops'") == 1);

    SECTION("the owner stays when none is given") {
        env.say("alice", "release els web-2026.12 2d");
        CHECK(env.text("SELECT els_owner FROM releases WHERE key = 'web-2026.12'") == "ops");
        CHECK(els_due(env, "web-2026.12") == seconds(done + 48h));
    }
    SECTION("an end already past ends it now, once") {
        CHECK_THAT(env.say("alice", "release els web-2026.12 2h"),
                   Contains("Early life support of web-2026.12 ends now: 2h after it was done is "
                            "already past."));
        CHECK(els_due(env, "web-2026.12") == seconds(done + 24h));
        run_scheduler_until(env, done + 24h + 1min);
        CHECK(pending_els_jobs(env, "web-2026.12") == 0);
        CHECK_THAT(env.say("alice", "release els web-2026.12 3h"),
                   Contains("Early life support of web-2026.12 already ended Wed 2 Dec 2026 09:00 "
                            "UTC, and 3h after it was done is already past: nothing changed. To "
                            "reopen it, give a longer duration, e.g. `release els web-2026.12 "
                            "2d`."));
    }
    SECTION("only the release owner or a manager") {
        CHECK_THAT(env.say("bob", "release els web-2026.12 1d"),
                   Contains("Only a manager can change the early life support of a release "
                            "someone else owns; you are a member."));
        CHECK(els_due(env, "web-2026.12") == seconds(done + 120h));
    }
    SECTION("only after release done") {
        CHECK_THAT(env.say("alice", "release els web-2027.01 1d"),
                   Contains("web-2027.01 is planned; `release els` needs it to be deployed or "
                            "backed-out (after `release done`)."));
        CHECK(pending_els_jobs(env, "web-2027.01") == 0);
    }
}

TEST_CASE("when early life support ends, the retro starts unless one was started", "[els]") {
    TestEnv env;
    plan(env, "web-2026.12", "2026-12-10 14:00", "web");
    ship(env, "web-2026.12");
    const Instant done = default_start();
    env.say("alice", "release els web-2026.12 1d owner @ops");

    SECTION("no retro yet: it starts, with everyone who took part") {
        run_scheduler_until(env, done + 24h + 1min);
        CHECK(env.count("SELECT count(*) FROM retros") == 1);
        CHECK(env.text("SELECT opened_by FROM retros") == "releasebot");
        CHECK(env.count("SELECT count(*) FROM retro_participants") == 2);  // alice, bob
        CHECK(dms_like(env, "bob", kSurvey) == 1);
        CHECK(dms_like(env, "alice", kSurvey) == 1);
        CHECK(dms_like(env, "ops",
                     "%Early life support of *web-2026.12*%ended%I started its "
                     "retro%") == 1);
        CHECK(env.count("SELECT count(*) FROM audit_log WHERE action = 'release.els_end' AND "
                        "detail = 'ended; started the retro; told @ops'") == 1);
        CHECK(pending_els_jobs(env, "web-2026.12") == 0);
    }
    SECTION("a retro already started is not started again") {
        REQUIRE_THAT(env.say("alice", "retro start web-2026.12"), !Contains("rror"));
        std::int64_t retro_id = env.count("SELECT id FROM retros");
        REQUIRE(dms_like(env, "bob", kSurvey) == 1);
        run_scheduler_until(env, done + 24h + 1min);
        CHECK(env.count("SELECT count(*) FROM retros") == 1);
        CHECK(env.count("SELECT id FROM retros") == retro_id);
        CHECK(env.text("SELECT opened_by FROM retros") == "alice");
        CHECK(dms_like(env, "bob", kSurvey) == 1);
        CHECK(dms_like(env, "ops", "%Its retro was already started%") == 1);
        CHECK(env.count("SELECT count(*) FROM audit_log WHERE action = 'release.els_end' AND "
                        "detail = 'ended; the retro was already started; told @ops'") == 1);
    }
    SECTION("a late end says so") {
        env.clock().advance(72h);  // the bot was down past the end
        Context ctx = system_context(env);
        auto jobs = env.store().jobs.pending_for(ReleaseId(1));
        REQUIRE(jobs.size() == 1);
        auto reply = run_els_end(ctx, jobs[0], true);
        REQUIRE(reply.ok());
        bool told_late = false;
        for (const auto& o : ctx.outbound)
            if (o.direct_to && o.direct_to->value() == "ops" &&
                o.reply.text.find("late: the bot was down when this was due at Wed 2 Dec 2026 "
                                  "09:00 UTC") != std::string::npos)
                told_late = true;
        CHECK(told_late);
    }
}

// ---------------------------------------------------------------------------------------------
// Trends

TEST_CASE("retro trends shows rating and response rate over a program's closed retros",
          "[trends]") {
    TestEnv env;
    plan(env, "web-2026.10", "2026-12-03 14:00", "web");
    plan(env, "web-2026.11", "2026-12-05 14:00", "web");
    plan(env, "web-2026.12", "2026-12-10 14:00", "web");
    plan(env, "mobile-1", "2026-12-12 10:00", "mobile");

    CHECK_THAT(env.say("bob", "retro trends web"),
               Contains("No closed retros for program web yet"));
    CHECK_THAT(env.say("bob", "retro trends desktop"),
               Contains("No release has program `desktop`."));

    // Ratings: web-2026.10 → 3 and 4 (3.5); web-2026.11 → nobody answers; web-2026.12 → 4
    // and 5 (4.5). mobile-1 → 1, which must not count for web.
    struct Run {
        std::string key;
        std::vector<std::pair<std::string, std::string>> ratings;
    };
    for (const Run& run :
         {Run{"web-2026.10", {{"alice", "3"}, {"bob", "4"}}}, Run{"web-2026.11", {}},
          Run{"web-2026.12", {{"alice", "4"}, {"bob", "5"}}}, Run{"mobile-1", {{"alice", "1"}}}}) {
        ship(env, run.key);
        REQUIRE_THAT(env.say("alice", "retro start " + run.key), !Contains("rror"));
        for (const auto& [user, rating] : run.ratings)
            REQUIRE_THAT(env.say(user, "retro answer " + run.key + " 1 " + rating),
                         !Contains("rror"));
        env.say("alice", "retro close " + run.key);
        env.say("alice", "yes");
        REQUIRE(env.count("SELECT count(*) FROM retros WHERE status = 'closed' AND release_id = "
                          "(SELECT id FROM releases WHERE key = " +
                          q(run.key) + ")") == 1);
    }

    auto out = env.say("carol", "retro trends web");
    CHECK_THAT(out, Contains("Retro trends of program web — the last 3 closed retros"));
    std::string oct = line_of(out, "web-2026.10");
    CHECK_THAT(oct, Contains("2026-12-03"));
    CHECK_THAT(oct, Contains("2/2 (100%)"));
    CHECK_THAT(oct, Contains("3.5"));
    std::string nov = line_of(out, "web-2026.11");
    CHECK_THAT(nov, Contains("0/2 (0%)"));
    CHECK_THAT(nov, Contains("—"));
    CHECK_THAT(line_of(out, "web-2026.12"), Contains("4.5"));
    CHECK(out.find("web-2026.10") < out.find("web-2026.12"));  // oldest first
    CHECK_THAT(out, !Contains("mobile-1"));
    CHECK_THAT(out, Contains("Average rating 4.0 over 2 retros; last 4.5, up from 3.5."));
    CHECK_THAT(out, Contains("Response rate 67% overall (4 of 6 asked)."));

    auto mobile = env.say("carol", "retro trends mobile");
    CHECK_THAT(mobile, Contains("Retro trends of program mobile — its one closed retro"));
    CHECK_THAT(mobile, Contains("Average rating 1.0 over 1 retro."));
}
