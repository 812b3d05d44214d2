// Worker: everything that runs besides the events themselves — the scheduler firing due jobs,
// the outbox sender delivering, and events made off the event threads (the results of the
// verify and health-check workers) — on one database connection.
//
// The console runs a Worker on its one thread, after each typed line and every second while
// waiting for input. `releasebot serve` runs one on a thread of its own (WorkerThread), woken
// when an event commits, at the next due job or retry, and by SIGINT/SIGTERM.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bot/runtime/chat_port.hpp"
#include "bot/runtime/event.hpp"
#include "bot/runtime/outbox_sender.hpp"
#include "bot/runtime/pipeline.hpp"
#include "bot/runtime/scheduler.hpp"
#include "commands/clock.hpp"

namespace releasebot {

class Database;

// What the configuration says to every pipeline a process builds.
struct RuntimeSettings {
    Seconds start_lead{15 * 60};  // how long before its window `release start` is accepted
};

// A pipeline configured from `settings`.
void configure(Pipeline& pipeline, const RuntimeSettings& settings);

class Worker {
  public:
    using SteadyTime = std::chrono::steady_clock::time_point;

    // `db` and `clock` must outlive the worker; `db` is used on the worker's thread only.
    Worker(Database& db, const Clock& clock, const RuntimeSettings& settings);

    // Registers a port for its platform; the port must outlive the worker.
    void add_port(ChatPort& port) { sender_.add_port(port); }

    // The worker's pipeline: jobs and handed-over events run through it, and so does a
    // console's every line (one thread, one connection).
    Pipeline& pipeline() { return pipeline_; }

    // Jobs may have been scheduled since the last look (by an event, or another process).
    void jobs_may_have_changed() { scheduler_.invalidate(); }

    // Fires every due job; returns how many fired. Throws on storage faults.
    int fire_due_jobs() { return scheduler_.run_due(); }

    // Delivers every message due now, batch after batch, until none is left or `stop` says so.
    // Throws on storage faults.
    void deliver_due(const std::function<bool()>& stop = {});

    // Moves `clock` on to `until`, firing each job at its own moment and delivering what it
    // queued before the next (the console's `clock advance`); returns how many fired.
    int advance_to(ManualClock& clock, Instant until);

    // One round of the served bot: `events` (made off the event threads), the due jobs (after a
    // job failed to fire, not again for a second), then the outbox. Returns the moment the next
    // round is wanted: the next due job or retry, the end of a destination's rate-limit pause
    // (nullopt: none known). Throws on storage faults; the events that did not run are left in
    // `events`, in order, for the next round.
    std::optional<SteadyTime> round(const std::function<bool()>& stop, std::vector<Event>& events);

  private:
    Pipeline pipeline_;
    Scheduler scheduler_;
    OutboxSender sender_;
    const Clock& clock_;
    SteadyTime jobs_retry_at_ = SteadyTime::min();
};

// SIGINT and SIGTERM, read from a signalfd by whoever asks: made before any other thread
// starts, it blocks both signals in the calling thread and so in every thread started after
// (and ignores SIGPIPE, so a peer closing a socket cannot kill the process).
class StopSignals {
  public:
    StopSignals();
    ~StopSignals();
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;
    int fd() const { return fd_; }
    // The signal received (SIGINT or SIGTERM), or 0 when none has come yet.
    int take() const;

  private:
    int fd_;
};

// The chat ports a worker delivers through, built by the composition root (which knows the
// platforms) on the worker's own connection; whatever they need lives as long as this object.
class ChatPorts {
  public:
    virtual ~ChatPorts() = default;
    virtual std::vector<ChatPort*> ports() = 0;
};

// Runs a Worker on a thread of its own, with a connection of its own, until a stop signal.
//
// The thread sleeps in poll() on the signalfd and an eventfd that event threads write after a
// commit, with a timeout at the next moment it knows of (the worker's round() says which), at
// most a second: so a reminder fires at the start of its second, a queued message leaves at
// once, and a stop signal is heard even between the batches of a long outbox backlog.
class WorkerThread {
  public:
    struct Options {
        RuntimeSettings settings;
        // Opens the worker's connection; null when it cannot (the reason is logged).
        std::function<std::unique_ptr<Database>()> open_database;
        // Builds the ports on the worker's connection (may be empty).
        std::function<std::unique_ptr<ChatPorts>(Database&)> make_ports;
        // Called after events committed, at most every tenth of a second: other threads that
        // read what events write (the verify and health-check workers) look again.
        std::vector<std::function<void()>> after_events;
        // Called on the worker's thread as soon as a stop signal arrived, e.g. to close links.
        std::function<void()> on_stop;
    };

    WorkerThread(const Clock& clock, const StopSignals& signals, Options options);
    ~WorkerThread();
    WorkerThread(const WorkerThread&) = delete;
    WorkerThread& operator=(const WorkerThread&) = delete;

    void start();
    // Any thread, after an event committed: the worker looks for new jobs and messages. Cheap
    // when a wake is already pending (no system call).
    void event_committed();
    // Any thread: an event made off the event threads, run on the worker's connection.
    void submit(const Event& event);
    // Blocks until a stop signal arrived or the worker could not start.
    void wait_for_stop();
    // Ends the thread (the delivery in flight finishes and its outcome is recorded) and joins.
    void stop();
    // True when the worker could not open its connection.
    bool failed() const { return failed_; }

  private:
    void run();
    void notify();
    void raise_stop();

    const Clock& clock_;
    const StopSignals& signals_;
    Options options_;
    int wake_fd_;
    std::atomic<bool> events_{false};
    std::atomic<bool> done_{false};
    std::atomic<bool> failed_{false};
    std::mutex stop_mutex_;
    std::condition_variable stop_cv_;
    bool stopped_ = false;
    std::mutex submitted_mutex_;
    std::vector<Event> submitted_;  // handed to the worker at its next round
    std::thread thread_;
};

}  // namespace releasebot
