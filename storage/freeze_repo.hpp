// Freeze (blackout) windows: one-off ranges and weekly recurring slots.
#pragma once

#include <optional>
#include <vector>

#include "storage/records.hpp"

namespace releasebot {

class Database;

class FreezeRepo {
public:
    explicit FreezeRepo(Database& db) : db_(db) {}

    FreezeId add(const Freeze& f);
    std::optional<Freeze> get(WorkspaceId ws, FreezeId id);
    // All freezes of the workspace: one-off by start, then weekly by weekday and time.
    std::vector<Freeze> list(WorkspaceId ws);
    bool remove(WorkspaceId ws, FreezeId id);

private:
    Database& db_;
};

}  // namespace releasebot
