// SQL injection: the classic strings typed into every free-text argument of
// every command — release titles, reasons, notes, plan steps, control titles and descriptions,
// communication bodies and review comments, retro answers, action items, template questions,
// freeze reasons, evidence links, and the fields of a CI webhook. Each is stored exactly as
// typed, in the one row the command meant to write; every table is still there and every other
// row is as it was (the audit log only grows). Control characters, NUL included, are refused
// with a clear message before anything is parsed.
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "commands/webhook_actions.hpp"
#include "integrations/console/text_renderer.hpp"
#include "storage/database.hpp"
#include "support/db_snapshot.hpp"
#include "support/release_world.hpp"
#include "support/test_env.hpp"

using Catch::Matchers::Contains;
using namespace releasebot::test;

namespace {

const std::vector<std::string> kHostile = {
    "'; DROP TABLE releases; --",
    "\" OR 1=1 --",
    "Robert'); DROP TABLE releases;--",
    "x' OR 'a'='a",
    "1; DELETE FROM audit_log WHERE 1=1; SELECT * FROM roles",
    "100% of _all_ rows: C:\\temp\\ \\' \\\" \\\\ %% __",
    "Ünïcödé ✓ 😀 \xE2\x80\xAE reversed \xE2\x80\x8F and \xE2\x80\x8B zero width",
};

// Tables every command may write besides its own: bookkeeping, and the audit log (which may
// only grow, checked separately).
const std::set<std::string> kBookkeeping = {"processed_events",     "outbox",          "people",
                                            "scheduled_jobs",       "status_messages", "audit_log",
                                            "pending_confirmations"};

// `s` between quote marks it does not contain, as a person would type it.
std::string quoted(const std::string& s) {
    if (s.find('"') == std::string::npos && s.find("\xE2\x80\x9D") == std::string::npos)
        return "\"" + s + "\"";
    if (s.find('\'') == std::string::npos) return "'" + s + "'";
    return "\xE2\x80\x9C" + s + "\xE2\x80\x9D";
}

std::string replace(std::string text, const std::string& with) {
    auto at = text.find("{}");
    while (at != std::string::npos) {
        text.replace(at, 2, with);
        at = text.find("{}", at + with.size());
    }
    return text;
}

// rel (planned), run (deploying, step 2 of 2 to do), past (deployed, retro open with own),
// communication #1 drafted by own, an audience, a manager (mgr) and an approver (appr).
void build_world(TestEnv& env) {
    must(env, "mgr", "role grant @appr approver");
    must(env, "mgr", "channel add stakeholders console:terminal");
    must(env, "own", "release plan rel \"Rel\" at 2026-12-20 10:00 for 2h");
    // A first deploy step, so releasebot has already ticked `deployment-plan`: a second step
    // changes the plan and nothing else.
    must(env, "own", "plan add rel deploy \"Deploy rel\"");
    must(env, "own", "comms draft rel to stakeholders on done \"Rel is live\"");
    release_at(env, "run", "2026-12-23 10:00", Stage::deploying, 2);
    release_at(env, "past", "2026-12-02 10:00", Stage::deployed);
    must(env, "own", "retro start past with @own");
}

struct Case {
    std::string user;
    std::string command;  // {} is the hostile text, quoted
    bool confirm;
    std::string stored;               // SELECT of the one value the command stores
    std::string table;                // the table it stores it in
    int new_rows;                     // rows it adds there
    std::set<std::string> also = {};  // other tables the command itself writes
};

const std::vector<Case>& cases() {
    static const std::vector<Case> c = {
        {"own",
         "release plan inj {} at 2026-12-21 10:00 env prod",
         false,
         "SELECT title FROM releases WHERE key = 'inj'",
         "releases",
         1,
         {"release_controls", "release_programs"}},
        {"own",
         "release cancel rel {}",
         true,
         "SELECT state_reason FROM releases WHERE key = 'rel'",
         "releases",
         0,
         {"communications"}},
        {"own", "control add inj-c {} about {} to rel", false,
         "SELECT title FROM release_controls WHERE slug = 'inj-c'", "release_controls", 1},
        {"own", "control add inj-d \"D\" about {} to rel", false,
         "SELECT description FROM release_controls WHERE slug = 'inj-d'", "release_controls", 1},
        {"own",
         "control tick rel 4 evidence https://ci.example.com/run?id=1';DROP%20TABLE%20releases;-- "
         "{}",
         false,
         "SELECT note FROM release_controls WHERE position = 4 AND release_id = (SELECT id FROM "
         "releases WHERE key = 'rel')",
         "release_controls", 0},
        {"mgr", "control waive rel 2 {}", true,
         "SELECT note FROM release_controls WHERE position = 2 AND release_id = (SELECT id FROM "
         "releases WHERE key = 'rel')",
         "release_controls", 0},
        {"own", "plan add rel deploy {} takes 10m", false,
         "SELECT title FROM plan_steps WHERE position = 2 AND plan = 'deploy' AND release_id = "
         "(SELECT id FROM releases WHERE key = 'rel')",
         "plan_steps", 1},
        {"own", "comms draft rel to stakeholders on done {}", false,
         "SELECT body FROM communications WHERE id = 2", "communications", 1},
        {"own", "comms edit 1 {}", false, "SELECT body FROM communications WHERE id = 1",
         "communications", 0},
        {"appr", "comms review 1 reject {}", false,
         "SELECT review_comment FROM communications WHERE id = 1", "communications", 0},
        {"own", "release step run 2 done {}", false,
         "SELECT note FROM plan_steps WHERE position = 2 AND plan = 'deploy' AND release_id = "
         "(SELECT id FROM releases WHERE key = 'run')",
         "plan_steps", 0},
        {"mgr", "release backout run {}", true,
         "SELECT state_reason FROM releases WHERE key = 'run'", "releases", 0},
        {"own",
         "retro answer past 2 {}",
         false,
         "SELECT value FROM retro_answers",
         "retro_answers",
         1,
         {"retro_participants"}},
        {"own", "retro action add past {} owner @own", false, "SELECT text FROM retro_actions",
         "retro_actions", 1},
        {"mgr",
         "retro template inj add text {}",
         false,
         "SELECT prompt FROM retro_template_questions",
         "retro_template_questions",
         1,
         {"retro_templates"}},
        {"mgr", "freeze add 2027-03-01 00:00 to 2027-03-02 00:00 {}", false,
         "SELECT reason FROM freezes", "freezes", 1},
        {"mgr", "freeze add weekly sat 10:00-12:00 {}", false, "SELECT reason FROM freezes",
         "freezes", 1},
    };
    return c;
}

// Checks that `after` has every table of `before`, that only `tables` and the bookkeeping
// tables changed, and that the audit log only grew.
void check_only(const DbSnapshot& before, const DbSnapshot& after,
                const std::set<std::string>& tables) {
    for (const auto& [name, rows] : before) {
        INFO("table " << name);
        REQUIRE(after.count(name) == 1);  // not dropped
        if (name == "audit_log") {
            const auto& now = after.at(name);
            CHECK(std::includes(now.begin(), now.end(), rows.begin(), rows.end()));
            CHECK(now.size() > rows.size());
            continue;
        }
        if (tables.count(name) || kBookkeeping.count(name)) continue;
        CHECK(after.at(name) == rows);
    }
    CHECK(after.size() == before.size());
}

}  // namespace

TEST_CASE("SQL injection strings in every text argument are stored as typed and touch nothing else",
          "[security][injection]") {
    TestEnv env;
    build_world(env);
    const DbSnapshot world = snapshot(env.db());

    for (const auto& c : cases()) {
        for (const auto& hostile : kHostile) {
            const std::string command = replace(c.command, quoted(hostile));
            INFO(c.user << ": " << command);
            releasebot::Transaction trial(env.db());
            auto out = env.run(c.user, command);
            INFO("→ " << releasebot::render_text(out.reply));
            CHECK_FALSE(out.reply.is_error);
            if (c.confirm) {
                out = env.run(c.user, "yes");
                INFO("yes → " << releasebot::render_text(out.reply));
                CHECK_FALSE(out.reply.is_error);
            }
            CHECK(env.text(c.stored) == hostile);
            const DbSnapshot after = snapshot(env.db());
            std::set<std::string> written = c.also;
            written.insert(c.table);
            check_only(world, after, written);
            CHECK(after.at(c.table).size() == world.at(c.table).size() + c.new_rows);
            trial.rollback();
        }
    }
}

TEST_CASE("keys, ids and names are never patterns: % and _ match only themselves",
          "[security][injection]") {
    TestEnv env;
    build_world(env);
    const DbSnapshot world = snapshot(env.db(), {"processed_events"});
    for (const char* text :
         {"release show re_", "release show r%", "release show %", "control tick rel _",
          "comms show %", "release list program %", "retro action done 1%20OR%201=1",
          "freeze remove 1 OR 1=1", "role revoke @mgr' OR '1'='1"}) {
        INFO(text);
        auto out = env.run("mgr", text);
        INFO("→ " << releasebot::render_text(out.reply));
        CHECK(out.reply.is_error);
        CHECK(snapshot_diff(world, snapshot(env.db(), {"processed_events"})) == "");
    }
}

TEST_CASE("a NUL or another control character in a command is refused before it is read",
          "[security][injection]") {
    TestEnv env;
    build_world(env);
    const DbSnapshot world = snapshot(env.db(), {"processed_events"});
    for (const std::string& text :
         {std::string("release plan nul \"a") + '\0' + "b\" at 2026-12-21 10:00",
          std::string("plan add rel deploy \"Step\x1b[31m red\""),
          std::string("comms edit 1 \"bell \x07\""), std::string("release show rel\x7f")}) {
        INFO(text);
        auto out = env.run("own", text);
        CHECK(out.reply.is_error);
        CHECK_THAT(out.reply.text, Contains("contains a control character"));
        CHECK_THAT(out.reply.text, Contains("Type it again without it"));
        CHECK(snapshot_diff(world, snapshot(env.db(), {"processed_events"})) == "");
    }
    // Tabs and line breaks are text, not control: a multi-line step is kept as typed.
    must(env, "own", "plan add rel deploy \"Line one\n\tLine two\"");
    CHECK(env.text("SELECT title FROM plan_steps WHERE position = 2 AND release_id = (SELECT id "
                   "FROM releases WHERE key = 'rel')") == "Line one\n\tLine two");
}

TEST_CASE("CI webhook fields carrying SQL are stored as sent", "[security][injection]") {
    TestEnv env;
    build_world(env);
    const DbSnapshot world = snapshot(env.db());
    // A link may not hold quote marks (the webhook refuses them), but everything else of SQL.
    const std::string evidence = "https://ci.example.com/job?q=1;DROP%20TABLE%20releases;--";
    releasebot::Pipeline pipeline(env.db(), env.clock());
    auto tick = [&](const std::string& note) {
        releasebot::Event e;
        e.idempotency_key = "ci:injection:" + note;
        e.kind = releasebot::EventKind::webhook;
        e.actor = releasebot::Actor{"console", "local", releasebot::UserId("ci"), "CI", {}};
        e.conversation = {"console", "local", "", {}, {}};
        e.action_id = "control.tick";
        e.fields = {
            {"release", "rel"}, {"control", "ops-ready"}, {"evidence", evidence}, {"note", note}};
        return pipeline.handle(e);
    };
    const std::string of_control =
        " FROM release_controls WHERE slug = 'ops-ready' AND release_id = (SELECT id "
        "FROM releases WHERE key = 'rel')";
    for (const auto& hostile : kHostile) {
        INFO(hostile);
        releasebot::Transaction trial(env.db());
        auto out = tick(hostile);
        INFO("→ " << out.reply.text);
        CHECK_FALSE(out.reply.is_error);
        CHECK(env.text("SELECT note" + of_control) == hostile);
        CHECK(env.text("SELECT evidence_url" + of_control) == evidence);
        check_only(world, snapshot(env.db()), {"release_controls"});
        trial.rollback();
    }
    // A note with every kind of quote mark cannot be quoted for the command line: the webhook
    // refuses it whole, saying why, rather than guess where it ends.
    const DbSnapshot before = snapshot(env.db(), {"processed_events"});
    auto refused = tick(
        "a\"b'c\xE2\x80\x99"
        "d");
    CHECK(refused.reply.is_error);
    CHECK_THAT(refused.reply.text, Contains("uses both kinds of quote marks"));
    CHECK(snapshot_diff(before, snapshot(env.db(), {"processed_events"})) == "");
}
