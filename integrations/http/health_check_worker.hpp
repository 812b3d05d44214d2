// The health-check worker: in the lead time before a release's window,
// it polls the health-check URL of each of the release's open controls that has one — libcurl
// GET off the event thread, a timeout, at most 64 KiB of body read, redirects (http and https
// only) followed up to 5, TLS verified — and hands each poll's outcome back as an Event (kind
// webhook, action "healthcheck.result", idempotency key "healthcheck:<control id>:<poll time>")
// for the pipeline, which records it and ticks the control on a 2xx answer
// (commands/health_check.hpp). The same poll handed over twice is a duplicate; a later poll of a
// control ticked meanwhile is recorded and ticks nothing.
//
// It only reads the database. When it last polled each URL is kept in memory: a restart polls
// at once, which is harmless. URLs are logged only without their query (it may hold a token).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

#include "bot/runtime/event.hpp"
#include "commands/clock.hpp"

namespace releasebot {

class Database;

struct HealthCheckOptions {
    std::chrono::seconds lead{3600};    // polling starts this long before the window
    std::chrono::seconds interval{60};  // between two polls of one control
    std::chrono::seconds timeout{10};   // per poll, connect to last byte
    std::size_t max_body = 64 * 1024;   // what is read of an answer's body before it is cut
    std::string ca_file;                // extra CA bundle (tests); "" = the system's
};

// What one GET of a health-check URL found: the final HTTP status (after redirects), or 0 with
// the reason in words (never the URL): "no answer within 10 s", "could not connect", …
struct HealthAnswer {
    int status = 0;
    std::string error;
};

// A stop requested on `stop` cuts a poll short (status 0, error "stopped").
HealthAnswer poll_health_url(const std::string& url, const HealthCheckOptions& options,
                             std::stop_token stop = {});

class HealthCheckWorker {
  public:
    // `db_path` is opened by the worker on its own connection at the first pass, and kept.
    // `clock` says when windows start (tests pass a ManualClock). `submit` hands a result Event
    // to the pipeline; it must be safe to call from the worker thread.
    HealthCheckWorker(std::string db_path, const Clock& clock,
                      std::function<void(const Event&)> submit, HealthCheckOptions options = {});
    ~HealthCheckWorker();
    HealthCheckWorker(const HealthCheckWorker&) = delete;
    HealthCheckWorker& operator=(const HealthCheckWorker&) = delete;

    // Polls, on the calling thread, every due health check not polled in the last `interval`,
    // and submits one Event per poll; returns how many. One thread at a time.
    int run_once();

    // Runs run_once() on a thread of its own every `interval` and whenever wake() is called
    // (after events, so a URL just set is polled at once when its window is near).
    void start();
    void wake();
    void stop();

  private:
    // run_once(), cut short (nothing more submitted) once `stop` is requested.
    int run_pass(const std::stop_token& stop);

    std::string db_path_;
    const Clock& clock_;
    std::function<void(const Event&)> submit_;
    HealthCheckOptions options_;
    std::unique_ptr<Database> db_;  // opened by the first pass; a failed open is retried
    std::map<std::int64_t, Instant> polled_at_;  // by control id
    std::mutex mu_;
    std::condition_variable_any cv_;
    bool woken_ = false;
    std::jthread thread_;  // last: stopped and joined before the members it uses go
};

}  // namespace releasebot
