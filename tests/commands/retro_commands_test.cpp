// Tests of the release retrospective through the real pipeline: a whole survey with several
// people, changed answers, the deadline and the reminder on the fake clock, anonymity checked on
// the database itself, the CSV and Markdown exports against golden files, templates, refusals,
// and the survey block through the console renderer and the outbox codec.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bot/app/export.hpp"
#include "bot/runtime/reply_codec.hpp"
#include "bot/runtime/scheduler.hpp"
#include "integrations/console/text_renderer.hpp"
#include "support/plans.hpp"
#include "support/test_env.hpp"
#include "support/text_search.hpp"

using namespace releasebot;
using namespace releasebot::test;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;
using Catch::Matchers::StartsWith;

namespace {

// alice (manager, owner) plans web-2026.12; bob ticks every control; dana owns and marks the
// deploy step; alice approves, starts and finishes it. So alice, bob and dana took part; carol
// (an approver) and erin did not.
void deploy_web(TestEnv& env) {
    plan_web(env);
    REQUIRE_THAT(env.say("alice", "role grant @carol approver"), !Contains("rror"));
    add_components(env, "web-2026.12");
    test::tick_open_controls(env, "web-2026.12", "bob");
    REQUIRE_THAT(env.say("bob", "plan add web-2026.12 deploy \"Deploy web\" owner @dana takes 30m"),
                 Contains("Added deploy step 1"));
    REQUIRE_THAT(env.say("bob", "plan add web-2026.12 backout \"Roll back web\" takes 10m"),
                 Contains("Added backout step 1"));
    REQUIRE_THAT(env.say("alice", "release go web-2026.12"), Contains("is approved"));
    REQUIRE_THAT(env.say("alice", "release start web-2026.12 override \"Early, on purpose\""),
                 Contains("web-2026.12 is deploying"));
    REQUIRE_THAT(env.say("dana", "release step web-2026.12 1 done"), Contains("Step 1"));
    REQUIRE_THAT(env.say("alice", "release done web-2026.12"), Contains("is deployed"));
}

// Direct messages to `user` in the outbox whose payload contains `needle`.
// The body of the first code block of a reply, as the handler wrote it (before rendering).
std::string fenced_body(const Reply& reply) {
    for (const auto& b : reply.blocks) {
        if (b.kind != Block::Kind::section || b.text.rfind("```\n", 0) != 0) continue;
        std::string body = b.text.substr(4);
        REQUIRE(body.size() >= 3);
        REQUIRE(body.substr(body.size() - 3) == "```");
        return body.substr(0, body.size() - 3);
    }
    FAIL("no code block in the reply: " << render_text(reply));
    return "";
}

std::string golden(const std::string& name) {
    std::ifstream in(std::string(RELEASEBOT_SOURCE_DIR) + "/tests/golden/" + name,
                     std::ios::binary);
    REQUIRE(in.good());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// The answers of the golden scenario: a comma and quotes, a line break, one choice.
void answer_golden(TestEnv& env) {
    REQUIRE_THAT(env.say("bob", "retro answer web-2026.12 1 4"), Contains("Recorded"));
    REQUIRE_THAT(
        env.say("bob", "retro answer web-2026.12 2 'The \"blue\" switch was smooth, mostly'"),
        Contains("Recorded"));
    REQUIRE_THAT(env.say("bob", "retro answer web-2026.12 5 no"), Contains("Recorded"));
    REQUIRE_THAT(env.say("dana", "retro answer web-2026.12 1 2"), Contains("Recorded"));
    REQUIRE_THAT(env.say("dana", "retro answer web-2026.12 2 Clear runbook"), Contains("Recorded"));
    REQUIRE_THAT(env.say("dana", "retro answer web-2026.12 3 \"Waiting for DNS\ntook an hour\""),
                 Contains("Recorded"));
    REQUIRE_THAT(env.say("alice", "retro answer web-2026.12 4 Automate the smoke tests"),
                 Contains("Recorded"));
}

}  // namespace

TEST_CASE("a retrospective runs from start to results with several people", "[retro]") {
    TestEnv env;
    deploy_web(env);

    auto out = env.say("alice", "retro start web-2026.12");
    CHECK_THAT(out, StartsWith("Started the retrospective of web-2026.12 — Web December. Asked "
                               "3 people: @alice, @bob and @dana.\n"));
    CHECK_THAT(out, Contains("Closes:    Thu 3 Dec 2026 09:00 UTC (in 2d)"));
    CHECK_THAT(out, Contains("Anonymous: no — names are shown with answers"));
    // The answer, which the channel may read, carries no form: alice, who is asked too, gets
    // her survey by direct message like everyone else.
    CHECK_THAT(out, !Contains("1. Overall, how did the release go?"));
    CHECK_THAT(out, Contains("whoever has not answered by Wed 2 Dec 2026 09:00 UTC gets one "
                             "reminder"));

    // Everyone asked gets the survey block by direct message; nobody else does.
    CHECK(dms_to(env, "bob", "\"kind\":\"survey\"") == 1);
    CHECK(dms_to(env, "dana", "\"kind\":\"survey\"") == 1);
    CHECK(dms_to(env, "alice", "\"kind\":\"survey\"") == 1);
    CHECK(dms_to(env, "carol", "\"kind\":\"survey\"") == 0);
    CHECK(dms_to(env, "bob", "retro answer web-2026.12 5") == 1);
    // The close at the deadline and one reminder halfway are scheduled.
    CHECK(env.count("SELECT due_at FROM scheduled_jobs WHERE kind = 'retro-close' AND status = "
                    "'pending'") == epoch("2026-12-03 09:00"));
    CHECK(env.count("SELECT due_at FROM scheduled_jobs WHERE kind = 'retro-remind' AND status = "
                    "'pending'") == epoch("2026-12-02 09:00"));
    CHECK(env.count("SELECT count(*) FROM audit_log WHERE action = 'retro.start'") == 1);

    CHECK_THAT(env.say("bob", "retro answer web-2026.12 1 4"),
               StartsWith("Recorded your answer to question 1 of web-2026.12: 4.\n  You have "
                          "answered 1 of 5 questions. Next: 2. What went well? → `retro answer "
                          "web-2026.12 2 <your answer>`\n"));
    env.say("bob", "retro answer web-2026.12 2 The backout plan was clear");
    CHECK_THAT(env.say("bob", "retro answer web-2026.12 5 NO"),
               StartsWith("Recorded your answer to question 5 of web-2026.12: no."));
    env.say("dana", "retro answer web-2026.12 1 2");
    env.say("dana", "retro answer web-2026.12 3 \"DNS took an hour\"");
    env.say("dana", "retro answer web-2026.12 5 3");

    auto status = env.say("carol", "retro status web-2026.12");
    CHECK_THAT(status, Contains("Response:  2 of 3 answered (67%)"));
    CHECK_THAT(status, Contains("Status:    open, closes Thu 3 Dec 2026 09:00 UTC (in 2d)"));
    CHECK_THAT(status, Contains("Not answered yet: @alice."));

    auto so_far = env.say("carol", "retro results web-2026.12");
    CHECK_THAT(so_far, StartsWith("Retrospective results: web-2026.12 — Web December (so far)\n"));
    CHECK_THAT(so_far, Contains("2 of 3 answered (67%) · closes Thu 3 Dec 2026 09:00 UTC"));

    REQUIRE_THAT(env.say("alice", "retro action add web-2026.12 \"Pre-warm DNS\" owner @dana"),
                 !Contains("rror"));
    auto results = env.say("alice", "retro close web-2026.12");
    CHECK_THAT(results, StartsWith("Retrospective results: web-2026.12 — Web December\n"));
    CHECK_THAT(results, Contains("2 of 3 answered (67%) · closed Tue 1 Dec 2026 09:00 UTC"));
    CHECK_THAT(results, Contains("1. Overall, how did the release go?\nAverage 3.0 from 2 "
                                 "answers\n```\n5   0\n4 █ 1\n3   0\n2 █ 1\n1   0\n```"));
    CHECK_THAT(results, Contains("2. What went well?\n• The backout plan was clear — @bob\n"));
    CHECK_THAT(results, Contains("3. What did not go well?\n• DNS took an hour — @dana\n"));
    CHECK_THAT(results, Contains("4. What should we change next time?\n(no answers)"));
    CHECK_THAT(results, Contains("```\nyes        0\nno       █ 1\nnot sure █ 1\n```"));
    CHECK_THAT(results, Contains("Action items\n[ ] Pre-warm DNS — owner @dana"));
    CHECK(env.text("SELECT status FROM retros") == "closed");
    CHECK(env.count("SELECT count(*) FROM scheduled_jobs WHERE kind LIKE 'retro-%' AND status = "
                    "'pending'") == 0);
    CHECK(env.text("SELECT detail FROM audit_log WHERE action = 'retro.close'") ==
          "2 of 3 answered (67%)");

    SECTION("a closed retro takes no more answers and cannot close twice") {
        CHECK_THAT(env.say("alice", "retro answer web-2026.12 1 5"),
                   Equals("The retrospective of web-2026.12 closed Tue 1 Dec 2026 09:00 UTC; "
                          "answers can no longer change. Type `retro results web-2026.12` to "
                          "see the results.\n"));
        CHECK_THAT(env.say("alice", "retro close web-2026.12"),
                   Contains("The retrospective of web-2026.12 is already closed"));
        CHECK(env.count("SELECT count(*) FROM retro_answers") == 6);
    }
    SECTION("a release has one retrospective") {
        CHECK_THAT(env.say("alice", "retro start web-2026.12"),
                   Equals("web-2026.12 already has a retrospective (closed); a release has one. "
                          "Type `retro status web-2026.12` or `retro results web-2026.12`.\n"));
    }
}

TEST_CASE("a changed answer replaces the earlier one", "[retro]") {
    TestEnv env;
    deploy_web(env);
    bool anonymous = GENERATE(false, true);
    CAPTURE(anonymous);
    REQUIRE_THAT(
        env.say("alice", std::string("retro start web-2026.12") + (anonymous ? " anonymous" : "")),
        Contains("Started"));

    env.say("bob", "retro answer web-2026.12 1 3");
    auto changed = env.run("bob", "retro answer web-2026.12 1 1");
    CHECK(changed.reply.visibility == Visibility::ephemeral);
    // An answer changes nothing the release's status message shows, so it is not redrawn.
    CHECK(changed.status_updates == 0);
    CHECK(changed.outbound == 0);
    // An anonymous answer is not repeated back (a delivered reply is kept with its recipient).
    CHECK_THAT(render_text(changed.reply),
               StartsWith(anonymous ? "Changed your answer to question 1 of web-2026.12. It is "
                                      "anonymous, so it is not repeated here.\n"
                                    : "Changed your answer to question 1 of web-2026.12 to 1 "
                                      "(was 3).\n"));
    CHECK(env.count("SELECT count(*) FROM retro_answers WHERE position = 1") == 1);
    CHECK(env.text("SELECT value FROM retro_answers WHERE position = 1") == "1");

    CHECK_THAT(env.say("bob", "retro answer web-2026.12 5 yes"), Contains("Recorded"));
    CHECK_THAT(env.say("bob", "retro answer web-2026.12 5 2"),
               StartsWith(anonymous ? "Changed your answer to question 5 of web-2026.12."
                                    : "Changed your answer to question 5 of web-2026.12 to no "
                                      "(was yes)."));
    CHECK_THAT(env.say("bob", "retro answer web-2026.12 5 No"),
               StartsWith(anonymous ? "Your answer to question 5 of web-2026.12 is unchanged."
                                    : "Your answer to question 5 of web-2026.12 already is no; "
                                      "nothing changed."));

    // Another person's answer to the same question is their own row.
    env.say("dana", "retro answer web-2026.12 1 5");
    CHECK(env.count("SELECT count(*) FROM retro_answers WHERE position = 1") == 2);
    // Anonymous answers leave no audit entry; named ones say which question changed.
    CHECK(env.count("SELECT count(*) FROM audit_log WHERE action = 'retro.answer'") ==
          (anonymous ? 0 : 5));
    if (!anonymous)
        CHECK(env.text("SELECT detail FROM audit_log WHERE action = 'retro.answer' ORDER BY id "
                       "LIMIT 1 OFFSET 1") == "question 1 (changed)");
}

TEST_CASE("the deadline closes the retro after one reminder to those who did not answer",
          "[retro][timers]") {
    TestEnv env;
    deploy_web(env);
    Pipeline p(env.db(), env.clock());
    Scheduler s(env.db(), env.clock(), p);
    bool anonymous = GENERATE(false, true);
    CAPTURE(anonymous);
    REQUIRE_THAT(env.say("alice", std::string("retro start web-2026.12 closes in 1d") +
                                      (anonymous ? " anonymous" : "")),
                 Contains("Started"));
    env.say("bob", "retro answer web-2026.12 1 4");

    s.advance_to(env.clock(), utc("2026-12-01 21:30"));
    // Halfway (21:00): alice and dana have not answered and hear about it once; bob has.
    CHECK(dms_to(env, "dana", "Reminder: the retrospective of web-2026.12") == 1);
    CHECK(dms_to(env, "alice", "Reminder: the retrospective of web-2026.12") == 1);
    CHECK(dms_to(env, "bob", "Reminder") == 0);
    CHECK(env.count("SELECT count(*) FROM retro_participants WHERE reminded = 1") == 2);
    CHECK(env.text("SELECT detail FROM audit_log WHERE action = 'retro.remind'") ==
          (anonymous ? "reminded 2 people who had not answered"
                     : "reminded <@alice> and <@dana> who had not answered"));
    CHECK(env.text("SELECT status FROM retros") == "open");

    env.say("dana", "retro answer web-2026.12 1 2");
    s.advance_to(env.clock(), utc("2026-12-02 09:30"));
    CHECK(env.text("SELECT status FROM retros") == "closed");
    CHECK(env.count("SELECT closed_at FROM retros") == epoch("2026-12-02 09:00"));
    CHECK(env.count("SELECT count(*) FROM retros WHERE ballot_key IS NULL") == 1);
    CHECK(env.text("SELECT detail FROM audit_log WHERE action = 'retro.close'") ==
          "2 of 3 answered (67%) (deadline)");
    CHECK(env.text("SELECT actor FROM audit_log WHERE action = 'retro.close'") == "releasebot");
    // The results go to the release's channel; nobody is reminded twice.
    CHECK(env.count("SELECT count(*) FROM outbox WHERE destination LIKE '%\"channel\"%' AND "
                    "instr(payload, 'Retrospective results: web-2026.12') > 0") == 1);
    CHECK(dms_to(env, "alice", "Reminder") == 1);
    CHECK_THAT(env.say("dana", "retro answer web-2026.12 1 5"), Contains("closed"));
}

TEST_CASE("an anonymous retro stores nothing that joins an answer back to a person",
          "[retro][anonymity]") {
    TestEnv env;
    deploy_web(env);
    REQUIRE_THAT(env.say("alice", "retro start web-2026.12 anonymous"), Contains("Started"));
    CHECK(env.count("SELECT count(*) FROM retros WHERE ballot_key IS NOT NULL") == 1);
    answer_golden(env);
    // A changed answer is found again through the ballot while the retro is open; the reply
    // does not repeat it, since a delivered reply is kept with its recipient.
    REQUIRE_THAT(env.say("bob", "retro answer web-2026.12 1 5"),
                 Contains("Changed your answer to question 1 of web-2026.12. It is anonymous, so "
                          "it is not repeated here."));
    CHECK(env.count("SELECT count(*) FROM retro_answers WHERE position = 1 AND value = '5'") == 1);
    // Where the reply travels through the outbox (Slack's Events API, Teams), what is kept of it
    // names bob but not what he answered.
    Event typed;
    typed.idempotency_key = "anonymous-reply";
    typed.actor = Actor{"console", "local", UserId("bob"), "bob", std::nullopt};
    typed.conversation = ConversationRef{"console", "local", "terminal", std::nullopt, std::nullopt};
    typed.kind = EventKind::command;
    typed.text = "retro answer web-2026.12 2 Quiet rollout";
    typed.reply_in_outbox = true;
    REQUIRE(env.pipeline().handle(typed).outbound == 1);
    CHECK(env.count("SELECT count(*) FROM outbox WHERE instr(payload, 'not repeated here') > 0 "
                    "AND instr(destination, 'bob') > 0") == 1);
    CHECK(env.count("SELECT count(*) FROM outbox WHERE instr(payload, 'Quiet rollout') > 0") == 0);

    auto status = env.say("carol", "retro status web-2026.12");
    CHECK_THAT(status, Contains("Response:  3 of 3 answered (100%)"));
    CHECK_THAT(status, !Contains("@bob"));
    // While it is open, results would change with each answer and so tell who said what.
    auto early = env.say("carol", "retro results web-2026.12");
    CHECK_THAT(early, Contains("is anonymous: its results are shown when it closes"));
    CHECK_THAT(early, !Contains("Clear runbook"));
    CHECK_THAT(env.say("carol", "retro results web-2026.12 csv"), !Contains("Clear runbook"));

    REQUIRE_THAT(env.say("alice", "retro close web-2026.12"), Contains("Retrospective results"));
    CHECK(env.count("SELECT count(*) FROM retros WHERE ballot_key IS NULL") == 1);

    const std::vector<std::string> people = {"alice", "bob", "dana"};
    for (const auto& u : people) {
        CAPTURE(u);
        CHECK(env.count("SELECT count(*) FROM retro_answers WHERE ballot = '" + u +
                        "' OR respondent = '" + u + "' OR value = '" + u + "' OR instr(ballot, '" +
                        u + "') > 0 OR instr(ifnull(respondent, ''), '" + u +
                        "') > 0 OR instr(value, '" + u + "') > 0 OR CAST(retro_id AS TEXT) = '" +
                        u + "' OR CAST(position AS TEXT) = '" + u + "'") == 0);
    }
    CHECK(env.count("SELECT count(*) FROM retro_answers WHERE respondent IS NOT NULL") == 0);
    CHECK(env.count("SELECT count(*) FROM retro_answers") == 7);
    // Who answered is stored apart, and still known (for the reminder and the response rate).
    CHECK(env.count("SELECT count(*) FROM retro_participants WHERE responded = 1") == 3);

    // The audit log, which every member can read, holds none of what was answered.
    for (const char* text : {"blue", "Clear runbook", "DNS", "smoke tests"}) {
        CAPTURE(text);
        CHECK(env.count(std::string("SELECT count(*) FROM audit_log WHERE instr(detail, '") + text +
                        "') > 0") == 0);
    }
    // Nor who answered when: no entry since the retro started names one of those who answered.
    CHECK(env.count("SELECT count(*) FROM audit_log WHERE action = 'retro.answer'") == 0);
    CHECK(env.count("SELECT count(*) FROM audit_log WHERE actor IN ('bob', 'dana') AND id > "
                    "(SELECT id FROM audit_log WHERE action = 'retro.start')") == 0);

    auto results = env.say("carol", "retro results web-2026.12");
    CHECK_THAT(results, Contains("• Clear runbook\n"));
    CHECK_THAT(results, !Contains("— @"));
}

TEST_CASE("alice reads everything an anonymous retro left and cannot tell who said what",
          "[retro][anonymity]") {
    TestEnv env;
    deploy_web(env);
    REQUIRE_THAT(env.say("alice", "retro start web-2026.12 anonymous with @bob @carol"),
                 Contains("Started"));
    // What anyone could read of the audit log before a single answer.
    const std::vector<std::string> audit_views = {"audit web-2026.12", "audit web-2026.12 csv",
                                                  "audit web-2026.12 json"};
    std::vector<std::string> before;
    for (const auto& v : audit_views) before.push_back(env.say("alice", v));

    // bob and carol answer an hour apart, in one order or the other.
    const bool bob_first = GENERATE(true, false);
    CAPTURE(bob_first);
    auto bob = [&] {
        REQUIRE_THAT(env.say("bob", "retro answer web-2026.12 1 5"), Contains("Recorded"));
        REQUIRE_THAT(env.say("bob", "retro answer web-2026.12 2 \"Zero downtime this time\""),
                     Contains("Recorded"));
    };
    auto carol = [&] {
        REQUIRE_THAT(env.say("carol", "retro answer web-2026.12 1 2"), Contains("Recorded"));
        REQUIRE_THAT(env.say("carol", "retro answer web-2026.12 2 \"Clear runbook\""),
                     Contains("Recorded"));
    };
    env.clock().advance(std::chrono::hours(1));
    bob_first ? bob() : carol();
    env.clock().advance(std::chrono::hours(1));
    bob_first ? carol() : bob();
    env.clock().advance(std::chrono::hours(1));

    // The audit log reads exactly as before the answers: no entry, no name, no time.
    for (std::size_t i = 0; i < audit_views.size(); ++i) {
        CAPTURE(audit_views[i]);
        CHECK(env.say("alice", audit_views[i]) == before[i]);
    }

    REQUIRE_THAT(env.say("alice", "retro close web-2026.12"), Contains("Retrospective results"));
    std::string audit = env.say("alice", "audit web-2026.12");
    CHECK_THAT(line_of(audit, "retro.close"), Contains("@alice"));
    CHECK_THAT(line_of(audit, "retro.close"), Contains("2 of 2 answered"));
    CHECK_THAT(audit, !Contains("retro.answer"));
    // carol did nothing in this release but answer: she is named only as one of those asked.
    std::istringstream lines(audit);
    for (std::string line; std::getline(lines, line);) {
        CAPTURE(line);
        if (line.find("@carol") != std::string::npos) CHECK_THAT(line, Contains("retro.start"));
    }

    // Results in chat, CSV and Markdown: answers by their text, never by arrival; no names.
    const std::vector<std::string> results = {
        env.say("alice", "retro results web-2026.12"),
        fenced_body(env.run("alice", "retro results web-2026.12 csv").reply),
        fenced_body(env.run("alice", "retro results web-2026.12 markdown").reply)};
    for (const auto& out : results) {
        CAPTURE(out);
        CHECK_THAT(out, !Contains("bob"));
        CHECK_THAT(out, !Contains("carol"));
        auto clear = out.find("Clear runbook");
        auto zero = out.find("Zero downtime this time");
        REQUIRE(clear != std::string::npos);
        REQUIRE(zero != std::string::npos);
        CHECK(clear < zero);
    }
    CHECK(results[1] ==
          "question,kind,prompt,respondent,answer\r\n"
          "1,rating,\"Overall, how did the release go?\",,2\r\n"
          "1,rating,\"Overall, how did the release go?\",,5\r\n"
          "2,text,What went well?,,Clear runbook\r\n"
          "2,text,What went well?,,Zero downtime this time\r\n");

    // The workspace export: no answer entry in its audit log, answers with neither a name nor
    // a time, and no key left to recompute whose ballot is whose.
    std::ostringstream exported;
    REQUIRE(releasebot::export_workspace(env.db(), exported, {}).ok());
    auto tables = boost::json::parse(exported.str()).as_object().at("tables").as_object();
    for (const auto& row : tables.at("audit_log").as_array()) {
        CHECK(row.as_object().at("action").as_string() != "retro.answer");
        CHECK(row.as_object().at("actor").as_string() != "carol");
    }
    const auto& answers = tables.at("retro_answers").as_array();
    REQUIRE(answers.size() == 4);
    for (const auto& row : answers) {
        std::string text = boost::json::serialize(row);
        CAPTURE(text);
        CHECK(text.find("bob") == std::string::npos);
        CHECK(text.find("carol") == std::string::npos);
        for (const auto& [column, value] : row.as_object()) {
            CHECK(column != "at");
            CHECK(column.find("time") == std::string::npos);
            CHECK(column.find("_at") == std::string::npos);
        }
        CHECK(row.as_object().at("respondent").is_null());
    }
    CHECK(tables.at("retros").as_array().at(0).as_object().at("ballot_key").is_null());
}

TEST_CASE("retro results exports CSV and Markdown", "[retro][export]") {
    TestEnv env;
    deploy_web(env);

    SECTION("a named retro") {
        REQUIRE_THAT(env.say("alice", "retro start web-2026.12"), Contains("Started"));
        answer_golden(env);
        REQUIRE_THAT(
            env.say("alice",
                    "retro action add web-2026.12 \"Automate the smoke tests\" owner @dana"),
            !Contains("rror"));
        env.clock().set(utc("2026-12-02 12:00"));
        REQUIRE_THAT(env.say("alice", "retro close web-2026.12"),
                     Contains("Retrospective results"));

        const auto keys = env.count("SELECT count(*) FROM processed_events");
        auto exported = env.run("carol", "retro results web-2026.12 csv");
        // A file is shared outside the database: its event keeps its key, so a redelivery
        // cannot share it twice (a plain `retro results` keeps none: it only reads).
        CHECK(exported.wrote);
        CHECK(env.count("SELECT count(*) FROM processed_events") == keys + 1);
        CHECK_FALSE(env.run("carol", "retro results web-2026.12").wrote);
        auto csv = exported.reply;
        CHECK(fenced_body(csv) == golden("retro-named.csv"));
        CHECK_THAT(render_text(csv), Contains("File: retro-web-2026.12.csv"));
        auto md = env.run("carol", "retro results web-2026.12 markdown").reply;
        CHECK(fenced_body(md) == golden("retro-named.md"));
        CHECK_THAT(render_text(md), Contains("File: retro-web-2026.12.md"));
    }
    SECTION("an anonymous retro leaves the respondent column empty") {
        REQUIRE_THAT(env.say("alice", "retro start web-2026.12 anonymous"), Contains("Started"));
        answer_golden(env);
        REQUIRE_THAT(env.say("alice", "retro close web-2026.12"),
                     Contains("Retrospective results"));
        auto csv = env.run("carol", "retro results web-2026.12 csv").reply;
        CHECK(fenced_body(csv) == golden("retro-anonymous.csv"));
    }
    SECTION("while open, an export says it is so far") {
        REQUIRE_THAT(env.say("alice", "retro start web-2026.12"), Contains("Started"));
        env.say("bob", "retro answer web-2026.12 1 4");
        auto out = env.say("carol", "retro results web-2026.12 markdown");
        CHECK_THAT(out, Contains("as Markdown so far, 1 answer"));
        CHECK_THAT(out, Contains("- Closes: 2026-12-03 09:00 UTC (still open: results so far)"));
    }
}

TEST_CASE("a retro waits until the release is done", "[retro]") {
    TestEnv env;
    plan_web(env);
    CHECK_THAT(env.say("alice", "retro start web-2026.12"),
               Equals("web-2026.12 is planned; a retrospective starts once it is deployed or "
                      "backed out. Start it after the release: `release start web-2026.12`, its "
                      "steps, then `release done web-2026.12`.\n"));
    CHECK(env.count("SELECT count(*) FROM retros") == 0);
}

TEST_CASE("retro start asks the right people, or says why not", "[retro]") {
    TestEnv env;
    deploy_web(env);

    SECTION("a member who does not own the release cannot start it") {
        CHECK_THAT(env.say("bob", "retro start web-2026.12"),
                   StartsWith("Only a manager can start the retrospective of a release someone "
                              "else owns (web-2026.12 is @alice's); you are a member."));
        CHECK(env.count("SELECT count(*) FROM retros") == 0);
    }
    SECTION("with names it asks only those named, never the bot") {
        auto out = env.say("alice", "retro start web-2026.12 with @erin @bob @erin @releasebot");
        CHECK_THAT(out, Contains("Asked 2 people: @erin and @bob."));
        CHECK(env.count("SELECT count(*) FROM retro_participants") == 2);
        CHECK(dms_to(env, "erin", "\"kind\":\"survey\"") == 1);
        CHECK(dms_to(env, "dana", "\"kind\":\"survey\"") == 0);
    }
    SECTION("names and everyone do not go together") {
        CHECK_THAT(env.say("alice", "retro start web-2026.12 with @bob everyone"),
                   Contains("Ask either the people you name or everyone who took part, not both"));
    }
    SECTION("nobody to ask") {
        CHECK_THAT(env.say("alice", "retro start web-2026.12 with @releasebot"),
                   Equals("Nobody took part in web-2026.12 that I know of, so there is no one to "
                          "ask. Name them: `retro start web-2026.12 with @dana @erin`.\n"));
        CHECK(env.count("SELECT count(*) FROM retros") == 0);
    }
    SECTION("it closes after a duration or at a time") {
        CHECK_THAT(env.say("alice", "retro start web-2026.12 closes friday 17:00"),
                   Contains("Closes:    Fri 4 Dec 2026 17:00 UTC (in 3d 8h)"));
    }
    SECTION("a closing time that cannot be read, or is too far") {
        CHECK_THAT(env.say("alice", "retro start web-2026.12 closes in a while"),
                   Equals("Could not read `closes in a while`: say how long it stays open, like "
                          "`closes in 2d`, or until when, like `closes friday 17:00`.\n"));
        CHECK_THAT(env.say("alice", "retro start web-2026.12 closes in 60d"),
                   Contains("A retrospective stays open for at most 30 days"));
        CHECK(env.count("SELECT count(*) FROM retros") == 0);
    }
    SECTION("an unknown template") {
        env.say("alice", "retro template ops-review add rating \"How calm was it?\"");
        CHECK_THAT(env.say("alice", "retro start web-2026.12 template ops-reveiw"),
                   Equals("There is no retro template `ops-reveiw`. Did you mean `ops-review`? "
                          "The templates are `default` (built in) and `ops-review`. Type `retro "
                          "template list` to see them, or leave `template` out for the "
                          "default.\n"));
        CHECK(env.count("SELECT count(*) FROM retros") == 0);
    }
}

TEST_CASE("retro answers are checked against their question", "[retro]") {
    TestEnv env;
    deploy_web(env);
    REQUIRE_THAT(env.say("alice", "retro start web-2026.12"), Contains("Started"));

    CHECK_THAT(env.say("erin", "retro answer web-2026.12 1 4"),
               Equals("You are not in the retrospective of web-2026.12. @alice started it; ask "
                      "them (or a manager) to add you with `retro invite web-2026.12 @erin`.\n"));
    CHECK_THAT(env.say("bob", "retro answer web-2026.12 1 6"),
               Equals("Question 1 is a rating from 1 (bad) to 5 (great); `6` is not one. Type "
                      "e.g. `retro answer web-2026.12 1 4`.\n"));
    CHECK_THAT(env.say("bob", "retro answer web-2026.12 1 great"), Contains("is not one"));
    CHECK_THAT(env.say("bob", "retro answer web-2026.12 5 9"),
               Equals("Question 5 is a choice; `9` is not one of them. Answer 1 (yes), 2 (no) or "
                      "3 (not sure), by number or by its words, e.g. `retro answer web-2026.12 5 "
                      "1`.\n"));
    CHECK_THAT(env.say("bob", "retro answer web-2026.12 9 yes"),
               Equals("The retrospective of web-2026.12 has 5 questions; there is no question 9. "
                      "Type `retro status web-2026.12` to see them, or answer e.g. `retro answer "
                      "web-2026.12 1 4`.\n"));
    CHECK_THAT(env.say("bob", "retro answer web-2026.12 2 " + std::string(2001, 'x')),
               Contains("The answer is 2001 characters long; it may be at most 2000."));
    CHECK_THAT(env.say("bob", "retro answer web-2026.12 2 \"  \""),
               Contains("Your answer is empty"));
    CHECK_THAT(env.say("bob", "retro close web-2026.12"),
               StartsWith("Only a manager can close the retrospective of a release someone else "
                          "owns (web-2026.12 is @alice's); you are a member."));
    CHECK(env.count("SELECT count(*) FROM retro_answers") == 0);
    CHECK(env.text("SELECT status FROM retros") == "open");
    CHECK_THAT(env.say("erin", "retro answer web-2026.13 1 4"),
               Contains("There is no release `web-2026.13` here."));

    SECTION("a button carries the same text") {
        auto pressed = env.press("bob", "command", "retro answer web-2026.12 1 4");
        CHECK_THAT(render_text(pressed.reply), StartsWith("Recorded your answer to question 1"));
    }
    SECTION("someone left out can be invited and then answer") {
        CHECK_THAT(env.say("bob", "retro invite web-2026.12 @erin"), Contains("Only a manager"));
        CHECK_THAT(env.say("alice", "retro invite web-2026.12 @erin @bob"),
                   StartsWith("Added @erin to the retrospective of web-2026.12; they got the "
                              "survey by direct message.\n  @bob was in it already."));
        CHECK(dms_to(env, "erin", "\"kind\":\"survey\"") == 1);
        CHECK_THAT(env.say("erin", "retro answer web-2026.12 1 4"), Contains("Recorded"));
        CHECK_THAT(env.say("carol", "retro status web-2026.12"), Contains("1 of 4 answered (25%)"));
    }
    SECTION("the release owner closes it, results in hand") {
        CHECK_THAT(env.say("alice", "retro close web-2026.12"),
                   Contains("0 of 3 answered (0%) · closed"));
    }
}

TEST_CASE("managers keep retro templates and a retro can start from one", "[retro][template]") {
    TestEnv env;
    deploy_web(env);

    CHECK_THAT(env.say("bob", "retro template ops add rating \"How calm was it?\""),
               StartsWith("Only a manager can change retro templates; you are a member."));
    CHECK_THAT(env.say("alice", "retro template ops add rating \"How calm was the window?\""),
               StartsWith("Added question 1 to retro template `ops`: How calm was the window? "
                          "(rating 1–5)."));
    CHECK_THAT(env.say("alice", "retro template ops add text \"What surprised you?\""),
               Contains("Added question 2"));
    CHECK_THAT(env.say("alice",
                       "retro template ops add choice \"Window length?\" options "
                       "\"too short|right|too long\""),
               Contains("Added question 3"));
    CHECK_THAT(env.say("alice", "retro template ops add choice \"Again?\" options \"yes\""),
               Contains("A choice question needs at least two options"));
    CHECK_THAT(env.say("alice", "retro template ops add choice \"Again?\""),
               Contains("A choice question needs its options"));
    CHECK_THAT(env.say("alice", "retro template ops add text \"Why?\" options \"a|b\""),
               Contains("Only a choice question has options"));
    CHECK_THAT(env.say("alice", "retro template default add text \"Why?\""),
               Contains("`default` is reserved for the built-in questions"));
    CHECK(env.count("SELECT count(*) FROM retro_template_questions") == 3);

    auto shown = env.say("bob", "retro template ops show");
    CHECK_THAT(line_of(shown, "3  choice"), Contains("Window length?"));
    CHECK_THAT(line_of(shown, "3  choice"), Contains("too short / right / too long"));
    CHECK_THAT(env.say("bob", "retro template default show"),
               Contains("5  choice      Should the release process change?  yes / no / not sure"));
    auto list = env.say("bob", "retro template list");
    CHECK_THAT(line_of(list, "ops"), Contains("3          @alice"));
    CHECK_THAT(line_of(list, "default"), Contains("5          built in"));

    REQUIRE_THAT(env.say("alice", "retro start web-2026.12 template OPS"),
                 Contains("Questions: 3 (template `ops`)"));
    CHECK(dms_to(env, "bob", "How calm was the window?") == 1);
    CHECK_THAT(env.say("bob", "retro answer web-2026.12 3 too long"), Contains("Recorded"));
    CHECK_THAT(env.say("bob", "retro answer web-2026.12 4 x"),
               Contains("has 3 questions; there is no question 4"));

    // The retro keeps its questions when the template goes.
    CHECK_THAT(env.say("alice", "retro template ops remove"),
               StartsWith("Removed retro template `ops`."));
    CHECK(env.count("SELECT count(*) FROM retro_templates") == 0);
    CHECK_THAT(env.say("carol", "retro results web-2026.12"), Contains("3. Window length?"));
    CHECK_THAT(env.say("alice", "retro template ops remove"),
               Contains("There is no retro template `ops`."));
}

TEST_CASE("the survey block survives the outbox codec, and bad ones are refused",
          "[retro][codec]") {
    Reply r;
    r.text = "How did web-2026.12 go?";
    r.visibility = Visibility::direct;
    r.header("Retrospective");
    r.survey(
        {{1, "rating", "Overall?", {}, "retro answer web-2026.12 1"},
         {2, "choice", "Change \"it\"?", {"yes", "no", "not sure"}, "retro answer web-2026.12 2"},
         {3, "text", "Anything else?", {}, ""}});
    auto back = decode_reply(encode_reply(r));
    REQUIRE(back.ok());
    REQUIRE(back->blocks.size() == 2);
    const Block& b = back->blocks[1];
    CHECK(b.kind == Block::Kind::survey);
    REQUIRE(b.questions.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
        CAPTURE(i);
        const auto& want = r.blocks[1].questions[i];
        const auto& got = b.questions[i];
        CHECK(got.number == want.number);
        CHECK(got.kind == want.kind);
        CHECK(got.prompt == want.prompt);
        CHECK(got.choices == want.choices);
        CHECK(got.answer_command == want.answer_command);
    }
    CHECK(render_text(*back) == render_text(r));

    auto [json, problem] = GENERATE(table<std::string, std::string>({
        {R"({"text":"t","blocks":[{"kind":"survey","questions":[{"kind":"text","prompt":"p"}]}]})",
         "blocks[0].questions[0].number: missing"},
        {R"({"text":"t","blocks":[{"kind":"survey","questions":[{"number":0,"kind":"text","prompt":"p"}]}]})",
         "blocks[0].questions[0].number: expected a positive question number"},
        {R"({"text":"t","blocks":[{"kind":"survey","questions":[{"number":"1","kind":"text","prompt":"p"}]}]})",
         "blocks[0].questions[0].number: expected a whole number"},
        {R"({"text":"t","blocks":[{"kind":"survey","questions":[{"number":1,"kind":"essay","prompt":"p"}]}]})",
         "blocks[0].questions[0].kind: unknown value \"essay\""},
        {R"({"text":"t","blocks":[{"kind":"survey","questions":[{"number":1,"kind":"text"}]}]})",
         "blocks[0].questions[0].prompt: missing"},
        {R"({"text":"t","blocks":[{"kind":"survey","questions":[{"number":1,"kind":"choice","prompt":"p"}]}]})",
         "blocks[0].questions[0].choices: a choice question needs its choices"},
        {R"({"text":"t","blocks":[{"kind":"survey","questions":[{"number":1,"kind":"text","prompt":"p","choices":["a"]}]}]})",
         "blocks[0].questions[0].choices: only a choice question has choices"},
        {R"({"text":"t","blocks":[{"kind":"survey","questions":{}}]})",
         "blocks[0].questions: expected an array"},
    }));
    CAPTURE(json);
    auto bad = decode_reply(json);
    REQUIRE_FALSE(bad.ok());
    CHECK_THAT(bad.error().message, Contains(problem));
}
