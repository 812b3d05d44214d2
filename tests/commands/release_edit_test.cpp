// Correcting a release after planning, told as the team types it: typos in a title or a
// program, a component that is not shipping after all, a plan step written wrong, in the wrong
// place or given to the wrong person; and what moving or cancelling a release does to the
// announcements, reminders and owners around it. Every change is audited, and one that touches
// what the gate approved withdraws the approval.
#include <catch2/catch.hpp>
#include <string>

#include "integrations/console/text_renderer.hpp"
#include "support/test_env.hpp"

namespace releasebot {
namespace {

using Catch::Matchers::Contains;
using test::dms_to;
using test::TestEnv;

std::string state(TestEnv& env) {
    return env.text("SELECT state FROM releases WHERE key = 'web-2026.12'");
}

std::string step_titles(TestEnv& env, const std::string& plan) {
    std::string out;
    auto st = env.db().prepare(
        "SELECT s.title FROM plan_steps s JOIN releases r ON r.id = s.release_id "
        "WHERE r.key = 'web-2026.12' AND s.plan = ? ORDER BY s.position");
    st.bind(1, plan);
    while (st.step()) out += (out.empty() ? "" : " | ") + st.get_text(0);
    return out;
}

// Makes the release go as it stands: a component for each program, the controls ticked, a
// backout step if it has none, and alice's `release go`.
void approve_as_is(TestEnv& env) {
    if (env.count("SELECT count(*) FROM components") == 0) test::add_components(env, "web-2026.12");
    test::tick_open_controls(env, "web-2026.12", "bob");
    if (env.count("SELECT count(*) FROM plan_steps WHERE plan = 'backout'") == 0)
        env.say("bob", "plan add web-2026.12 backout \"Roll back web\" takes 10m");
    REQUIRE_THAT(env.say("alice", "release go web-2026.12"), Contains("is approved"));
}

// alice plans web-2026.12 with its title misspelt ("Web Decmber", for `release edit` to
// correct); bob and carol look at it and so are members.
void plan_misspelt_web(TestEnv& env) {
    env.say("alice",
            "release plan web-2026.12 \"Web Decmber\" at 2026-12-10 14:00 for 2h program web");
    env.say("bob", "release show web-2026.12");
    env.say("carol", "release show web-2026.12");
}

TEST_CASE("release edit corrects the title, hands the release over, changes the environment",
          "[release][edit]") {
    TestEnv env;
    plan_misspelt_web(env);

    SECTION("a typo in the title") {
        auto out = env.say("alice", "release edit web-2026.12 title \"Web December\"");
        CHECK_THAT(out, Contains("Edited web-2026.12: title \"Web December\"."));
        CHECK(env.text("SELECT title FROM releases") == "Web December");
        CHECK_THAT(env.text("SELECT detail FROM audit_log WHERE action = 'release.edit'"),
                   Contains("title \"Web Decmber\" → \"Web December\""));
    }
    SECTION("a new owner hears of it, and the old one too") {
        env.say("alice", "release edit web-2026.12 owner @bob");
        CHECK(env.text("SELECT owner FROM releases") == "bob");
        CHECK(dms_to(env, "bob", "made you the owner of *web-2026.12*") == 1);
        // Now bob owns it; carol, a member who does not, may not edit it.
        CHECK_THAT(env.say("carol", "release edit web-2026.12 title \"Mine\""),
                   Contains("Only a manager can edit of a release someone else owns"));
        CHECK(env.text("SELECT title FROM releases") == "Web Decmber");
    }
    SECTION("nothing to say is an error that names the choices") {
        CHECK_THAT(env.say("alice", "release edit web-2026.12"),
                   Contains("Say what to change: `release edit web-2026.12 title"));
        CHECK(env.count("SELECT count(*) FROM audit_log WHERE action = 'release.edit'") == 0);
    }
    SECTION("changing the environment of an approved release withdraws the approval") {
        test::approve_web_release(env);
        REQUIRE(state(env) == "approved");
        auto out = env.say("alice", "release edit web-2026.12 env staging");
        CHECK_THAT(out, Contains("Edited web-2026.12: environment staging."));
        CHECK_THAT(out, Contains("is back to planned"));
        CHECK(state(env) == "planned");
        CHECK_THAT(env.text("SELECT detail FROM audit_log WHERE action = 'release.unapprove'"),
                   Contains("env"));
    }
    SECTION("a title edit keeps an approval: the gate does not look at titles") {
        test::approve_web_release(env);
        env.say("alice", "release edit web-2026.12 title \"Web December\"");
        CHECK(state(env) == "approved");
    }
}

TEST_CASE("a component or a program added by mistake can be taken off again", "[release][edit]") {
    TestEnv env;
    plan_misspelt_web(env);
    env.say("bob", "release add web-2026.12 web/app@1.0.0");
    // The typo: `mobile/app` was meant to be `web/mobile-app`.
    CHECK_THAT(env.say("bob", "release add web-2026.12 mobile/app@2.0.0"),
               Contains("Program mobile joins the release."));

    SECTION("remove the component, then the program") {
        CHECK_THAT(env.say("bob", "release program remove web-2026.12 mobile"),
                   Contains("Program mobile still has mobile/app on web-2026.12. Remove it first: "
                            "`release remove web-2026.12 mobile/app`."));
        CHECK_THAT(env.say("bob", "release remove web-2026.12 mobile/app"),
                   Contains("Please confirm: remove mobile/app 2.0.0 from web-2026.12"));
        auto removed = env.say("bob", "yes");
        CHECK_THAT(removed, Contains("Removed mobile/app 2.0.0 from web-2026.12."));
        CHECK_THAT(removed, Contains("Program mobile has no component now"));
        CHECK_THAT(env.say("bob", "release program remove web-2026.12 mobile"),
                   Contains("Program mobile is no longer part of web-2026.12."));
        CHECK(env.count("SELECT count(*) FROM release_programs") == 1);
        CHECK(env.count("SELECT count(*) FROM components") == 1);
        CHECK(env.count("SELECT count(*) FROM audit_log WHERE action IN ('component.remove', "
                        "'release.program_remove')") == 2);
    }
    SECTION("a component that is not there is named with the ones that are") {
        CHECK_THAT(env.say("bob", "release remove web-2026.12 web/ap"),
                   Contains("web-2026.12 has no component web/ap. web-2026.12 has mobile/app, "
                            "web/app."));
        CHECK_THAT(env.say("bob", "release remove web-2026.12 web/app@1.0.0"),
                   Contains("is not a component: write <program>/<component>"));
        CHECK(env.count("SELECT count(*) FROM components") == 2);
    }
    SECTION("a program added twice, or removed when it is not there") {
        CHECK_THAT(env.say("bob", "release program add web-2026.12 WEB"),
                   Contains("web is already a program of web-2026.12"));
        CHECK_THAT(env.say("bob", "release program remove web-2026.12 api"),
                   Contains("api is not a program of web-2026.12 (programs: mobile, web)."));
        CHECK_THAT(env.say("bob", "release program add web-2026.12 api"),
                   Contains("Program api joins web-2026.12."));
        CHECK(env.count("SELECT count(*) FROM release_programs") == 3);
    }
}

TEST_CASE("removing a component from an approved release withdraws the approval",
          "[release][edit][approval]") {
    TestEnv env;
    plan_misspelt_web(env);
    env.say("bob", "release add web-2026.12 web/extra@1.0.0");
    test::approve_web_release(env);
    REQUIRE(state(env) == "approved");
    env.say("carol", "release remove web-2026.12 web/extra");
    CHECK_THAT(env.say("carol", "yes"), Contains("is back to planned"));
    CHECK(state(env) == "planned");
    CHECK_THAT(env.text("SELECT detail FROM audit_log WHERE action = 'release.unapprove'"),
               Contains("by <@carol>"));
}

TEST_CASE("plan steps are edited, moved, inserted and handed over in place", "[plan][edit]") {
    TestEnv env;
    plan_misspelt_web(env);
    env.say("bob", "plan add web-2026.12 deploy \"Drain node A\" takes 10m");
    env.say("bob", "plan add web-2026.12 deploy \"Deploy web\" owner @bob takes 30m");
    env.say("bob", "plan add web-2026.12 deploy \"Smoke tset\" takes 5m");
    env.say("bob", "plan add web-2026.12 deploy \"Undrain node A\" takes 5m");

    SECTION("fix the text of step 3 of 4 without touching the others") {
        auto out = env.say("carol", "plan edit web-2026.12 deploy 3 \"Smoke test\" takes 10m");
        CHECK_THAT(out, Contains("Edited deploy step 3 of web-2026.12: Smoke test — 10m."));
        CHECK(step_titles(env, "deploy") ==
              "Drain node A | Deploy web | Smoke test | Undrain node A");
        CHECK_THAT(env.text("SELECT detail FROM audit_log WHERE action = 'plan.edit'"),
                   Contains("deploy step 3: text \"Smoke tset\" → \"Smoke test\", takes 5m → 10m"));
    }
    SECTION("editing bob's step tells bob") {
        env.say("carol", "plan edit web-2026.12 deploy 2 \"Deploy web and assets\"");
        CHECK(dms_to(env, "bob", "edited deploy step 2 of *web-2026.12*, which you own") == 1);
    }
    SECTION("move the last step to the front") {
        auto out = env.say("carol", "plan move web-2026.12 deploy 4 to 1");
        CHECK_THAT(out, Contains("Moved deploy step 4 of web-2026.12 to 1: Undrain node A."));
        CHECK(step_titles(env, "deploy") ==
              "Undrain node A | Drain node A | Deploy web | Smoke tset");
        CHECK_THAT(env.say("carol", "plan move web-2026.12 deploy 1 to 9"),
                   Contains("has 4 steps, so a step can move to 1 to 4, not 9."));
    }
    SECTION("insert after step 2, and before step 1") {
        auto out = env.say("carol",
                           "plan insert web-2026.12 deploy after 2 \"Warm the caches\" owner "
                           "approver takes 5m");
        CHECK_THAT(out, Contains("Inserted deploy step 3 in web-2026.12: Warm the caches — any "
                                 "approver, 5m."));
        env.say("carol", "plan insert web-2026.12 deploy before 1 \"Announce start\"");
        CHECK(step_titles(env, "deploy") ==
              "Announce start | Drain node A | Deploy web | Warm the caches | Smoke tset | "
              "Undrain node A");
        CHECK_THAT(env.say("carol", "plan insert web-2026.12 deploy \"Nowhere\""),
                   Contains("Say where the step goes"));
        CHECK_THAT(env.say("carol", "plan insert web-2026.12 deploy after 12 \"Late\""),
                   Contains("Step 12 does not exist: the deploy plan of web-2026.12 has 6 steps"));
    }
    SECTION("hand a step to someone else, or to a role") {
        // bob owns step 2; carol may not take it from him.
        CHECK_THAT(env.say("carol", "plan assign web-2026.12 deploy 2 @carol"),
                   Contains("Only @bob, who owns deploy step 2 of web-2026.12, its release owner "
                            "@alice or a manager can give it to someone else."));
        CHECK_THAT(env.say("bob", "plan assign web-2026.12 deploy 2 @carol"),
                   Contains("deploy step 2 of web-2026.12 is now owned by @carol"));
        CHECK(dms_to(env, "carol", "You own deploy step 2 of *web-2026.12*") == 1);
        CHECK_THAT(env.text("SELECT detail FROM audit_log WHERE action = 'plan.assign'"),
                   Contains("@bob → @carol"));
        // The release's owner gives it to the managers; carol hears it is no longer hers.
        env.say("alice", "plan assign web-2026.12 deploy 2 manager");
        CHECK(dms_to(env, "carol", "gave deploy step 2 of *web-2026.12*") == 1);
        // The step belongs to the managers now: bob, a member, may not mark it...
        approve_as_is(env);
        test::start_in_window(env, "alice", "web-2026.12");
        env.say("bob", "release step web-2026.12 1 done");
        CHECK_THAT(env.say("bob", "release step web-2026.12 2 done"),
                   Contains("Only any manager, who owns deploy step 2 of web-2026.12"));
        // ...alice, a manager, may.
        CHECK_THAT(env.say("alice", "release step web-2026.12 2 done"),
                   Contains("Step 2 of the deploy plan done: Deploy web."));
    }
    SECTION("a plan change after approval withdraws it") {
        approve_as_is(env);
        REQUIRE(state(env) == "approved");
        CHECK_THAT(env.say("carol", "plan move web-2026.12 deploy 2 to 1"),
                   Contains("is back to planned"));
        CHECK(state(env) == "planned");
    }
}

TEST_CASE("text has limits, windows have a length, and long lists page", "[release][limits]") {
    TestEnv env;
    SECTION("a 5,000-character title is refused and nothing is stored") {
        std::string title(5000, 'x');
        auto out =
            env.say("alice", "release plan web-2026.12 \"" + title + "\" at 2026-12-10 14:00");
        CHECK_THAT(out, Contains("The title is 5000 characters long; it may be at most 120."));
        CHECK(env.count("SELECT count(*) FROM releases") == 0);
    }
    SECTION("characters, not bytes: 120 accented letters fit") {
        std::string title;
        for (int i = 0; i < 120; ++i) title += "é";
        CHECK_THAT(
            env.say("alice", "release plan web-2026.12 \"" + title + "\" at 2026-12-10 14:00"),
            Contains("Planned"));
    }
    SECTION("a title is one line (a step may have several)") {
        CHECK_THAT(
            env.say("alice", "release plan web-2026.12 \"Web\nrelease\" at 2026-12-10 14:00"),
            Contains("The title has a line break in it"));
        CHECK(env.count("SELECT count(*) FROM releases") == 0);
        env.say("alice", "release plan web-2026.12 \"Web\" at 2026-12-10 14:00");
        CHECK_THAT(env.say("alice", "release edit web-2026.12 title \"Web\r\nrelease\""),
                   Contains("The title has a line break in it"));
        CHECK(env.count("SELECT count(*) FROM releases WHERE title = 'Web'") == 1);
    }
    SECTION("a step and a note have their own limits") {
        env.say("alice", "release plan web-2026.12 \"Web\" at 2026-12-10 14:00");
        CHECK_THAT(env.say("bob", "plan add web-2026.12 deploy \"" + std::string(201, 's') + "\""),
                   Contains("The step is 201 characters long; it may be at most 200."));
        CHECK(env.count("SELECT count(*) FROM plan_steps") == 0);
    }
    SECTION("a 400-day window is refused to a member and asked of a manager") {
        env.say("alice", "release list");  // alice is first, so a manager
        CHECK_THAT(env.say("bob", "release plan web-2026.12 \"Web\" at 2026-12-10 14:00 for 400d"),
                   Contains("is longer than 3d, the most a release window may last"));
        CHECK(env.count("SELECT count(*) FROM releases") == 0);
        CHECK_THAT(env.say("alice", "release plan web-2026.12 \"Web\" at 2026-12-10 14:00 for 4d"),
                   Contains("Please confirm: plan web-2026.12 with a window of 4d"));
        CHECK_THAT(env.say("alice", "yes"), Contains("Planned"));
        CHECK(env.count("SELECT duration_s FROM releases") == 4 * 86400);
    }
    SECTION("80 releases page 20 at a time, long titles cut") {
        for (int i = 0; i < 80; ++i) {
            std::string key = "r" + std::to_string(100 + i);
            env.say("alice", "release plan " + key + " \"" + std::string(100, 'T') +
                                 "\" at 2026-12-" + std::to_string(10 + i % 15) + " " +
                                 std::to_string(8 + i / 15) + ":00");
        }
        REQUIRE(env.count("SELECT count(*) FROM releases") == 80);
        auto first = env.say("alice", "release list");
        CHECK_THAT(first,
                   Contains("Page 1 of 4 (1–20 of 80). Next: `release list upcoming page 2`."));
        CHECK_THAT(first, Contains(std::string(39, 'T') + "…"));
        CHECK_THAT(first, !Contains(std::string(41, 'T')));
        auto last = env.say("alice", "release list upcoming page 4");
        CHECK_THAT(last, Contains("Page 4 of 4 (61–80 of 80)."));
        CHECK_THAT(env.say("alice", "release list page 5"),
                   Contains("There are 4 pages of upcoming releases, not 5."));
    }
}

TEST_CASE("moving a release tells the people and announcements planned around the old window",
          "[release][move]") {
    TestEnv env;
    plan_misspelt_web(env);
    env.say("alice", "channel add stakeholders here");
    env.say("alice", "control edit ops-ready owner @carol in web-2026.12");
    env.say("bob", "plan add web-2026.12 deploy \"Deploy web\" owner @dave");
    // One timed announcement, one whose text names the day, one that does neither.
    env.say("bob", "comms draft web-2026.12 to stakeholders at 2026-12-10 13:00 \"Heads up\"");
    env.say("bob", "comms draft web-2026.12 to stakeholders on start \"Live on 2026-12-10\"");
    env.say("bob", "comms draft web-2026.12 to stakeholders on done \"It is live\"");
    env.say("alice", "comms review 1 approve");
    env.say("alice", "comms review 2 approve");
    env.say("alice", "comms review 3 approve");
    REQUIRE(env.count("SELECT count(*) FROM communications WHERE status = 'approved'") == 3);

    auto out = env.say("alice", "release move web-2026.12 to 2026-12-11 14:00");
    CHECK_THAT(out, Contains("Moved web-2026.12"));
    CHECK_THAT(out, Contains("Announcement #1 and #2 named the old window"));
    CHECK_THAT(out, Contains("2 owners of its controls and steps have been told"));
    CHECK(env.text("SELECT group_concat(status) FROM (SELECT status FROM communications "
                   "ORDER BY id)") == "draft,draft,approved");
    CHECK(dms_to(env, "bob", "Your announcement #1 may be out of date") == 1);
    CHECK(dms_to(env, "carol", "moved *web-2026.12* to Fri 11 Dec") == 1);
    CHECK(dms_to(env, "carol", "You own control 6 `ops-ready` of it") == 1);
    CHECK(dms_to(env, "dave", "You own deploy step 1 of it.") == 1);
    CHECK(env.count("SELECT count(*) FROM audit_log WHERE action = 'comms.flag'") == 2);
}

TEST_CASE("cancelling a release sends its `on cancel` announcement and drops the rest",
          "[release][cancel]") {
    TestEnv env;
    plan_misspelt_web(env);
    env.say("alice", "channel add stakeholders here");
    env.say("bob", "comms draft web-2026.12 to stakeholders on cancel \"ZQCANCEL web is off\"");
    env.say("bob", "comms draft web-2026.12 to stakeholders on done \"ZQDONE web is live\"");
    env.say("alice", "comms review 1 approve");
    // An `on cancel` draft is not a go/no-go blocker: only #2 waits for review.
    CHECK_THAT(env.say("alice", "release show web-2026.12"), Contains("#2"));

    env.say("alice", "release cancel web-2026.12 \"Merged into January\"");
    auto out = env.say("alice", "yes");
    CHECK_THAT(out, Contains("Cancelled web-2026.12"));
    CHECK_THAT(out, Contains("1 pending announcement was cancelled with it"));
    CHECK(env.count("SELECT count(*) FROM outbox WHERE payload LIKE '%ZQCANCEL%'") == 1);
    CHECK(env.count("SELECT count(*) FROM outbox WHERE payload LIKE '%ZQDONE%'") == 0);
    CHECK(env.text("SELECT group_concat(status) FROM (SELECT status FROM communications "
                   "ORDER BY id)") == "sent,cancelled");
    CHECK(env.count("SELECT count(*) FROM scheduled_jobs r JOIN releases x ON x.id = r.release_id "
                    "WHERE r.status = 'pending'") == 0);
    // A cancelled release takes no new `on cancel` announcement.
    CHECK_THAT(env.say("bob", "comms draft web-2026.12 to stakeholders on cancel \"again\""),
               Contains("web-2026.12"));
    CHECK(env.count("SELECT count(*) FROM communications") == 2);
}

TEST_CASE("an old Confirm button says it is old and confirms nothing else", "[confirm]") {
    TestEnv env;
    plan_misspelt_web(env);
    env.say("alice", "release plan api-2026.12 \"API December\" at 2026-12-11 14:00");
    // alice asks to waive a control of web-2026.12, and is shown buttons for that...
    auto waive = env.run("alice", "control waive web-2026.12 ops-ready \"Handled by mail\"");
    REQUIRE(waive.reply.blocks.size() > 1);
    std::string old_yes;
    for (const auto& b : waive.reply.blocks)
        for (const auto& button : b.buttons)
            if (button.value.rfind("yes ", 0) == 0) old_yes = button.value;
    REQUIRE(old_yes.size() == std::string("yes ").size() + 8);
    // ...then asks to cancel api-2026.12 instead, which takes the place of the waiver.
    CHECK_THAT(env.say("alice", "release cancel api-2026.12"), Contains("Please confirm"));

    // The old button neither waives nor cancels.
    auto pressed = env.press("alice", "command", old_yes);
    CHECK(pressed.reply.is_error);
    CHECK_THAT(render_text(pressed.reply),
               Contains("That button belongs to an earlier confirmation, which is no longer "
                        "waiting. Nothing was done. What waits now is: cancel api-2026.12"));
    CHECK(env.text("SELECT state FROM releases WHERE key = 'api-2026.12'") == "planned");
    CHECK(env.text("SELECT status FROM release_controls WHERE slug = 'ops-ready' AND release_id "
                   "= (SELECT id FROM releases WHERE key = 'web-2026.12')") == "open");
    // A typed `yes` answers what waits now.
    CHECK_THAT(env.say("alice", "yes"), Contains("Cancelled api-2026.12"));
    // And a button pressed after its confirmation was answered does nothing either.
    auto again = env.press("alice", "command", old_yes);
    CHECK(again.reply.is_error);
    CHECK_THAT(render_text(again.reply), Contains("is no longer waiting. Nothing was done."));
}

TEST_CASE("in Slack a person is someone Slack named, never a bare @name", "[slack][people]") {
    TestEnv env;
    int n = 0;
    auto slack = [&](const std::string& text) {
        Event e;
        e.idempotency_key = "slack-people:" + std::to_string(++n);
        e.actor = Actor{"slack", "T0PEOPLE", UserId("U1ALICE"), "alice", std::nullopt};
        e.conversation = ConversationRef{"slack", "T0PEOPLE", "C0PEOPLE", std::nullopt, std::nullopt};
        e.kind = EventKind::command;
        e.text = text;
        return env.pipeline().handle(e);
    };
    REQUIRE_FALSE(slack("release plan web \"Web\" at 2026-12-10 14:00").reply.is_error);
    // A name Slack could not match arrives as typed; it would be a person who does not exist.
    auto phantom = slack("release edit web owner @bob");
    CHECK(phantom.reply.is_error);
    CHECK_THAT(render_text(phantom.reply),
               Contains("`@bob` is not someone Slack knows in this workspace. Type @ and pick "
                        "them from Slack's list"));
    CHECK_THAT(render_text(slack("plan add web deploy \"Go\" owner @bob").reply),
               Contains("`@bob` is not someone Slack knows"));
    CHECK(env.text("SELECT owner FROM releases") == "U1ALICE");
    CHECK(env.count("SELECT count(*) FROM plan_steps") == 0);
    // Picked from the list, Slack sends who it is.
    CHECK_FALSE(slack("release edit web owner <@U2BOB|bob>").reply.is_error);
    CHECK(env.text("SELECT owner FROM releases") == "U2BOB");
    // A role is not a person.
    CHECK_FALSE(slack("plan add web deploy \"Go\" owner approver").reply.is_error);
    // The console has no such list: there @bob is bob.
    CHECK_THAT(env.say("alice", "release plan con \"C\" at 2026-12-10 14:00 owner @bob"),
               Contains("Planned"));
}

}  // namespace
}  // namespace releasebot
