// `control …` commands through the real pipeline on an in-memory database: templates and their
// copies on releases, the checklist, ticks, unticks and waivers, refusals by role, by state and
// for bad input, and the audit rows each change leaves.
#include <catch2/catch.hpp>
#include <string>

#include "support/plans.hpp"
#include "support/test_env.hpp"
#include "support/text_search.hpp"

using namespace releasebot;
using namespace releasebot::test;
using Catch::Matchers::Contains;
using Catch::Matchers::Equals;

namespace {

std::string state_of(TestEnv& env, const std::string& key = "web-2026.12") {
    return env.text("SELECT state FROM releases WHERE key='" + key + "'");
}

std::string control_status(TestEnv& env, const std::string& slug) {
    return env.text("SELECT status FROM release_controls WHERE slug='" + slug + "'");
}

}  // namespace

TEST_CASE("control list shows a release's checklist with who ticked and when", "[control]") {
    TestEnv env;
    plan_web(env);

    auto fresh = env.say("bob", "control list web-2026.12");
    CHECK_THAT(fresh, Contains("Controls of web-2026.12 — Web December (planned)"));
    CHECK_THAT(fresh, Contains("[ ] 7. business-signoff — Business sign-off\n"));
    // The controls the gate checks itself are releasebot's: it ticked comms-approved at once (no
    // announcement waits for review) and ticks the plans and components when they exist.
    CHECK_THAT(fresh, Contains("[ ] 1. deployment-plan — Deployment plan documented — releasebot "
                               "ticks it\n"));
    CHECK_THAT(fresh, Contains("[x] 5. comms-approved — Communications approved — ticked by "
                               "@releasebot 2026-12-01 09:00 UTC, \"kept by releasebot: no "
                               "announcement waits for review\""));
    CHECK_THAT(fresh, Contains("1 of 7 done, 0 waived, 6 open (6 mandatory)"));
    CHECK_THAT(fresh, Contains("Next: `control tick web-2026.12 4`"));

    env.say("bob",
            "control tick web-2026.12 ops-ready evidence "
            "https://ci.example.com/run/812 \"all pinned\"");
    env.say("alice", "control waive web-2026.12 7 \"signed off by email\"");
    env.say("alice", "yes");
    env.say("bob",
            "control add smoke-tests \"Smoke tests green\" optional owner @dana to "
            "web-2026.12");

    auto out = env.say("bob", "control list web-2026.12");
    CHECK_THAT(out, Contains("[x] 6. ops-ready — Operations ready to take over — "
                             "ticked by @bob 2026-12-01 09:00 UTC, evidence "
                             "https://ci.example.com/run/812, \"all pinned\""));
    CHECK_THAT(out, Contains("[~] 7. business-signoff — Business sign-off — waived by @alice "
                             "2026-12-01 09:00 UTC: \"signed off by email\""));
    CHECK_THAT(out, Contains("[ ] 8. smoke-tests — Smoke tests green (optional) — owner @dana"));
    // Eight controls: two done, one waived, five open of which the optional one is not mandatory.
    CHECK_THAT(out, Contains("2 of 8 done, 1 waived, 5 open (4 mandatory)"));
    CHECK_THAT(out, Contains("Next: `control tick web-2026.12 4`"));

    SECTION("times are shown in the reader's zone") {
        env.zone = "Europe/Berlin";
        CHECK_THAT(env.say("carol", "control list web-2026.12"),
                   Contains("ticked by @bob 2026-12-01 10:00 CET"));
    }
    SECTION("an unknown release is named, with what to type") {
        CHECK_THAT(env.say("bob", "control list web-2026.11"),
                   Contains("There is no release `web-2026.11` here. Did you mean "
                            "`web-2026.12`? Type `release list` to see the releases."));
    }
}

TEST_CASE("control list without a release shows the templates", "[control]") {
    TestEnv env;
    auto out = env.say("alice", "control list");
    CHECK_THAT(out, Contains("Control templates"));
    CHECK_THAT(line_of(out, "#  id"), Contains("title"));
    CHECK_THAT(line_of(out, "#  id"), Contains("mandatory  owner  doc"));
    CHECK_THAT(line_of(out, "package-integrity"), Contains("Package integrity verified"));
    CHECK_THAT(line_of(out, "package-integrity"), Contains("yes"));
    CHECK_THAT(line_of(out, "business-signoff"), Contains("7  business-signoff"));

    env.say("alice",
            "control add smoke-tests \"Smoke tests green\" optional owner @dana doc "
            "https://wiki.example.com/smoke");
    auto after = env.say("bob", "control list");
    std::string row = line_of(after, "smoke-tests");
    CHECK_THAT(row, Contains("8  smoke-tests"));
    CHECK_THAT(row, Contains("Smoke tests green"));
    CHECK_THAT(row, Contains(" no "));
    CHECK_THAT(row, Contains("@dana"));
    CHECK_THAT(row, Contains("https://wiki.example.com/smoke"));
}

TEST_CASE("control add without a release makes a template for releases planned later",
          "[control]") {
    TestEnv env;
    plan_web(env);

    auto out =
        env.say("alice",
                "control add smoke-tests \"Smoke tests green\" optional owner @dana doc "
                "https://wiki.example.com/smoke about \"The smoke suite passed on staging\"");
    CHECK_THAT(out, Contains("Added control template `smoke-tests` — Smoke tests green (optional, "
                             "owner @dana)."));
    CHECK_THAT(out, Contains("releases already planned keep their checklist"));
    CHECK(env.count("SELECT count(*) FROM control_templates") == 8);
    CHECK(env.count("SELECT mandatory FROM control_templates WHERE slug='smoke-tests'") == 0);
    CHECK(env.text("SELECT owner FROM control_templates WHERE slug='smoke-tests'") == "user:dana");
    CHECK(env.text("SELECT doc_url FROM control_templates WHERE slug='smoke-tests'") ==
          "https://wiki.example.com/smoke");
    CHECK(env.text("SELECT description FROM control_templates WHERE slug='smoke-tests'") ==
          "The smoke suite passed on staging");
    CHECK(env.count("SELECT position FROM control_templates WHERE slug='smoke-tests'") == 8);
    CHECK(env.count("SELECT count(*) FROM audit_log WHERE action='control.add' AND release_id IS "
                    "NULL AND detail LIKE 'template `smoke-tests` \"Smoke tests green\" optional "
                    "owner @dana%'") == 1);

    // The release planned before keeps its seven; the next one gets eight.
    CHECK(env.count("SELECT count(*) FROM release_controls c JOIN releases r ON r.id = "
                    "c.release_id WHERE r.key = 'web-2026.12'") == 7);
    env.say("bob", "release plan api-2027.01 \"API January\" at 2027-01-12 10:00");
    CHECK(env.count("SELECT count(*) FROM release_controls c JOIN releases r ON r.id = "
                    "c.release_id WHERE r.key = 'api-2027.01'") == 8);
    CHECK(env.count("SELECT c.mandatory FROM release_controls c JOIN releases r ON r.id = "
                    "c.release_id WHERE r.key = 'api-2027.01' AND c.slug = 'smoke-tests'") == 0);

    SECTION("a mandatory control is the default, and upper case is read as lower case") {
        env.say("alice", "control add Load-Tests \"Load tests green\"");
        CHECK(env.count("SELECT mandatory FROM control_templates WHERE slug='load-tests'") == 1);
    }
    SECTION("only a manager adds templates") {
        auto refused = env.say("bob", "control add load-tests \"Load tests green\"");
        CHECK_THAT(refused, Contains("Only a manager can add a control template; you are a "
                                     "member."));
        CHECK(env.count("SELECT count(*) FROM control_templates") == 8);
    }
    SECTION("a duplicate id says it exists and how to edit it") {
        auto dup = env.say("alice", "control add ops-ready \"Ops ready\"");
        CHECK_THAT(dup, Equals("Control template `ops-ready` already exists (\"Operations ready to "
                               "take over\"). Type `control edit ops-ready \"<new title>\"` to "
                               "change it, or choose another id.\n"));
        CHECK(env.count("SELECT count(*) FROM control_templates") == 8);
    }
    SECTION("a bad doc link is refused by the parser") {
        CHECK_THAT(env.say("alice", "control add load-tests \"Load\" doc wiki/load"),
                   Contains("`wiki/load` is not a link: give an http:// or https:// URL"));
        CHECK(env.count("SELECT count(*) FROM control_templates") == 8);
    }
}

TEST_CASE("control ids are slugs; anything else is refused with an example", "[control]") {
    TestEnv env;
    env.say("alice", "control list");
    auto [id, message] = GENERATE(table<std::string, std::string>({
        {"x",
         "`x` is not a valid control id: use 2 to 40 lower-case letters, digits and "
         "dashes, starting with a letter, e.g. `ops-ready`."},
        {"9lives",
         "`9lives` is not a valid control id: use 2 to 40 lower-case letters, digits "
         "and dashes, starting with a letter, e.g. `lives`."},
        {"-smoke",
         "`-smoke` is not a valid control id: use 2 to 40 lower-case letters, digits "
         "and dashes, starting with a letter, e.g. `smoke`."},
        {"42",
         "`42` is not a valid control id: use 2 to 40 lower-case letters, digits and "
         "dashes, starting with a letter, e.g. `ops-ready`."},
        {"smoke_tests",
         "`smoke_tests` is not a control id: use its id like `backout-plan` or its "
         "number in `control list`."},
        {std::string(41, 'a'), "is not a control id"},
    }));
    CAPTURE(id);
    CHECK_THAT(env.say("alice", "control add " + id + " \"Smoke\""), Contains(message));
    CHECK(env.count("SELECT count(*) FROM control_templates") == 7);
}

TEST_CASE("control add to a release changes that release only", "[control]") {
    TestEnv env;
    plan_web(env);

    auto run = env.run("bob",
                       "control add rollback-drill \"Rollback drilled\" owner @dana to "
                       "web-2026.12");
    CHECK_THAT(run.reply.text, Equals("Added control 8 `rollback-drill` to *web-2026.12*: "
                                      "Rollback drilled (mandatory, owner <@dana>)."));
    CHECK(env.count("SELECT count(*) FROM release_controls") == 8);
    CHECK(env.count("SELECT position FROM release_controls WHERE slug='rollback-drill'") == 8);
    CHECK(env.count("SELECT count(*) FROM control_templates WHERE slug='rollback-drill'") == 0);
    CHECK(env.count("SELECT count(*) FROM audit_log WHERE action='control.add' AND release_id IS "
                    "NOT NULL AND actor='bob'") == 1);
    // The owner hears about it; the actor does not.
    CHECK(run.outbound == 1);
    CHECK(env.count("SELECT count(*) FROM outbox WHERE destination LIKE '%\"user\":\"dana\"%' "
                    "AND payload LIKE '%You own control 8 `rollback-drill`%'") == 1);

    SECTION("a duplicate id on the release says how to edit it") {
        CHECK_THAT(env.say("bob", "control add ops-ready \"Ops\" to web-2026.12"),
                   Equals("Control `ops-ready` already exists on web-2026.12 as number 6 "
                          "(\"Operations ready to take over\"). Type `control edit ops-ready "
                          "\"<new title>\" in web-2026.12` to change it.\n"));
    }
    SECTION("a role can own it") {
        env.say("bob", "control add dr-check \"DR checked\" owner approvers to web-2026.12");
        CHECK(env.text("SELECT owner FROM release_controls WHERE slug='dr-check'") ==
              "role:approver");
        CHECK_THAT(env.say("bob", "control list web-2026.12"),
                   Contains("9. dr-check — DR checked — owner any approver"));
    }
    SECTION("a mandatory control added to an approved release sends it back to planned") {
        env.say("dana", "control tick web-2026.12 rollback-drill");
        approve_web_release(env);
        auto out = env.say("bob", "control add dr-check \"DR checked\" to web-2026.12");
        CHECK_THAT(out, Contains("web-2026.12 is back to planned"));
        CHECK(state_of(env) == "planned");
        CHECK(env.count("SELECT count(*) FROM audit_log WHERE action='release.unapprove'") == 1);
    }
    SECTION("an optional control leaves an approved release approved") {
        env.say("dana", "control tick web-2026.12 rollback-drill");
        approve_web_release(env);
        auto out = env.say("bob", "control add dr-check \"DR checked\" optional to web-2026.12");
        CHECK_THAT(out, !Contains("back to planned"));
        CHECK(state_of(env) == "approved");
    }
    SECTION("not once the release is deploying") {
        env.say("dana", "control tick web-2026.12 rollback-drill");
        approve_web_release(env);
        test::start_in_window(env, "alice", "web-2026.12");
        CHECK_THAT(env.say("bob", "control add dr-check \"DR checked\" to web-2026.12"),
                   Contains("web-2026.12 is deploying; `control add … to web-2026.12` needs it "
                            "to be planned or approved."));
        CHECK(env.count("SELECT count(*) FROM release_controls") == 8);
    }
}

TEST_CASE("control edit changes a template, or one release's copy", "[control]") {
    TestEnv env;
    plan_web(env);

    auto out = env.say("alice",
                       "control edit ops-ready \"Ops signed the handover\" optional owner "
                       "@erin about \"Runbooks and on-call are in place\"");
    CHECK_THAT(out, Contains("Edited control template `ops-ready`: title \"Ops signed the "
                             "handover\", now optional, owner @erin, description \"Runbooks and "
                             "on-call are in place\"."));
    CHECK_THAT(out, Contains("releases already planned keep their copy"));
    CHECK(env.text("SELECT title FROM control_templates WHERE slug='ops-ready'") ==
          "Ops signed the handover");
    CHECK(env.count("SELECT mandatory FROM control_templates WHERE slug='ops-ready'") == 0);
    CHECK(env.count("SELECT count(*) FROM audit_log WHERE action='control.edit' AND release_id "
                    "IS NULL") == 1);

    // The release planned before keeps its copy; a new release gets the edited one.
    CHECK(env.text("SELECT c.title FROM release_controls c JOIN releases r ON r.id = "
                   "c.release_id WHERE r.key='web-2026.12' AND c.slug='ops-ready'") ==
          "Operations ready to take over");
    env.say("bob", "release plan api-2027.01 \"API January\" at 2027-01-12 10:00");
    CHECK(env.text("SELECT c.title FROM release_controls c JOIN releases r ON r.id = "
                   "c.release_id WHERE r.key='api-2027.01' AND c.slug='ops-ready'") ==
          "Ops signed the handover");
    CHECK(env.count("SELECT c.mandatory FROM release_controls c JOIN releases r ON r.id = "
                    "c.release_id WHERE r.key='api-2027.01' AND c.slug='ops-ready'") == 0);

    SECTION("with `in`, only that release's copy changes") {
        auto edited = env.say("alice", "control edit 6 optional in web-2026.12");
        CHECK_THAT(edited, Contains("Edited control 6 `ops-ready` on web-2026.12: now optional."));
        CHECK(env.count("SELECT c.mandatory FROM release_controls c JOIN releases r ON r.id = "
                        "c.release_id WHERE r.key='web-2026.12' AND c.slug='ops-ready'") == 0);
        CHECK(env.count("SELECT count(*) FROM audit_log WHERE action='control.edit' AND "
                        "release_id IS NOT NULL") == 1);
    }
    SECTION("a new owner of a release's control is told") {
        auto run = env.run("alice", "control edit ops-ready owner @dana in web-2026.12");
        CHECK(run.outbound == 1);
        CHECK(env.count("SELECT count(*) FROM outbox WHERE destination LIKE "
                        "'%\"user\":\"dana\"%' AND payload LIKE '%You own control 6 "
                        "`ops-ready`%'") == 1);
        CHECK(env.run("alice",
                      "control edit ops-ready owner @dana doc https://x.example.com in "
                      "web-2026.12")
                  .outbound == 0);
    }
    SECTION("making a control mandatory again on an approved release reopens the gate") {
        env.say("alice", "control edit ops-ready optional in web-2026.12");
        approve_web_release(env);  // ticks 1..7 again: 6 is done once more
        env.say("bob", "control untick web-2026.12 ops-ready");
        REQUIRE(state_of(env) == "approved");  // optional: untick did not matter
        auto out2 = env.say("alice", "control edit ops-ready mandatory in web-2026.12");
        CHECK_THAT(out2, Contains("web-2026.12 is back to planned"));
        CHECK(state_of(env) == "planned");
    }
    SECTION("it must change something") {
        CHECK_THAT(env.say("alice", "control edit backout-plan"),
                   Equals("Nothing to change: give a new \"<title>\", mandatory or optional, "
                          "owner @user|<role>, doc <url> or about \"<description>\", e.g. "
                          "`control edit backout-plan optional owner @dana`.\n"));
        CHECK_THAT(env.say("alice", "control edit backout-plan mandatory"),
                   Contains("Control template `backout-plan` already reads like that; nothing "
                            "changed."));
    }
    SECTION("managers only") {
        CHECK_THAT(env.say("bob", "control edit backout-plan optional"),
                   Contains("Only a manager can use `control edit`; you are a member."));
        CHECK(env.count("SELECT mandatory FROM control_templates WHERE slug='backout-plan'") == 1);
    }
    SECTION("an unknown template suggests the closest") {
        CHECK_THAT(env.say("alice", "control edit backout-plam optional"),
                   Equals("No control template `backout-plam`. Did you mean `backout-plan`? Type "
                          "`control list` to see the templates, or `control list <release>` for "
                          "a release's checklist.\n"));
    }
}

TEST_CASE("control remove drops a template, or a release's control after confirmation",
          "[control]") {
    TestEnv env;
    plan_web(env);

    SECTION("a template: new releases no longer get it, planned ones keep it") {
        auto out = env.say("alice", "control remove comms-approved");
        CHECK_THAT(out, Contains("Removed control template `comms-approved` — Communications "
                                 "approved."));
        CHECK(env.count("SELECT count(*) FROM control_templates") == 6);
        CHECK(env.count("SELECT count(*) FROM release_controls WHERE slug='comms-approved'") == 1);
        env.say("bob", "release plan api-2027.01 \"API January\" at 2027-01-12 10:00");
        CHECK(env.count("SELECT count(*) FROM release_controls WHERE slug='comms-approved'") == 1);
        CHECK(env.count("SELECT count(*) FROM audit_log WHERE action='control.remove'") == 1);
    }
    SECTION("a release's control asks first; `yes` removes it; the others keep their numbers") {
        auto preview = env.say("alice", "control remove comms-approved from web-2026.12");
        CHECK_THAT(preview, Contains("Please confirm: Remove control 5 `comms-approved` "
                                     "(Communications approved) from web-2026.12: the go/no-go "
                                     "gate will no longer check it.\n"));
        CHECK(env.count("SELECT count(*) FROM release_controls") == 7);
        auto done = env.say("alice", "yes");
        CHECK_THAT(done, Contains("Removed control 5 `comms-approved` from web-2026.12"));
        CHECK(env.count("SELECT count(*) FROM release_controls") == 6);
        CHECK(env.count("SELECT position FROM release_controls WHERE slug='ops-ready'") == 6);
        CHECK_THAT(done, Contains("The other controls keep their numbers."));
        // `control tick web-2026.12 6` still means the control that was number 6.
        CHECK_THAT(env.say("alice", "control tick web-2026.12 6"),
                   Contains("Ticked control 6 `ops-ready`"));
        CHECK_THAT(env.say("alice", "control tick web-2026.12 5"),
                   Contains("web-2026.12 has no control 5"));
        CHECK(env.count("SELECT count(*) FROM control_templates") == 7);
        CHECK(env.count("SELECT count(*) FROM audit_log WHERE action='control.remove' AND "
                        "release_id IS NOT NULL") == 1);
    }
    SECTION("`no` keeps it") {
        env.say("alice", "control remove 5 from web-2026.12");
        CHECK_THAT(env.say("alice", "no"), Contains("Dropped: Remove control 5"));
        CHECK(env.count("SELECT count(*) FROM release_controls") == 7);
        CHECK(env.count("SELECT count(*) FROM audit_log WHERE action='control.remove'") == 0);
    }
    SECTION("managers only") {
        CHECK_THAT(env.say("bob", "control remove comms-approved"),
                   Contains("Only a manager can use `control remove`; you are a member."));
        CHECK(env.count("SELECT count(*) FROM control_templates") == 7);
    }
}

TEST_CASE("control explain says what a control is for and where it is open", "[control]") {
    TestEnv env;
    plan_web(env);
    env.say("bob", "release plan api-2027.01 \"API January\" at 2027-01-12 10:00");
    env.say("bob", "control tick api-2027.01 package-integrity");

    auto out = env.say("bob", "control explain package-integrity");
    CHECK_THAT(out, Contains("package-integrity — Package integrity verified"));
    CHECK_THAT(out, Contains("Why it matters: Each artifact to be deployed matches its recorded "
                             "SHA-256 checksum"));
    CHECK_THAT(out, Contains("Required: mandatory: `release go` waits for it"));
    CHECK_THAT(out, Contains("Still open on web-2026.12 (planned, number 4)."));
    CHECK_THAT(out, !Contains("api-2027.01"));

    SECTION("with `in`, its status on that release") {
        auto in = env.say("bob", "control explain 4 in api-2027.01");
        CHECK_THAT(in, Contains("In api-2027.01: 4. ticked by @bob 2026-12-01 09:00"));
        CHECK_THAT(env.say("bob", "control explain package-integrity in web-2026.12"),
                   Contains("In web-2026.12: 4. open"));
    }
    SECTION("doc link and owner after an edit") {
        env.say("alice",
                "control edit package-integrity owner @erin doc "
                "https://wiki.example.com/integrity");
        auto edited = env.say("bob", "control explain package-integrity");
        CHECK_THAT(edited, Contains("Owner:    @erin"));
        CHECK_THAT(edited, Contains("Doc:      https://wiki.example.com/integrity"));
    }
    SECTION("an unknown id") {
        CHECK_THAT(env.say("bob", "control explain no-such-thing"),
                   Contains("No control template `no-such-thing`."));
    }
}

TEST_CASE("control tick records who, when, evidence and note", "[control]") {
    TestEnv env;
    plan_web(env);
    env.say("alice", "control edit ops-ready owner @dana in web-2026.12");
    // dana owns it; bob may tick it as an approver.
    env.say("alice", "role grant @bob approver");

    auto run = env.run("bob",
                       "control tick web-2026.12 ops-ready evidence "
                       "https://wiki.example.com/handover \"runbooks signed\"");
    CHECK_THAT(run.reply.text,
               Equals("Ticked control 6 `ops-ready` on *web-2026.12*: Operations ready to take "
                      "over."));
    CHECK(control_status(env, "ops-ready") == "done");
    CHECK(env.text("SELECT done_by FROM release_controls WHERE slug='ops-ready'") == "bob");
    CHECK(env.count("SELECT done_at FROM release_controls WHERE slug='ops-ready'") ==
          default_start().time_since_epoch().count());
    CHECK(env.text("SELECT evidence_url FROM release_controls WHERE slug='ops-ready'") ==
          "https://wiki.example.com/handover");
    CHECK(env.text("SELECT note FROM release_controls WHERE slug='ops-ready'") ==
          "runbooks signed");
    CHECK(env.text("SELECT detail FROM audit_log WHERE action='control.tick' AND actor='bob'") ==
          "6 `ops-ready` evidence https://wiki.example.com/handover note \"runbooks signed\"");
    // dana owns it and hears that bob ticked it.
    CHECK(run.outbound == 1);
    CHECK(env.count("SELECT count(*) FROM outbox WHERE destination LIKE '%\"user\":\"dana\"%' "
                    "AND payload LIKE '%ticked your control 6%'") == 1);

    SECTION("once every mandatory control is done, the next step is `release go`") {
        std::string last;
        for (const char* n : {"4", "7"}) {
            last = env.say("bob", std::string("control tick web-2026.12 ") + n);
        }
        // Three are left to releasebot: the plans and the components are not there yet.
        CHECK_THAT(last, Contains("4 of 7 done, 0 waived, 3 open (3 mandatory). releasebot ticks "
                                  "the 3 open controls itself once what they stand for holds; "
                                  "`release show web-2026.12` says what is missing"));
        env.say("bob", "release add web-2026.12 web/app@1.0.0");
        env.say("bob", "plan add web-2026.12 deploy \"Deploy\"");
        env.say("bob", "plan add web-2026.12 backout \"Roll back\"");
        CHECK(env.count("SELECT count(*) FROM release_controls WHERE status = 'done'") == 7);
        env.say("bob", "control untick web-2026.12 7");
        CHECK_THAT(env.say("bob", "control tick web-2026.12 7"),
                   Contains("7 of 7 done, 0 waived, 0 open. Every mandatory control is done or "
                            "waived. Next: `release go web-2026.12`"));
    }
    SECTION("the owner ticking it themself gets no message") {
        env.say("bob", "control untick web-2026.12 6");
        CHECK(env.run("dana", "control tick web-2026.12 6").outbound == 0);
    }
    SECTION("ticking it again says who did and to untick first") {
        CHECK_THAT(env.say("dana", "control tick web-2026.12 6"),
                   Equals("Control 6 `ops-ready` on web-2026.12 is already done: ticked by @bob "
                          "on Tue 1 Dec 2026 09:00 UTC. To tick it again, untick it first: "
                          "`control untick web-2026.12 ops-ready`.\n"));
        CHECK(env.text("SELECT done_by FROM release_controls WHERE slug='ops-ready'") == "bob");
    }
    SECTION("a waived control is not ticked") {
        env.say("alice", "control waive web-2026.12 7 \"CEO said go\"");
        env.say("alice", "yes");
        CHECK_THAT(env.say("bob", "control tick web-2026.12 business-signoff"),
                   Contains("Control 7 `business-signoff` on web-2026.12 was waived by @alice on "
                            "Tue 1 Dec 2026 09:00 UTC (reason: CEO said go), so it needs no "
                            "tick."));
        CHECK(control_status(env, "business-signoff") == "waived");
    }
    SECTION("an unknown control id suggests the closest") {
        CHECK_THAT(env.say("bob", "control tick web-2026.12 backout-plam"),
                   Equals("web-2026.12 has no control `backout-plam`. Did you mean "
                          "`backout-plan`? Type `control list web-2026.12` to see its "
                          "controls.\n"));
    }
    SECTION("a number out of range says how many there are") {
        CHECK_THAT(env.say("bob", "control tick web-2026.12 9"),
                   Equals("web-2026.12 has no control 9: it has 7 controls, numbered 1, 2, "
                          "3, 4, 5, 6, 7. Type `control list web-2026.12` to see them.\n"));
    }
    SECTION("evidence must be a link") {
        CHECK_THAT(env.say("bob", "control tick web-2026.12 2 evidence ftp://files/x"),
                   Contains("`ftp://files/x` is not a link: give an http:// or https:// URL"));
        CHECK(control_status(env, "backout-plan") == "open");
    }
    SECTION("not on a cancelled release") {
        env.say("alice", "release cancel web-2026.12 \"moved to January\"");
        env.say("alice", "yes");
        REQUIRE(state_of(env) == "cancelled");
        CHECK_THAT(env.say("bob", "control tick web-2026.12 2"),
                   Equals("web-2026.12 is cancelled; `control tick` needs it to be planned, "
                          "approved or deploying. Type `release show web-2026.12` to see where "
                          "it stands.\n"));
        CHECK(control_status(env, "backout-plan") == "open");
    }
    SECTION("not on a deployed release") {
        env.say("bob", "control untick web-2026.12 6");
        approve_web_release(env);
        test::start_in_window(env, "alice", "web-2026.12");
        env.say("alice", "release step web-2026.12 1 done");
        REQUIRE_THAT(env.say("alice", "release done web-2026.12"), Contains("is deployed"));
        CHECK_THAT(env.say("bob", "control untick web-2026.12 1"),
                   Contains("web-2026.12 is deployed; `control untick` needs it to be planned, "
                            "approved or deploying."));
        CHECK(control_status(env, "deployment-plan") == "done");
    }
}

TEST_CASE("control untick reopens a control; on an approved release, the gate too", "[control]") {
    TestEnv env;
    plan_web(env);
    approve_web_release(env);

    auto out = env.say("bob", "control untick web-2026.12 package-integrity");
    CHECK_THAT(out, Contains("Unticked control 4 `package-integrity` on web-2026.12: it was "
                             "ticked by @bob on Tue 1 Dec 2026 09:00 UTC."));
    CHECK_THAT(out, Contains("web-2026.12 is back to planned: run `release go web-2026.12` again"));
    CHECK(control_status(env, "package-integrity") == "open");
    CHECK(env.count("SELECT count(*) FROM release_controls WHERE slug='package-integrity' AND "
                    "done_by IS NULL AND done_at IS NULL AND evidence_url IS NULL") == 1);
    CHECK(state_of(env) == "planned");
    CHECK(env.count("SELECT count(*) FROM audit_log WHERE action='control.untick'") == 1);
    CHECK(env.count("SELECT count(*) FROM audit_log WHERE action='release.unapprove'") == 1);

    // What the gate says now is exactly that control.
    CHECK_THAT(env.say("alice", "release go web-2026.12"), Contains("package-integrity"));

    SECTION("an open control has nothing to untick") {
        CHECK_THAT(env.say("bob", "control untick web-2026.12 4"),
                   Equals("Control 4 `package-integrity` on web-2026.12 is not ticked, so there "
                          "is nothing to untick. Type `control list web-2026.12` to see the "
                          "checklist.\n"));
    }
    SECTION("clearing a waiver takes a manager") {
        env.say("alice", "control waive web-2026.12 4 \"verified by hand\"");
        env.say("alice", "yes");
        CHECK_THAT(env.say("bob", "control untick web-2026.12 4"),
                   Contains("Only a manager can clear a waiver; you are a member."));
        CHECK(control_status(env, "package-integrity") == "waived");
        CHECK_THAT(env.say("alice", "control untick web-2026.12 4"),
                   Contains("it was waived by @alice"));
        CHECK(control_status(env, "package-integrity") == "open");
    }
}

TEST_CASE("control waive needs a manager, a reason and a confirmation", "[control]") {
    TestEnv env;
    plan_web(env);
    env.say("alice", "control edit business-signoff owner @dana in web-2026.12");

    SECTION("`yes` waives it with the reason as its note") {
        auto preview = env.say("alice",
                               "control waive web-2026.12 business-signoff \"signed off "
                               "by email, see OPS-12\"");
        CHECK_THAT(preview, Contains("Please confirm: Waive control 7 `business-signoff` on "
                                     "web-2026.12 (reason: signed off by email, see OPS-12)."));
        CHECK(control_status(env, "business-signoff") == "open");

        auto run = env.run("alice", "yes");
        CHECK_THAT(run.reply.text, Equals("Waived control 7 `business-signoff` on *web-2026.12*: "
                                          "Business sign-off."));
        CHECK(control_status(env, "business-signoff") == "waived");
        CHECK(env.text("SELECT note FROM release_controls WHERE slug='business-signoff'") ==
              "signed off by email, see OPS-12");
        CHECK(env.text("SELECT done_by FROM release_controls WHERE slug='business-signoff'") ==
              "alice");
        CHECK(env.text("SELECT detail FROM audit_log WHERE action='control.waive'") ==
              "7 `business-signoff` reason \"signed off by email, see OPS-12\"");
        CHECK(run.outbound == 1);  // dana, its owner
        CHECK_THAT(env.say("bob", "control list web-2026.12"),
                   Contains("1 of 7 done, 1 waived, 5 open (5 mandatory)"));
    }
    SECTION("`no` drops it") {
        env.say("alice", "control waive web-2026.12 7 \"signed off by email\"");
        CHECK_THAT(env.say("alice", "no"), Contains("Dropped: Waive control 7 `business-signoff`"));
        CHECK(control_status(env, "business-signoff") == "open");
        CHECK(env.count("SELECT count(*) FROM audit_log WHERE action='control.waive'") == 0);
        CHECK_THAT(env.say("alice", "yes"), Contains("Nothing is waiting for your confirmation"));
        CHECK(control_status(env, "business-signoff") == "open");
    }
    SECTION("a reason is required") {
        CHECK_THAT(env.say("alice", "control waive web-2026.12 7"),
                   Equals("A waiver needs a reason, in quotes: `control waive web-2026.12 "
                          "business-signoff \"signed off by email, see OPS-12\"`.\n"));
        CHECK_THAT(env.say("alice", "control waive web-2026.12 7 \"  \""),
                   Contains("A waiver needs a reason"));
        CHECK(env.count("SELECT count(*) FROM pending_confirmations") == 0);
    }
    SECTION("members cannot waive") {
        CHECK_THAT(env.say("bob", "control waive web-2026.12 7 \"trust me\""),
                   Equals("Only a manager can use `control waive`; you are a member. Type `role "
                          "list` to see who can, and ask a manager for `role grant @bob "
                          "manager`.\n"));
        CHECK(env.count("SELECT count(*) FROM pending_confirmations") == 0);
        CHECK(control_status(env, "business-signoff") == "open");
    }
    SECTION("an optional control can be waived too") {
        env.say("alice", "control add smoke \"Smoke\" optional to web-2026.12");
        env.say("alice", "control waive web-2026.12 smoke \"no staging this week\"");
        env.say("alice", "yes");
        CHECK(control_status(env, "smoke") == "waived");
    }
    SECTION("a ticked control is not waived") {
        env.say("dana", "control tick web-2026.12 7");
        CHECK_THAT(env.say("alice", "control waive web-2026.12 7 \"x\""),
                   Contains("is already done: ticked by @dana"));
        CHECK(control_status(env, "business-signoff") == "done");
    }
    SECTION("a waived mandatory control no longer blocks the gate") {
        env.say("alice", "control waive web-2026.12 7 \"signed off by email\"");
        env.say("alice", "yes");
        CHECK_THAT(env.say("alice", "release go web-2026.12"), !Contains("business-signoff"));
    }
}

TEST_CASE(
    "a control with an owner is ticked and unticked only by its owner, an approver or a "
    "manager",
    "[control][owner]") {
    TestEnv env;
    plan_web(env);  // alice: manager
    env.say("alice", "role grant @appr approver");
    env.say("alice", "control edit ops-ready owner @dana in web-2026.12");
    env.say("alice", "control edit business-signoff owner approver in web-2026.12");
    const auto audits = env.count("SELECT count(*) FROM audit_log");

    SECTION("anyone else is refused, told who owns it and who else may, and nothing changes") {
        for (const char* user : {"bob", "stranger"}) {
            CAPTURE(user);
            auto out = env.run(user, "control tick web-2026.12 ops-ready");
            CHECK(out.reply.is_error);
            CHECK(out.reply.text ==
                  "Only the owner of control 6 `ops-ready` on web-2026.12 (<@dana>), an approver "
                  "or a manager can tick it; you are a member. Ask <@dana> to tick it, or type "
                  "`role list` to see the approvers and managers.");
            auto role_owned = env.run(user, "control tick web-2026.12 business-signoff");
            CHECK_THAT(role_owned.reply.text,
                       Contains("Only the owner of control 7 `business-signoff` on web-2026.12 "
                                "(any approver), an approver or a manager can tick it"));
        }
        CHECK(control_status(env, "ops-ready") == "open");
        CHECK(control_status(env, "business-signoff") == "open");
        CHECK(env.count("SELECT count(*) FROM audit_log") == audits);
    }
    SECTION("the owner, an approver and a manager may") {
        CHECK_THAT(env.say("dana", "control tick web-2026.12 ops-ready"), Contains("Ticked"));
        CHECK_THAT(env.say("appr", "control untick web-2026.12 ops-ready"), Contains("Unticked"));
        CHECK_THAT(env.say("alice", "control tick web-2026.12 ops-ready"), Contains("Ticked"));
        CHECK_THAT(env.say("appr", "control tick web-2026.12 business-signoff"),
                   Contains("Ticked"));
    }
    SECTION("unticking someone else's control tells them; others may not untick it") {
        env.say("dana", "control tick web-2026.12 ops-ready");
        auto refused = env.run("bob", "control untick web-2026.12 ops-ready");
        CHECK(refused.reply.is_error);
        CHECK_THAT(refused.reply.text, Contains("can untick it; you are a member"));
        CHECK(control_status(env, "ops-ready") == "done");

        auto out = env.run("appr", "control untick web-2026.12 ops-ready");
        CHECK_FALSE(out.reply.is_error);
        CHECK(control_status(env, "ops-ready") == "open");
        CHECK(env.count("SELECT count(*) FROM outbox WHERE destination LIKE '%\"user\":\"dana\"%' "
                        "AND payload LIKE '%unticked your control 6 `ops-ready`%'") == 1);
        // Unticking one's own control tells nobody.
        env.say("dana", "control tick web-2026.12 ops-ready");
        CHECK(env.run("dana", "control untick web-2026.12 ops-ready").outbound == 0);
    }
    SECTION("a control releasebot keeps is nobody's to tick, and says what it waits for") {
        auto out = env.run("alice", "control tick web-2026.12 backout-plan");
        CHECK(out.reply.is_error);
        CHECK(out.reply.text ==
              "Nobody needs to tick control 2 `backout-plan` on web-2026.12: releasebot keeps it, "
              "ticked while the backout plan has a step. Now the backout plan has no step yet. "
              "Next: `plan add web-2026.12 backout \"<step>\"`.");
        CHECK_THAT(env.say("alice", "control untick web-2026.12 comms-approved"),
                   Contains("Nobody needs to untick control 5 `comms-approved` on web-2026.12: "
                            "releasebot keeps it, ticked while no announcement of the release "
                            "waits for review. Now no announcement waits for review."));
        CHECK(control_status(env, "comms-approved") == "done");
        CHECK(env.count("SELECT count(*) FROM audit_log") == audits);
    }
    SECTION("a control without an owner stays open to every member") {
        CHECK_THAT(env.say("stranger", "control tick web-2026.12 package-integrity"),
                   Contains("Ticked"));
        CHECK_THAT(env.say("bob", "control untick web-2026.12 package-integrity"),
                   Contains("Unticked"));
    }
}
