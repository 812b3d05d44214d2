// Tests for storage/migrations: a new database is at the latest schema, a database written by an
// older releasebot is upgraded in place with its data intact, and a newer one is refused.
#include "support/temp_dir.hpp"
#include "storage/migrations.hpp"

#include <sqlite3.h>
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "storage/database.hpp"
#include "storage/store.hpp"

namespace releasebot {
namespace {

using test::TempDir;

// Runs `sql` on a raw connection, as an older releasebot (or another tool) would have.
void raw_exec(sqlite3* db, const std::string& sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    const std::string message = err ? err : "";
    sqlite3_free(err);
    INFO(message);
    REQUIRE(rc == SQLITE_OK);
}

int raw_user_version(const std::string& path) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    const int version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return version;
}

int latest() {
    return migrations().back().version;
}

}  // namespace

TEST_CASE("migrations are numbered 1..n in order", "[storage]") {
    const auto& all = migrations();
    REQUIRE(!all.empty());
    for (std::size_t i = 0; i < all.size(); ++i) {
        CHECK(all[i].version == static_cast<int>(i) + 1);
        CHECK(!all[i].description.empty());
        CHECK((!all[i].sql.empty() || all[i].apply != nullptr));
    }
}

TEST_CASE("a new database is created at the latest schema version", "[storage]") {
    Database db(":memory:");
    CHECK(db.schema_version() == latest());

    TempDir dir;
    const auto path = dir.file("fresh.db");
    { Database file(path); }
    CHECK(raw_user_version(path) == latest());
    // Opening it again applies nothing and changes nothing.
    Database again(path);
    CHECK(again.schema_version() == latest());
}

TEST_CASE("open a database made by an older schema", "[storage]") {
    TempDir dir;
    const auto path = dir.file("v1.db");

    // Version 1 as the first release of releasebot left it, with a workspace and a release.
    {
        sqlite3* raw = nullptr;
        REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
        raw_exec(raw, std::string(migrations()[0].sql));
        raw_exec(raw, "PRAGMA user_version = 1");
        raw_exec(raw,
                 "INSERT INTO workspaces (id, platform, tenant, name, time_zone, created_at) "
                 "VALUES (1, 'console', 'local', 'Local', 'Europe/Berlin', 1764000000)");
        raw_exec(raw,
                 "INSERT INTO releases (workspace_id, key, title, state, window_start, "
                 "duration_s, time_zone, owner, created_by, created_at, updated_at) VALUES "
                 "(1, 'web-2026.12', 'December web release', 'approved', 1796000000, 7200, "
                 "'Europe/Berlin', 'alice', 'alice', 1764000000, 1764000000)");
        raw_exec(raw, "INSERT INTO release_programs (release_id, program) VALUES (1, 'web')");
        sqlite3_close(raw);
    }
    REQUIRE(raw_user_version(path) == 1);

    Database db(path);
    Store store(db);
    CHECK(db.schema_version() == latest());

    // The old rows are intact.
    auto ws = store.workspaces.find("console", "local");
    REQUIRE(ws);
    CHECK(ws->time_zone == "Europe/Berlin");
    auto release = store.releases.find(ws->id, "WEB-2026.12");
    REQUIRE(release);
    CHECK(release->title == "December web release");
    CHECK(release->state == ReleaseState::approved);
    CHECK(release->window_start == Instant(Seconds(1796000000)));
    CHECK(release->duration == Seconds(7200));
    CHECK(release->programs == std::vector<std::string>{"web"});

    // The tables of version 2 work.
    const Instant now(Seconds(1796000100));
    store.workspaces.touch_person(ws->id, Person{UserId("bob"), "Bob", "Asia/Tokyo"}, now);
    auto bob = store.workspaces.person(ws->id, UserId("bob"));
    REQUIRE(bob);
    CHECK(bob->display_name == "Bob");
    CHECK(bob->time_zone == "Asia/Tokyo");

    store.confirmations.put(PendingConfirmation{ws->id, UserId("alice"),
                                                "release cancel web-2026.12", "Cancel web-2026.12",
                                                now, now + Seconds(300)});
    auto pending = store.confirmations.get(ws->id, UserId("alice"));
    REQUIRE(pending);
    CHECK(pending->command_text == "release cancel web-2026.12");
}

TEST_CASE("an older database learns the state backout-failed and keeps every row", "[storage]") {
    TempDir dir;
    const auto path = dir.file("v10.db");
    // Version 10, with a release that rows of other tables refer to.
    {
        sqlite3* raw = nullptr;
        REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
        raw_exec(raw, "PRAGMA foreign_keys = ON");
        for (const auto& m : migrations())
            if (m.version <= 10) raw_exec(raw, std::string(m.sql));
        raw_exec(raw, "PRAGMA user_version = 10");
        raw_exec(raw,
                 "INSERT INTO workspaces (id, platform, tenant, name, time_zone, created_at) "
                 "VALUES (1, 'console', 'local', 'Local', 'UTC', 1764000000)");
        raw_exec(raw,
                 "INSERT INTO releases (id, workspace_id, key, title, state, window_start, "
                 "duration_s, owner, active_plan, created_by, created_at, updated_at, els_owner) "
                 "VALUES (7, 1, 'web-2026.12', 'Web', 'deploying', 1796000000, 7200, 'alice', "
                 "'backout', 'alice', 1764000000, 1764000000, 'ops')");
        raw_exec(raw, "INSERT INTO release_programs (release_id, program) VALUES (7, 'web')");
        raw_exec(raw,
                 "INSERT INTO plan_steps (release_id, plan, position, title, status) VALUES "
                 "(7, 'backout', 1, 'Roll back', 'failed')");
        raw_exec(raw,
                 "INSERT INTO release_controls (release_id, slug, title, position) VALUES "
                 "(7, 'ops-ready', 'Ops ready', 1)");
        raw_exec(raw,
                 "INSERT INTO audit_log (workspace_id, release_id, at, actor, action) VALUES "
                 "(1, 7, 1764000000, 'alice', 'release.plan')");
        sqlite3_close(raw);
    }

    Database db(path);
    Store store(db);
    CHECK(db.schema_version() == latest());
    auto count = [&](const std::string& sql) {
        auto st = db.prepare(sql);
        REQUIRE(st.step());
        return st.get_int(0);
    };
    // Nothing that refers to the release was lost or detached.
    CHECK(count("SELECT count(*) FROM release_programs WHERE release_id = 7") == 1);
    CHECK(count("SELECT count(*) FROM plan_steps WHERE release_id = 7") == 1);
    CHECK(count("SELECT count(*) FROM release_controls WHERE release_id = 7") == 1);
    CHECK(count("SELECT count(*) FROM audit_log WHERE release_id = 7") == 1);
    CHECK(count("SELECT count(*) FROM sqlite_master WHERE name = 'releases_by_window'") == 1);
    CHECK(count("SELECT count(*) FROM sqlite_master WHERE name LIKE 'releases_rebuilt%'") == 0);
    CHECK(count("PRAGMA foreign_keys") == 1);

    auto ws = store.workspaces.find("console", "local");
    REQUIRE(ws);
    auto release = store.releases.find(ws->id, "web-2026.12");
    REQUIRE(release);
    CHECK(release->els_owner == UserId("ops"));
    CHECK(release->active_plan == PlanKind::backout);
    release->state = ReleaseState::backout_failed;
    store.releases.update(*release);
    CHECK(store.releases.find(ws->id, "web-2026.12")->state == ReleaseState::backout_failed);
    // The constraint still refuses a state nobody knows.
    CHECK_THROWS_AS(db.exec("UPDATE releases SET state = 'exploded' WHERE id = 7"), DatabaseError);
    // References are enforced again: deleting the release takes its rows with it.
    db.exec("DELETE FROM releases WHERE id = 7");
    CHECK(count("SELECT count(*) FROM plan_steps") == 0);
    CHECK(count("SELECT count(*) FROM audit_log WHERE release_id IS NULL") == 1);
}

TEST_CASE("an older database keeps its step owners and learns announcements on cancel",
          "[storage]") {
    TempDir dir;
    const auto path = dir.file("v11.db");
    {
        sqlite3* raw = nullptr;
        REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
        for (const auto& m : migrations())
            if (m.version <= 11) raw_exec(raw, std::string(m.sql));
        raw_exec(raw, "PRAGMA user_version = 11");
        raw_exec(raw,
                 "INSERT INTO workspaces (id, platform, tenant, name, time_zone, created_at) "
                 "VALUES (1, 'teams', 't', 'T', 'UTC', 1764000000)");
        raw_exec(raw,
                 "INSERT INTO releases (id, workspace_id, key, title, state, window_start, "
                 "duration_s, owner, active_plan, created_by, created_at, updated_at) VALUES (7, "
                 "1, 'web-2026.12', 'Web', 'planned', 1796000000, 7200, 'alice', 'deploy', "
                 "'alice', 1764000000, 1764000000)");
        raw_exec(raw,
                 "INSERT INTO plan_steps (release_id, plan, position, title, owner, status) "
                 "VALUES (7, 'deploy', 1, 'Switch', '29:1dana', 'pending'), "
                 "(7, 'deploy', 2, 'Watch', NULL, 'pending')");
        sqlite3_close(raw);
    }
    Database db(path);
    Store store(db);
    CHECK(db.schema_version() == latest());
    auto steps = store.plans.steps(ReleaseId(7), PlanKind::deploy);
    REQUIRE(steps.size() == 2);
    // A Teams user id holds a colon; it is still read back as that person.
    REQUIRE(steps[0].owner);
    CHECK(steps[0].owner->kind == Owner::Kind::user);
    CHECK(steps[0].owner->name == "29:1dana");
    CHECK_FALSE(steps[1].owner);
    db.exec(
        "INSERT INTO communications (workspace_id, release_id, author, body, audiences, "
        "trigger_kind, created_at, updated_at) VALUES (1, 7, 'alice', 'x', 'ops', 'cancel', 0, 0)");
    CHECK_THROWS_AS(db.exec("INSERT INTO communications (workspace_id, release_id, author, body, "
                            "audiences, trigger_kind, created_at, updated_at) VALUES "
                            "(1, 7, 'alice', 'x', 'ops', 'never', 0, 0)"),
                    DatabaseError);
}

TEST_CASE("a database from a newer releasebot is refused and keeps its version", "[storage]") {
    TempDir dir;
    const auto path = dir.file("future.db");
    {
        sqlite3* raw = nullptr;
        REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
        raw_exec(raw, "CREATE TABLE from_the_future (x INTEGER)");
        raw_exec(raw, "PRAGMA user_version = 99");
        sqlite3_close(raw);
    }
    CHECK_THROWS_AS(Database(path), DatabaseError);
    CHECK_THROWS_WITH(Database(path), Catch::Contains("99") && Catch::Contains("upgrade"));
    CHECK(raw_user_version(path) == 99);
}

}  // namespace releasebot
