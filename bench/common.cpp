// Result lines, latency statistics and the measured child process of bench/ (see common.hpp).
#include "bench/common.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace releasebot::bench {

namespace fs = std::filesystem;

double ms_between(SteadyClock::time_point from, SteadyClock::time_point to) {
    return std::chrono::duration<double, std::milli>(to - from).count();
}

double Latencies::percentile(double p) {
    if (ms_.empty()) return 0;
    if (!sorted_) {
        std::sort(ms_.begin(), ms_.end());
        sorted_ = true;
    }
    const double rank = std::ceil(p / 100.0 * static_cast<double>(ms_.size()));
    const std::size_t index = rank < 1 ? 0 : static_cast<std::size_t>(rank) - 1;
    return ms_[std::min(index, ms_.size() - 1)];
}

double Latencies::max() {
    return ms_.empty() ? 0 : *std::max_element(ms_.begin(), ms_.end());
}

Line::Line(const std::string& bench) : text_("bench=" + bench) {}

Line& Line::add(const std::string& key, const std::string& value) {
    text_ += " " + key + "=" + (value.empty() ? std::string("-") : value);
    return *this;
}

Line& Line::add(const std::string& key, const char* value) {
    return add(key, std::string(value));
}

Line& Line::add(const std::string& key, long long value) {
    return add(key, std::to_string(value));
}

Line& Line::add(const std::string& key, unsigned long long value) {
    return add(key, std::to_string(value));
}

Line& Line::add(const std::string& key, double value, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
    return add(key, std::string(buf));
}

// ---- ChildProcess ---------------------------------------------------------------------------

ChildProcess::ChildProcess(const std::vector<std::string>& args,
                           const std::vector<std::string>& env, const fs::path& log)
    : log_(log) {
    // Everything the child needs is built before fork: after it, only async-signal-safe calls.
    std::map<std::string, std::string> vars;
    for (char** e = environ; *e != nullptr; ++e) {
        std::string entry(*e);
        vars[entry.substr(0, entry.find('='))] = entry;
    }
    for (const auto& entry : env) vars[entry.substr(0, entry.find('='))] = entry;
    std::vector<std::string> env_strings;
    for (auto& [name, entry] : vars) env_strings.push_back(entry);
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> arg_strings = args;
    std::vector<char*> argv;
    for (auto& s : arg_strings) argv.push_back(s.data());
    argv.push_back(nullptr);

    const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out < 0) throw std::runtime_error("cannot write " + log.string() + ": " + strerror(errno));
    const int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    started_ = SteadyClock::now();
    pid_ = fork();
    if (pid_ < 0) {
        ::close(out);
        ::close(in);
        throw std::runtime_error(std::string("fork failed: ") + strerror(errno));
    }
    if (pid_ == 0) {
        if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0) _exit(126);
        execve(argv[0], argv.data(), envp.data());
        static const char message[] = "exec failed\n";
        [[maybe_unused]] const auto ignored = write(2, message, sizeof message - 1);
        _exit(127);
    }
    ::close(out);
    ::close(in);
}

ChildProcess::~ChildProcess() {
    if (!reaped_ && pid_ > 0) stop(SIGKILL, std::chrono::milliseconds(2000));
}

void ChildProcess::reap(int status, const ::rusage& ru) {
    reaped_ = true;
    usage_.peak_rss_kb = ru.ru_maxrss;
    usage_.cpu_s = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                   static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    usage_.exited = WIFEXITED(status);
    usage_.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
    usage_.term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

bool ChildProcess::running() {
    if (reaped_) return false;
    int status = 0;
    ::rusage ru{};
    const pid_t r = wait4(pid_, &status, WNOHANG, &ru);
    if (r == pid_) {
        reap(status, ru);
        return false;
    }
    return true;
}

double ChildProcess::cpu_seconds() const {
    if (reaped_) return 0;
    const std::string stat = read_file("/proc/" + std::to_string(pid_) + "/stat");
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const std::size_t close = stat.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream in(stat.substr(close + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && in >> field; ++i) {
        if (i == 14) utime = std::stoull(field);
        if (i == 15) stime = std::stoull(field);
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

namespace {

long status_field_kb(pid_t pid, const std::string& name) {
    const std::string status = read_file("/proc/" + std::to_string(pid) + "/status");
    const std::size_t at = status.find(name + ":");
    if (at == std::string::npos) return 0;
    return std::strtol(status.c_str() + at + name.size() + 1, nullptr, 10);
}

}  // namespace

long ChildProcess::rss_kb() const {
    return reaped_ ? 0 : status_field_kb(pid_, "VmRSS");
}

long ChildProcess::peak_rss_kb() const {
    return reaped_ ? 0 : status_field_kb(pid_, "VmHWM");
}

Usage ChildProcess::stop(int sig, std::chrono::milliseconds grace) {
    if (reaped_) return usage_;
    if (!running()) return usage_;
    ::kill(pid_, sig);
    const auto signalled = SteadyClock::now();
    const auto deadline = signalled + grace;
    while (SteadyClock::now() < deadline) {
        if (!running()) {
            usage_.stop_ms = ms_between(signalled, SteadyClock::now());
            return usage_;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::rusage ru{};
    if (wait4(pid_, &status, 0, &ru) == pid_) reap(status, ru);
    usage_.killed = true;
    usage_.stop_ms = ms_between(signalled, SteadyClock::now());
    return usage_;
}

std::string ChildProcess::log_tail(std::size_t bytes) const {
    const std::string all = read_file(log_);
    return all.size() <= bytes ? all : all.substr(all.size() - bytes);
}

// ---- helpers --------------------------------------------------------------------------------

int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot find a free port on 127.0.0.1");
    }
    const int port = ntohs(addr.sin_port);
    ::close(fd);
    return port;
}

std::string machine_load() {
    std::string load = read_file("/proc/loadavg");
    std::istringstream in(load);
    std::string one, five, fifteen;
    in >> one >> five >> fifteen;
    return "load=" + one + "/" + five + "/" + fifteen +
           " cpus=" + std::to_string(std::thread::hardware_concurrency());
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void remove_database(const fs::path& path) {
    std::error_code ignored;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
        fs::remove(path.string() + suffix, ignored);
}

void copy_database(const fs::path& from, const fs::path& to) {
    remove_database(to);
    fs::copy_file(from, to, fs::copy_options::overwrite_existing);
    if (fs::exists(from.string() + "-wal")) {
        fs::copy_file(from.string() + "-wal", to.string() + "-wal",
                      fs::copy_options::overwrite_existing);
    }
}

}  // namespace releasebot::bench
