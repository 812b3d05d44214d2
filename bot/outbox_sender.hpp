// OutboxSender: delivers due outbox rows through the ChatPort of their platform and records
// the outcome. A delivered row is marked sent; a failed one is retried with exponential backoff
// and jitter (or after the platform's Retry-After), and after kMaxAttempts, or at once on a
// permanent error, marked failed with its error kept for the release status.
#pragma once

#include <map>
#include <random>
#include <string>

#include "bot/chat_port.hpp"
#include "commands/clock.hpp"
#include "storage/records.hpp"

namespace releasebot {

class Database;
struct Destination;

class OutboxSender {
  public:
    static constexpr int kMaxAttempts = 8;

    OutboxSender(Database& db, const Clock& clock);
    // Registers the port for its platform(); the port must outlive the sender.
    void add_port(ChatPort& port);
    // Delivers up to `limit` due rows; returns how many were delivered.
    int deliver_due(int limit = 100);

  private:
    Database& db_;
    const Clock& clock_;
    Delivery deliver(ChatPort& port, const OutboxRow& row, const Destination& dest,
                     const Reply& reply);
    void remember_status(const OutboxRow& row, const Destination& dest, const Delivery& d);

    std::map<std::string, ChatPort*> ports_;
    // Per destination: the earliest moment the next message may go (platform rate limits).
    std::map<std::string, std::chrono::steady_clock::time_point> next_allowed_;
    std::mt19937 rng_{std::random_device{}()};
};

}  // namespace releasebot
