// Authorization: every state-changing command tried by every kind of person
// a workspace has — its manager, an approver, the owner of the release, the owner of a control,
// the author of a communication, the owner of an action item, a plain member, and someone the
// bot has never seen — through the real pipeline. Exactly the people in a row's `allowed` set
// change something; everyone else gets a refusal that says who may, and the database (every
// table, the audit log and the outbox included) is byte for byte what it was.
//
// Each try runs inside an outer transaction that is rolled back afterwards, so every try starts
// from the same world and one world serves the whole matrix.
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "commands/registry.hpp"
#include "integrations/console/text_renderer.hpp"
#include "storage/database.hpp"
#include "support/db_snapshot.hpp"
#include "support/release_world.hpp"
#include "support/test_env.hpp"

using Catch::Matchers::Contains;
using namespace releasebot::test;

namespace {

// A refused event is still recorded as processed (its retry must be a duplicate); nothing else
// may change.
const std::set<std::string> kIgnored = {"processed_events"};

// The people of the world. "stranger" never spoke to the bot before the try.
const std::vector<std::string> kEveryone = {"mgr",  "appr", "own", "ctl",
                                            "auth", "act",  "mem", "stranger"};

// The world every try starts from (now is 2026-12-01 09:00 UTC):
//   rel   planned, owned by own; control 1 ticked, 2 waived, 8 `extra` owned by ctl, 9 `owned`
//         owned and ticked by ctl, 10 `apr` owned by the approvers; a deploy and a backout
//         step; a component; communications #1 (draft) and #2 (approved) by auth, #3 (draft)
//         by appr
//   ready planned with no blockers          goed  approved
//   run   deploying, step 1 of 2 done       run2  deploying, every step done
//   run3  deploying, its one deploy step owned by ctl
//   old   deployed, no retrospective        past  deployed, retrospective open with mem and
//         own; action item #1 owned by act, raised by own
//   freeze #1 in February; retro template `ops`; audience `stakeholders`
void build_world(TestEnv& env) {
    must(env, "mgr", "role list", "manager");  // the first user: manager
    must(env, "mgr", "role grant @appr approver", "now an approver");
    must(env, "mem", "release list", "");
    must(env, "mgr", "channel add stakeholders console:terminal", "Added");
    must(env, "mgr", "freeze add 2027-02-01 00:00 to 2027-02-02 00:00 \"Audit\"", "Audit");
    must(env, "mgr", "retro template ops add rating \"How did it go?\"", "ops");

    must(env, "own", "release plan rel \"Rel\" at 2026-12-20 10:00 for 2h program web", "Planned");
    must(env, "own", "control add extra \"Extra check\" owner @ctl to rel", "Added");
    must(env, "own", "control add owned \"Owned check\" owner @ctl to rel", "Added");
    must(env, "ctl", "control tick rel owned", "Ticked");
    must(env, "own", "control add apr \"Approvers' check\" owner approver to rel", "Added");
    must(env, "own", "control tick rel 6", "Ticked");
    must(env, "mgr", "control waive rel 2 \"Signed off by mail\"", "Please confirm");
    must(env, "mgr", "yes", "Waived");
    must(env, "own", "plan add rel deploy \"Deploy web\" owner @own takes 30m", "Added");
    must(env, "own", "plan add rel backout \"Roll back web\" takes 10m", "Added");
    must(env, "own", "plan add rel deploy \"Smoke test web\"", "Added");
    must(env, "own",
         "release add rel web/api@1.0.0 url https://artifacts.example.com/api.tgz sha256 " +
             std::string(64, 'a'),
         "Added");
    must(env, "auth", "comms draft rel to stakeholders on done \"Rel is live\"", "#1");
    must(env, "auth", "comms draft rel to stakeholders on done \"Rel is really live\"", "#2");
    must(env, "appr", "comms review 2 approve", "Approved");
    must(env, "appr", "comms draft rel to stakeholders on done \"From the approver\"", "#3");

    release_at(env, "ready", "2026-12-21 10:00", Stage::ready);
    release_at(env, "goed", "2026-12-22 10:00", Stage::approved);
    release_at(env, "run", "2026-12-23 10:00", Stage::deploying, 2);
    release_at(env, "run2", "2026-12-24 10:00", Stage::deploying);
    must(env, "own", "release plan run3 \"run3\" at 2026-12-25 10:00", "Planned");
    must(env, "own", "release add run3 web/app@1.0.0", "Added");
    tick_open_controls(env, "run3", "own");
    must(env, "own", "plan add run3 deploy \"Deploy\" owner @ctl", "Added deploy step");
    must(env, "own", "plan add run3 backout \"Roll back\"", "Added backout step");
    must(env, "mgr", "release go run3", "approved");
    must(env, "mgr", "release start run3 override \"Ahead of the window\"", "deploying");
    release_at(env, "old", "2026-12-02 10:00", Stage::deployed);
    release_at(env, "past", "2026-12-02 10:00", Stage::deployed);
    must(env, "own", "retro start past with @mem @own", "past");
    must(env, "own", "retro action add past \"Automate the smoke tests\" owner @act", "#1");
}

struct Row {
    std::string command;
    std::set<std::string> allowed;
    bool confirm = false;      // the allowed run asks for `yes` first
    std::string refusal = "";  // what a refusal may say besides "Only … can …"
};

const std::set<std::string> kAll(kEveryone.begin(), kEveryone.end());
const std::set<std::string> kManager = {"mgr"};
const std::set<std::string> kOwnerOrManager = {"own", "mgr"};

// Every state-changing command of the registry, with the people who may run it here.
const std::vector<Row>& rows() {
    static const std::vector<Row> r = {
        {"release plan new1 \"New\" at 2026-12-26 10:00", kAll},
        {"release plan frz \"F\" at 2027-02-01 10:00 override \"Security fix\"", kManager},
        {"release move rel to 2026-12-27 10:00", kOwnerOrManager},
        {"release cancel rel \"Merged\"", kOwnerOrManager, true},
        {"release add rel web/ui@2.0.0", kAll},
        {"release verify rel", kAll},
        {"release go ready", kManager},
        {"release start goed override \"Ahead of the window\"", kManager},
        {"release step run 2 done", kAll},
        // A step with an owner: its owner or a manager.
        {"release step run3 1 done", {"ctl", "mgr"}},
        {"release backout run \"Errors\"", kManager, true},
        {"release done run2", kOwnerOrManager},
        {"release els old 2d", kOwnerOrManager},
        {"calendar link", kManager},
        {"calendar link rotate", kManager, true},
        {"ci secret", kManager},
        {"ci secret rotate", kManager, true},
        {"control add x1 \"X one\" to rel", kAll},
        {"control add tmpl \"A template\"", kManager},
        {"control edit ops-ready optional", kManager},
        {"control remove ops-ready", kManager},
        {"control tick rel 7", kAll},
        {"control untick rel 6", kAll},
        // A control with an owner: its owner, an approver or a manager.
        {"control tick rel extra", {"ctl", "appr", "mgr"}},
        {"control untick rel owned", {"ctl", "appr", "mgr"}},
        {"control tick rel apr", {"appr", "mgr"}},
        {"control untick rel 2", kManager},
        {"control waive rel 4 \"Not needed this time\"", kManager, true},
        {"control check rel extra https://status.example.com/health", kManager},
        {"plan add rel deploy \"Smoke test\"", kAll},
        {"plan remove rel deploy 1", kAll},
        {"plan edit rel deploy 2 \"Smoke test the web\"", kAll},
        {"plan move rel deploy 2 to 1", kAll},
        {"plan insert rel deploy after 1 \"Warm caches\"", kAll},
        // A step with an owner changes hands by its owner, the release's owner or a manager.
        {"plan assign rel deploy 1 @mem", kOwnerOrManager},
        {"plan assign rel deploy 2 @mem", kAll},
        {"release edit rel title \"Renamed\"", kOwnerOrManager},
        {"release remove rel web/api", kAll, true},
        {"release program add rel api", kAll},
        {"channel add ops console:ops", kManager},
        {"channel remove stakeholders", kManager},
        {"comms draft rel to stakeholders now \"Hello\"", kAll},
        {"comms edit 1 \"Rel is live now\"", {"auth", "mgr"}},
        {"comms review 1 approve", {"appr", "mgr"}},
        // No self-approval: the approver wrote #3.
        {"comms review 3 approve", kManager, false, "someone else must review it"},
        {"comms send 2", {"auth", "mgr"}},
        {"comms cancel 1", {"auth", "mgr"}},
        {"remind rel at -2d", kAll},
        {"remind snooze rel 30m", kAll},
        {"retro start old", kOwnerOrManager},
        {"retro answer past 1 4", {"mem", "own"}, false, "You are not in the retrospective"},
        {"retro close past", kOwnerOrManager},
        {"retro invite past @zed", kOwnerOrManager},
        {"retro template ops add text \"What next?\"", kManager},
        {"retro template ops remove", kManager},
        {"retro action add past \"Write a runbook\" owner @act", kAll},
        {"retro action done 1", {"act", "own", "mgr"}},
        {"freeze add 2027-03-01 00:00 to 2027-03-02 00:00 \"Board\"", kManager},
        {"freeze add weekly fri 12:00-13:00 \"Fridays\"", kManager},
        {"freeze remove 1", kManager},
        {"role grant @zed approver", kManager},
        {"role revoke @appr", kManager, true},
    };
    return r;
}

}  // namespace

TEST_CASE("every state-changing command, tried by every role, changes state only for those allowed",
          "[security][authz]") {
    TestEnv env;
    build_world(env);
    const DbSnapshot world = snapshot(env.db(), kIgnored);

    SECTION("the matrix names every state-changing command of the registry") {
        // A command added later without a row here fails this check until its row is written.
        std::set<std::string> covered;
        for (const auto& row : rows()) {
            auto parsed = releasebot::command_registry().parse(row.command);
            REQUIRE(parsed.ok());
            covered.insert(parsed->spec->name);
        }
        for (const auto& spec : releasebot::command_registry().specs()) {
            if (!spec.changes_state || spec.name == "yes" || spec.name == "no") continue;
            INFO("no row tries `" << spec.name << "`");
            CHECK(covered.count(spec.name) == 1);
        }
    }

    SECTION("each row, each person") {
        for (const auto& row : rows()) {
            for (const auto& user : kEveryone) {
                const bool allowed = row.allowed.count(user) > 0;
                INFO(user << (allowed ? " may run: " : " may not run: ") << row.command);
                releasebot::Transaction trial(env.db());
                auto out = env.run(user, row.command);
                std::string said = releasebot::render_text(out.reply);
                INFO("→ " << said);
                if (allowed) {
                    CHECK_FALSE(out.reply.is_error);
                    if (row.confirm) {
                        CHECK_THAT(said, Contains("Please confirm"));
                        out = env.run(user, "yes");
                        INFO("yes → " << releasebot::render_text(out.reply));
                        CHECK_FALSE(out.reply.is_error);
                    }
                    const DbSnapshot after = snapshot(env.db(), kIgnored);
                    CHECK_FALSE(snapshot_diff(world, after).empty());
                    // Accountability: every change leaves an audit entry.
                    CHECK(after.at("audit_log").size() > world.at("audit_log").size());
                } else {
                    CHECK(out.reply.is_error);
                    // Refused by role ("Only a manager can …") or by the row's own rule.
                    bool says_who =
                        said.find("Only ") != std::string::npos ||
                        (!row.refusal.empty() && said.find(row.refusal) != std::string::npos);
                    CHECK(says_who);
                    CHECK(snapshot_diff(world, snapshot(env.db(), kIgnored)) == "");
                }
                trial.rollback();
            }
        }
    }

    SECTION("a button press is the typed command, with the presser's rights") {
        for (const auto& row : rows()) {
            if (row.allowed.count("mem")) continue;
            INFO("mem presses a button for: " << row.command);
            releasebot::Transaction trial(env.db());
            auto out = env.press("mem", "command", row.command);
            CHECK(out.reply.is_error);
            CHECK(snapshot_diff(world, snapshot(env.db(), kIgnored)) == "");
            trial.rollback();
        }
    }

    SECTION("`yes` confirms only the confirmer's own command, with the rights they have now") {
        must(env, "mgr", "role grant @mgr2 manager", "now a manager");
        must(env, "mgr2", "control waive rel 4 \"Not needed\"", "Please confirm");
        auto before = snapshot(env.db(), kIgnored);

        auto other = env.run("mem", "yes");
        CHECK(other.reply.is_error);
        CHECK_THAT(other.reply.text, Contains("Nothing is waiting for your confirmation"));
        CHECK(snapshot_diff(before, snapshot(env.db(), kIgnored)) == "");

        // Demoted between the preview and the `yes`: the waiver is refused.
        must(env, "mgr", "role revoke @mgr2", "Please confirm");
        must(env, "mgr", "yes", "mgr2");
        auto demoted = env.run("mgr2", "yes");
        CHECK(demoted.reply.is_error);
        CHECK_THAT(demoted.reply.text, Contains("Only a manager can use `control waive`"));
        CHECK(env.text("SELECT status FROM release_controls WHERE position = 4 AND release_id = "
                       "(SELECT id FROM releases WHERE key = 'rel')") == "open");
    }
}

TEST_CASE("only a manager sets a freeze override, and only over a freeze the window is in",
          "[security][authz]") {
    TestEnv env;
    must(env, "mgr", "role list", "manager");
    must(env, "bob", "release plan web \"Web\" at 2026-12-15 10:00", "Planned");
    const DbSnapshot before = snapshot(env.db(), kIgnored);

    SECTION("a member cannot record an override, even where no freeze is yet") {
        // Stored, it would let the release through a freeze a manager adds later.
        auto plan =
            env.run("bob", "release plan x \"X\" at 2026-12-24 10:00 override \"I say so\"");
        CHECK(plan.reply.is_error);
        CHECK_THAT(plan.reply.text, Contains("Only a manager can override the freeze for x"));
        auto move = env.run("bob", "release move web to 2026-12-16 10:00 override \"I say so\"");
        CHECK(move.reply.is_error);
        CHECK_THAT(move.reply.text, Contains("Only a manager can override the freeze for web"));
        CHECK(snapshot_diff(before, snapshot(env.db(), kIgnored)) == "");
    }
    SECTION("a manager's override with no freeze to override is refused, as `release go` does") {
        auto plan = env.run("mgr", "release plan x \"X\" at 2026-12-24 10:00 override \"Why not\"");
        CHECK(plan.reply.is_error);
        CHECK_THAT(plan.reply.text, Contains("No freeze overlaps"));
        CHECK(snapshot_diff(before, snapshot(env.db(), kIgnored)) == "");
    }
    SECTION("an override is for the window it was given for: a move drops it") {
        must(env, "mgr", "freeze add 2026-12-20 00:00 to 2026-12-21 00:00 \"Audit\"", "Audit");
        must(env, "mgr", "release move web to 2026-12-20 10:00 override \"CEO approved\"", "Moved");
        REQUIRE(env.text("SELECT freeze_override FROM releases WHERE key = 'web'") ==
                "CEO approved");
        must(env, "bob", "release move web to 2026-12-22 10:00", "Moved");
        CHECK(env.count("SELECT count(*) FROM releases WHERE key = 'web' AND freeze_override IS "
                        "NULL") == 1);
        // A freeze added later over the new window blocks it again.
        must(env, "mgr", "freeze add 2026-12-22 00:00 to 2026-12-23 00:00 \"Launch\"", "Launch");
        CHECK_THAT(env.say("bob", "release show web"), Contains("overlaps the freeze \"Launch\""));
    }
}
