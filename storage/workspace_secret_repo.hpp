// The per-workspace secrets of the inbound HTTP endpoints: the key CI signs webhook
// bodies with (/hooks/ci) and the token that opens the workspace's calendar feed
// (/calendar.ics?token=…). Both are made on first use from 32 random bytes (OpenSSL RAND_bytes),
// kept in SQLite (migration 6), and only ever shown to a manager, ephemerally.
#pragma once

#include <optional>
#include <string>

#include "storage/records.hpp"

namespace releasebot {

class Database;

struct WorkspaceSecrets {
    WorkspaceId workspace;
    std::string webhook_secret;  // 64 hex digits
    // "<workspace id>.<64 hex digits>": the id lets the feed find the workspace without a
    // lookup by secret value, so the comparison itself can be constant-time.
    std::string calendar_token;
    Instant webhook_rotated_at;
    Instant calendar_rotated_at;
};

class WorkspaceSecretRepo {
  public:
    explicit WorkspaceSecretRepo(Database& db) : db_(db) {}

    // The workspace's secrets, or nullopt when none were ever made (no `ci secret` or
    // `calendar link` yet).
    std::optional<WorkspaceSecrets> get(WorkspaceId ws);
    // The workspace's secrets, making both on first use. Writes in the caller's transaction.
    WorkspaceSecrets ensure(WorkspaceId ws, Instant now);
    // Replaces one secret with fresh random bytes (the old one stops working at once); returns
    // the new value. Makes the row first if needed.
    std::string rotate_webhook_secret(WorkspaceId ws, Instant now);
    std::string rotate_calendar_token(WorkspaceId ws, Instant now);

    // The workspace a calendar token names, when the token is exactly its current one (compared
    // in constant time); nullopt for anything else, without saying why.
    std::optional<WorkspaceId> workspace_for_calendar_token(const std::string& token);

  private:
    Database& db_;
};

}  // namespace releasebot
