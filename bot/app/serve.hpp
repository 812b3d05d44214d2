// Serve: `releasebot serve` — one process running every adapter the configuration enables
// (Slack Socket Mode and/or the Events API over HTTP, Microsoft Teams), the scheduler and the
// outbox, plus /healthz and /metrics on the HTTP listener.
//
// Threads, each with its own SQLite connection (a connection is used by one thread only):
//   - the calling thread runs the Socket Mode client (when configured) and its Pipeline;
//   - the HttpServer's thread runs every HTTP receiver on a second Pipeline;
//   - a worker fires due jobs and drains the outbox, woken as soon as an event commits, at the
//     next job's due second, when a retry or a paced channel may go, and by SIGINT/SIGTERM
//     (blocked everywhere else; it is the one thread that receives them), which stop
//     everything cleanly, also in the middle of draining a backlog.
#pragma once

#include "bot/app/config.hpp"

namespace releasebot {

// Runs until SIGINT/SIGTERM (exit status 0) or until an adapter cannot go on, e.g. Slack
// disabled the app's link (1). A database that cannot be opened or an address that cannot be
// bound stops start-up with a log line saying which setting to change (1). `config` must have
// come from load_config() (or been checked as strictly).
int serve(const Config& config);

}  // namespace releasebot
