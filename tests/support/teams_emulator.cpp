// TeamsEmulator (teams_emulator.hpp): the Teams emulator's command line, a self-signed
// certificate made once a day and shared (with the emulator's RSA keys) by every test process,
// and the control API with Boost.JSON bodies; the process and the HTTP calls are
// EmulatorProcess's (emulator_process.hpp).
#include "support/teams_emulator.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <stdexcept>

#include "commands/text_util.hpp"
#include "support/emulator_process.hpp"

namespace releasebot::test {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

fs::path emulator_dir() {
    return fs::path(RELEASEBOT_SOURCE_DIR) / "tests/emulators/teams";
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
        try {
            make_self_signed_certificate(where, 3);
        } catch (...) {
            std::error_code ignored;
            fs::remove_all(where, ignored);
            throw;
        }
    }
};

const Certificate& certificate() {
    static const Certificate shared;
    return shared;
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

}  // namespace

struct TeamsEmulator::Impl {
    EmulatorProcess process{"Teams"};

    void start(bool anonymous) {
        const fs::path script = emulator_dir() / "emulator.js";
        const Certificate& c = certificate();
        std::vector<std::string> args = {
            find_program("node"), script.string(), "--exit-with-stdin", "--cert", c.cert.string(),
            "--key", c.key.string(), "--app-id", kTeamsAppId, "--app-password", kTeamsAppPassword,
            "--tenant", kTeamsTenantId, "--issuer", kTeamsIssuer,
            // the RSA keys live next to the certificate, shared by test processes
            "--key-cache", c.dir.string()};
        if (anonymous) args.push_back("--anonymous");
        process.start(args, "releasebot-teams-emulator-", c.cert.string());
    }

    std::string activity(const std::string& kind, json::object body) {
        return process.control("POST", "activity/" + kind, json::serialize(body));
    }
};

TeamsEmulator::TeamsEmulator(TeamsChannel channel) : impl_(std::make_unique<Impl>()) {
    impl_->start(channel == TeamsChannel::local);
}

TeamsEmulator::~TeamsEmulator() = default;

int TeamsEmulator::port() const {
    return impl_->process.port();
}
std::string TeamsEmulator::base_url() const {
    return impl_->process.base_url();
}
std::string TeamsEmulator::service_url() const {
    return impl_->process.base_url() + "/amer/";
}
std::string TeamsEmulator::metadata_url() const {
    return impl_->process.base_url() + "/v1/.well-known/openidconfiguration";
}
std::string TeamsEmulator::token_url() const {
    return impl_->process.base_url() + "/botframework.com/oauth2/v2.0/token";
}
std::string TeamsEmulator::ca_file() const {
    return certificate().cert.string();
}

teams::BotAuthOptions TeamsEmulator::bot_auth_options() const {
    teams::BotAuthOptions o;
    o.app_id = kTeamsAppId;
    o.metadata_url = metadata_url();
    o.issuer = kTeamsIssuer;
    o.ca_file = ca_file();
    return o;
}

teams::ConnectorOptions TeamsEmulator::connector_options() const {
    teams::ConnectorOptions o;
    o.app_id = kTeamsAppId;
    o.app_password = kTeamsAppPassword;
    o.token_url = token_url();
    o.ca_file = ca_file();
    return o;
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
    return get(conversation.empty() ? "sent" : "sent?conversation=" + percent_encode(conversation));
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
    const std::string form =
        "grant_type=client_credentials&client_id=" + percent_encode(kTeamsAppId) +
        "&client_secret=" + percent_encode(kTeamsAppPassword) +
        "&scope=" + percent_encode("https://api.botframework.com/.default");
    const HttpReply reply = request("POST", "/botframework.com/oauth2/v2.0/token", form,
                                    {"Content-Type: application/x-www-form-urlencoded"});
    if (reply.status != 200) {
        throw std::runtime_error("Teams emulator token endpoint answered " +
                                 std::to_string(reply.status) + " " + reply.error + reply.body);
    }
    return std::string(json::parse(reply.body).at("access_token").as_string());
}

std::string TeamsEmulator::get(const std::string& path) {
    return impl_->process.control("GET", path, "");
}

std::string TeamsEmulator::post(const std::string& path, const std::string& json_body) {
    return impl_->process.control("POST", path, json_body);
}

HttpReply TeamsEmulator::request(const std::string& verb, const std::string& path,
                                 const std::string& body, const std::vector<std::string>& headers) {
    return impl_->process.request(verb, path, body, headers);
}

std::string TeamsEmulator::log() const {
    return read_text(impl_->process.log_path());
}

}  // namespace releasebot::test
