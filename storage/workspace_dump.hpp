// WorkspaceDump: every stored row of one workspace, table by table, with its columns as stored
// — what `releasebot export` writes and `releasebot import` restores (bot/app/export.hpp). Generic
// over columns (read from the schema), so a column added by a later migration is carried
// without touching this file; the tables and how they hang off the workspace are listed once
// in workspace_dump.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storage/ids.hpp"

namespace releasebot {

class Database;

struct DumpValue {
    enum class Kind { null, integer, real, text, blob } kind = Kind::null;
    std::int64_t integer = 0;
    double real = 0;
    std::string bytes;  // text (UTF-8) or blob
};

struct DumpTable {
    std::string name;
    std::vector<std::string> columns;
    std::vector<std::vector<DumpValue>> rows;
};

struct WorkspaceDump {
    int schema = 0;                 // PRAGMA user_version of the source
    DumpTable workspace;            // the one row of `workspaces`
    std::vector<DumpTable> tables;  // in restore order: parents before children
};

// A workspace as `releasebot export --workspace` names it.
struct DumpableWorkspace {
    WorkspaceId id;
    std::string label;  // "<platform>:<tenant>"
};

// Every workspace in the database, oldest first.
std::vector<DumpableWorkspace> list_workspaces(Database& db);

// The names of the tables a dump holds, in restore order.
const std::vector<std::string>& dump_table_names();

// Reads everything of workspace `ws` (which must exist).
WorkspaceDump dump_workspace(Database& db, WorkspaceId ws);

// Inserts `dump` as a new workspace in one transaction: rows of tables with an `id` get new
// ids and every reference to them (workspace_id, release_id, template_id, retro_id) is
// rewritten. Columns the target does not have are refused. Returns the new workspace's id.
// Throws DatabaseError (after rolling back) on any constraint failure, such as a workspace
// with the same platform and tenant already present.
WorkspaceId restore_workspace(Database& db, const WorkspaceDump& dump);

}  // namespace releasebot
