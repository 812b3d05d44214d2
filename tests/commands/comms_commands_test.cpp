// `comms …` commands through the real pipeline on an in-memory database: drafting to
// audiences, every review rule (no self-approval, approvers only, only drafts, an edit sends an
// approved one back), what reaches the outbox and where — one row per channel of every
// audience, across platforms, and never anything unapproved — timed sends through the
// scheduler, release events, and the repositories behind them.
#include <catch2/catch.hpp>
#include <sstream>
#include <string>

#include "bot/runtime/pipeline.hpp"
#include "bot/runtime/scheduler.hpp"
#include "commands/comms_delivery.hpp"
#include "commands/context.hpp"
#include "support/plans.hpp"
#include "support/test_env.hpp"

using namespace releasebot;
using namespace releasebot::test;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;

namespace {

const char* kStakeholders = "stakeholders (slack:C0123, teams:19:abc@thread.tacv2)";

// alice plans web-2026.12 and so is the manager; carol is an approver; bob and dave are members.
// Audience stakeholders is a Slack channel and a Teams channel; ops is the console.
void setup(TestEnv& env) {
    plan_web(env);
    REQUIRE_THAT(env.say("alice", "channel add stakeholders slack:C0123"), Contains("Added"));
    REQUIRE_THAT(env.say("alice", "channel add stakeholders teams:19:abc@thread.tacv2"),
                 Contains("Added"));
    REQUIRE_THAT(env.say("alice", "channel add ops here"), Contains("Added"));
    REQUIRE_THAT(env.say("alice", "role grant @carol approver"), Contains("approver"));
}

// Outbox rows whose message holds `marker` (the announcements carry the text; nothing else does).
std::int64_t rows_with(TestEnv& env, const std::string& marker) {
    return env.count("SELECT count(*) FROM outbox WHERE payload LIKE '%" + marker + "%'");
}

std::string status_of(TestEnv& env, int id) {
    return env.text("SELECT status FROM communications WHERE id = " + std::to_string(id));
}

// A context of our own in the console workspace, acting as `user` with `role`, for calling the
// domain functions directly.
Context context_for(TestEnv& env, const std::string& user, Role role) {
    auto ws = env.store().workspaces.find("console", "local");
    REQUIRE(ws);
    Context ctx{env.store(), env.clock().now(), *ws,
                Actor{"console", "local", UserId(user), user, {}},
                ConversationRef{"console", "local", "terminal", std::nullopt, std::nullopt}};
    ctx.role = role;
    return ctx;
}

Release release_web(TestEnv& env) {
    auto ws = env.store().workspaces.find("console", "local");
    REQUIRE(ws);
    auto r = env.store().releases.find(ws->id, "web-2026.12");
    REQUIRE(r);
    return *r;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Drafting

TEST_CASE("comms draft records a draft, asks the reviewers, and sends nothing", "[comms]") {
    TestEnv env;
    setup(env);

    auto out = env.say("bob",
                       "comms draft web-2026.12 to stakeholders,ops on done \"Web "
                       "December is live ZQMARK1\"");
    CHECK_THAT(out, Contains("Drafted communication #1 for web-2026.12 to stakeholders, ops: "
                             "waiting for review."));
    CHECK_THAT(out, Contains(std::string(kStakeholders) + ", ops (console:terminal)"));
    CHECK_THAT(out, Contains("on done, when `release done web-2026.12` runs"));
    CHECK_THAT(out, Contains("Web December is live ZQMARK1"));
    CHECK_THAT(out, Contains("Someone other than @bob must approve it before anything is sent: an "
                             "approver or a manager types `comms review 1 approve`."));

    CHECK(env.text("SELECT author || ' ' || audiences || ' ' || trigger_kind || ' ' || status "
                   "FROM communications") == "bob stakeholders,ops done draft");
    CHECK(env.count("SELECT count(*) FROM audit_log WHERE action = 'comms.draft' AND detail LIKE "
                    "'#1 to stakeholders,ops on done:%'") == 1);

    // The manager and the approver are asked to review; the author is not.
    CHECK(dms_to(env, "alice", "comms show 1") == 1);
    CHECK(dms_to(env, "carol", "comms show 1") == 1);
    CHECK(dms_to(env, "bob", "comms show 1") == 0);
    CHECK(rows_with(env, "ZQMARK1") == 0);

    SECTION("audience names are matched in any case and kept once") {
        CHECK_THAT(env.say("bob", "comms draft web-2026.12 to OPS,ops,Stakeholders now \"x\""),
                   Contains("Drafted communication #2 for web-2026.12 to ops, stakeholders"));
        CHECK(env.text("SELECT audiences FROM communications WHERE id = 2") == "ops,stakeholders");
    }
    SECTION("a time is shown in the reader's zone and stored in UTC") {
        env.zone = "Europe/Berlin";
        CHECK_THAT(env.say("bob", "comms draft web-2026.12 to ops at 2026-12-05 11:00 \"x\""),
                   Contains("at Sat 5 Dec 2026 11:00 CET"));
        CHECK(env.count("SELECT trigger_at FROM communications WHERE id = 2") ==
              utc("2026-12-05 10:00").time_since_epoch().count());
    }
}

TEST_CASE("comms draft refuses unknown audiences, a missing trigger and bad input", "[comms]") {
    TestEnv env;
    setup(env);

    auto [command, error] = GENERATE(table<std::string, std::string>({
        {"comms draft web-2026.12 to press now \"x\"",
         "There is no audience `press`. Known audiences: ops, stakeholders; a manager adds one "
         "with `channel add press slack:C0123ABCD` (or `channel add press here` in the channel "
         "itself)."},
        {"comms draft web-2026.12 to stakeholders,press now \"x\"",
         "There is no audience `press`."},
        {"comms draft web-2026.12 to stakeholdrs now \"x\"",
         "There is no audience `stakeholdrs`. Did you mean `stakeholders`?"},
        {"comms draft web-2026.12 to stakeholders, ops now \"x\"",
         "`to stakeholders, ops`: list audiences separated by commas without spaces, like `to "
         "stakeholders,it-ops`."},
        {"comms draft web-2026.12 to stakeholders,,ops now \"x\"",
         "`stakeholders,,ops` has an empty audience name: list audiences separated by commas "
         "without spaces, like `to stakeholders,it-ops`."},
        {"comms draft web-2026.12 to stakeholders \"x\"",
         "Say when it goes out: `at <when>` (like `at 2026-12-10 16:00` or `at tomorrow 9:00`), "
         "`on start`, `on done`, `on backout`, `on cancel`, or `now` (as soon as it is approved). "
         "Example: "
         "`comms draft web-2026.12 to stakeholders on done \"Web December is live\"`."},
        {"comms draft web-2026.12 to stakeholders now on done \"x\"",
         "Give one trigger only: `at <when>`"},
        {"comms draft web-2026.12 to stakeholders on lunch \"x\"",
         "`on lunch` is not a release event: use `on start`, `on done`, `on backout` or "
         "`on cancel`."},
        {"comms draft web-2026.12 to stakeholders at 2026-11-30 10:00 \"x\"",
         "Mon 30 Nov 2026 10:00 UTC is in the past (it is now Tue 1 Dec 2026 09:00 UTC). Give a "
         "later time, like `at in 2h`, or `now` to send it as soon as it is approved."},
        {"comms draft web-2026.12 to stakeholders now \"  \"",
         "The communication needs its text, in quotes: `comms draft web-2026.12 to stakeholders "
         "on done \"Web December is live\"`."},
        {"comms draft web-2026.11 to stakeholders now \"x\"",
         "There is no release `web-2026.11` here. Did you mean `web-2026.12`? Type `release "
         "list` to see the releases."},
    }));
    CAPTURE(command);
    CHECK_THAT(env.say("bob", command), Contains(error));
    CHECK(env.count("SELECT count(*) FROM communications") == 0);
}

TEST_CASE("comms draft with no audiences at all says how to add one", "[comms]") {
    TestEnv env;
    plan_web(env);
    CHECK_THAT(env.say("bob", "comms draft web-2026.12 to stakeholders now \"x\""),
               Contains("There is no audience `stakeholders`. There are no audiences yet: a "
                        "manager adds one with `channel add stakeholders slack:C0123ABCD`"));
}

TEST_CASE("comms draft needs an open release and an event still ahead", "[comms]") {
    TestEnv env;
    setup(env);

    SECTION("a cancelled release") {
        env.say("alice", "release cancel web-2026.12 \"moved to January\"");
        env.say("alice", "yes");
        REQUIRE(env.text("SELECT state FROM releases") == "cancelled");
        CHECK_THAT(env.say("bob", "comms draft web-2026.12 to ops now \"x\""),
                   Contains("web-2026.12 is cancelled; `comms draft` needs it to be planned, "
                            "approved or deploying."));
    }
    SECTION("`on start` once the release has started") {
        approve_web_release(env);
        test::start_in_window(env, "alice", "web-2026.12");
        CHECK_THAT(env.say("bob", "comms draft web-2026.12 to ops on start \"x\""),
                   Contains("web-2026.12 is already deploying, so `on start` would never come. "
                            "Use `now` or `at <when>` instead."));
        CHECK_THAT(env.say("bob", "comms draft web-2026.12 to ops on done \"x\""),
                   Contains("Drafted communication #1"));
    }
}

TEST_CASE("drafting on an approved release sends it back to planned", "[comms]") {
    TestEnv env;
    setup(env);
    approve_web_release(env);
    auto out = env.say("bob", "comms draft web-2026.12 to ops on done \"Live\"");
    CHECK_THAT(out, Contains("web-2026.12 is back to planned"));
    CHECK(env.text("SELECT state FROM releases") == "planned");
    CHECK_THAT(env.say("alice", "release go web-2026.12"),
               Contains("Communication #1 to ops is waiting for review"));
    env.say("carol", "comms review 1 approve");
    CHECK_THAT(env.say("alice", "release go web-2026.12"), Contains("is approved"));
}

// ---------------------------------------------------------------------------------------------
// Review rules

TEST_CASE("nobody reviews their own communication, not even a manager", "[comms]") {
    TestEnv env;
    setup(env);
    env.say("alice", "comms draft web-2026.12 to ops now \"From the manager ZQMARK\"");
    CHECK_THAT(env.say("alice", "comms review 1 approve"),
               Contains("You wrote #1; someone else must review it."));
    CHECK_THAT(env.say("alice", "comms review 1 reject \"meh\""),
               Contains("You wrote #1; someone else must review it."));

    env.say("alice", "role grant @bob approver");
    env.say("bob", "comms draft web-2026.12 to ops now \"From an approver ZQMARK\"");
    CHECK_THAT(env.say("bob", "comms review 2 approve"),
               Contains("You wrote #2; someone else must review it."));

    CHECK(status_of(env, 1) == "draft");
    CHECK(status_of(env, 2) == "draft");
    CHECK(rows_with(env, "ZQMARK") == 0);
    CHECK(env.count("SELECT count(*) FROM audit_log WHERE action LIKE 'comms.approve'") == 0);

    // Anyone else with the role may: bob approves alice's.
    CHECK_THAT(env.say("bob", "comms review 1 approve"),
               Contains("Approved communication #1 for web-2026.12"));
}

TEST_CASE("members cannot review", "[comms]") {
    TestEnv env;
    setup(env);
    env.say("bob", "comms draft web-2026.12 to ops now \"x ZQMARK\"");
    CHECK_THAT(env.say("dave", "comms review 1 approve"),
               Contains("Only an approver can use `comms review`; you are a member. Type `role "
                        "list` to see who can, and ask a manager for `role grant @dave "
                        "approver`."));
    CHECK(status_of(env, 1) == "draft");
    CHECK(rows_with(env, "ZQMARK") == 0);
}

TEST_CASE("only a draft can be reviewed", "[comms]") {
    TestEnv env;
    setup(env);
    env.say("bob", "comms draft web-2026.12 to ops on done \"one\"");
    env.say("bob", "comms draft web-2026.12 to ops on done \"two\"");
    env.say("bob", "comms draft web-2026.12 to ops now \"three\"");
    REQUIRE_THAT(env.say("carol", "comms review 1 approve"), Contains("Approved"));
    REQUIRE_THAT(env.say("carol", "comms review 2 reject \"too vague\""), Contains("Rejected"));
    REQUIRE_THAT(env.say("carol", "comms review 3 approve"), Contains("it went out"));

    CHECK_THAT(env.say("alice", "comms review 1 reject"),
               Contains("#1 is already approved by @carol; only a draft can be reviewed."));
    CHECK_THAT(env.say("alice", "comms review 2 approve"),
               Contains("#2 was rejected by @carol; only a draft can be reviewed. Its author "
                        "edits it with `comms edit 2 \"<text>\"`, which sends it back for "
                        "review."));
    CHECK_THAT(env.say("alice", "comms review 3 approve"),
               Contains("#3 was already sent Tue 1 Dec 2026 09:00 UTC; it cannot change. Draft "
                        "a follow-up with `comms draft …`."));
    CHECK(status_of(env, 1) == "approved");
    CHECK(status_of(env, 2) == "rejected");
    CHECK(env.text("SELECT reviewer FROM communications WHERE id = 1") == "carol");
}

TEST_CASE("a rejection tells the author why, and an edit brings it back for review", "[comms]") {
    TestEnv env;
    setup(env);
    env.say("bob", "comms draft web-2026.12 to stakeholders now \"Web is live ZQMARK\"");

    auto out = env.say("carol", "comms review 1 reject \"say which features\"");
    CHECK_THAT(out, Contains("Rejected communication #1 for web-2026.12; @bob is told why."));
    CHECK_THAT(out, Contains("say which features"));
    CHECK(status_of(env, 1) == "rejected");
    CHECK(env.text("SELECT review_comment FROM communications") == "say which features");
    CHECK(dms_to(env, "bob", "rejected your communication #1") == 1);
    CHECK(dms_to(env, "bob", "say which features") == 1);
    CHECK(env.count("SELECT count(*) FROM audit_log WHERE action = 'comms.reject' AND detail = "
                    "'#1 \"say which features\"'") == 1);
    CHECK(rows_with(env, "ZQMARK") == 0);

    CHECK_THAT(env.say("bob", "comms show 1"),
               Contains("@carol rejected Tue 1 Dec 2026 09:00 UTC: \"say which features\""));
    CHECK_THAT(env.say("bob", "comms send 1"),
               Contains("Only approved communications are sent. #1 was rejected by @carol "
                        "(\"say which features\"): edit it with `comms edit 1 \"<text>\"`, then "
                        "it needs `comms review 1 approve` by someone other than its author."));

    // A rejected communication blocks the gate until it is edited and approved.
    CHECK_THAT(env.say("alice", "release go web-2026.12"),
               Contains("Communication #1 to stakeholders is rejected"));

    auto edited = env.say("bob", "comms edit 1 \"Web is live: faster checkout ZQMARK\"");
    CHECK_THAT(edited, Contains("It was rejected by @carol, so it is back to waiting for review"));
    CHECK(status_of(env, 1) == "draft");
    CHECK(env.count("SELECT count(*) FROM communications WHERE reviewer IS NULL AND "
                    "review_comment IS NULL AND reviewed_at IS NULL") == 1);
    CHECK(rows_with(env, "ZQMARK") == 0);

    CHECK_THAT(env.say("carol", "comms review 1 approve"), Contains("it went out to 2 channels"));
    CHECK(rows_with(env, "faster checkout ZQMARK") == 2);
    CHECK(dms_to(env, "bob", "approved your communication #1") == 1);

    SECTION("a rejection without a comment says so") {
        env.say("bob", "comms draft web-2026.12 to ops now \"x\"");
        CHECK_THAT(env.say("carol", "comms review 2 reject"),
                   Contains("Rejected communication #2 for web-2026.12; @bob is told."));
        CHECK(dms_to(env, "bob", "(no reason given; ask them)") == 1);
    }
}

TEST_CASE("approving then editing goes back to draft and sends nothing", "[comms]") {
    TestEnv env;
    setup(env);
    env.say("bob", "comms draft web-2026.12 to stakeholders,ops on done \"v1 ZQMARK\"");
    REQUIRE_THAT(env.say("carol", "comms review 1 approve \"fine\""), Contains("Approved"));
    REQUIRE(status_of(env, 1) == "approved");

    auto out = env.say("bob", "comms edit 1 \"v2 ZQMARK\"");
    CHECK_THAT(out, Contains("Edited communication #1 for web-2026.12."));
    CHECK_THAT(out, Contains("It was approved by @carol, so it is back to waiting for review; "
                             "nothing is sent until it is approved again."));
    CHECK(status_of(env, 1) == "draft");
    CHECK(env.text("SELECT body FROM communications") == "v2 ZQMARK");
    CHECK(env.count("SELECT count(*) FROM communications WHERE reviewer IS NULL") == 1);
    CHECK(env.count("SELECT count(*) FROM audit_log WHERE action = 'comms.edit' AND detail = "
                    "'#1: \"v2 ZQMARK\" (was approved; back to review)'") == 1);
    CHECK(dms_to(env, "carol", "needs a review again") == 1);

    CHECK_THAT(env.say("bob", "comms send 1"),
               Contains("Only approved communications are sent. #1 is a draft: it needs `comms "
                        "review 1 approve` by someone other than its author."));
    CHECK(rows_with(env, "ZQMARK") == 0);
}

// ---------------------------------------------------------------------------------------------
// What reaches the outbox

TEST_CASE("approving a `now` communication posts it to every channel of every audience",
          "[comms]") {
    TestEnv env;
    setup(env);
    env.say("bob",
            "comms draft web-2026.12 to stakeholders,ops now \"Maintenance tonight ZQMARK\"");
    REQUIRE(rows_with(env, "ZQMARK") == 0);

    auto out = env.say("carol", "comms review 1 approve");
    CHECK_THAT(out, Contains("Approved communication #1 for web-2026.12; it went out to 3 "
                             "channels: " +
                             std::string(kStakeholders) + ", ops (console:terminal)."));

    // One row per channel, each on its own platform with its own destination.
    CHECK(rows_with(env, "ZQMARK") == 3);
    CHECK(env.count("SELECT count(*) FROM outbox WHERE payload LIKE '%ZQMARK%' AND platform = "
                    "'slack' AND destination LIKE '%\"channel\":\"C0123\"%'") == 1);
    CHECK(env.count("SELECT count(*) FROM outbox WHERE payload LIKE '%ZQMARK%' AND platform = "
                    "'teams' AND destination LIKE '%\"channel\":\"19:abc@thread.tacv2\"%'") == 1);
    CHECK(env.count("SELECT count(*) FROM outbox WHERE payload LIKE '%ZQMARK%' AND platform = "
                    "'console' AND destination LIKE '%\"channel\":\"terminal\"%'") == 1);
    CHECK(env.count("SELECT count(*) FROM outbox WHERE payload LIKE '%ZQMARK%' AND destination "
                    "LIKE '%\"user\"%'") == 0);
    // The announcement names the release and who approved it.
    CHECK(env.count("SELECT count(*) FROM outbox WHERE payload LIKE '%ZQMARK%' AND payload LIKE "
                    "'%web-2026.12 — Web December%' AND payload LIKE '%Approved by <@carol>%'") ==
          3);

    CHECK(status_of(env, 1) == "sent");
    CHECK(env.count("SELECT sent_at FROM communications") ==
          default_start().time_since_epoch().count());
    CHECK(env.count("SELECT count(*) FROM audit_log WHERE action = 'comms.approve'") == 1);
    CHECK(env.count("SELECT count(*) FROM audit_log WHERE action = 'comms.send' AND detail = "
                    "'#1 to 3 channels (stakeholders, ops)'") == 1);

    SECTION("a channel in two audiences hears it once") {
        env.say("alice", "channel add everyone slack:C0123");
        env.say("bob", "comms draft web-2026.12 to stakeholders,everyone now \"Shared ZQMARK2\"");
        CHECK_THAT(env.say("carol", "comms review 2 approve"),
                   Contains("it went out to 2 channels"));
        CHECK(rows_with(env, "ZQMARK2") == 2);
        CHECK(env.count("SELECT count(*) FROM outbox WHERE payload LIKE '%ZQMARK2%' AND platform "
                        "= 'slack'") == 1);
    }
}

TEST_CASE("nothing unapproved ever reaches the outbox", "[comms]") {
    TestEnv env;
    setup(env);
    env.say("bob", "comms draft web-2026.12 to stakeholders,ops now \"ZQSECRET now\"");
    env.say("bob", "comms draft web-2026.12 to stakeholders on done \"ZQSECRET done\"");
    env.say("bob", "comms draft web-2026.12 to ops at 2026-12-02 10:00 \"ZQSECRET at\"");
    env.say("carol", "comms review 2 reject \"not yet\"");
    env.say("alice", "comms draft web-2026.12 to ops now \"ZQSECRET manager\"");

    // Every way to push it out is refused.
    CHECK_THAT(env.say("bob", "comms send 1"), Contains("Only approved communications are sent."));
    CHECK_THAT(env.say("alice", "comms send 2"),
               Contains("Only approved communications are sent."));
    CHECK_THAT(env.say("bob", "comms send 3"), Contains("Only approved communications are sent."));
    CHECK_THAT(env.say("alice", "comms review 4 approve"), Contains("You wrote #4"));
    CHECK_THAT(env.say("dave", "comms review 1 approve"), Contains("Only an approver"));
    CHECK_THAT(env.say("alice", "release go web-2026.12"), Contains("waiting for review"));

    // Time passes the timed one's moment: no job was scheduled for a draft.
    Pipeline pipeline(env.db(), env.clock());
    Scheduler scheduler(env.db(), env.clock(), pipeline);
    scheduler.advance_to(env.clock(), utc("2026-12-03 09:00"));
    CHECK(env.count("SELECT count(*) FROM scheduled_jobs WHERE kind = 'comms'") == 0);

    // A release event sends only approved ones.
    Context ctx = context_for(env, "alice", Role::manager);
    Release web = release_web(env);
    auto held = announce_release_event(ctx, web, CommsTrigger::done);
    REQUIRE(held.size() == 1);
    CHECK(held[0].id == CommsId(2));
    CHECK(ctx.outbound.empty());

    CHECK(rows_with(env, "ZQSECRET") == 0);
    CHECK(env.count("SELECT count(*) FROM communications WHERE sent_at IS NOT NULL") == 0);
}

TEST_CASE("an approved communication goes out at its time through the scheduler", "[comms]") {
    TestEnv env;
    setup(env);
    Pipeline pipeline(env.db(), env.clock());
    Scheduler scheduler(env.db(), env.clock(), pipeline);
    env.say("bob", "comms draft web-2026.12 to stakeholders at 2026-12-05 10:00 \"Timed ZQMARK\"");

    auto out = env.say("carol", "comms review 1 approve");
    CHECK_THAT(out, Contains("Approved communication #1 for web-2026.12; it goes out at Sat 5 Dec "
                             "2026 10:00 UTC to " +
                             std::string(kStakeholders) + "."));
    CHECK(env.count("SELECT count(*) FROM scheduled_jobs WHERE kind = 'comms' AND payload = '1' "
                    "AND status = 'pending' AND due_at = " +
                    std::to_string(utc("2026-12-05 10:00").time_since_epoch().count())) == 1);

    scheduler.advance_to(env.clock(), utc("2026-12-05 09:59"));
    CHECK(rows_with(env, "ZQMARK") == 0);
    CHECK(status_of(env, 1) == "approved");

    scheduler.advance_to(env.clock(), utc("2026-12-05 10:30"));
    CHECK(rows_with(env, "ZQMARK") == 2);
    CHECK(status_of(env, 1) == "sent");
    CHECK(env.count("SELECT sent_at FROM communications") ==
          utc("2026-12-05 10:00").time_since_epoch().count());

    SECTION("an edit after approval leaves the job harmless") {
        env.say("bob", "comms draft web-2026.12 to ops at 2026-12-06 10:00 \"v1 ZQEDIT\"");
        env.say("carol", "comms review 2 approve");
        env.say("bob", "comms edit 2 \"v2 ZQEDIT\"");
        scheduler.advance_to(env.clock(), utc("2026-12-06 11:00"));
        CHECK(rows_with(env, "ZQEDIT") == 0);
        CHECK(status_of(env, 2) == "draft");

        // Approved again after its time: it goes out at once, and only once.
        CHECK_THAT(env.say("carol", "comms review 2 approve"),
                   Contains("its time (Sun 6 Dec 2026 10:00 UTC) has passed, so it went out now "
                            "to 1 channel: ops (console:terminal)."));
        CHECK(rows_with(env, "v2 ZQEDIT") == 1);
        scheduler.advance_to(env.clock(), utc("2026-12-07 11:00"));
        CHECK(rows_with(env, "ZQEDIT") == 1);
    }
}

TEST_CASE("comms send sends an approved `on done` message early; release events send the rest",
          "[comms]") {
    TestEnv env;
    setup(env);
    env.say("bob", "comms draft web-2026.12 to stakeholders,ops on done \"ZQEARLY ZQNEWS\"");
    env.say("bob", "comms draft web-2026.12 to stakeholders on done \"ZQONDONE ZQNEWS\"");
    env.say("bob", "comms draft web-2026.12 to ops on start \"ZQONSTART ZQNEWS\"");
    for (int id = 1; id <= 3; ++id) {
        REQUIRE_THAT(env.say("carol", "comms review " + std::to_string(id) + " approve"),
                     Contains("Approved"));
    }
    CHECK(rows_with(env, "ZQNEWS") == 0);

    auto sent = env.say("bob", "comms send 1");
    CHECK_THAT(sent, Contains("Sent communication #1 for web-2026.12 ahead of `on done` to 3 "
                              "channels: " +
                              std::string(kStakeholders) + ", ops (console:terminal)."));
    CHECK(rows_with(env, "ZQEARLY") == 3);
    CHECK(status_of(env, 1) == "sent");
    CHECK_THAT(env.say("bob", "comms send 1"), Contains("#1 was already sent"));

    approve_web_release(env);
    test::start_in_window(env, "alice", "web-2026.12");
    CHECK(rows_with(env, "ZQONSTART") == 1);
    CHECK(rows_with(env, "ZQONDONE") == 0);

    // Drafted during the deployment and never approved: held back, and the closer is told.
    env.say("bob", "comms draft web-2026.12 to ops on done \"ZQHELD ZQNEWS\"");
    env.say("bob", "release step web-2026.12 1 done");
    auto done = env.say("alice", "release done web-2026.12");
    CHECK_THAT(done, Contains("Not sent, not approved: communication #4."));
    CHECK(rows_with(env, "ZQONDONE") == 2);
    CHECK(rows_with(env, "ZQHELD") == 0);
    CHECK(rows_with(env, "ZQEARLY") == 3);
    CHECK(status_of(env, 2) == "sent");
    CHECK(status_of(env, 4) == "draft");
}

TEST_CASE("a communication approved after its event has passed waits for comms send", "[comms]") {
    TestEnv env;
    setup(env);
    approve_web_release(env);
    test::start_in_window(env, "alice", "web-2026.12");
    env.say("bob", "comms draft web-2026.12 to ops on done \"late ZQMARK\"");
    env.say("bob", "release step web-2026.12 1 done");
    env.say("alice", "release done web-2026.12");

    CHECK_THAT(env.say("carol", "comms review 1 approve"),
               Contains("web-2026.12 is already deployed, so it will not go out by itself: send "
                        "it with `comms send 1`."));
    CHECK(rows_with(env, "ZQMARK") == 0);
    CHECK_THAT(env.say("bob", "comms send 1"), Contains("Sent communication #1 for web-2026.12 to "
                                                        "1 channel: ops (console:terminal)."));
    CHECK(rows_with(env, "ZQMARK") == 1);
}

// ---------------------------------------------------------------------------------------------
// Who may edit, send, cancel; errors

TEST_CASE("only the author or a manager edits, sends and cancels", "[comms]") {
    TestEnv env;
    setup(env);
    env.say("bob", "comms draft web-2026.12 to ops on done \"Bob's words\"");

    CHECK_THAT(env.say("dave", "comms edit 1 \"Dave's words\""),
               Contains("Only the author of #1 (@bob) or a manager can edit it; you are a "
                        "member."));
    CHECK_THAT(env.say("carol", "comms cancel 1"),
               Contains("Only the author of #1 (@bob) or a manager can cancel it; you are an "
                        "approver."));
    env.say("carol", "comms review 1 approve");
    CHECK_THAT(env.say("dave", "comms send 1"),
               Contains("Only the author of #1 (@bob) or a manager can send it; you are a "
                        "member."));
    CHECK(env.text("SELECT body FROM communications") == "Bob's words");

    SECTION("a manager may edit for the author, who is told") {
        CHECK_THAT(env.say("alice", "comms edit 1 \"Alice's words\""),
                   Contains("Edited communication #1 for web-2026.12."));
        CHECK(dms_to(env, "bob", "edited your communication #1") == 1);
        CHECK_THAT(env.say("alice", "comms edit 1 \"Alice's words\""),
                   Contains("#1 already says exactly that; nothing changed."));
    }
    SECTION("a manager may send it") {
        CHECK_THAT(env.say("alice", "comms send 1"), Contains("Sent communication #1"));
        CHECK_THAT(env.say("bob", "comms edit 1 \"later\""),
                   Contains("#1 was already sent Tue 1 Dec 2026 09:00 UTC; it cannot change."));
        CHECK_THAT(env.say("bob", "comms cancel 1"), Contains("#1 was already sent"));
    }
}

TEST_CASE("comms cancel drops a communication and its blocker", "[comms]") {
    TestEnv env;
    setup(env);
    env.say("bob", "comms draft web-2026.12 to ops now \"ZQMARK\"");
    env.say("carol", "comms review 1 reject \"not needed\"");
    add_components(env, "web-2026.12");
    test::tick_open_controls(env, "web-2026.12", "bob");
    env.say("bob", "plan add web-2026.12 deploy \"Deploy web\"");
    env.say("bob", "plan add web-2026.12 backout \"Roll back web\"");
    CHECK_THAT(env.say("alice", "release go web-2026.12"),
               Contains("Communication #1 to ops is rejected"));

    CHECK_THAT(env.say("bob", "comms cancel 1"),
               Contains("Cancelled communication #1 for web-2026.12; it will not be sent."));
    CHECK(status_of(env, 1) == "cancelled");
    CHECK(env.count("SELECT count(*) FROM audit_log WHERE action = 'comms.cancel' AND detail = "
                    "'#1 (was rejected)'") == 1);
    CHECK_THAT(env.say("alice", "release go web-2026.12"), Contains("is approved"));
    CHECK_THAT(env.say("bob", "comms edit 1 \"again\""),
               Contains("#1 was cancelled; it will not be sent. Draft a new one with `comms draft "
                        "…`."));
    CHECK(rows_with(env, "ZQMARK") == 0);
}

TEST_CASE("unknown communications and releases are named", "[comms]") {
    TestEnv env;
    setup(env);
    env.say("bob", "comms draft web-2026.12 to ops now \"x\"");

    auto [command, error] = GENERATE(table<std::string, std::string>({
        {"comms show 99",
         "There is no communication #99 here. Type `comms list <release>` to see a release's "
         "communications."},
        {"comms review 99 approve", "There is no communication #99 here."},
        {"comms edit 99 \"x\"", "There is no communication #99 here."},
        {"comms send 99", "There is no communication #99 here."},
        {"comms show abc",
         "`abc` is not a communication number: give the number `comms list <release>` shows, "
         "like `3`."},
        {"comms list web-2026.11",
         "There is no release `web-2026.11` here. Did you mean `web-2026.12`? Type `release "
         "list` to see the releases."},
    }));
    CAPTURE(command);
    CHECK_THAT(env.say("alice", command), Contains(error));
}

// ---------------------------------------------------------------------------------------------
// Reading

TEST_CASE("comms list and comms show tell where each communication stands", "[comms]") {
    TestEnv env;
    setup(env);
    CHECK_THAT(env.say("bob", "comms list web-2026.12"),
               Contains("web-2026.12 has no communications yet."));

    env.say("bob",
            "comms draft web-2026.12 to stakeholders,ops on done \"Web December is "
            "live\nFaster checkout\"");
    env.say("bob", "comms draft web-2026.12 to ops at 2026-12-05 10:00 \"Maintenance Saturday\"");
    env.say("carol", "comms review 2 approve \"ok\"");

    auto list = env.say("dave", "comms list web-2026.12");
    CHECK_THAT(list, Contains("Communications of web-2026.12 — Web December"));
    CHECK_THAT(list, Contains("#  status    trigger              audiences          author  "
                              "reviewer  text"));
    CHECK_THAT(list, Contains("1  draft     on done              stakeholders, ops  @bob    — "));
    CHECK_THAT(list, Contains("Web December is live …"));
    CHECK_THAT(list, Contains("2  approved  at 2026-12-05 10:00  ops                @bob    "
                              "@carol    Maintenance Saturday"));
    CHECK_THAT(list, Contains("1 communication waits for review: `comms review 1 approve` (not by "
                              "its author)."));

    auto show = env.say("dave", "comms show #1");
    CHECK_THAT(show, Contains("Communication #1 — web-2026.12"));
    CHECK_THAT(show, Contains("waiting for review"));
    CHECK_THAT(show, Contains("stakeholders → slack:C0123, teams:19:abc@thread.tacv2"));
    CHECK_THAT(show, Contains("ops → console:terminal"));
    CHECK_THAT(show, Contains("Web December is live\nFaster checkout"));
    CHECK_THAT(show, Contains("Next: someone other than @bob approves it with `comms review 1 "
                              "approve`"));

    env.zone = "Europe/Berlin";
    auto timed = env.say("dave", "comms show 2");
    CHECK_THAT(timed, Contains("at Sat 5 Dec 2026 11:00 CET"));
    CHECK_THAT(timed, Contains("@carol approved Tue 1 Dec 2026 10:00 CET: \"ok\""));
    CHECK_THAT(timed, Contains("It goes out by itself; `comms send 2` sends it now instead."));
}

// ---------------------------------------------------------------------------------------------
// The domain functions, called directly

TEST_CASE("release events send approved communications and hand back the unapproved", "[comms]") {
    TestEnv env;
    setup(env);
    env.say("bob", "comms draft web-2026.12 to stakeholders,ops on done \"A approved\"");
    env.say("bob", "comms draft web-2026.12 to ops on done \"B draft\"");
    env.say("bob", "comms draft web-2026.12 to ops on done \"C rejected\"");
    env.say("bob", "comms draft web-2026.12 to ops on start \"D other event\"");
    env.say("bob", "comms draft web-2026.12 to ops on done \"E cancelled\"");
    env.say("carol", "comms review 1 approve");
    env.say("carol", "comms review 3 reject \"no\"");
    env.say("carol", "comms review 4 approve");
    env.say("bob", "comms cancel 5");

    Release web = release_web(env);
    Context ctx = context_for(env, "releasebot", Role::manager);

    auto unapproved = unapproved_communications(ctx, web);
    REQUIRE(unapproved.size() == 2);
    CHECK(unapproved[0].id == CommsId(2));
    CHECK(unapproved[1].id == CommsId(3));

    auto held = announce_release_event(ctx, web, CommsTrigger::done);
    REQUIRE(held.size() == 2);
    CHECK(held[0].body == "B draft");
    CHECK(held[1].body == "C rejected");
    // #1 went to its three channels; #4 waits for start.
    REQUIRE(ctx.outbound.size() == 3);
    for (const auto& o : ctx.outbound) {
        REQUIRE(o.channel);
        CHECK(o.reply.text == "web-2026.12 — Web December: A approved");
        CHECK(o.release == web.id);
    }
    CHECK(ctx.outbound[0].channel->platform == "slack");
    CHECK(ctx.outbound[1].channel->platform == "teams");
    CHECK(ctx.outbound[1].channel->channel == "19:abc@thread.tacv2");
    CHECK(ctx.outbound[2].channel->platform == "console");
    CHECK(status_of(env, 1) == "sent");
    CHECK(status_of(env, 4) == "approved");
    REQUIRE(ctx.audit_entries.size() == 1);
    CHECK(ctx.audit_entries[0].action == "comms.send");

    // A second event of the same kind sends nothing again.
    Context again = context_for(env, "releasebot", Role::manager);
    announce_release_event(again, web, CommsTrigger::done);
    CHECK(again.outbound.empty());
}

TEST_CASE("an audience emptied after approval: commands refuse, events warn the author",
          "[comms]") {
    TestEnv env;
    setup(env);
    env.say("bob", "comms draft web-2026.12 to stakeholders,ops on done \"Live ZQMARK\"");
    env.say("carol", "comms review 1 approve");
    CHECK_THAT(env.say("alice", "channel remove ops"), Contains("Heads-up: #1 (approved)"));

    CHECK_THAT(env.say("bob", "comms send 1"),
               Contains("#1 is addressed to ops, which has no channels now, so nothing was sent. "
                        "A manager adds one with `channel add ops <platform>:<id>`; then `comms "
                        "send 1` again."));
    CHECK(rows_with(env, "ZQMARK") == 0);

    Release web = release_web(env);
    Context ctx = context_for(env, "releasebot", Role::manager);
    announce_release_event(ctx, web, CommsTrigger::done);
    int posts = 0, dms = 0;
    for (const auto& o : ctx.outbound) {
        if (o.channel) ++posts;
        if (o.direct_to) {
            ++dms;
            CHECK(*o.direct_to == UserId("bob"));
            CHECK_THAT(o.reply.text, Contains("went out to 2 channels, but ops has no channels, "
                                              "so it did not reach it."));
        }
    }
    CHECK(posts == 2);
    CHECK(dms == 1);
    REQUIRE(ctx.audit_entries.size() == 1);
    CHECK(ctx.audit_entries[0].detail == "#1 to 2 channels (stakeholders); no channels in ops");
}

// ---------------------------------------------------------------------------------------------
// Repositories

TEST_CASE("the audience repository round-trips channels", "[comms][storage]") {
    TestEnv env;
    env.say("alice", "channel list");  // creates the workspace
    auto ws = env.store().workspaces.find("console", "local");
    REQUIRE(ws);
    auto& repo = env.store().audiences;

    Audience a;
    a.workspace = ws->id;
    a.name = "Stakeholders";
    a.platform = "teams";
    a.tenant = "72f988bf";
    a.channel = "19:abc@thread.tacv2";
    a.service_url = "https://smba.trafficmanager.net/emea/";
    a.added_by = UserId("alice");
    a.added_at = utc("2026-12-01 09:00");
    CHECK(repo.add(a));
    CHECK_FALSE(repo.add(a));

    Audience b = a;
    b.platform = "slack";
    b.tenant = "T01";
    b.channel = "C0123";
    b.service_url.reset();
    CHECK(repo.add(b));
    Audience c = b;
    c.name = "ops";
    c.channel = "C0999";
    CHECK(repo.add(c));

    auto named = repo.named(ws->id, "STAKEHOLDERS");
    REQUIRE(named.size() == 2);
    CHECK(named[0].platform == "slack");
    CHECK_FALSE(named[0].service_url);
    CHECK(named[1].name == "Stakeholders");
    CHECK(named[1].platform == "teams");
    CHECK(named[1].tenant == "72f988bf");
    CHECK(named[1].channel == "19:abc@thread.tacv2");
    CHECK(named[1].service_url ==
          std::optional<std::string>("https://smba.trafficmanager.net/emea/"));
    CHECK(named[1].added_by == UserId("alice"));
    CHECK(named[1].added_at == utc("2026-12-01 09:00"));
    CHECK(named[1].workspace == ws->id);

    auto all = repo.list(ws->id);
    REQUIRE(all.size() == 3);
    CHECK(all[0].name == "ops");
    CHECK(all[1].channel == "C0123");
    CHECK(all[2].channel == "19:abc@thread.tacv2");

    CHECK(repo.named(ws->id, "press").empty());
    CHECK(repo.remove(ws->id, "stakeholders", "slack", "C9999") == 0);
    CHECK(repo.remove(ws->id, "stakeholders", "slack", "C0123") == 1);
    CHECK(repo.named(ws->id, "stakeholders").size() == 1);
    CHECK(repo.remove(ws->id, "OPS") == 1);
    CHECK(repo.remove(ws->id, "ops") == 0);
    CHECK(repo.list(ws->id).size() == 1);
}

TEST_CASE("the communications repository round-trips every field", "[comms][storage]") {
    TestEnv env;
    plan_web(env);
    env.say("alice", "release plan api-2026.12 \"API December\" at 2026-12-11 14:00");
    auto ws = env.store().workspaces.find("console", "local");
    REQUIRE(ws);
    Release web = release_web(env);
    auto api = env.store().releases.find(ws->id, "api-2026.12");
    REQUIRE(api);
    auto& repo = env.store().comms;

    Communication c;
    c.workspace = ws->id;
    c.release = web.id;
    c.author = UserId("bob");
    c.body = "Web December is live\nwith \"quotes\", commas, and ü";
    c.audiences = {"stakeholders", "it-ops"};
    c.trigger = CommsTrigger::at;
    c.trigger_at = utc("2026-12-05 10:00");
    c.created_at = c.updated_at = utc("2026-12-01 09:00");
    c.id = repo.insert(c);

    auto got = repo.get(ws->id, c.id);
    REQUIRE(got);
    CHECK(got->id == c.id);
    CHECK(got->workspace == ws->id);
    CHECK(got->release == web.id);
    CHECK(got->author == UserId("bob"));
    CHECK(got->body == c.body);
    CHECK(got->audiences == std::vector<std::string>{"stakeholders", "it-ops"});
    CHECK(got->trigger == CommsTrigger::at);
    CHECK(got->trigger_at == c.trigger_at);
    CHECK(got->status == CommsStatus::draft);
    CHECK_FALSE(got->reviewer);
    CHECK_FALSE(got->reviewed_at);
    CHECK_FALSE(got->review_comment);
    CHECK_FALSE(got->sent_at);
    CHECK(got->created_at == utc("2026-12-01 09:00"));

    c.body = "Edited";
    c.audiences = {"ops"};
    c.trigger = CommsTrigger::backout;
    c.trigger_at.reset();
    c.status = CommsStatus::sent;
    c.reviewer = UserId("carol");
    c.reviewed_at = utc("2026-12-02 09:00");
    c.review_comment = "fine";
    c.sent_at = utc("2026-12-03 09:00");
    c.updated_at = utc("2026-12-03 09:00");
    repo.update(c);
    got = repo.get(ws->id, c.id);
    REQUIRE(got);
    CHECK(got->body == "Edited");
    CHECK(got->audiences == std::vector<std::string>{"ops"});
    CHECK(got->trigger == CommsTrigger::backout);
    CHECK_FALSE(got->trigger_at);
    CHECK(got->status == CommsStatus::sent);
    CHECK(got->reviewer == UserId("carol"));
    CHECK(got->reviewed_at == utc("2026-12-02 09:00"));
    CHECK(got->review_comment == std::optional<std::string>("fine"));
    CHECK(got->sent_at == utc("2026-12-03 09:00"));
    CHECK(got->updated_at == utc("2026-12-03 09:00"));
    CHECK(got->created_at == utc("2026-12-01 09:00"));

    Communication d = c;
    d.status = CommsStatus::draft;
    d.sent_at.reset();
    d.id = repo.insert(d);
    Communication e = d;
    e.release = api->id;
    e.status = CommsStatus::rejected;
    e.id = repo.insert(e);
    Communication f = d;
    f.status = CommsStatus::cancelled;
    f.id = repo.insert(f);

    auto for_web = repo.for_release(web.id);
    REQUIRE(for_web.size() == 3);
    CHECK(for_web[0].id == c.id);
    CHECK(for_web[1].id == d.id);
    CHECK(for_web[2].id == f.id);
    CHECK(repo.for_release(api->id).size() == 1);

    auto unsent = repo.unsent(ws->id);
    REQUIRE(unsent.size() == 2);
    CHECK(unsent[0].id == d.id);
    CHECK(unsent[1].id == e.id);

    CHECK_FALSE(repo.get(WorkspaceId(ws->id.value() + 1), c.id));
    CHECK_FALSE(repo.get(ws->id, CommsId(999)));
}
