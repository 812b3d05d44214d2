// Retrospective action items: raised in one release's retro, owned by a person, carried over to
// the next releases of the same program until done.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storage/records.hpp"

namespace releasebot {

class Database;

class ActionRepo {
public:
    explicit ActionRepo(Database& db) : db_(db) {}

    ActionId add(const ActionItem& a);
    std::optional<ActionItem> get(WorkspaceId ws, ActionId id);
    void update(const ActionItem& a);
    // Items raised in release `r`, oldest first.
    std::vector<ActionItem> for_release(ReleaseId r);
    // Open items owned by `user`, oldest first.
    std::vector<ActionItem> open_for_owner(WorkspaceId ws, const UserId& user);
    // Open items raised in releases (other than `except`) that share a program with `programs`.
    std::vector<ActionItem> open_for_programs(WorkspaceId ws, const std::vector<std::string>& programs,
                                              ReleaseId except);

private:
    Database& db_;
};

}  // namespace releasebot
