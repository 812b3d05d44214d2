// SQLite connection wrapper: pragmas, the prepared-statement cache, transactions and
// savepoints. See database.hpp for the contract.
#include "storage/database.hpp"

#include <sqlite3.h>

#include <string>

#include "storage/migrations.hpp"

namespace releasebot {

namespace {
thread_local int savepoint_counter = 0;
}

Statement::Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) {
    other.stmt_ = nullptr;
}

Statement::~Statement() {
    if (stmt_) {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
}

Statement& Statement::bind(int index, std::int64_t v) {
    if (sqlite3_bind_int64(stmt_, index, v) != SQLITE_OK) db_->fail("bind");
    return *this;
}
Statement& Statement::bind(int index, double v) {
    if (sqlite3_bind_double(stmt_, index, v) != SQLITE_OK) db_->fail("bind");
    return *this;
}
Statement& Statement::bind(int index, std::string_view v) {
    if (sqlite3_bind_text64(stmt_, index, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8) !=
        SQLITE_OK)
        db_->fail("bind");
    return *this;
}
Statement& Statement::bind(int index, std::nullopt_t) {
    if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) db_->fail("bind");
    return *this;
}

bool Statement::step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    db_->fail("step");
}

void Statement::run() {
    while (step()) {
    }
}

bool Statement::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
std::int64_t Statement::get_int(int col) const { return sqlite3_column_int64(stmt_, col); }
double Statement::get_double(int col) const { return sqlite3_column_double(stmt_, col); }
std::string Statement::get_text(int col) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    if (!p) return {};
    return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
}
std::optional<std::string> Statement::get_opt_text(int col) const {
    if (is_null(col)) return std::nullopt;
    return get_text(col);
}
std::optional<std::int64_t> Statement::get_opt_int(int col) const {
    if (is_null(col)) return std::nullopt;
    return get_int(col);
}

Database::Database(const std::string& path) : path_(path) {
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
        std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        db_ = nullptr;
        throw DatabaseError("cannot open database " + path + ": " + msg);
    }
    try {
        sqlite3_busy_timeout(db_, 5000);
        sqlite3_extended_result_codes(db_, 1);
        // Refuse a newer schema before touching the file (journal mode included).
        check_schema_version(*this);
        exec("PRAGMA foreign_keys=ON");
        // Deleted content (an anonymous retro's erased ballot key) is overwritten, not left in
        // free pages.
        exec("PRAGMA secure_delete=ON");
        if (path != ":memory:") exec("PRAGMA journal_mode=WAL");
        exec("PRAGMA synchronous=FULL");
        migrate(*this);
    } catch (...) {
        // The destructor will not run for a constructor that throws.
        for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
        cache_.clear();
        sqlite3_close(db_);
        db_ = nullptr;
        throw;
    }
}

Database::~Database() {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close(db_);
}

Statement Database::prepare(std::string_view sql) {
    auto it = cache_.find(sql);
    if (it != cache_.end()) return Statement(this, it->second);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                           &stmt, nullptr) != SQLITE_OK) {
        fail("prepare");
    }
    cache_.emplace(std::string(sql), stmt);
    return Statement(this, stmt);
}

void Database::exec(std::string_view sql) {
    std::string s(sql);
    char* err = nullptr;
    if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = err ? err : "unknown error";
        sqlite3_free(err);
        throw DatabaseError("sqlite: " + msg);
    }
}

std::int64_t Database::last_insert_id() const { return sqlite3_last_insert_rowid(db_); }
int Database::changes() const { return sqlite3_changes(db_); }

std::int64_t Database::total_changes() const { return sqlite3_total_changes64(db_); }

int Database::schema_version() {
    auto st = prepare("PRAGMA user_version");
    st.step();
    return static_cast<int>(st.get_int(0));
}

void Database::fail(const char* what) const {
    throw DatabaseError(std::string("sqlite ") + what + ": " + sqlite3_errmsg(db_));
}

Transaction::Transaction(Database& db) : db_(db) {
    if (sqlite3_get_autocommit(db.handle())) {
        db_.exec("BEGIN IMMEDIATE");
    } else {
        savepoint_ = "sp" + std::to_string(++savepoint_counter);
        db_.exec("SAVEPOINT " + savepoint_);
    }
}

Transaction::~Transaction() {
    if (!done_) {
        try {
            rollback();
        } catch (...) {
        }
    }
}

void Transaction::commit() {
    db_.exec(savepoint_.empty() ? std::string("COMMIT") : "RELEASE " + savepoint_);
    done_ = true;
}

void Transaction::rollback() {
    done_ = true;
    if (savepoint_.empty()) {
        db_.exec("ROLLBACK");
    } else {
        db_.exec("ROLLBACK TO " + savepoint_ + "; RELEASE " + savepoint_);
    }
}

}  // namespace releasebot
