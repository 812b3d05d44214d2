// Workspace export and import: `releasebot export --db … [--workspace …]` writes one
// workspace — its releases with programs, components, controls, plan steps, reminder offsets,
// communications and retrospectives (questions, participants, answers, action items), its
// control templates, freezes, roles, people, audiences and whole audit log — as one JSON
// document; `releasebot import --db …` restores it into another database.
//
// The document is {"format": "releasebot-workspace", "version": 1, "schema": <user_version>,
// "exported_at": "…Z", "workspace": {…}, "tables": {"<table>": [{column: value, …}, …]}}, one
// object per row with the stored column names and values (times stay Unix seconds, BLOBs are
// {"hex": "…"}). Not exported: the workspace's webhook secret and calendar token (a restored
// workspace makes new ones), the outbox, processed event keys, status-message references and
// scheduled jobs (all tied to the running instance; `release move`/`remind` re-create jobs).
// Refused while an anonymous retrospective is open: its ballot key, kept only until it closes,
// would let whoever holds the file tie its answers to people.
//
// Import keeps every row but gives it a new id where the table has one, rewriting the
// references to it, so a workspace can be restored next to others. It refuses (and changes
// nothing) when the target already holds a workspace with the same platform and tenant, or the
// document is from a newer schema.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include "commands/result.hpp"

namespace releasebot {

class Database;

struct ExportOptions {
    std::string format = "json";  // the only format so far
    // Which workspace: "<platform>:<tenant>" ("slack:T0123", "console:local"), or empty for the
    // only one in the database (an error lists them when there are several).
    std::string workspace;
};

struct TransferSummary {
    std::string workspace;  // "<platform>:<tenant>"
    int releases = 0;
    int rows = 0;  // rows of every table together
};

// Writes the workspace to `out`. Errors: unknown format, no such workspace, several to choose
// from (naming them).
Result<TransferSummary> export_workspace(Database& db, std::ostream& out,
                                         const ExportOptions& options = {});

// Reads a document written by export_workspace from `in` and restores it into `db` in one
// transaction. Errors name what is wrong (not JSON, wrong format or version, workspace exists).
Result<TransferSummary> import_workspace(Database& db, std::istream& in);

}  // namespace releasebot
