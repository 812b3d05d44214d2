// TeamsEmulator (teams_emulator.hpp): fork/exec of `node emulator.js` from tests/emulators/teams,
// a self-signed certificate from the openssl CLI (made once a day and shared, with the
// emulator's RSA keys, by every test process), and the control API over libcurl with Boost.JSON
// bodies. The process plumbing follows SlackEmulator's (slack_emulator.cpp keeps its
// helpers private to that file, so the few lines are repeated here rather than shared).
#include "support/teams_emulator.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cctype>
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
    return fs::path(RELEASEBOT_SOURCE_DIR) / "tests/emulators/teams";
}

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

// Starts argv[0] with the given descriptors as its stdin, stdout and stderr. Tests run threads,
// so the child makes only async-signal-safe calls until exec.
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

// The emulator's TLS certificate and RSA signing keys, made once and shared by every test
// process of the day: ctest runs each test case in its own process, and key generation (four
// 2048-bit RSA keys) would otherwise dominate each one. The directory is private to this user
// and named by the day, so a certificate (valid three days) is never used near its expiry.
// Concurrent first runs each build a candidate directory and the first rename wins.
struct Certificate {
    fs::path dir;
    fs::path cert;
    fs::path key;

    Certificate() {
        const auto days = std::chrono::duration_cast<std::chrono::hours>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count() /
                          24;
        dir = fs::temp_directory_path() / ("releasebot-teams-emulator-" + std::to_string(getuid()) +
                                           "-" + std::to_string(days));
        cert = dir / "cert.pem";
        key = dir / "key.pem";
        if (usable()) return;
        const fs::path candidate = make_temp_dir("releasebot-teams-cert-");
        make(candidate);
        std::error_code ec;
        fs::rename(candidate, dir, ec);
        if (ec) {
            // Another process won the race (or an unusable leftover is in the way).
            fs::remove_all(candidate, ec);
            if (!usable()) {
                throw std::runtime_error("cannot prepare the Teams emulator's certificate in " +
                                         dir.string());
            }
        }
    }

    bool usable() const {
        struct stat info {};
        return ::stat(dir.c_str(), &info) == 0 && info.st_uid == getuid() &&
               (info.st_mode & 077) == 0 && fs::exists(cert) && fs::exists(key);
    }

    static void make(const fs::path& where) {
        const fs::path log = where / "openssl.log";
        const int null_fd = open_or_throw("/dev/null", O_RDONLY);
        const int log_fd = open_or_throw(log, O_WRONLY | O_CREAT | O_TRUNC);
        const pid_t pid = spawn_process(
            {find_program("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3",
             "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
             "-keyout", (where / "key.pem").string(), "-out", (where / "cert.pem").string()},
            null_fd, log_fd, log_fd);
        ::close(null_fd);
        ::close(log_fd);
        const int status = wait_for_exit(pid, std::chrono::seconds(60));
        if (status != 0 || !fs::exists(where / "cert.pem")) {
            const std::string why = read_text(log);
            std::error_code ignored;
            fs::remove_all(where, ignored);
            throw std::runtime_error("openssl could not make the emulator's certificate: " + why);
        }
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

const char* kind_name(TeamsToken kind) {
    switch (kind) {
        case TeamsToken::valid:
            return "valid";
        case TeamsToken::none:
            return "none";
        case TeamsToken::expired:
            return "expired";
        case TeamsToken::no_exp:
            return "no_exp";
        case TeamsToken::not_yet_valid:
            return "not_yet_valid";
        case TeamsToken::wrong_audience:
            return "wrong_audience";
        case TeamsToken::wrong_issuer:
            return "wrong_issuer";
        case TeamsToken::wrong_service_url:
            return "wrong_service_url";
        case TeamsToken::forged:
            return "forged";
        case TeamsToken::unknown_kid:
            return "unknown_kid";
        case TeamsToken::alg_none:
            return "alg_none";
        case TeamsToken::hs256_public_key:
            return "hs256_public_key";
        case TeamsToken::not_endorsed:
            return "not_endorsed";
    }
    return "valid";
}

json::object user_json(const TeamsUser& user) {
    json::object out{{"id", user.id}};
    if (!user.name.empty()) out["name"] = user.name;
    if (!user.aad.empty()) out["aad"] = user.aad;
    return out;
}

std::string url_encode(const std::string& text) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (const unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

}  // namespace

struct TeamsEmulator::Impl {
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
        const Certificate& c = certificate();
        const std::vector<std::string> args = {
            find_program("node"), script.string(), "--exit-with-stdin", "--cert", c.cert.string(),
            "--key", c.key.string(), "--app-id", kTeamsAppId, "--app-password", kTeamsAppPassword,
            "--tenant", kTeamsTenantId, "--issuer", kTeamsIssuer,
            // the RSA keys live next to the certificate, shared by test processes
            "--key-cache", c.dir.string()};
        dir = make_temp_dir("releasebot-teams-emulator-");
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
        throw std::runtime_error("the Teams emulator did not start (stdout: \"" + output +
                                 "\"); its log:\n" + read_text(log_path()));
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

    std::string base_url() const { return "https://127.0.0.1:" + std::to_string(port); }

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
        const std::string ca = certificate().cert.string();
        curl_easy_setopt(curl, CURLOPT_CAINFO, ca.c_str());
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
            throw std::runtime_error("Teams emulator " + verb + " " + path + ": " + reply.error);
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
            throw std::runtime_error("Teams emulator " + verb + " " + path + ": " + why);
        }
        return reply.body;
    }

    std::string activity(const std::string& kind, json::object body) {
        return control("POST", "activity/" + kind, json::serialize(body));
    }
};

TeamsEmulator::TeamsEmulator() : impl_(std::make_unique<Impl>()) {
    impl_->start();
}

TeamsEmulator::~TeamsEmulator() = default;

int TeamsEmulator::port() const {
    return impl_->port;
}
std::string TeamsEmulator::base_url() const {
    return impl_->base_url();
}
std::string TeamsEmulator::service_url() const {
    return impl_->base_url() + "/amer/";
}
std::string TeamsEmulator::metadata_url() const {
    return impl_->base_url() + "/v1/.well-known/openidconfiguration";
}
std::string TeamsEmulator::token_url() const {
    return impl_->base_url() + "/botframework.com/oauth2/v2.0/token";
}
std::string TeamsEmulator::ca_file() const {
    return certificate().cert.string();
}

std::string TeamsEmulator::token(TeamsToken kind, const std::string& service_url) {
    const json::object body{
        {"kind", kind_name(kind)},
        {"service_url", service_url.empty() ? this->service_url() : service_url}};
    const json::value answer = json::parse(post("token", json::serialize(body)));
    return std::string(answer.at("token").as_string());
}

HttpReply TeamsEmulator::send(const std::string& bot_url, const std::string& activity_json,
                              TeamsToken kind) {
    // A body that is not JSON goes as a string, so tests can check the bot's 400.
    std::error_code ec;
    json::value activity = json::parse(activity_json, ec);
    if (ec) activity = json::string(activity_json);
    const json::object body{
        {"bot_url", bot_url}, {"activity", std::move(activity)}, {"token", kind_name(kind)}};
    const json::value answer = json::parse(post("send", json::serialize(body)));
    HttpReply reply;
    reply.status = answer.at("status").to_number<long>();
    reply.body = std::string(answer.at("body").as_string());
    if (const auto* error = answer.as_object().if_contains("error"); error && error->is_string()) {
        reply.error = std::string(error->get_string());
    }
    if (const auto* headers = answer.as_object().if_contains("headers");
        headers && headers->is_object()) {
        if (const auto* ra = headers->as_object().if_contains("retry-after");
            ra && ra->is_string()) {
            reply.retry_after = std::string(ra->get_string());
        }
    }
    return reply;
}

std::string TeamsEmulator::message(const TeamsUser& from, const std::string& conversation,
                                   const std::string& text, const std::string& type,
                                   bool mention_bot) {
    return impl_->activity("message", {{"from", user_json(from)},
                                       {"conversation", conversation},
                                       {"text", text},
                                       {"type", type},
                                       {"mention_bot", mention_bot}});
}

std::string TeamsEmulator::submit(const TeamsUser& from, const std::string& conversation,
                                  const std::string& value_json, const std::string& type) {
    return impl_->activity("submit", {{"from", user_json(from)},
                                      {"conversation", conversation},
                                      {"value", json::parse(value_json)},
                                      {"type", type}});
}

std::string TeamsEmulator::execute(const TeamsUser& from, const std::string& conversation,
                                   const std::string& verb, const std::string& data_json,
                                   const std::string& type) {
    return impl_->activity("execute", {{"from", user_json(from)},
                                       {"conversation", conversation},
                                       {"verb", verb},
                                       {"data", json::parse(data_json.empty() ? "{}" : data_json)},
                                       {"type", type}});
}

std::string TeamsEmulator::installed(const TeamsUser& user_or_bot_added,
                                     const std::string& conversation, const std::string& type) {
    return impl_->activity(
        "installed",
        {{"added", user_json(user_or_bot_added)}, {"conversation", conversation}, {"type", type}});
}

std::string TeamsEmulator::installed_by(const TeamsUser& installer, const TeamsUser& added,
                                        const std::string& conversation, const std::string& type) {
    return impl_->activity("installed", {{"added", user_json(added)},
                                         {"installer", user_json(installer)},
                                         {"conversation", conversation},
                                         {"type", type}});
}

TeamsUser TeamsEmulator::bot_user() {
    return {std::string("28:") + kTeamsAppId, "releasebot", ""};
}

std::string TeamsEmulator::sent(const std::string& conversation) {
    return get(conversation.empty() ? "sent" : "sent?conversation=" + url_encode(conversation));
}

std::string TeamsEmulator::created_conversations() {
    return get("conversations");
}

void TeamsEmulator::fault(const std::string& what, int status, int count, int retry_after,
                          int delay_ms) {
    const json::object body{{"what", what},
                            {"status", status},
                            {"count", count},
                            {"retry_after", retry_after},
                            {"delay_ms", delay_ms}};
    post("fault", json::serialize(body));
}

void TeamsEmulator::rotate_key() {
    post("rotate", "{}");
}

long TeamsEmulator::fetches(const std::string& what) {
    const json::value answer = json::parse(get("fetches"));
    const auto* count = answer.as_object().if_contains(what);
    if (count == nullptr) {
        throw std::runtime_error("Teams emulator counts no \"" + what +
                                 "\" fetches; ask for metadata, jwks, token or connector");
    }
    return count->to_number<long>();
}

void TeamsEmulator::reset() {
    post("reset", "{}");
}

std::string TeamsEmulator::signing_kid() {
    const json::value answer = json::parse(get("info"));
    return std::string(answer.at("signing_kid").as_string());
}

std::string TeamsEmulator::access_token() {
    const std::string form = "grant_type=client_credentials&client_id=" + url_encode(kTeamsAppId) +
                             "&client_secret=" + url_encode(kTeamsAppPassword) +
                             "&scope=" + url_encode("https://api.botframework.com/.default");
    const HttpReply reply = request("POST", "/botframework.com/oauth2/v2.0/token", form,
                                    {"Content-Type: application/x-www-form-urlencoded"});
    if (reply.status != 200) {
        throw std::runtime_error("Teams emulator token endpoint answered " +
                                 std::to_string(reply.status) + " " + reply.error + reply.body);
    }
    return std::string(json::parse(reply.body).at("access_token").as_string());
}

std::string TeamsEmulator::get(const std::string& path) {
    return impl_->control("GET", path, "");
}

std::string TeamsEmulator::post(const std::string& path, const std::string& json_body) {
    return impl_->control("POST", path, json_body);
}

HttpReply TeamsEmulator::request(const std::string& verb, const std::string& path,
                                 const std::string& body, const std::vector<std::string>& headers) {
    return impl_->request(verb, path, body, headers);
}

std::string TeamsEmulator::log() const {
    return read_text(impl_->log_path());
}

}  // namespace releasebot::test
