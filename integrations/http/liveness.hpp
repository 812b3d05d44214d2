// Health: what each adapter is doing right now, and the two operator endpoints built on it —
// GET /healthz (JSON; 200 when the bot can do its job, 503 when it cannot) and GET /metrics
// (Prometheus text format 0.0.4: metrics.hpp's counters plus gauges read here).
//
// Adapter states are process-wide, like metrics: the thread that knows (a Socket Mode link
// coming up, the HTTP server binding) records it; the HTTP thread reads it. A state is one of
// "starting", "connecting", "connected", "degraded" (some links of several up), "listening",
// "stopped", "failed".
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "integrations/http/http_server.hpp"

namespace releasebot {

class Database;

namespace liveness {

// Sets the state of `adapter` ("slack_socket_mode", "slack_http", "teams") outright.
void set(std::string_view adapter, std::string_view state);
// For adapters with several links (Socket Mode): declares `links` links, all down, state
// "connecting" ...
void expect_links(std::string_view adapter, int links);
// ... and records link `slot` (0-based) going up or down; the state follows: every link up
// "connected", some "degraded", none "connecting".
void link(std::string_view adapter, int slot, bool up);
// Every adapter and its state.
std::map<std::string, std::string> adapters();
// Forgets every adapter (tests, and a new serve run).
void reset();

// GET /healthz: {"status": "ok"|"degraded"|"unavailable", "database": "reachable"|
// "unreachable", "adapters": {name: state}, "outbox_pending": n, "version": "…"}; 200 for ok
// and degraded, 503 for unavailable (database unreachable, or an adapter not up). `db` is the
// calling thread's connection.
HttpResponse healthz(Database& db, const HttpRequest& req);
// GET /metrics: metrics::prometheus_text() plus outbox depth, database and adapter gauges.
HttpResponse metrics_endpoint(Database& db, const HttpRequest& req);

}  // namespace liveness
}  // namespace releasebot
