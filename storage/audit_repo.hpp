// The append-only audit log: who changed what, when, per release.
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

private:
    Database& db_;
};

}  // namespace releasebot
