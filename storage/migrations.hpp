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
};

// All migrations, in order; migrations()[i].version == i + 1.
const std::vector<Migration>& migrations();

// Brings `db` up to the latest version. Throws DatabaseError when the file's version is newer
// than this build knows (an older binary must not write a newer schema).
void migrate(Database& db);

// Throws DatabaseError when the file's schema is newer than this build knows.
void check_schema_version(Database& db);

// Applies migrations up to and including `version` only. For tests that build an old database.
void migrate_to(Database& db, int version);

}  // namespace releasebot
