// Audiences: named sets of channels, possibly on several platforms, that announcements go to.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "storage/records.hpp"

namespace releasebot {

class Database;

class AudienceRepo {
public:
    explicit AudienceRepo(Database& db) : db_(db) {}

    // Adds one channel to the audience `a.name`; returns false if that exact channel is already
    // in it.
    bool add(const Audience& a);
    // Every channel of every audience of the workspace, by name then platform then channel.
    std::vector<Audience> list(WorkspaceId ws);
    // The channels of one audience (case-insensitive name); empty when it does not exist.
    std::vector<Audience> named(WorkspaceId ws, const std::string& name);
    // Removes the whole audience, or only its channel on `platform`:`channel`; returns how many
    // channels were removed.
    int remove(WorkspaceId ws, const std::string& name);
    int remove(WorkspaceId ws, const std::string& name, const std::string& platform,
               const std::string& channel);

private:
    Database& db_;
};

}  // namespace releasebot
