// Commands waiting for their actor to confirm (`yes`) before they run: cancel, backout, waive,
// role revoke. One per person per workspace; a new one replaces the old.
#pragma once

#include <optional>

#include "storage/records.hpp"

namespace releasebot {

class Database;

class ConfirmationRepo {
public:
    explicit ConfirmationRepo(Database& db) : db_(db) {}

    void put(const PendingConfirmation& c);
    std::optional<PendingConfirmation> get(WorkspaceId ws, const UserId& user);
    void clear(WorkspaceId ws, const UserId& user);

private:
    Database& db_;
};

}  // namespace releasebot
