// Config: the settings of `releasebot serve`, read from a TOML file (toml++; its types stay in
// config.cpp) and overridden by the environment.
//
// Sources, later wins: the file; the variables `releasebot slack` always read (SLACK_BOT_TOKEN,
// SLACK_APP_TOKEN, SLACK_API_URL, SLACK_CA_FILE); RELEASEBOT_<SECTION>_<KEY> for every setting
// (RELEASEBOT_SLACK_BOT_TOKEN, RELEASEBOT_HTTP_LISTEN, RELEASEBOT_HEALTH_CHECKS_LEAD, …). A secret
// may instead be read from a file named by `<key>_file` (bot_token_file = "/run/secrets/…",
// or RELEASEBOT_SLACK_BOT_TOKEN_FILE); its trailing newline is dropped.
//
// Loading checks everything serve will need, so a bad setting stops start-up before any
// adapter runs, with one message that names the setting and says what it expects. Secrets never
// appear in those messages, nor in describe().
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "bot/runtime/log.hpp"
#include "commands/result.hpp"

namespace releasebot {

// A secret's value and where it came from, so check-config can say so without showing it.
struct Secret {
    std::string value;
    std::string source;  // "the file", "RELEASEBOT_SLACK_BOT_TOKEN", "file /run/secrets/x", …
    bool set() const { return !value.empty(); }
};

struct SlackSettings {
    bool enabled = false;   // a [slack] table or any Slack variable
    Secret bot_token;       // xoxb-…: the Web API, for everything the bot says
    Secret app_token;       // xapp-…: Socket Mode only
    Secret signing_secret;  // the Events API over HTTP only
    std::string api_url = "https://slack.com/api/";
    std::string ca_file;  // extra CA bundle (tests, TLS-intercepting proxies)
    bool socket_mode = true;
    int connections = 1;  // 1..10
    bool http = false;    // Events API receiver at /slack/
};

struct TeamsSettings {
    bool enabled = false;  // a [teams] table or any Teams variable
    std::string app_id;    // empty: unauthenticated local use, loopback only
    Secret app_password;
    std::string tenant;               // single-tenant bots: the token endpoint of this tenant
    std::string token_url;            // or the token endpoint itself
    std::string openid_metadata_url;  // ToBotFromChannelOpenIdMetadataUrl
    std::string token_issuer;         // ToBotFromChannelTokenIssuer
    std::string ca_file;

    // The OAuth token endpoint outbound calls use (token_url, else the tenant's, else
    // botframework.com's).
    std::string effective_token_url() const;
};

struct HttpSettings {
    bool enabled = true;  // false only for `releasebot slack`, which serves no HTTP
    std::string address = "127.0.0.1";
    int port = 8080;  // 0 picks a free port (tests)
    // Where the listener is reachable from outside ("https://releasebot.example.com"), so
    // `calendar link` and `ci secret` can show whole URLs; empty: they show paths.
    std::string public_url;
    bool loopback() const;
};

// How the health-check worker polls the health-check URLs of release controls (`control
// check`): from `lead` before a window until it opens, every `interval`, each GET given
// `timeout`.
struct HealthCheckSettings {
    std::chrono::seconds lead{3600};
    std::chrono::seconds interval{60};
    std::chrono::seconds timeout{10};
};

// When `release start` is accepted: from `start_lead` before a release's window opens until it
// closes (a manager may start outside it with an override).
struct ReleaseSettings {
    std::chrono::seconds start_lead{15 * 60};
};

struct LogSettings {
    log::Level level = log::Level::info;
    log::Format format = log::Format::plain;
};

struct Config {
    std::string source;  // the file read, or "" when only the environment was
    std::string database = "./releasebot.db";
    SlackSettings slack;
    TeamsSettings teams;
    HttpSettings http;
    LogSettings log;
    HealthCheckSettings health_checks;
    ReleaseSettings releases;
    // Things worth saying at start that do not stop it (e.g. Teams without an app id).
    std::vector<std::string> warnings;

    // Every secret value that is set, for log redaction.
    std::vector<std::string> secrets() const;
};

using Environment = std::map<std::string, std::string>;

// The process environment as a map.
Environment process_environment();

// Reads `path` (none when empty: defaults and the environment only) and `env`, and checks the
// result. The error message names the setting ("slack.connections") or the variable that set
// it, and what it expects.
Result<Config> load_config(const std::string& path, const Environment& env);

// The documented example configuration, deploy/releasebot.toml: every setting's documentation,
// from the one place each is declared.
std::string sample_config();

// What `releasebot check-config` prints: the adapters that will run, the listen address, the
// database and the log settings, each secret shown only as "(set, N chars, from …)".
std::string describe(const Config& config);

}  // namespace releasebot
