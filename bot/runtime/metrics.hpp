// Metrics: the process-wide counters and histograms /metrics serves in the Prometheus text
// format: events by kind and outcome, ack latency, outbox depth and failures,
// scheduler lag, reconnects. Recording is lock-free (atomics) so the hot path pays nanoseconds.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace releasebot {

enum class EventOutcome { ok, refused, duplicate, failed };

namespace metrics {

// One event through the pipeline: its kind ("command", "action", "submission", "timer",
// "webhook"), how it ended, and how long the pipeline took (commit included).
void event(std::string_view kind, EventOutcome outcome, std::chrono::nanoseconds took);
// From receipt of a platform event to its acknowledgement (Slack ack, Teams HTTP answer).
void ack_latency(std::chrono::nanoseconds took);
void outbox_delivered(std::string_view platform);
void outbox_failed(std::string_view platform, bool permanent);
void scheduler_lag(std::chrono::nanoseconds late);
void reconnect(std::string_view platform);
// One transaction that committed `events` (two or more) platform events together: group commit.
void event_group(long events);

// Everything recorded so far, in the Prometheus text exposition format (version 0.0.4).
// `gauges` lines (e.g. outbox depth, read from the database by the caller) are appended as is.
std::string prometheus_text(const std::string& gauges = "");

// Forgets everything (tests).
void reset();

}  // namespace metrics
}  // namespace releasebot
