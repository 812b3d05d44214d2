// Wiring: what every process that runs events builds the same way from the configuration — the
// settings of its pipelines, and the chat ports its outbox delivers through. `serve` and the
// console both start from here, so a setting reaches every pipeline of either.
#pragma once

#include <memory>

#include "bot/app/config.hpp"
#include "bot/runtime/worker.hpp"

namespace releasebot {

class Database;

// The pipelines' settings from `config` (a default Config for the console, which reads none).
RuntimeSettings runtime_settings(const Config& config);

// The Slack and Teams ports `config` enables, on `db` (the outbox's connection), each with a
// Web API or Connector client of its own.
std::unique_ptr<ChatPorts> chat_ports(const Config& config, Database& db);

}  // namespace releasebot
