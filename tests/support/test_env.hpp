// TestEnv: a whole releasebot core on an in-memory SQLite database with a manual clock, driven
// through the real Pipeline like the console drives it. Tests type commands as named people
// and read what the console would print.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "bot/runtime/pipeline.hpp"
#include "commands/clock.hpp"
#include "storage/database.hpp"
#include "storage/store.hpp"

namespace releasebot::test {

// 2026-12-01 09:00 UTC, a Tuesday.
Instant default_start();
// Parses "2026-12-05 14:00" as UTC.
Instant utc(const std::string& text);
// The same instant in Unix seconds, as the database stores it.
inline std::int64_t epoch(const std::string& utc_text) {
    return utc(utc_text).time_since_epoch().count();
}

class TestEnv {
public:
    explicit TestEnv(const std::string& db_path = ":memory:", Instant start = default_start());

    // Runs `text` as console user `user`; returns the reply rendered as console text.
    std::string say(const std::string& user, const std::string& text);
    // Same, but returns the whole outcome.
    Outcome run(const std::string& user, const std::string& text);
    // Presses a button as `user`.
    Outcome press(const std::string& user, const std::string& action_id, const std::string& value);

    // Scalar query helpers for asserting on the database itself.
    std::int64_t count(const std::string& sql);
    std::string text(const std::string& sql);

    Database& db() { return *db_; }
    Store& store() { return *store_; }
    ManualClock& clock() { return clock_; }
    Pipeline& pipeline() { return *pipeline_; }
    // The reader's zone for console users (default "UTC").
    std::string zone = "UTC";

private:
    std::unique_ptr<Database> db_;
    std::unique_ptr<Store> store_;
    ManualClock clock_;
    std::unique_ptr<Pipeline> pipeline_;
};

// Something ships: `user` adds a component `<program>/app@1.0.0` for each program of `key` (web
// when it has none).
void add_components(TestEnv& env, const std::string& key, const std::string& user = "alice");

// Direct messages queued for `user` whose payload holds `needle`, exactly as written.
std::int64_t dms_to(TestEnv& env, const std::string& user, const std::string& needle);

// `user` ticks every control of `key` that is open and that people tick (releasebot keeps the
// ones the gate checks itself: plans, versioned components, approved announcements). Each tick
// must succeed.
void tick_open_controls(TestEnv& env, const std::string& key, const std::string& user);

// The common story of many tests: bob adds a component `<program>/app@1.0.0` for each program of
// web-2026.12 (web when it has none), ticks the controls people tick and writes a one-step
// deploy and backout plan (which ticks the plan controls); alice (a manager) approves it. The
// release must be planned and have no unapproved communications.
void approve_web_release(TestEnv& env);

// Starts `key` as `user` the way a team does: when its window opens. Moves the clock to ten
// minutes before the window when it is earlier than that, then types `release start <key>`;
// returns the reply.
std::string start_in_window(TestEnv& env, const std::string& user, const std::string& key);

}  // namespace releasebot::test
