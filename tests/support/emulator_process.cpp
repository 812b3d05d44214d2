// EmulatorProcess (emulator_process.hpp): fork/exec with only async-signal-safe calls in the
// child, a poll loop for the port line, and one kept-alive http::CurlClient per emulator (so
// tests keep one connection open) with Boost.JSON for the control API's error answers.
#include "support/emulator_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include "integrations/http/curl_client.hpp"
#include "support/eventually.hpp"

extern char** environ;

namespace releasebot::test {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

int open_or_throw(const fs::path& path, int flags) {
    const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0600);
    if (fd < 0) {
        throw std::runtime_error("cannot open " + path.string() + ": " + std::strerror(errno));
    }
    return fd;
}

// Starts argv[0] with the given descriptors as its stdin, stdout and stderr. Tests may run
// threads, so the child does only async-signal-safe calls until exec; every descriptor of ours
// is close-on-exec and dup2 clears that flag on the three it sets.
pid_t spawn_process(const std::vector<std::string>& args, int in_fd, int out_fd, int err_fd) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed: " + std::string(std::strerror(errno)));
    if (pid == 0) {
        if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0) _exit(126);
        execve(argv[0], argv.data(), environ);
        static const char message[] = "exec failed\n";
        [[maybe_unused]] const auto ignored = write(2, message, sizeof message - 1);
        _exit(127);
    }
    return pid;
}

}  // namespace

std::string read_text(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

fs::path make_temp_dir(const std::string& prefix) {
    std::string pattern = (fs::temp_directory_path() / (prefix + "XXXXXX")).string();
    if (mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("cannot create a temporary directory: " +
                                 std::string(std::strerror(errno)));
    }
    return pattern;
}

std::string find_program(const std::string& name) {
    if (const char* node = std::getenv("RELEASEBOT_NODE"); name == "node" && node && *node) {
        return node;
    }
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        const fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
        if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
    throw std::runtime_error("`" + name +
                             "` is not on PATH; install it with `bash scripts/install-deps`");
}

void make_self_signed_certificate(const fs::path& where, int days) {
    const fs::path log = where / "openssl.log";
    const int null_fd = open_or_throw("/dev/null", O_RDONLY);
    const int log_fd = open_or_throw(log, O_WRONLY | O_CREAT | O_TRUNC);
    pid_t pid = -1;
    try {
        pid = spawn_process({find_program("openssl"), "req", "-x509", "-newkey", "rsa:2048",
                             "-nodes", "-days", std::to_string(days), "-subj", "/CN=localhost",
                             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout",
                             (where / "key.pem").string(), "-out", (where / "cert.pem").string()},
                            null_fd, log_fd, log_fd);
    } catch (...) {
        ::close(null_fd);
        ::close(log_fd);
        throw;
    }
    ::close(null_fd);
    ::close(log_fd);
    const int status = wait_for_exit(pid, std::chrono::seconds(60));
    if (status != 0 || !fs::exists(where / "cert.pem")) {
        throw std::runtime_error("openssl could not make the emulator's certificate: " +
                                 read_text(log));
    }
}

struct EmulatorProcess::Impl {
    std::string name;
    std::string ca_file;
    fs::path dir;
    pid_t pid = -1;
    int stdin_fd = -1;
    int stdout_fd = -1;
    int port = 0;
    std::mutex mu;  // one request at a time on `client`
    std::unique_ptr<http::CurlClient> client;

    int read_port() {
        const auto deadline = Clock::now() + std::chrono::seconds(20);
        std::string output;
        while (Clock::now() < deadline) {
            pollfd p{stdout_fd, POLLIN, 0};
            const int ready = poll(&p, 1, 100);
            if (ready < 0 && errno != EINTR) break;
            if (ready <= 0) continue;
            char buffer[256];
            const ssize_t n = ::read(stdout_fd, buffer, sizeof buffer);
            if (n <= 0) break;  // the emulator exited
            output.append(buffer, static_cast<size_t>(n));
            const auto newline = output.find('\n');
            if (newline == std::string::npos) continue;
            const std::string line = output.substr(0, newline);
            if (line.rfind("listening ", 0) == 0) return std::stoi(line.substr(10));
            break;
        }
        stop_process();
        throw std::runtime_error("the " + name + " emulator did not start (stdout: \"" + output +
                                 "\"); its log:\n" + read_text(dir / "emulator.log"));
    }

    void stop_process() {
        if (stdin_fd >= 0) ::close(stdin_fd);  // the emulator exits when its stdin closes
        stdin_fd = -1;
        if (pid > 0) {
            kill(pid, SIGTERM);
            wait_for_exit(pid, std::chrono::seconds(3));  // SIGKILL after that
            pid = -1;
        }
        if (stdout_fd >= 0) ::close(stdout_fd);
        stdout_fd = -1;
    }
};

EmulatorProcess::EmulatorProcess(std::string name) : impl_(std::make_unique<Impl>()) {
    impl_->name = std::move(name);
}

EmulatorProcess::~EmulatorProcess() {
    stop();
}

void EmulatorProcess::start(const std::vector<std::string>& args, const std::string& dir_prefix,
                            const std::string& ca_file) {
    Impl& i = *impl_;
    i.ca_file = ca_file;
    i.dir = make_temp_dir(dir_prefix);
    const int log_fd = open_or_throw(log_path(), O_WRONLY | O_CREAT | O_TRUNC);
    int in_pipe[2];
    int out_pipe[2];
    if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0) {
        ::close(log_fd);
        throw std::runtime_error("pipe failed: " + std::string(std::strerror(errno)));
    }
    try {
        i.pid = spawn_process(args, in_pipe[0], out_pipe[1], log_fd);
    } catch (...) {
        for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], log_fd}) ::close(fd);
        throw;
    }
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    ::close(log_fd);
    i.stdin_fd = in_pipe[1];
    i.stdout_fd = out_pipe[0];
    i.port = i.read_port();
}

void EmulatorProcess::stop() {
    impl_->stop_process();
    impl_->client.reset();
    if (!impl_->dir.empty()) {
        std::error_code ignored;
        fs::remove_all(impl_->dir, ignored);
        impl_->dir.clear();
    }
}

int EmulatorProcess::port() const {
    return impl_->port;
}

std::string EmulatorProcess::base_url() const {
    return std::string(impl_->ca_file.empty() ? "http" : "https") +
           "://127.0.0.1:" + std::to_string(impl_->port);
}

fs::path EmulatorProcess::log_path() const {
    return impl_->dir / "emulator.log";
}

HttpReply EmulatorProcess::request(const std::string& verb, const std::string& path,
                                   const std::string& body,
                                   const std::vector<std::string>& headers) {
    std::lock_guard lock(impl_->mu);
    if (!impl_->client) {
        impl_->client =
            std::make_unique<http::CurlClient>(std::chrono::seconds(60), impl_->ca_file);
    }
    http::CurlReply r = impl_->client->perform(verb, base_url() + path, body, headers);
    return HttpReply{r.status, std::move(r.body), r.retry_after.value_or(""), std::move(r.error)};
}

std::string EmulatorProcess::control(const std::string& verb, const std::string& path,
                                     const std::string& body) {
    const HttpReply reply =
        request(verb, "/_emulator/" + path, body, {"Content-Type: application/json"});
    const std::string what = impl_->name + " emulator " + verb + " " + path + ": ";
    if (reply.status == 0) throw std::runtime_error(what + reply.error);
    if (reply.status != 200) {
        // The emulator says in "error" what the test did wrong; show that, not the JSON.
        std::string why = reply.body;
        std::error_code ec;
        const json::value answer = json::parse(reply.body, ec);
        if (!ec && answer.is_object()) {
            if (const auto* error = answer.as_object().if_contains("error");
                error != nullptr && error->is_string()) {
                why = std::string(error->get_string());
            }
        }
        throw std::runtime_error(what + why);
    }
    return reply.body;
}

}  // namespace releasebot::test
