// DbSnapshot: every row of every table of a releasebot database, for "a refused request changes
// nothing" checks. Tables are read from sqlite_master, so a table added
// by a later migration is compared without touching this file; values carry their SQLite type,
// so 1 and '1' differ. Rows are compared as sorted sets (row order is not what a user sees).
#pragma once

#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "storage/database.hpp"

namespace releasebot::test {

using DbSnapshot = std::map<std::string, std::vector<std::string>>;

// Every table's rows, leaving out the tables named in `skip` (e.g. processed_events, which a
// refused event still writes so that its retry is a duplicate).
inline DbSnapshot snapshot(Database& db, const std::set<std::string>& skip = {}) {
    DbSnapshot out;
    std::vector<std::string> tables;
    {
        auto st = db.prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name");
        while (st.step()) tables.push_back(st.get_text(0));
    }
    for (const auto& table : tables) {
        if (skip.count(table)) continue;
        sqlite3_stmt* raw = nullptr;
        // Table names come from sqlite_master, never from input.
        std::string sql = "SELECT * FROM \"" + table + "\"";
        if (sqlite3_prepare_v2(db.handle(), sql.c_str(), -1, &raw, nullptr) != SQLITE_OK)
            throw DatabaseError("snapshot of " + table + ": " + sqlite3_errmsg(db.handle()));
        auto& rows = out[table];
        while (sqlite3_step(raw) == SQLITE_ROW) {
            std::string row;
            for (int c = 0; c < sqlite3_column_count(raw); ++c) {
                switch (sqlite3_column_type(raw, c)) {
                    case SQLITE_NULL:
                        row += "NULL";
                        break;
                    case SQLITE_INTEGER:
                        row += "i" + std::to_string(sqlite3_column_int64(raw, c));
                        break;
                    case SQLITE_FLOAT:
                        row += "f" + std::to_string(sqlite3_column_double(raw, c));
                        break;
                    default: {
                        const auto* p = static_cast<const char*>(sqlite3_column_blob(raw, c));
                        int n = sqlite3_column_bytes(raw, c);
                        row += "'" + std::string(p ? p : "", static_cast<std::size_t>(n)) + "'";
                    }
                }
                row += '|';
            }
            rows.push_back(std::move(row));
        }
        sqlite3_finalize(raw);
        std::sort(rows.begin(), rows.end());
    }
    return out;
}

// What differs between two snapshots, table by table ("" when they are equal): the rows only
// one side has, so a failing check shows what changed.
inline std::string snapshot_diff(const DbSnapshot& before, const DbSnapshot& after) {
    std::string out;
    std::set<std::string> names;
    for (const auto& [t, rows] : before) names.insert(t);
    for (const auto& [t, rows] : after) names.insert(t);
    static const std::vector<std::string> none;
    for (const auto& t : names) {
        auto b = before.count(t) ? before.at(t) : none;
        auto a = after.count(t) ? after.at(t) : none;
        if (a == b) continue;
        std::vector<std::string> gone, added;
        std::set_difference(b.begin(), b.end(), a.begin(), a.end(), std::back_inserter(gone));
        std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(added));
        out += "table " + t + ":\n";
        for (const auto& r : gone) out += "  - " + r + "\n";
        for (const auto& r : added) out += "  + " + r + "\n";
    }
    return out;
}

}  // namespace releasebot::test
