// The `release verify` worker: downloads each artifact a pending verify request
// names, with libcurl, off the event thread — a size limit, a timeout, TLS verified — computes
// its SHA-256, and hands the findings back as one Event (kind webhook, action "verify.result",
// idempotency key "verify:<request id>") for the pipeline, which records them, ticks
// `package-integrity` when every component matches, and posts the result to the release's
// conversation through the outbox. A crash mid-download leaves the request pending, so it is
// redone at the next start; the key makes a second result a duplicate.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "bot/runtime/event.hpp"
#include "commands/result.hpp"

namespace releasebot {

class Database;

struct VerifyOptions {
    std::size_t max_bytes = std::size_t{1} << 30;  // an artifact larger than 1 GiB is refused
    std::chrono::seconds timeout{300};             // per artifact, connect to last byte
    std::string ca_file;                           // extra CA bundle (tests); "" = system's
};

// The lower-case hex SHA-256 of what `url` serves (http or https, redirects followed up to 5),
// or an Error saying what went wrong: HTTP status, too large, timed out, unreachable.
Result<std::string> fetch_sha256(const std::string& url, const VerifyOptions& options);

class VerifyWorker {
  public:
    // `db_path` is opened by the worker on its own connection (reads only), at the first pass,
    // and kept. `submit` hands a result Event to the pipeline; it must be safe to call from the
    // worker thread (the composition root posts it onto the event thread and returns).
    VerifyWorker(std::string db_path, std::function<void(const Event&)> submit,
                 VerifyOptions options = {});
    ~VerifyWorker();
    VerifyWorker(const VerifyWorker&) = delete;
    VerifyWorker& operator=(const VerifyWorker&) = delete;

    // Checks every pending request once, on the calling thread (one thread at a time: the
    // worker's connection is not shared); returns how many it submitted.
    int run_once();

    // Runs run_once() on a thread of its own every `poll` and whenever wake() is called.
    void start(std::chrono::milliseconds poll = std::chrono::seconds(2));
    // Asks for a pass now (after a `release verify` command committed).
    void wake();
    void stop();

  private:
    std::string db_path_;
    std::function<void(const Event&)> submit_;
    VerifyOptions options_;
    std::unique_ptr<Database> db_;  // opened by the first pass; a failed open is retried
    std::thread thread_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool stop_ = false;
    bool woken_ = false;
    // Requests handed to `submit` whose result the pipeline may not have recorded yet (it runs
    // on another thread): not fetched again by the next pass.
    std::set<std::int64_t> handed_over_;
};

}  // namespace releasebot
