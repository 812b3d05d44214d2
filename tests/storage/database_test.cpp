// Tests for storage/database: the connection's pragmas, the prepared-statement cache,
// transactions and savepoints, and errors.
#include "support/temp_dir.hpp"
#include "storage/database.hpp"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

namespace releasebot {
namespace {

using test::TempDir;

std::string text_of(Database& db, const std::string& sql) {
    auto st = db.prepare(sql);
    REQUIRE(st.step());
    return st.get_text(0);
}

std::int64_t int_of(Database& db, const std::string& sql) {
    auto st = db.prepare(sql);
    REQUIRE(st.step());
    return st.get_int(0);
}

void add_workspace(Database& db, const std::string& tenant) {
    db.prepare("INSERT INTO workspaces (platform, tenant, created_at) VALUES ('console', ?, 0)")
        .bind_all(tenant)
        .run();
}

std::int64_t workspaces(Database& db) {
    return int_of(db, "SELECT COUNT(*) FROM workspaces");
}

}  // namespace

TEST_CASE("a file database runs in WAL mode with foreign keys enforced", "[storage]") {
    TempDir dir;
    const auto path = dir.file("releasebot.db");
    {
        Database db(path);
        CHECK(text_of(db, "PRAGMA journal_mode") == "wal");
        CHECK(int_of(db, "PRAGMA foreign_keys") == 1);
        CHECK(db.path() == path);

        // A release in a workspace that does not exist is refused by the foreign key.
        CHECK_THROWS_AS(db.exec("INSERT INTO releases (workspace_id, key, title, window_start, "
                                "duration_s, owner, created_by, created_at, updated_at) "
                                "VALUES (999, 'web-1', 't', 0, 0, 'a', 'a', 0, 0)"),
                        DatabaseError);
        add_workspace(db, "local");
        CHECK(std::filesystem::exists(path + "-wal"));
    }
    // What was committed is there when the file is opened again.
    Database again(path);
    CHECK(workspaces(again) == 1);
}

TEST_CASE("cached statements work again and again, starting clean each time", "[storage]") {
    Database db(":memory:");
    for (const char* tenant : {"t1", "t2", "t3"}) add_workspace(db, tenant);

    const std::string sql = "SELECT tenant FROM workspaces WHERE id >= ? ORDER BY id";
    SECTION("the same SQL runs with new bindings each time") {
        for (int from = 1; from <= 3; ++from) {
            auto st = db.prepare(sql);
            st.bind(1, from);
            REQUIRE(st.step());
            CHECK(st.get_text(0) == "t" + std::to_string(from));
        }
    }
    SECTION("a handle dropped in the middle of its rows leaves the next one at the start") {
        {
            auto st = db.prepare(sql);
            st.bind(1, 1);
            REQUIRE(st.step());
            REQUIRE(st.step());
        }
        auto st = db.prepare(sql);
        st.bind(1, 1);
        std::vector<std::string> all;
        while (st.step()) all.push_back(st.get_text(0));
        CHECK(all == std::vector<std::string>{"t1", "t2", "t3"});
    }
    SECTION("bindings do not leak into the next use") {
        {
            auto st = db.prepare("SELECT ?");
            st.bind(1, 42);
            REQUIRE(st.step());
            CHECK(st.get_int(0) == 42);
        }
        auto st = db.prepare("SELECT ?");
        REQUIRE(st.step());
        CHECK(st.is_null(0));
    }
    SECTION("values of every kind round-trip through bindings") {
        auto st = db.prepare("SELECT ?, ?, ?, ?, ?");
        st.bind_all(std::int64_t{1} << 40, 2.5, std::string("it's \"quoted\""),
                    std::optional<std::string>{}, UserId("alice"));
        REQUIRE(st.step());
        CHECK(st.get_int(0) == std::int64_t{1} << 40);
        CHECK(st.get_double(1) == 2.5);
        CHECK(st.get_text(2) == "it's \"quoted\"");
        CHECK(st.get_opt_text(3) == std::nullopt);
        CHECK(st.get_opt_int(3) == std::nullopt);
        CHECK(st.get_text(4) == "alice");
    }
}

TEST_CASE("transactions commit, roll back, and nest as savepoints", "[storage]") {
    Database db(":memory:");

    SECTION("a transaction that is not committed is rolled back when it ends") {
        {
            Transaction tx(db);
            add_workspace(db, "lost");
            CHECK(workspaces(db) == 1);
        }
        CHECK(workspaces(db) == 0);
    }
    SECTION("a committed transaction stays") {
        Transaction tx(db);
        add_workspace(db, "kept");
        tx.commit();
        CHECK(workspaces(db) == 1);
    }
    SECTION("rolling back an inner transaction keeps the outer one's work") {
        Transaction outer(db);
        add_workspace(db, "outer");
        {
            Transaction inner(db);
            add_workspace(db, "inner");
            CHECK(workspaces(db) == 2);
            inner.rollback();
        }
        {
            Transaction abandoned(db);  // destroyed without commit: rolled back too
            add_workspace(db, "abandoned");
        }
        outer.commit();
        CHECK(workspaces(db) == 1);
        CHECK(text_of(db, "SELECT tenant FROM workspaces") == "outer");
    }
    SECTION("an inner commit is undone when the outer transaction rolls back") {
        {
            Transaction outer(db);
            Transaction inner(db);
            add_workspace(db, "inner");
            inner.commit();
        }
        CHECK(workspaces(db) == 0);
    }
    SECTION("the connection is usable for a new transaction after a rollback") {
        { Transaction tx(db); }
        Transaction tx(db);
        add_workspace(db, "after");
        tx.commit();
        CHECK(workspaces(db) == 1);
    }
}

TEST_CASE("bad SQL and unopenable files are DatabaseErrors", "[storage]") {
    Database db(":memory:");
    CHECK_THROWS_AS(db.prepare("SELEKT 1"), DatabaseError);
    CHECK_THROWS_WITH(db.prepare("SELECT * FROM no_such_table"), Catch::Contains("no_such_table"));
    CHECK_THROWS_AS(db.exec("CREATE TABLE"), DatabaseError);
    // A constraint failure while stepping is reported the same way.
    add_workspace(db, "dup");
    CHECK_THROWS_AS(add_workspace(db, "dup"), DatabaseError);
    // The connection still works afterwards.
    CHECK(workspaces(db) == 1);

    CHECK_THROWS_AS(Database("/nonexistent-dir/releasebot.db"), DatabaseError);
}

}  // namespace releasebot
