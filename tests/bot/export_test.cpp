// Tests of workspace export and import (bot/app/export.hpp): a workspace with a whole release story
// is exported, imported into another database next to another workspace (so every id changes),
// and what people see there — release, controls, plans, communications, retrospective, freezes,
// roles, audit log — is what they saw before. Refusals change nothing.
#include "bot/app/export.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <set>
#include <sstream>

#include "bot/runtime/pipeline.hpp"
#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "storage/store.hpp"
#include "storage/workspace_dump.hpp"
#include "support/plans.hpp"
#include "support/temp_dir.hpp"
#include "support/test_env.hpp"

using Catch::Matchers::Contains;
using releasebot::Database;
using releasebot::ExportOptions;
using releasebot::test::plan_web;
using releasebot::test::TempDir;
using releasebot::test::TestEnv;

namespace {

// The story: planned, components, controls ticked, plans, an approved announcement, a freeze,
// roles, deployed, a retrospective with answers and an action item; and a second release.
void tell_story(TestEnv& env) {
    plan_web(env);
    env.say("alice", "role grant @carol approver");
    env.say("alice",
            "release add web-2026.12 web/frontend@1.4.2 url "
            "https://artifacts.example.com/f.tgz sha256 " +
                std::string(64, 'a'));
    REQUIRE_THAT(env.say("alice", "channel add stakeholders slack:C0123"), !Contains("rror"));
    REQUIRE_THAT(env.say("bob",
                         "comms draft web-2026.12 to stakeholders on done \"Web "
                         "December is live, with 'quotes' and ümlauts\""),
                 Contains("#1"));
    REQUIRE_THAT(env.say("carol", "comms review 1 approve \"fine\""), Contains("pprove"));
    env.say("alice", "freeze add 2026-12-24 00:00 to 2026-12-27 00:00 \"Holidays\"");
    env.say("alice", "freeze add weekly fri 12:00-23:59 \"No Friday deploys\"");
    releasebot::test::approve_web_release(env);
    env.clock().set(releasebot::test::utc("2026-12-10 14:00"));
    REQUIRE_THAT(env.say("alice", "release start web-2026.12"), Contains("is deploying"));
    env.say("bob", "release step web-2026.12 1 done \"went fine\"");
    REQUIRE_THAT(env.say("alice", "release done web-2026.12"), Contains("is deployed"));
    REQUIRE_THAT(env.say("alice", "retro start web-2026.12 with @bob @carol"), !Contains("rror"));
    env.say("bob", "retro answer web-2026.12 1 4");
    env.say("carol", "retro answer web-2026.12 1 5");
    env.say("bob", "retro action add web-2026.12 \"Automate the smoke tests\" owner @dana");
    env.say("alice", "release plan api-2027.01 \"API January\" at 2027-01-12 10:00 program api");
    REQUIRE_THAT(env.say("alice",
                         "control check api-2027.01 ops-ready "
                         "https://status.example.com/api?token=t0k"),
                 Contains("Health check set"));
    // A poll's result, as the health-check worker hands it over.
    releasebot::Event polled;
    polled.idempotency_key = "healthcheck:story";
    polled.kind = releasebot::EventKind::webhook;
    polled.action_id = "healthcheck.result";
    polled.actor = {"console", "local", releasebot::UserId("releasebot"), "releasebot", {}};
    polled.fields = {{"control", std::to_string(env.count(
                                     "SELECT c.id FROM release_controls c JOIN releases r ON "
                                     "r.id = c.release_id WHERE r.key = 'api-2027.01' AND "
                                     "c.slug = 'ops-ready'"))},
                     {"url", "https://status.example.com/api?token=t0k"},
                     {"at", std::to_string(env.clock().now().time_since_epoch().count())},
                     {"status", "503"}};
    releasebot::Pipeline(env.db(), env.clock()).handle(polled);
    env.say("alice", "ci secret");  // a secret, which must not travel
}

// What people would look at, as the console prints it.
std::vector<std::string> views(TestEnv& env) {
    std::vector<std::string> out;
    for (const char* cmd :
         {"release show web-2026.12", "release list all", "control list web-2026.12",
          "plan show web-2026.12", "comms list web-2026.12", "comms show 1", "freeze list",
          "role list", "retro status web-2026.12", "audit web-2026.12 csv",
          "audit api-2027.01 json", "my tasks", "release show api-2027.01",
          "control list api-2027.01"}) {
        out.push_back(std::string(cmd) + "\n" + env.say("alice", cmd));
    }
    return out;
}

std::string export_of(Database& db, const std::string& workspace = "") {
    std::ostringstream out;
    ExportOptions options;
    options.workspace = workspace;
    auto summary = releasebot::export_workspace(db, out, options);
    INFO((summary ? "" : summary.error().message));
    REQUIRE(summary.ok());
    return out.str();
}

}  // namespace

TEST_CASE("A workspace exported and imported elsewhere reads the same", "[export]") {
    TempDir dir;
    TestEnv source(dir.file("source.db"));
    tell_story(source);
    std::string json = export_of(source.db());

    SECTION("the document is what export.hpp describes") {
        auto doc = boost::json::parse(json).as_object();
        CHECK(doc.at("format").as_string() == "releasebot-workspace");
        CHECK(doc.at("version").as_int64() == 1);
        CHECK(doc.at("workspace").as_object().at("tenant").as_string() == "local");
        const auto& tables = doc.at("tables").as_object();
        for (const char* t : {"releases", "components", "release_controls", "plan_steps", "freezes",
                              "roles", "audit_log", "communications", "retros", "retro_answers",
                              "retro_actions", "audiences"}) {
            INFO(t);
            CHECK_FALSE(tables.at(t).as_array().empty());
        }
        CHECK(tables.at("releases").as_array().size() == 2);
        // The workspace's secrets stay behind.
        std::string secret = source.text("SELECT webhook_secret FROM workspace_secrets");
        CHECK(json.find(secret) == std::string::npos);
        CHECK_FALSE(tables.contains("workspace_secrets"));
    }

    SECTION("imported next to another workspace, with new ids") {
        const std::string target_path = dir.file("target.db");
        {
            // Another team's workspace takes the first ids in the target.
            TestEnv other(target_path);
            Database& db = other.db();
            releasebot::Store store(db);
            auto ws =
                store.workspaces.create("slack", "T0OTHER", "Other", "UTC", other.clock().now());
            releasebot::Release r;
            r.workspace = ws.id;
            r.key = "other-1";
            r.title = "Other";
            r.window_start = other.clock().now();
            r.owner = r.created_by = releasebot::UserId("U1");
            r.created_at = r.updated_at = other.clock().now();
            store.releases.insert(r);
        }
        Database target(target_path);
        std::istringstream in(json);
        auto summary = releasebot::import_workspace(target, in);
        INFO((summary ? "" : summary.error().message));
        REQUIRE(summary.ok());
        CHECK(summary->workspace == "console:local");
        CHECK(summary->releases == 2);

        TestEnv restored(target_path, source.clock().now());
        auto before = views(source);
        auto after = views(restored);
        REQUIRE(before.size() == after.size());
        for (std::size_t i = 0; i < before.size(); ++i) CHECK(after[i] == before[i]);
        // They show the story, not an error that would be the same on both sides.
        CHECK_THAT(after[0], Contains("deployed"));
        CHECK_THAT(after[2], Contains("package-integrity"));
        CHECK_THAT(after[5], Contains("ümlauts"));
        CHECK_THAT(after[6], Contains("No Friday deploys"));
        CHECK_THAT(after[8], Contains("2 of 2"));
        CHECK_THAT(after[9], Contains("release.done"));
        CHECK_THAT(after[13], Contains("health check: https://status.example.com/api?… — last "
                                       "503 at"));
        CHECK(restored.text("SELECT health_check_url FROM release_controls WHERE "
                            "health_check_url IS NOT NULL") ==
              "https://status.example.com/api?token=t0k");
        // Ids did change: the import did not just copy them.
        CHECK(restored.count("SELECT id FROM releases WHERE key = 'web-2026.12'") !=
              source.count("SELECT id FROM releases WHERE key = 'web-2026.12'"));
        // And it exports again to the same rows.
        auto again = boost::json::parse(export_of(restored.db(), "console:local")).as_object();
        auto first = boost::json::parse(json).as_object();
        for (const auto& [name, rows] : first.at("tables").as_object()) {
            INFO(name);
            if (name == "people") continue;  // touched by the views above
            CHECK(again.at("tables").as_object().at(name).as_array().size() ==
                  rows.as_array().size());
        }
    }

    SECTION("refused, changing nothing") {
        auto import_text = [&](Database& db, const std::string& text) {
            std::istringstream in(text);
            return releasebot::import_workspace(db, in);
        };
        // Into the database that holds it already.
        auto again = import_text(source.db(), json);
        REQUIRE_FALSE(again.ok());
        CHECK_THAT(again.error().message, Contains("already holds the workspace console:local"));

        Database empty(dir.file("empty.db"));
        CHECK_THAT(import_text(empty, "not json").error().message, Contains("not JSON"));
        CHECK_THAT(import_text(empty, "{\"format\":\"other\"}").error().message,
                   Contains("not a releasebot workspace export"));
        // A document from a schema one newer than this build knows.
        auto newer = boost::json::parse(json).as_object();
        newer["schema"] = releasebot::migrations().back().version + 1;
        const std::string future = boost::json::serialize(newer);
        CHECK_THAT(import_text(empty, future).error().message, Contains("newer releasebot"));
        // A reference to a release the document does not hold: the whole import rolls back.
        auto doc = boost::json::parse(json).as_object();
        doc["tables"].as_object()["plan_steps"].as_array()[0].as_object()["release_id"] = 999;
        auto broken = import_text(empty, boost::json::serialize(doc));
        REQUIRE_FALSE(broken.ok());
        CHECK_THAT(broken.error().message, Contains("nothing was changed"));
        auto st = empty.prepare("SELECT COUNT(*) FROM workspaces");
        REQUIRE(st.step());
        CHECK(st.get_int(0) == 0);
    }
}

TEST_CASE("export names the workspaces to choose from", "[export]") {
    TempDir dir;
    TestEnv env(dir.file("a.db"));
    std::ostringstream out;
    auto none = releasebot::export_workspace(env.db(), out);
    REQUIRE_FALSE(none.ok());
    CHECK_THAT(none.error().message, Contains("holds no workspace yet"));

    env.say("alice", "release list");
    releasebot::Store(env.db()).workspaces.create("slack", "T1", "T1", "UTC", env.clock().now());
    auto two = releasebot::export_workspace(env.db(), out);
    REQUIRE_FALSE(two.ok());
    CHECK_THAT(two.error().message, Contains("2 workspaces (console:local, slack:T1)"));
    CHECK_THAT(releasebot::export_workspace(env.db(), out, {"json", "slack:T2"}).error().message,
               Contains("no workspace \"slack:T2\""));
    CHECK_THAT(releasebot::export_workspace(env.db(), out, {"xml", ""}).error().message,
               Contains("--format json"));
    CHECK(out.str().empty());
    CHECK(releasebot::export_workspace(env.db(), out, {"json", "slack:T1"}).ok());
}

TEST_CASE("export waits until an anonymous retro has closed", "[export][anonymity]") {
    TempDir dir;
    TestEnv env(dir.file("a.db"));
    plan_web(env);
    releasebot::test::approve_web_release(env);
    env.clock().set(releasebot::test::utc("2026-12-10 14:00"));
    REQUIRE_THAT(env.say("alice", "release start web-2026.12"), Contains("is deploying"));
    env.say("bob", "release step web-2026.12 1 done");
    REQUIRE_THAT(env.say("alice", "release done web-2026.12"), Contains("is deployed"));
    REQUIRE_THAT(env.say("alice", "retro start web-2026.12 anonymous with @bob @carol"),
                 Contains("Started"));
    REQUIRE_THAT(env.say("bob", "retro answer web-2026.12 2 \"Clear runbook\""),
                 Contains("Recorded"));

    // Open, its ballot key would travel with the file and tell whose answer is whose.
    std::ostringstream out;
    auto refused = releasebot::export_workspace(env.db(), out);
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.error().message,
               Contains("has an open anonymous retrospective (web-2026.12, closing 2026-12-1"));
    CHECK_THAT(refused.error().message, Contains("`retro close web-2026.12`"));
    CHECK(out.str().empty());

    REQUIRE_THAT(env.say("alice", "retro close web-2026.12"), Contains("Retrospective results"));
    REQUIRE(releasebot::export_workspace(env.db(), out).ok());
    CHECK_THAT(out.str(), Contains("Clear runbook"));
    CHECK_THAT(out.str(), Contains("\"ballot_key\":null"));
}

TEST_CASE("Every table is either exported or deliberately left out", "[export]") {
    // A table added by a later migration must be placed: exported with its workspace (add it to
    // storage/workspace_dump.cpp) or named here as state of the running instance.
    const std::set<std::string> instance_state = {
        "processed_events", "outbox",          "scheduled_jobs",      "pending_confirmations",
        "status_messages",  "verify_requests", "teams_conversations", "workspace_secrets"};
    std::set<std::string> placed(releasebot::dump_table_names().begin(),
                                 releasebot::dump_table_names().end());
    placed.insert("workspaces");
    Database db(":memory:");
    auto st = db.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
    int tables = 0;
    while (st.step()) {
        std::string name = st.get_text(0);
        ++tables;
        INFO("table " << name);
        CHECK((placed.count(name) + instance_state.count(name)) == 1);
    }
    CHECK(tables == static_cast<int>(placed.size() + instance_state.size()));
}
