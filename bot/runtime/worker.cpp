// The worker and the thread that runs it in `releasebot serve`. See worker.hpp.
#include "bot/runtime/worker.hpp"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <ctime>
#include <exception>
#include <system_error>
#include <utility>

#include "bot/runtime/log.hpp"
#include "storage/database.hpp"

namespace releasebot {

namespace {

using SteadyClock = std::chrono::steady_clock;

// How long jobs that did not fire (a storage fault) wait before the next try.
constexpr std::chrono::seconds kJobRetry{1};
// The longest the worker thread sleeps with nothing due that it knows of: it then looks anyway,
// for what no event announced (another process writing the database, a retry due "now").
constexpr std::chrono::seconds kIdleWake{1};
// The least time between two rounds of the worker thread: under a storm of events it then looks
// a few hundred times a second rather than after every commit, for at most this much more
// latency.
constexpr std::chrono::milliseconds kRoundSpacing{2};
// The after_events hooks are called at most this often.
constexpr std::chrono::milliseconds kAfterEventsSpacing{100};
// Messages the sender takes per batch; between batches a stop is heard.
constexpr int kBatch = 100;

// The steady-clock moment at which the system clock reads `at` (a whole second: the start of
// that second), as far as the two clocks agree now.
SteadyClock::time_point steady_moment(Instant at) {
    return SteadyClock::now() +
           std::chrono::duration_cast<SteadyClock::duration>(
               std::chrono::system_clock::time_point(at) - std::chrono::system_clock::now());
}

// Waits until a stop signal, a wake (unless `wake_fd` is -1) or `deadline` (at once if it has
// passed). EINTR and the like only end the wait early; the caller looks and waits again.
void wait_for(int signal_fd, int wake_fd, SteadyClock::time_point deadline) {
    pollfd fds[2] = {{signal_fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
    const auto left = std::max(deadline - SteadyClock::now(), SteadyClock::duration::zero());
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(left);
    const timespec timeout{static_cast<time_t>(secs.count()),
                           static_cast<long>(std::chrono::nanoseconds(left - secs).count())};
    ppoll(fds, 2, &timeout, nullptr);
}

sigset_t stop_set() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return set;
}

}  // namespace

void configure(Pipeline& pipeline, const RuntimeSettings& settings) {
    pipeline.set_start_lead(settings.start_lead);
}

// ---- Worker ------------------------------------------------------------------------------------

Worker::Worker(Database& db, const Clock& clock, const RuntimeSettings& settings)
    : pipeline_(db, clock), scheduler_(db, clock, pipeline_), sender_(db, clock), clock_(clock) {
    configure(pipeline_, settings);
}

void Worker::deliver_due(const std::function<bool()>& stop) {
    do {
        sender_.deliver_due(kBatch, stop);
    } while (sender_.more_due() && !(stop && stop()));
}

int Worker::advance_to(ManualClock& clock, Instant until) {
    return scheduler_.advance_to(clock, until, [this] { deliver_due(); });
}

std::optional<Worker::SteadyTime> Worker::round(const std::function<bool()>& stop,
                                                std::vector<Event>& events) {
    // Looked up again each round (one indexed read): jobs scheduled by events, by the events
    // below, or by another process all count.
    scheduler_.invalidate();
    std::size_t ran = 0;
    try {
        // A storage fault passes: what did not run is kept, and the key makes an event that
        // did commit a duplicate.
        for (; ran < events.size(); ++ran) pipeline_.handle(events[ran]);
    } catch (const std::exception&) {
        events.erase(events.begin(), events.begin() + static_cast<std::ptrdiff_t>(ran));
        throw;
    }
    events.clear();
    auto next_job = scheduler_.next_due();
    if (next_job && *next_job <= clock_.now() && SteadyClock::now() >= jobs_retry_at_) {
        const Instant ran_at = clock_.now();
        scheduler_.run_due();
        next_job = scheduler_.next_due();
        // Every job due by then was tried: one still due did not fire.
        if (next_job && *next_job <= ran_at) jobs_retry_at_ = SteadyClock::now() + kJobRetry;
    }
    deliver_due(stop);

    std::optional<SteadyTime> next;
    auto earliest = [&next](SteadyTime t) { next = next ? std::min(*next, t) : t; };
    if (next_job) earliest(std::max(steady_moment(*next_job), jobs_retry_at_));
    if (auto message = sender_.next_not_before()) earliest(steady_moment(*message));
    if (auto paced = sender_.paced_until()) earliest(*paced);
    return next;
}

// ---- StopSignals -------------------------------------------------------------------------------

StopSignals::StopSignals() {
    const sigset_t set = stop_set();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    signal(SIGPIPE, SIG_IGN);
    fd_ = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "signalfd");
}

StopSignals::~StopSignals() {
    close(fd_);
}

int StopSignals::take() const {
    signalfd_siginfo info{};
    if (read(fd_, &info, sizeof info) == sizeof info) return static_cast<int>(info.ssi_signo);
    return 0;
}

// ---- WorkerThread ------------------------------------------------------------------------------

WorkerThread::WorkerThread(const Clock& clock, const StopSignals& signals, Options options)
    : clock_(clock),
      signals_(signals),
      options_(std::move(options)),
      wake_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    if (wake_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
}

WorkerThread::~WorkerThread() {
    stop();
    close(wake_fd_);
}

void WorkerThread::start() {
    thread_ = std::thread([this] { run(); });
}

void WorkerThread::notify() {
    const std::uint64_t one = 1;
    // Fails only when the counter is full, and then the worker is woken already.
    [[maybe_unused]] const ssize_t n = write(wake_fd_, &one, sizeof one);
}

void WorkerThread::event_committed() {
    if (!events_.exchange(true)) notify();
}

void WorkerThread::submit(const Event& event) {
    {
        std::lock_guard lock(submitted_mutex_);
        submitted_.push_back(event);
    }
    notify();
}

void WorkerThread::raise_stop() {
    {
        std::lock_guard lock(stop_mutex_);
        stopped_ = true;
    }
    stop_cv_.notify_all();
}

void WorkerThread::wait_for_stop() {
    std::unique_lock lock(stop_mutex_);
    stop_cv_.wait(lock, [this] { return stopped_; });
}

void WorkerThread::stop() {
    done_ = true;
    notify();
    if (thread_.joinable()) thread_.join();
}

void WorkerThread::run() {
    std::unique_ptr<Database> db = options_.open_database();
    if (!db) {
        failed_ = true;
        if (options_.on_stop) options_.on_stop();
        raise_stop();
        return;
    }
    Worker worker(*db, clock_, options_.settings);
    std::unique_ptr<ChatPorts> ports;
    if (options_.make_ports) ports = options_.make_ports(*db);
    if (ports) {
        for (ChatPort* port : ports->ports()) worker.add_port(*port);
    }

    // The stop signal read (0: none yet). Asked between outbox batches and before each delivery
    // too, so a deep backlog does not keep the process from stopping: on_stop runs at once,
    // while the delivery in flight ends and its outcome is recorded.
    int stop_signal = 0;
    const std::function<bool()> stopping = [&] {
        if (stop_signal == 0 && (stop_signal = signals_.take()) != 0) {
            log::info("serve", std::string("stopping (") +
                                   (stop_signal == SIGINT ? "SIGINT" : "SIGTERM") + ")…");
            if (options_.on_stop) options_.on_stop();
            raise_stop();
        }
        return stop_signal != 0 || done_;
    };
    std::vector<Event> handed_over;     // taken from submitted_, not run yet
    auto wake_at = SteadyClock::now();  // at once: overdue jobs and queued messages first
    auto last_round = SteadyClock::time_point::min();
    auto hooks_called = SteadyClock::time_point::min();
    bool hooks_owed = false;
    for (;;) {
        if (stop_signal == 0) {
            // Signals are heard at once; wakes once the spacing since the last round is over.
            const auto spaced = last_round + kRoundSpacing;
            if (SteadyClock::now() < spaced) wait_for(signals_.fd(), -1, spaced);
            wait_for(signals_.fd(), wake_fd_, wake_at);
        }
        if (stopping()) break;
        last_round = SteadyClock::now();
        // Empty the eventfd first, then take the flag: an event that comes in between is seen
        // now or wakes the next poll.
        std::uint64_t count = 0;
        [[maybe_unused]] const ssize_t n = read(wake_fd_, &count, sizeof count);
        // The events just handled may have asked for a `release verify` or set a health check.
        if (events_.exchange(false)) hooks_owed = true;
        if (hooks_owed && last_round >= hooks_called + kAfterEventsSpacing) {
            for (const auto& hook : options_.after_events) hook();
            hooks_owed = false;
            hooks_called = last_round;
        }
        wake_at = last_round + kIdleWake;
        if (hooks_owed) wake_at = hooks_called + kAfterEventsSpacing;
        {
            std::lock_guard lock(submitted_mutex_);
            for (Event& e : submitted_) handed_over.push_back(std::move(e));
            submitted_.clear();
        }
        try {
            auto next = worker.round(stopping, handed_over);
            if (stopping()) break;
            if (next) wake_at = std::min(wake_at, *next);
        } catch (const std::exception& e) {
            log::warn("serve",
                      std::string("scheduled jobs or messages could not be handled, retrying: ") +
                          e.what());
        }
    }
}

}  // namespace releasebot
