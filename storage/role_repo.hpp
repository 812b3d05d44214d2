// Explicit role grants per workspace. A user with no row is a member.
#pragma once

#include <optional>
#include <vector>

#include "storage/records.hpp"

namespace releasebot {

class Database;

class RoleRepo {
public:
    explicit RoleRepo(Database& db) : db_(db) {}

    std::optional<RoleGrant> find(WorkspaceId ws, const UserId& user);
    // Inserts or replaces the user's role.
    void grant(WorkspaceId ws, const RoleGrant& g);
    // Removes the user's explicit role; returns false if there was none.
    bool revoke(WorkspaceId ws, const UserId& user);
    // All explicit grants, managers first, then approvers, then members, by user id.
    std::vector<RoleGrant> list(WorkspaceId ws);
    int count_with_role(WorkspaceId ws, Role role);
    // True when no role has ever been granted in the workspace (its first user becomes manager).
    bool empty(WorkspaceId ws);

private:
    Database& db_;
};

}  // namespace releasebot
