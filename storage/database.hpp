// Database: the one SQLite connection releasebot writes through.
//
// Workload: many tiny transactions (one per chat event, microseconds each) on one thread, plus
// readers. The connection runs in WAL mode with foreign keys on and synchronous=FULL, so a
// committed transaction survives a crash of the process or the machine. Statements are
// prepared once and kept in a cache keyed by their SQL text; every value is a bound parameter.
// The sqlite3 types stay inside database.cpp: callers see Database, Statement, Transaction.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

#include "storage/ids.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace releasebot {

// Thrown for failures that are bugs or environment faults (disk full, corrupt file): the
// pipeline catches it at the event boundary and rolls the event back.
class DatabaseError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Database;

// A cached prepared statement, reset and unbound when the handle goes out of scope.
// Bind with 1-based indexes; read columns with 0-based indexes.
class Statement {
public:
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&&) = delete;
    Statement(const Statement&) = delete;
    ~Statement();

    Statement& bind(int index, std::int64_t v);
    Statement& bind(int index, int v) { return bind(index, static_cast<std::int64_t>(v)); }
    Statement& bind(int index, bool v) { return bind(index, static_cast<std::int64_t>(v)); }
    Statement& bind(int index, double v);
    Statement& bind(int index, std::string_view v);
    Statement& bind(int index, const std::string& v) { return bind(index, std::string_view(v)); }
    Statement& bind(int index, const char* v) { return bind(index, std::string_view(v)); }
    Statement& bind(int index, std::nullopt_t);
    template <class T>
    Statement& bind(int index, const std::optional<T>& v) {
        return v ? bind(index, *v) : bind(index, std::nullopt);
    }
    template <class Tag, class T>
    Statement& bind(int index, const StrongId<Tag, T>& id) {
        return bind(index, id.value());
    }
    // Bind all arguments in order, starting at index 1.
    template <class... A>
    Statement& bind_all(const A&... a) {
        int i = 0;
        (bind(++i, a), ...);
        return *this;
    }

    // Advance; true while a row is available.
    bool step();
    // Run to completion (for INSERT/UPDATE/DELETE).
    void run();

    bool is_null(int col) const;
    std::int64_t get_int(int col) const;
    double get_double(int col) const;
    std::string get_text(int col) const;
    std::optional<std::string> get_opt_text(int col) const;
    std::optional<std::int64_t> get_opt_int(int col) const;

private:
    friend class Database;
    Statement(Database* db, sqlite3_stmt* s) : db_(db), stmt_(s) {}
    Database* db_;
    sqlite3_stmt* stmt_;
};

class Database {
public:
    // Opens (creating if needed) the file at `path`, or an in-memory database for ":memory:",
    // applies pragmas and runs pending migrations. Throws DatabaseError if the file cannot be
    // opened or was written by a newer releasebot.
    explicit Database(const std::string& path);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    // Returns the cached statement for `sql`, preparing it on first use.
    Statement prepare(std::string_view sql);
    // Runs one or more statements with no parameters (schema, pragmas).
    void exec(std::string_view sql);

    std::int64_t last_insert_id() const;
    int changes() const;
    // Rows inserted, updated or deleted on this connection since it opened, triggers included.
    std::int64_t total_changes() const;
    int schema_version();
    const std::string& path() const { return path_; }

    // Low-level access for migrations and tests that must build an old schema by hand.
    sqlite3* handle() { return db_; }

private:
    friend class Statement;
    [[noreturn]] void fail(const char* what) const;
    sqlite3* db_ = nullptr;
    std::string path_;
    struct SqlHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept {
            return std::hash<std::string_view>{}(s);
        }
    };
    std::unordered_map<std::string, sqlite3_stmt*, SqlHash, std::equal_to<>> cache_;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back on destruction unless committed. Nests: an inner
// Transaction on a connection already in one becomes a SAVEPOINT, so a failing handler can be
// undone without losing what the outer transaction recorded.
class Transaction {
public:
    explicit Transaction(Database& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();
    void rollback();

private:
    Database& db_;
    bool done_ = false;
    std::string savepoint_;  // empty for the outermost transaction
};

}  // namespace releasebot
