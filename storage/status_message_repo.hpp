// Where each release's status message was posted, so it can be edited in place.
#pragma once

#include <optional>
#include <string>

#include "storage/records.hpp"

namespace releasebot {

class Database;

class StatusMessageRepo {
public:
    explicit StatusMessageRepo(Database& db) : db_(db) {}

    // The platform's reference to the status message of `r` at `destination` (an encoded
    // conversation), if one was posted.
    std::optional<std::string> find(ReleaseId r, const std::string& destination);
    void put(ReleaseId r, const std::string& destination, const std::string& message_ref,
             Instant at);

private:
    Database& db_;
};

}  // namespace releasebot
