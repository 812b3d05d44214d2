// Idempotency keys of events already processed (Slack envelope/event ids, Teams activity ids,
// console line ids), so a redelivered event never acts twice.
#pragma once

#include <string>

#include "storage/records.hpp"

namespace releasebot {

class Database;

class ProcessedEventRepo {
public:
    explicit ProcessedEventRepo(Database& db) : db_(db) {}

    // Records `key`; returns false if it was already recorded.
    bool record(const std::string& key, Instant now);
    bool seen(const std::string& key);
    // Forgets keys older than `before` (platforms stop retrying after minutes).
    int prune(Instant before);

private:
    Database& db_;
};

}  // namespace releasebot
