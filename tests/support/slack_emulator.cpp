// SlackEmulator (slack_emulator.hpp): the Slack emulator's command line and its control API with
// Boost.JSON bodies; the process, the certificate and the HTTP calls are EmulatorProcess's
// (emulator_process.hpp).
#include "support/slack_emulator.hpp"

#include <boost/json.hpp>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "support/emulator_process.hpp"
#include "support/eventually.hpp"

namespace releasebot::test {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

fs::path emulator_dir() {
    return fs::path(RELEASEBOT_SOURCE_DIR) / "tests/emulators/slack";
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
        make_self_signed_certificate(dir, 2);
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

std::string number(double value) {
    std::ostringstream out;
    out << value;
    return out.str();
}

}  // namespace

struct SlackEmulator::Impl {
    SlackEmulatorOptions options;
    EmulatorProcess process{"Slack"};

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
        std::string ca;
        if (options.tls) {
            const Certificate& c = certificate();
            args.insert(args.end(), {"--cert", c.cert.string(), "--key", c.key.string()});
            ca = c.cert.string();
        }
        if (options.verbose) args.emplace_back("--verbose");
        process.start(args, "releasebot-slack-emulator-", ca);
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
    return impl_->process.port();
}
std::string SlackEmulator::base_url() const {
    return impl_->process.base_url();
}
std::string SlackEmulator::api_url() const {
    return impl_->process.base_url() + "/api/";
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
    return eventually(
        [&] {
            const json::value answer = json::parse(get("connections"));
            int ready = 0;
            for (const auto& link : answer.at("connections").as_array()) {
                if (link.at("state").as_string() == "open") ++ready;
            }
            return ready >= open;
        },
        timeout);
}

std::string SlackEmulator::wait_ack(const std::string& envelope_id,
                                    std::chrono::milliseconds timeout) {
    std::string ack;
    eventually(
        [&] {
            const json::value answer = json::parse(get("acks?envelope_id=" + envelope_id));
            const auto& acks = answer.at("acks").as_array();
            if (!acks.empty()) ack = json::serialize(acks.front());
            return !ack.empty();
        },
        timeout);
    return ack;
}

std::string SlackEmulator::get(const std::string& path) {
    return impl_->process.control("GET", path, "");
}

std::string SlackEmulator::post(const std::string& path, const std::string& json_body) {
    return impl_->process.control("POST", path, json_body);
}

HttpReply SlackEmulator::call(const std::string& method, const std::string& body,
                              const std::string& token, const std::string& content_type) {
    std::vector<std::string> headers = {"Content-Type: " + content_type};
    if (!token.empty()) headers.push_back("Authorization: Bearer " + token);
    return impl_->process.request("POST", "/api/" + method, body, headers);
}

HttpReply SlackEmulator::request(const std::string& verb, const std::string& path,
                                 const std::string& body, const std::vector<std::string>& headers) {
    return impl_->process.request(verb, path, body, headers);
}

std::string SlackEmulator::log() const {
    return read_text(impl_->process.log_path());
}

}  // namespace releasebot::test
