// The append-only audit log: who changed what, when, per release or for the whole workspace.
// Details are stored whole; only what shows them in chat shortens them.
#pragma once

#include <optional>
#include <vector>

#include "storage/records.hpp"

namespace releasebot {

class Database;

class AuditRepo {
public:
    explicit AuditRepo(Database& db) : db_(db) {}

    void append(const AuditEntry& e);
    // Entries of one release, oldest first.
    std::vector<AuditEntry> for_release(ReleaseId r);
    // Workspace-level entries (no release), oldest first.
    std::vector<AuditEntry> for_workspace(WorkspaceId ws);
    // Workspace-level entries written at or after `since`, newest first.
    std::vector<AuditEntry> workspace_since(WorkspaceId ws, Instant since);

private:
    Database& db_;
};

}  // namespace releasebot
