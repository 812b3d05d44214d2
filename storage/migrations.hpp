// Numbered schema migrations, tracked in PRAGMA user_version.
//
// Each migration is one step from version N-1 to N, applied in its own transaction together with
// the bump of user_version, so a crash leaves the database at a whole version. A later issue
// adds tables by appending a step; shipped steps are never edited.
#pragma once

#include <string_view>
#include <vector>

namespace releasebot {

class Database;

struct Migration {
    int version;
    std::string_view description;
    std::string_view sql;
    // A step SQL alone cannot express (it reads the schema first); runs after `sql`.
    void (*apply)(Database&) = nullptr;
    // The step drops and re-creates a table others reference: it runs with foreign key
    // enforcement off (else dropping the table would delete the rows that reference it) and
    // commits only if every reference still holds afterwards.
    bool rebuilds_tables = false;
};

// All migrations, numbered 1..n in order.
const std::vector<Migration>& migrations();

// Brings `db` up to the latest version. Throws DatabaseError when the file's version is newer
// than this build knows (an older binary must not write a newer schema).
void migrate(Database& db);

// Throws DatabaseError when the file's schema is newer than this build knows.
void check_schema_version(Database& db);

// Applies migrations up to and including `version` only. For tests that build an old database.
void migrate_to(Database& db, int version);

}  // namespace releasebot
