// `release verify` in storage (migration 6): the requests the verify worker picks up, and what
// the last check of each component found. A component counts as verified only while the
// checksum that was checked (verified_sha256) is still its recorded sha256.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/records.hpp"

namespace releasebot {

class Database;

struct VerifyRequest {
    std::int64_t id = 0;
    WorkspaceId workspace;
    ReleaseId release;
    UserId requested_by;
    Instant requested_at;
    std::string status = "pending";  // pending | done
    std::optional<Instant> finished_at;
};

// One artifact for the worker to fetch.
struct VerifyTarget {
    ComponentId component;
    std::string url;
};

class VerifyRepo {
  public:
    explicit VerifyRepo(Database& db) : db_(db) {}

    // Records a pending request; returns its id.
    std::int64_t request(WorkspaceId ws, ReleaseId release, const UserId& by, Instant now);
    std::optional<VerifyRequest> get(std::int64_t id);
    // The release's pending request, if any.
    std::optional<VerifyRequest> pending_for(ReleaseId release);
    // Pending requests, oldest first, at most `limit`.
    std::vector<VerifyRequest> pending(int limit = 100);
    void finish(std::int64_t id, Instant now);

    // The release's components that have an artifact URL, by program then name.
    std::vector<VerifyTarget> targets(ReleaseId release);

    // Records a match of `sha256` (clears any error) or a failure (keeps no verified sum).
    void record_match(ComponentId c, const std::string& sha256, Instant now);
    void record_failure(ComponentId c, const std::string& error, Instant now);

  private:
    Database& db_;
};

}  // namespace releasebot
