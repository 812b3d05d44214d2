// Placeholder implementation until the /metrics work lands (issue 7): records nothing.
#include "bot/metrics.hpp"

namespace releasebot::metrics {
void event(std::string_view, EventOutcome, std::chrono::nanoseconds) {}
void ack_latency(std::chrono::nanoseconds) {}
void outbox_delivered(std::string_view) {}
void outbox_failed(std::string_view, bool) {}
void scheduler_lag(std::chrono::nanoseconds) {}
void reconnect(std::string_view) {}
std::string prometheus_text(const std::string& gauges) { return gauges; }
void reset() {}
}  // namespace releasebot::metrics
