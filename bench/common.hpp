// Shared parts of the benchmark driver (bench/): the one-line results every scenario prints,
// latency statistics, and a measured child process (the bot or the null bot) whose CPU time and
// resident memory are read from /proc while it runs and from wait4's rusage when it ends.
//
// Workload: a handful of child processes per run and up to a few hundred thousand latency
// samples per scenario; nothing here is on a hot path of the load itself.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace releasebot::bench {

using SteadyClock = std::chrono::steady_clock;

// Milliseconds between two steady instants, as a double.
double ms_between(SteadyClock::time_point from, SteadyClock::time_point to);

// Latency samples in milliseconds; percentiles by nearest rank.
class Latencies {
  public:
    void reserve(std::size_t n) { ms_.reserve(n); }
    void add(double ms) { ms_.push_back(ms); }
    std::size_t count() const { return ms_.size(); }
    // The p-th percentile (0 < p <= 100); 0 with no samples. Sorts on first use.
    double percentile(double p);
    double max();

  private:
    std::vector<double> ms_;
    bool sorted_ = false;
};

// One machine-readable result line: `bench=<name> key=value …`, keys in the order added.
class Line {
  public:
    explicit Line(const std::string& bench);
    Line& add(const std::string& key, const std::string& value);
    Line& add(const std::string& key, const char* value);
    Line& add(const std::string& key, long long value);
    Line& add(const std::string& key, unsigned long long value);
    Line& add(const std::string& key, long value) {
        return add(key, static_cast<long long>(value));
    }
    Line& add(const std::string& key, int value) { return add(key, static_cast<long long>(value)); }
    Line& add(const std::string& key, unsigned long value) {
        return add(key, static_cast<unsigned long long>(value));
    }
    // Fixed-point with `decimals` places.
    Line& add(const std::string& key, double value, int decimals = 2);
    const std::string& text() const { return text_; }

  private:
    std::string text_;
};

// What a child process used, from wait4.
struct Usage {
    long peak_rss_kb = 0;  // ru_maxrss
    double cpu_s = 0;      // user + system
    bool exited = false;   // exited normally (exit_code valid)
    int exit_code = 0;
    int term_signal = 0;  // the signal that ended it, when not exited
    bool killed = false;  // stop() had to send SIGKILL after the grace period
    double stop_ms = 0;   // from stop()'s signal to the end of the process
    // Ended as asked: exit status 0, or the signal stop() sent; not a crash.
    bool clean(int sig) const { return exited ? exit_code == 0 : (term_signal == sig || killed); }
};

// A child process started with fork/exec, its stdout and stderr in `log`. The destructor kills
// it (SIGKILL) if it still runs.
class ChildProcess {
  public:
    // `args[0]` is the path of the program; `env` entries ("NAME=value") override the inherited
    // environment.
    ChildProcess(const std::vector<std::string>& args, const std::vector<std::string>& env,
                 const std::filesystem::path& log);
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t pid() const { return pid_; }
    SteadyClock::time_point started() const { return started_; }
    // False once the process has ended (it is then reaped; stop() reports its usage).
    bool running();
    // CPU seconds (user + system) used so far, from /proc/<pid>/stat; 0 once it ended.
    double cpu_seconds() const;
    // VmRSS and VmHWM (peak) in kB from /proc/<pid>/status; 0 once it ended.
    long rss_kb() const;
    long peak_rss_kb() const;
    // Sends `sig` (unless it already ended), waits up to `grace` (then SIGKILL), reaps it.
    Usage stop(int sig, std::chrono::milliseconds grace = std::chrono::milliseconds(10000));
    // The end of the log, for error messages.
    std::string log_tail(std::size_t bytes = 2000) const;

  private:
    pid_t pid_ = -1;
    SteadyClock::time_point started_;
    std::filesystem::path log_;
    bool reaped_ = false;
    Usage usage_;
    void reap(int status, const ::rusage& ru);
};

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0 and closed again).
int free_port();

// The system load averages and the number of CPUs, "load=1.23/0.98/0.70 cpus=2".
std::string machine_load();

// The whole content of a file ("" when it cannot be read).
std::string read_file(const std::filesystem::path& path);

// Copies a SQLite database file (with its -wal, if any) to `to`, replacing what is there.
void copy_database(const std::filesystem::path& from, const std::filesystem::path& to);

// Removes a database file and its -wal and -shm companions.
void remove_database(const std::filesystem::path& path);

}  // namespace releasebot::bench
