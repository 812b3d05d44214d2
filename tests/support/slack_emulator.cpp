// SlackEmulator (slack_emulator.hpp): fork/exec of `node emulator.js`, the one-off certificate
// from the openssl CLI, and the control API over libcurl with Boost.JSON bodies.
#include "support/slack_emulator.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace releasebot::test {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

fs::path emulator_dir() {
    return fs::path(RELEASEBOT_SOURCE_DIR) / "tests/emulators/slack";
}

std::string read_file(const fs::path& path) {
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

// The PATH lookup happens before fork, since execvp is not async-signal-safe.
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

// Waits for `pid` up to `timeout`; returns its wait status, or -1 if it is still running.
int wait_for_exit(pid_t pid, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        int status = 0;
        const pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD)) return status;
        if (Clock::now() > deadline) return -1;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

// One self-signed certificate for the whole test process (RSA key generation is the slow part
// of starting an emulator); its directory goes away when the process exits.
struct Certificate {
    fs::path dir;
    fs::path cert;
    fs::path key;

    Certificate() {
        dir = make_temp_dir("releasebot-slack-cert-");
        cert = dir / "cert.pem";
        key = dir / "key.pem";
        const fs::path log = dir / "openssl.log";
        const int null_fd = open_or_throw("/dev/null", O_RDONLY);
        const int log_fd = open_or_throw(log, O_WRONLY | O_CREAT | O_TRUNC);
        const pid_t pid = spawn_process(
            {find_program("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
             "-keyout", key.string(), "-out", cert.string()},
            null_fd, log_fd, log_fd);
        ::close(null_fd);
        ::close(log_fd);
        const int status = wait_for_exit(pid, std::chrono::seconds(60));
        if (status != 0 || !fs::exists(cert)) {
            throw std::runtime_error("openssl could not make the emulator's certificate: " +
                                     read_file(log));
        }
    }
    ~Certificate() {
        std::error_code ignored;
        fs::remove_all(dir, ignored);
    }
};

const Certificate& certificate() {
    static const Certificate shared;
    return shared;
}

void init_curl() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t collect_body(char* data, size_t size, size_t count, void* out) {
    static_cast<std::string*>(out)->append(data, size * count);
    return size * count;
}

size_t collect_header(char* data, size_t size, size_t count, void* out) {
    const std::string line(data, size * count);
    const std::string name = "retry-after:";
    if (line.size() > name.size() && strncasecmp(line.c_str(), name.c_str(), name.size()) == 0) {
        std::string value = line.substr(name.size());
        const auto first = value.find_first_not_of(" \t");
        const auto last = value.find_last_not_of(" \t\r\n");
        *static_cast<std::string*>(out) =
            first == std::string::npos ? "" : value.substr(first, last - first + 1);
    }
    return size * count;
}

std::string number(double value) {
    std::ostringstream out;
    out << value;
    return out.str();
}

}  // namespace

struct SlackEmulator::Impl {
    SlackEmulatorOptions options;
    fs::path dir;
    pid_t pid = -1;
    int stdin_fd = -1;
    int stdout_fd = -1;
    int port = 0;
    std::mutex mu;
    CURL* curl = nullptr;

    ~Impl() { stop(); }

    fs::path log_path() const { return dir / "emulator.log"; }

    void start() {
        const fs::path script = emulator_dir() / "emulator.js";
        if (!fs::exists(emulator_dir() / "node_modules/ws/package.json")) {
            throw std::runtime_error(
                "the Slack emulator's npm packages are missing: run `npm ci` in " +
                emulator_dir().string() + " (bash scripts/test does)");
        }
        std::vector<std::string> args = {find_program("node"),
                                         script.string(),
                                         "--exit-with-stdin",
                                         "--ack-timeout-ms",
                                         std::to_string(options.ack_timeout_ms),
                                         "--max-redeliveries",
                                         std::to_string(options.max_redeliveries),
                                         "--rate-per-second",
                                         number(options.rate_per_second),
                                         "--rate-burst",
                                         std::to_string(options.rate_burst),
                                         "--ping-interval-ms",
                                         std::to_string(options.ping_interval_ms),
                                         "--drain-close-ms",
                                         std::to_string(options.drain_close_ms)};
        if (options.tls) {
            const Certificate& c = certificate();
            args.insert(args.end(), {"--cert", c.cert.string(), "--key", c.key.string()});
        }
        if (options.verbose) args.emplace_back("--verbose");

        dir = make_temp_dir("releasebot-slack-emulator-");
        const int log_fd = open_or_throw(log_path(), O_WRONLY | O_CREAT | O_TRUNC);
        int in_pipe[2];
        int out_pipe[2];
        if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0) {
            ::close(log_fd);
            throw std::runtime_error("pipe failed: " + std::string(std::strerror(errno)));
        }
        try {
            pid = spawn_process(args, in_pipe[0], out_pipe[1], log_fd);
        } catch (...) {
            for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], log_fd}) ::close(fd);
            throw;
        }
        ::close(in_pipe[0]);
        ::close(out_pipe[1]);
        ::close(log_fd);
        stdin_fd = in_pipe[1];
        stdout_fd = out_pipe[0];
        port = read_port();
    }

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
        throw std::runtime_error("the Slack emulator did not start (stdout: \"" + output +
                                 "\"); its log:\n" + read_file(log_path()));
    }

    void stop_process() {
        if (stdin_fd >= 0) ::close(stdin_fd);  // the emulator exits when its stdin closes
        stdin_fd = -1;
        if (pid > 0) {
            kill(pid, SIGTERM);
            if (wait_for_exit(pid, std::chrono::seconds(3)) == -1) {
                kill(pid, SIGKILL);
                waitpid(pid, nullptr, 0);
            }
            pid = -1;
        }
        if (stdout_fd >= 0) ::close(stdout_fd);
        stdout_fd = -1;
    }

    void stop() {
        stop_process();
        if (curl != nullptr) curl_easy_cleanup(curl);
        curl = nullptr;
        if (!dir.empty()) {
            std::error_code ignored;
            fs::remove_all(dir, ignored);
            dir.clear();
        }
    }

    std::string base_url() const {
        return std::string(options.tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port);
    }

    HttpReply request(const std::string& verb, const std::string& path, const std::string& body,
                      const std::vector<std::string>& headers) {
        std::lock_guard lock(mu);
        init_curl();
        if (curl == nullptr) curl = curl_easy_init();
        if (curl == nullptr) throw std::runtime_error("curl_easy_init failed");
        curl_easy_reset(curl);  // keeps the connection for the next request
        HttpReply reply;
        const std::string url = base_url() + path;
        char error[CURL_ERROR_SIZE] = {};
        curl_slist* list = nullptr;
        for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
        curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
        curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 60000L);
        curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_body);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
        curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect_header);
        curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply.retry_after);
        const std::string ca = options.tls ? certificate().cert.string() : "";
        if (options.tls) curl_easy_setopt(curl, CURLOPT_CAINFO, ca.c_str());
        if (verb == "GET") {
            curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
        } else {
            curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
            curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
            if (verb != "POST") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, verb.c_str());
        }
        const CURLcode code = curl_easy_perform(curl);
        curl_slist_free_all(list);
        if (code != CURLE_OK) {
            reply.error = std::string(curl_easy_strerror(code)) + (*error ? ": " : "") + error;
            return reply;
        }
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
        return reply;
    }

    std::string control(const std::string& verb, const std::string& path, const std::string& body) {
        const HttpReply reply =
            request(verb, "/_emulator/" + path, body, {"Content-Type: application/json"});
        if (reply.status == 0) {
            throw std::runtime_error("Slack emulator " + verb + " " + path + ": " + reply.error);
        }
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
            throw std::runtime_error("Slack emulator " + verb + " " + path + ": " + why);
        }
        return reply.body;
    }

    std::string envelope_of(const std::string& answer) {
        return std::string(json::parse(answer).at("envelope_id").as_string());
    }
};

SlackEmulator::SlackEmulator(bool tls) : SlackEmulator(SlackEmulatorOptions{.tls = tls}) {}

SlackEmulator::SlackEmulator(const SlackEmulatorOptions& options)
    : impl_(std::make_unique<Impl>()) {
    impl_->options = options;
    impl_->start();
}

SlackEmulator::~SlackEmulator() = default;

int SlackEmulator::port() const {
    return impl_->port;
}
std::string SlackEmulator::base_url() const {
    return impl_->base_url();
}
std::string SlackEmulator::api_url() const {
    return impl_->base_url() + "/api/";
}
std::string SlackEmulator::ca_file() const {
    return impl_->options.tls ? certificate().cert.string() : "";
}

std::string SlackEmulator::slash(const std::string& user, const std::string& channel,
                                 const std::string& text, const std::string& command) {
    const json::object body{
        {"user", user}, {"channel", channel}, {"text", text}, {"command", command}};
    return impl_->envelope_of(post("slash", json::serialize(body)));
}

std::string SlackEmulator::mention(const std::string& user, const std::string& channel,
                                   const std::string& text) {
    const json::object body{
        {"user", user}, {"channel", channel}, {"text", text}, {"type", "app_mention"}};
    return impl_->envelope_of(post("event", json::serialize(body)));
}

std::string SlackEmulator::action(const std::string& user, const std::string& channel,
                                  const std::string& message_ts, const std::string& action_id,
                                  const std::string& value) {
    json::object body{{"user", user}, {"channel", channel}, {"action_id", action_id}};
    if (!message_ts.empty()) body["message_ts"] = message_ts;
    if (!value.empty()) body["value"] = value;
    return impl_->envelope_of(post("action", json::serialize(body)));
}

std::string SlackEmulator::submit(
    const std::string& user,
    const std::map<std::string, std::map<std::string, std::string>>& values,
    const std::string& view_id) {
    json::object blocks;
    for (const auto& [block_id, actions] : values) {
        json::object fields;
        for (const auto& [action_id, value] : actions) fields[action_id] = value;
        blocks[block_id] = std::move(fields);
    }
    json::object body{{"user", user}, {"values", std::move(blocks)}};
    if (!view_id.empty()) body["view_id"] = view_id;
    return impl_->envelope_of(post("submit", json::serialize(body)));
}

std::string SlackEmulator::message(const std::string& user, const std::string& channel,
                                   const std::string& text) {
    const json::object body{{"user", user},
                            {"channel", channel},
                            {"text", text},
                            {"type", "message"},
                            {"channel_type", "im"}};
    return impl_->envelope_of(post("event", json::serialize(body)));
}

void SlackEmulator::users(const std::string& id, const std::string& name, const std::string& tz) {
    const json::object body{{id, json::object{{"name", name}, {"tz", tz}}}};
    post("users", json::serialize(body));
}

void SlackEmulator::disconnect(const std::string& reason) {
    post("disconnect", json::serialize(json::object{{"reason", reason}}));
}

void SlackEmulator::drop() {
    post("drop", "{}");
}

void SlackEmulator::fault(const std::string& method, int status, int count, int retry_after,
                          int delay_ms) {
    const json::object body{{"method", method},
                            {"status", status},
                            {"count", count},
                            {"retry_after", retry_after},
                            {"delay_ms", delay_ms}};
    post("fault", json::serialize(body));
}

void SlackEmulator::fault_error(const std::string& method, const std::string& error, int count) {
    const json::object body{{"method", method}, {"error", error}, {"count", count}};
    post("fault", json::serialize(body));
}

void SlackEmulator::reset() {
    post("reset", "{}");
}

bool SlackEmulator::wait_connections(int open, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        const json::value answer = json::parse(get("connections"));
        int ready = 0;
        for (const auto& link : answer.at("connections").as_array()) {
            if (link.at("state").as_string() == "open") ++ready;
        }
        if (ready >= open) return true;
        if (Clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

std::string SlackEmulator::wait_ack(const std::string& envelope_id,
                                    std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        const json::value answer = json::parse(get("acks?envelope_id=" + envelope_id));
        const auto& acks = answer.at("acks").as_array();
        if (!acks.empty()) return json::serialize(acks.front());
        if (Clock::now() > deadline) return "";
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

std::string SlackEmulator::get(const std::string& path) {
    return impl_->control("GET", path, "");
}

std::string SlackEmulator::post(const std::string& path, const std::string& json_body) {
    return impl_->control("POST", path, json_body);
}

HttpReply SlackEmulator::call(const std::string& method, const std::string& body,
                              const std::string& token, const std::string& content_type) {
    std::vector<std::string> headers = {"Content-Type: " + content_type};
    if (!token.empty()) headers.push_back("Authorization: Bearer " + token);
    return impl_->request("POST", "/api/" + method, body, headers);
}

HttpReply SlackEmulator::request(const std::string& verb, const std::string& path,
                                 const std::string& body, const std::vector<std::string>& headers) {
    return impl_->request(verb, path, body, headers);
}

std::string SlackEmulator::log() const {
    return read_file(impl_->log_path());
}

}  // namespace releasebot::test
