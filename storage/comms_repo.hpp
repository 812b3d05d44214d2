// Communications of releases: drafts, reviews and what was sent when.
#pragma once

#include <optional>
#include <vector>

#include "storage/records.hpp"

namespace releasebot {

class Database;

class CommsRepo {
  public:
    explicit CommsRepo(Database& db) : db_(db) {}

    // Inserts `c` (id ignored); returns its id.
    CommsId insert(const Communication& c);
    // By id within the workspace (ids are shown to users as "#3").
    std::optional<Communication> get(WorkspaceId ws, CommsId id);
    // Writes body, audiences, trigger, status, review fields, sent_at, updated_at.
    void update(const Communication& c);
    // A release's communications, oldest first.
    std::vector<Communication> for_release(ReleaseId r);
    // The workspace's communications that may still go out (draft, approved or rejected),
    // oldest first: what an audience's removal could leave with nowhere to go.
    std::vector<Communication> unsent(WorkspaceId ws);

  private:
    Database& db_;
};

}  // namespace releasebot
