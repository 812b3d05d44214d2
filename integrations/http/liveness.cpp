// Adapter states behind a mutex (written a few times a minute at most) and the /healthz and
// /metrics handlers. See liveness.hpp.
#include "integrations/http/liveness.hpp"

#include <boost/json.hpp>
#include <mutex>
#include <optional>
#include <vector>

#include "bot/runtime/metrics.hpp"
#include "storage/database.hpp"
#include "storage/outbox_repo.hpp"

namespace releasebot::liveness {

namespace {

struct Adapter {
    std::string fixed;     // set() state; empty when it follows the links
    std::vector<bool> up;  // one per link
};

struct Board {
    std::mutex mutex;
    std::map<std::string, Adapter, std::less<>> adapters;
};

Board& board() {
    static Board b;
    return b;
}

std::string state_of(const Adapter& a) {
    if (!a.fixed.empty()) return a.fixed;
    std::size_t n = 0;
    for (bool u : a.up) n += u ? 1 : 0;
    if (n == 0) return "connecting";
    return n == a.up.size() ? "connected" : "degraded";
}

bool is_up(const std::string& state) {
    return state == "connected" || state == "listening" || state == "degraded";
}

struct Probe {
    bool database = false;
    int outbox_pending = 0;
};

// One read through the caller's connection: reachable means SQLite answered a query.
Probe probe(Database& db) {
    Probe p;
    try {
        db.schema_version();
        p.outbox_pending = OutboxRepo(db).pending_count();
        p.database = true;
    } catch (const std::exception&) {
        p.database = false;
    }
    return p;
}

std::string path_of(const HttpRequest& req) {
    return req.target.substr(0, req.target.find('?'));
}

std::optional<HttpResponse> refuse(const HttpRequest& req, std::string_view path) {
    if (path_of(req) != path)
        return HttpResponse{404, "application/json", R"({"error":"not found"})", {}};
    if (req.method != "GET") {
        HttpResponse r{405, "application/json", R"({"error":"use GET"})", {}};
        r.headers["Allow"] = "GET, HEAD";
        return r;
    }
    return std::nullopt;
}

}  // namespace

void set(std::string_view adapter, std::string_view state) {
    Board& b = board();
    std::lock_guard lock(b.mutex);
    b.adapters[std::string(adapter)].fixed = std::string(state);
}

void expect_links(std::string_view adapter, int links) {
    Board& b = board();
    std::lock_guard lock(b.mutex);
    Adapter& a = b.adapters[std::string(adapter)];
    a.fixed.clear();
    a.up.assign(static_cast<std::size_t>(links < 1 ? 1 : links), false);
}

void link(std::string_view adapter, int slot, bool up) {
    Board& b = board();
    std::lock_guard lock(b.mutex);
    Adapter& a = b.adapters[std::string(adapter)];
    if (slot < 0) return;
    if (static_cast<std::size_t>(slot) >= a.up.size()) a.up.resize(slot + 1, false);
    a.up[static_cast<std::size_t>(slot)] = up;
}

std::map<std::string, std::string> adapters() {
    Board& b = board();
    std::lock_guard lock(b.mutex);
    std::map<std::string, std::string> out;
    for (const auto& [name, a] : b.adapters) out[name] = state_of(a);
    return out;
}

void reset() {
    Board& b = board();
    std::lock_guard lock(b.mutex);
    b.adapters.clear();
}

HttpResponse healthz(Database& db, const HttpRequest& req) {
    if (auto refused = refuse(req, "/healthz")) return *refused;
    const Probe p = probe(db);
    boost::json::object states;
    bool all_up = true;
    bool any_degraded = false;
    for (const auto& [name, state] : adapters()) {
        states[name] = state;
        all_up = all_up && is_up(state);
        any_degraded = any_degraded || state == "degraded";
    }
    const bool healthy = p.database && all_up;
    boost::json::object body;
    body["status"] = !healthy ? "unavailable" : any_degraded ? "degraded" : "ok";
    body["database"] = p.database ? "reachable" : "unreachable";
    body["adapters"] = std::move(states);
    if (p.database) body["outbox_pending"] = p.outbox_pending;
    body["version"] = RELEASEBOT_VERSION;
    HttpResponse r{healthy ? 200 : 503, "application/json", boost::json::serialize(body), {}};
    r.headers["Cache-Control"] = "no-store";
    return r;
}

HttpResponse metrics_endpoint(Database& db, const HttpRequest& req) {
    if (auto refused = refuse(req, "/metrics")) return *refused;
    const Probe p = probe(db);
    std::string gauges;
    gauges += "# HELP releasebot_outbox_depth Messages waiting in the outbox to be delivered.\n";
    gauges += "# TYPE releasebot_outbox_depth gauge\n";
    if (p.database) gauges += "releasebot_outbox_depth " + std::to_string(p.outbox_pending) + "\n";
    gauges += "# HELP releasebot_database_up Whether SQLite answered the last query (1) or not.\n";
    gauges += "# TYPE releasebot_database_up gauge\n";
    gauges += std::string("releasebot_database_up ") + (p.database ? "1" : "0") + "\n";
    gauges += "# HELP releasebot_adapter_up Whether each adapter is connected or listening.\n";
    gauges += "# TYPE releasebot_adapter_up gauge\n";
    for (const auto& [name, state] : adapters()) {
        gauges +=
            "releasebot_adapter_up{adapter=\"" + name + "\"} " + (is_up(state) ? "1" : "0") + "\n";
    }
    gauges += "# HELP releasebot_build_info The running version.\n";
    gauges += "# TYPE releasebot_build_info gauge\n";
    gauges += std::string("releasebot_build_info{version=\"") + RELEASEBOT_VERSION + "\"} 1\n";
    HttpResponse r{
        200, "text/plain; version=0.0.4; charset=utf-8", metrics::prometheus_text(gauges), {}};
    r.headers["Cache-Control"] = "no-store";
    return r;
}

}  // namespace releasebot::liveness
