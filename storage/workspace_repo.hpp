// Workspaces (one per Slack team, Teams tenant, or the local console) and the people seen in
// them (display name and time zone, refreshed on every event).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storage/records.hpp"

namespace releasebot {

class Database;

class WorkspaceRepo {
public:
    explicit WorkspaceRepo(Database& db) : db_(db) {}

    std::optional<Workspace> find(const std::string& platform, const std::string& tenant);
    std::optional<Workspace> get(WorkspaceId id);
    // Inserts a workspace; returns it with its id.
    Workspace create(const std::string& platform, const std::string& tenant,
                     const std::string& name, const std::string& time_zone, Instant now);
    void set_time_zone(WorkspaceId id, const std::string& time_zone);

    // Upserts what we know of a person.
    void touch_person(WorkspaceId ws, const Person& p, Instant now);
    std::optional<Person> person(WorkspaceId ws, const UserId& user);

private:
    Database& db_;
};

}  // namespace releasebot
