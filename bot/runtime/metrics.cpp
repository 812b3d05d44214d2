// Process-wide metrics in fixed tables of atomics, rendered on demand in the Prometheus text
// exposition format 0.0.4. See metrics.hpp.
//
// Workload: event() and ack_latency() run once per chat event on the adapters' threads;
// prometheus_text() runs when a scraper asks (every 15 s or so). Labels come from small closed
// sets (kinds, outcomes, platforms), so every series has a fixed slot and recording is a few
// relaxed atomic increments with no lock and no allocation. A label outside the set is counted
// as "other" rather than growing the table.
#include "bot/runtime/metrics.hpp"

#include <array>
#include <atomic>
#include <cstdio>

namespace releasebot::metrics {

namespace {

constexpr std::array<std::string_view, 6> kKinds = {"command", "action",  "submission",
                                                    "timer",   "webhook", "other"};
constexpr std::array<std::string_view, 4> kOutcomes = {"ok", "refused", "duplicate", "failed"};
constexpr std::array<std::string_view, 4> kPlatforms = {"slack", "teams", "console", "other"};

std::size_t index_of(std::string_view value, const auto& table) {
    for (std::size_t i = 0; i + 1 < table.size(); ++i) {
        if (table[i] == value) return i;
    }
    return table.size() - 1;  // "other"
}

// A cumulative histogram with fixed upper bounds in seconds; the sum is kept in nanoseconds so
// it can be an integer atomic.
template <std::size_t N>
struct Histogram {
    const std::array<double, N>& bounds;
    std::array<std::atomic<long long>, N + 1> buckets{};  // the last is +Inf
    std::atomic<long long> sum_ns{0};
    std::atomic<long long> count{0};

    explicit Histogram(const std::array<double, N>& b) : bounds(b) {}

    void observe(std::chrono::nanoseconds d) {
        const long long ns = d.count() < 0 ? 0 : d.count();
        const double seconds = static_cast<double>(ns) / 1e9;
        std::size_t i = 0;
        while (i < N && seconds > bounds[i]) ++i;
        buckets[i].fetch_add(1, std::memory_order_relaxed);
        sum_ns.fetch_add(ns, std::memory_order_relaxed);
        count.fetch_add(1, std::memory_order_relaxed);
    }
    void reset() {
        for (auto& b : buckets) b = 0;
        sum_ns = 0;
        count = 0;
    }
};

// Acks and pipeline runs take microseconds to milliseconds; Slack's limit is 3 s.
constexpr std::array<double, 14> kLatencyBounds = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3};
// Jobs fire within milliseconds when the bot is up, minutes or hours late after downtime.
constexpr std::array<double, 10> kLagBounds = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60, 600, 3600};

struct Registry {
    std::array<std::array<std::atomic<long long>, kOutcomes.size()>, kKinds.size()> events{};
    Histogram<kLatencyBounds.size()> event_duration{kLatencyBounds};
    Histogram<kLatencyBounds.size()> ack_latency{kLatencyBounds};
    std::array<std::atomic<long long>, kPlatforms.size()> delivered{};
    // [platform][0 = will retry, 1 = permanent]
    std::array<std::array<std::atomic<long long>, 2>, kPlatforms.size()> failed{};
    Histogram<kLagBounds.size()> scheduler_lag{kLagBounds};
    std::array<std::atomic<long long>, kPlatforms.size()> reconnects{};
    std::atomic<long long> event_groups{0};
    std::atomic<long long> grouped_events{0};
};

Registry& registry() {
    static Registry r;
    return r;
}

void inc(std::atomic<long long>& counter) {
    counter.fetch_add(1, std::memory_order_relaxed);
}

std::string seconds_text(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", s);
    return buf;
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

template <std::size_t N>
void histogram(std::string& out, std::string_view name, std::string_view help,
               const Histogram<N>& h) {
    header(out, name, "histogram", help);
    long long cumulative = 0;
    for (std::size_t i = 0; i <= N; ++i) {
        cumulative += h.buckets[i].load(std::memory_order_relaxed);
        out += name;
        out += "_bucket{le=\"";
        out += i < N ? seconds_text(h.bounds[i]) : "+Inf";
        out += "\"} ";
        out += std::to_string(cumulative);
        out += '\n';
    }
    out += name;
    out += "_sum ";
    out += seconds_text(static_cast<double>(h.sum_ns.load(std::memory_order_relaxed)) / 1e9);
    out += '\n';
    out += name;
    out += "_count ";
    // The count equals the +Inf bucket, as the format requires, even while observations race.
    out += std::to_string(cumulative);
    out += '\n';
}

}  // namespace

void event(std::string_view kind, EventOutcome outcome, std::chrono::nanoseconds took) {
    Registry& r = registry();
    inc(r.events[index_of(kind, kKinds)][static_cast<std::size_t>(outcome)]);
    r.event_duration.observe(took);
}

void ack_latency(std::chrono::nanoseconds took) {
    registry().ack_latency.observe(took);
}

void outbox_delivered(std::string_view platform) {
    inc(registry().delivered[index_of(platform, kPlatforms)]);
}

void outbox_failed(std::string_view platform, bool permanent) {
    inc(registry().failed[index_of(platform, kPlatforms)][permanent ? 1 : 0]);
}

void scheduler_lag(std::chrono::nanoseconds late) {
    registry().scheduler_lag.observe(late);
}

void reconnect(std::string_view platform) {
    inc(registry().reconnects[index_of(platform, kPlatforms)]);
}

void event_group(long events) {
    inc(registry().event_groups);
    registry().grouped_events.fetch_add(events, std::memory_order_relaxed);
}

std::string prometheus_text(const std::string& gauges) {
    Registry& r = registry();
    std::string out;
    out.reserve(8192);

    header(out, "releasebot_events_total", "counter",
           "Events handled by the pipeline, by kind and outcome.");
    for (std::size_t k = 0; k < kKinds.size(); ++k) {
        for (std::size_t o = 0; o < kOutcomes.size(); ++o) {
            out += "releasebot_events_total{kind=\"";
            out += kKinds[k];
            out += "\",outcome=\"";
            out += kOutcomes[o];
            out += "\"} ";
            out += std::to_string(r.events[k][o].load(std::memory_order_relaxed));
            out += '\n';
        }
    }
    histogram(out, "releasebot_event_duration_seconds",
              "Time the pipeline took per event, commit included.", r.event_duration);
    histogram(out, "releasebot_ack_latency_seconds",
              "From receipt of a platform event to its acknowledgement.", r.ack_latency);

    header(out, "releasebot_outbox_delivered_total", "counter",
           "Outbox messages a platform accepted, by platform.");
    for (std::size_t p = 0; p < kPlatforms.size(); ++p) {
        out += "releasebot_outbox_delivered_total{platform=\"";
        out += kPlatforms[p];
        out += "\"} ";
        out += std::to_string(r.delivered[p].load(std::memory_order_relaxed));
        out += '\n';
    }
    header(out, "releasebot_outbox_failures_total", "counter",
           "Failed outbox delivery attempts, by platform and whether the message was given up.");
    for (std::size_t p = 0; p < kPlatforms.size(); ++p) {
        for (int permanent = 0; permanent < 2; ++permanent) {
            out += "releasebot_outbox_failures_total{platform=\"";
            out += kPlatforms[p];
            out += "\",permanent=\"";
            out += permanent ? "true" : "false";
            out += "\"} ";
            out += std::to_string(
                r.failed[p][static_cast<std::size_t>(permanent)].load(std::memory_order_relaxed));
            out += '\n';
        }
    }
    histogram(out, "releasebot_scheduler_lag_seconds",
              "How late scheduled jobs fired, from their due time.", r.scheduler_lag);

    header(out, "releasebot_reconnects_total", "counter",
           "Platform connections re-established after a drop or refresh, by platform.");
    for (std::size_t p = 0; p < kPlatforms.size(); ++p) {
        out += "releasebot_reconnects_total{platform=\"";
        out += kPlatforms[p];
        out += "\"} ";
        out += std::to_string(r.reconnects[p].load(std::memory_order_relaxed));
        out += '\n';
    }
    header(out, "releasebot_event_groups_total", "counter",
           "Transactions that committed several platform events at once (group commit).");
    out += "releasebot_event_groups_total " +
           std::to_string(r.event_groups.load(std::memory_order_relaxed)) + "\n";
    header(out, "releasebot_grouped_events_total", "counter",
           "Platform events committed in those transactions.");
    out += "releasebot_grouped_events_total " +
           std::to_string(r.grouped_events.load(std::memory_order_relaxed)) + "\n";
    out += gauges;
    return out;
}

void reset() {
    Registry& r = registry();
    for (auto& row : r.events) {
        for (auto& c : row) c = 0;
    }
    r.event_duration.reset();
    r.ack_latency.reset();
    for (auto& c : r.delivered) c = 0;
    for (auto& row : r.failed) {
        for (auto& c : row) c = 0;
    }
    r.scheduler_lag.reset();
    for (auto& c : r.reconnects) c = 0;
    r.event_groups = 0;
    r.grouped_events = 0;
}

}  // namespace releasebot::metrics
