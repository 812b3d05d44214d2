// Config loading: TOML file, then the environment, then checks. See config.hpp.
//
// Every setting is declared once in kSettings: its key, the Config member it sets and how its
// value is read and checked, its variables and its documentation. The file walk, the environment
// overrides, the unknown-key checks, the messages, apply_settings and deploy/releasebot.toml
// (sample_config()) all come from that table, so a new setting is one entry there.
#include "bot/app/config.hpp"

#include <arpa/inet.h>
#include <sys/stat.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "commands/time_parse.hpp"

extern char** environ;

namespace releasebot {

namespace {

// One setting as given by its last source, before conversion.
struct Raw {
    enum class Kind { string, boolean, integer, other } kind = Kind::string;
    std::string text;
    bool boolean = false;
    long long integer = 0;
    std::string what;      // the TOML type name when kind is other ("an array")
    std::string name;      // how messages call it: "slack.connections" or the variable
    std::string source;    // for check-config: "the file", "RELEASEBOT_…", "SLACK_BOT_TOKEN"
    bool is_file = false;  // a *_file reference: text is the path to read the secret from
};

std::string upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

std::string in_quotes(const std::string& s) {
    return "\"" + s + "\"";
}

std::string toml_type_name(const toml::node& node) {
    switch (node.type()) {
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "a number";
        case toml::node_type::floating_point:
            return "a number";
        case toml::node_type::boolean:
            return "true or false";
        case toml::node_type::table:
            return "a table";
        case toml::node_type::array:
            return "an array";
        default:
            return "a date or time";
    }
}

Raw raw_from_toml(const toml::node& node, std::string name) {
    Raw raw;
    raw.name = std::move(name);
    raw.source = "the file";
    if (auto s = node.value<std::string>(); s && node.is_string()) {
        raw.kind = Raw::Kind::string;
        raw.text = *s;
    } else if (node.is_boolean()) {
        raw.kind = Raw::Kind::boolean;
        raw.boolean = *node.value<bool>();
    } else if (node.is_integer()) {
        raw.kind = Raw::Kind::integer;
        raw.integer = *node.value<long long>();
    } else {
        raw.kind = Raw::Kind::other;
        raw.what = toml_type_name(node);
    }
    return raw;
}

Raw raw_from_env(const std::string& variable, const std::string& value) {
    Raw raw;
    raw.kind = Raw::Kind::string;
    raw.text = value;
    raw.name = variable;
    raw.source = variable;
    return raw;
}

std::string kind_words(const Raw& raw) {
    switch (raw.kind) {
        case Raw::Kind::string:
            return "a string";
        case Raw::Kind::boolean:
            return "true or false";
        case Raw::Kind::integer:
            return "a number";
        case Raw::Kind::other:
            return raw.what;
    }
    return "something else";
}

bool from_environment(const Raw& raw) {
    return raw.source != "the file";
}

// The settings as given, keyed "section.key".
using RawSettings = std::map<std::string, Raw>;

Result<std::string> read_text_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return invalid(std::strerror(errno));
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// ---- conversions ----------------------------------------------------------------------------

Result<std::string> as_string(const Raw& raw) {
    if (raw.kind != Raw::Kind::string) {
        return invalid(raw.name + " must be a string in quotes (it is " + kind_words(raw) + ").");
    }
    return raw.text;
}

Result<bool> as_bool(const Raw& raw) {
    if (raw.kind == Raw::Kind::boolean) return raw.boolean;
    if (raw.kind == Raw::Kind::string && from_environment(raw)) {
        for (const char* t : {"true", "1", "yes", "on"}) {
            if (raw.text == t) return true;
        }
        for (const char* f : {"false", "0", "no", "off"}) {
            if (raw.text == f) return false;
        }
        return invalid(raw.name + " must be true or false (it is " + in_quotes(raw.text) + ").");
    }
    return invalid(raw.name + " must be true or false (it is " + kind_words(raw) + ").");
}

Result<long long> as_integer(const Raw& raw) {
    if (raw.kind == Raw::Kind::integer) return raw.integer;
    if (raw.kind == Raw::Kind::string && from_environment(raw)) {
        const std::string& t = raw.text;
        if (!t.empty() && t.size() < 10 && t.find_first_not_of("0123456789") == std::string::npos) {
            return std::stoll(t);
        }
        return invalid(raw.name + " must be a whole number (it is " + in_quotes(raw.text) + ").");
    }
    return invalid(raw.name + " must be a whole number (it is " + kind_words(raw) + ").");
}

// A secret's value: inline, or the content of the file named, without its trailing newline.
Result<Secret> as_secret(const Raw& raw) {
    if (raw.kind != Raw::Kind::string) {
        return invalid(raw.name + " must be a string in quotes (it is " + kind_words(raw) + ").");
    }
    Secret secret;
    if (!raw.is_file) {
        secret.value = raw.text;
        secret.source = raw.source;
        return secret;
    }
    if (raw.text.empty()) {
        return invalid(raw.name + " is empty: set it to the path of the file holding the secret.");
    }
    auto content = read_text_file(raw.text);
    if (!content) {
        return invalid(raw.name + ": cannot read " + raw.text + " (" + content.error().message +
                       ").");
    }
    std::string value = std::move(*content);
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
    if (value.empty()) return invalid(raw.name + ": " + raw.text + " is empty.");
    secret.value = std::move(value);
    secret.source = "file " + raw.text;
    return secret;
}

bool is_http_url(const std::string& url) {
    return (url.rfind("https://", 0) == 0 && url.size() > 8) ||
           (url.rfind("http://", 0) == 0 && url.size() > 7);
}

Status check_url(const Raw& raw, const std::string& value, const std::string& example) {
    if (is_http_url(value)) return ok_status();
    return invalid(raw.name + " must be an http:// or https:// URL, e.g. " + example + " (it is " +
                   in_quotes(value) + ").");
}

Status check_readable(const Raw& raw, const std::string& path) {
    if (path.empty()) return ok_status();
    std::ifstream in(path);
    if (in) return ok_status();
    return invalid(raw.name + ": cannot read " + path + " (" + std::strerror(errno) + ").");
}

// "127.0.0.1:8080", "[::1]:8080", "localhost:8080".
Status parse_listen(const Raw& raw, const std::string& text, HttpSettings& http) {
    const Error bad = invalid(raw.name +
                              " must be address:port with a numeric IP address, e.g. "
                              "127.0.0.1:8080 or [::1]:8080 (it is " +
                              in_quotes(text) + ").");
    std::string address;
    std::string port;
    if (!text.empty() && text.front() == '[') {
        const std::size_t close = text.find(']');
        if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return bad;
        }
        address = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        const std::size_t colon = text.rfind(':');
        if (colon == std::string::npos) return bad;
        address = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    if (address == "localhost") address = "127.0.0.1";
    unsigned char buf[16];
    const bool ip = inet_pton(AF_INET, address.c_str(), buf) == 1 ||
                    inet_pton(AF_INET6, address.c_str(), buf) == 1;
    if (!ip || port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535) {
        return bad;
    }
    http.address = address;
    http.port = std::stoi(port);
    return ok_status();
}

const Raw* find(const RawSettings& raw, const std::string& id) {
    auto it = raw.find(id);
    return it == raw.end() ? nullptr : &it->second;
}

std::string secret_hint(const std::string& section, const std::string& key) {
    return "Set " + key + " or " + key + "_file in [" + section + "], or RELEASEBOT_" +
           upper(section) + "_" + upper(key) + ".";
}
// ---- the settings ---------------------------------------------------------------------------

struct Setting;
// Converts and checks a setting's value as given, and stores it in the Config.
using Apply = Status (*)(const Setting&, const Raw&, Config&);

// One setting, declared once: the file walk, the environment overrides, the unknown-key
// messages, the conversion into Config and deploy/releasebot.toml all come from it.
struct Setting {
    std::string_view section;
    std::string_view key;
    Apply apply;  // which member of Config it sets, and how it reads and checks the value
    // Its documentation: its comments and line(s) in deploy/releasebot.toml (commented out when
    // the example leaves it at its default, which is the Config member's initial value), after
    // a newline that only lets the text start at the margin.
    std::string_view doc;
    bool secret = false;            // also <key>_file, and shown only as "(set, N chars)"
    std::string_view legacy = {};   // the variable `releasebot slack` reads for it too
    std::string_view example = {};  // a valid value, for messages
    long long min = 0;              // durations in seconds, whole numbers
    long long max = 0;
    int doc_order = 0;  // its place in its section of deploy/releasebot.toml, when not this one
};

// The Config member at the end of a path of member pointers (&Config::slack, &SlackSettings::http).
template <auto... Path>
auto& member(Config& config) {
    return (config.*....*Path);
}

// A value converted by `Convert` (as_string, as_secret, as_bool) into the member at `Path`.
template <auto Convert, auto... Path>
Status set(const Setting&, const Raw& raw, Config& config) {
    auto v = Convert(raw);
    if (!v) return v.error();
    member<Path...>(config) = std::move(*v);
    return ok_status();
}

template <auto... Path>
constexpr Apply set_string = set<as_string, Path...>;
template <auto... Path>
constexpr Apply set_secret = set<as_secret, Path...>;
template <auto... Path>
constexpr Apply set_bool = set<as_bool, Path...>;

// A whole number from `min` to `max`.
template <auto... Path>
Status set_whole_number(const Setting& s, const Raw& raw, Config& config) {
    auto v = as_integer(raw);
    if (!v || *v < s.min || *v > s.max) {
        const std::string it = v                               ? std::to_string(*v)
                               : raw.kind == Raw::Kind::string ? in_quotes(raw.text)
                                                               : kind_words(raw);
        return invalid(raw.name + " must be a whole number from " + std::to_string(s.min) + " to " +
                       std::to_string(s.max) + " (it is " + it + ").");
    }
    member<Path...>(config) = static_cast<int>(*v);
    return ok_status();
}

// A duration ("60m", "90s", "1h30m") from `min` to `max` seconds.
template <auto... Path>
Status set_duration(const Setting& s, const Raw& raw, Config& config) {
    const Seconds min{s.min};
    const Seconds max{s.max};
    auto d = raw.kind == Raw::Kind::string ? parse_duration(raw.text)
                                           : Result<Seconds>(invalid("not a string"));
    if (d && *d >= min && *d <= max) {
        member<Path...>(config) = *d;
        return ok_status();
    }
    const std::string it = raw.kind == Raw::Kind::string ? in_quotes(raw.text) : kind_words(raw);
    return invalid(raw.name + " must be a duration from " + format_duration(min) + " to " +
                   format_duration(max) + ", like \"" + std::string(s.example) + "\" (it is " + it +
                   ").");
}

Status set_database_path(const Setting&, const Raw& raw, Config& config) {
    auto v = as_string(raw);
    if (!v) return v.error();
    if (v->empty()) {
        return invalid(raw.name +
                       " is empty: set it to the SQLite file releasebot keeps its state in, "
                       "e.g. /var/lib/releasebot/releasebot.db.");
    }
    if (*v == ":memory:") {
        return invalid(raw.name +
                       " cannot be :memory: for a served bot: its threads each open the file. "
                       "Set a file path, e.g. /var/lib/releasebot/releasebot.db.");
    }
    config.database = std::move(*v);
    return ok_status();
}

Status set_listen(const Setting&, const Raw& raw, Config& config) {
    auto v = as_string(raw);
    if (!v) return v.error();
    return parse_listen(raw, *v, config.http);
}

Status set_public_url(const Setting& s, const Raw& raw, Config& config) {
    auto v = as_string(raw);
    if (!v) return v.error();
    RB_TRY(check_url(raw, *v, std::string(s.example)));
    config.http.public_url = std::move(*v);
    while (!config.http.public_url.empty() && config.http.public_url.back() == '/') {
        config.http.public_url.pop_back();
    }
    return ok_status();
}

Status set_log_level(const Setting&, const Raw& raw, Config& config) {
    auto v = as_string(raw);
    if (!v) return v.error();
    auto level = log::parse_level(*v);
    if (!level) {
        return invalid(raw.name + " must be one of error, warn, info, debug (it is " +
                       in_quotes(*v) + ").");
    }
    config.log.level = *level;
    return ok_status();
}

Status set_log_format(const Setting&, const Raw& raw, Config& config) {
    auto v = as_string(raw);
    if (!v) return v.error();
    auto format = log::parse_format(*v);
    if (!format) return invalid(raw.name + " must be plain or json (it is " + in_quotes(*v) + ").");
    config.log.format = *format;
    return ok_status();
}

using C = Config;
using Slack = SlackSettings;
using Teams = TeamsSettings;
using Health = HealthCheckSettings;

// A section, and what deploy/releasebot.toml says before its settings.
struct Section {
    std::string_view name;
    std::string_view doc;
};

// In the order deploy/releasebot.toml shows them.
constexpr Section kSections[] = {
    {"database", "[database]\n"},
    {"http", "[http]\n"},
    {"log", "[log]\n"},
    {"health_checks", "[health_checks]\n"},
    {"slack",
     R"toml(# ---- Slack ---------------------------------------------------------------------------------
# Remove this section (and unset the SLACK_* variables) to run without Slack. The app's
# manifest is deploy/slack-app-manifest.yml.
[slack]
)toml"},
    {"teams",
     R"toml(# ---- Microsoft Teams -----------------------------------------------------------------------
# Uncomment to serve Teams at /api/messages (the Bot Framework messaging endpoint). Names follow
# the Bot Framework SDKs' settings (MicrosoftAppId, MicrosoftAppPassword, MicrosoftAppTenantId).
# [teams]
)toml"},
    {"releases", "[releases]\n"},
};

constexpr std::string_view kDocHeader = R"toml(
# releasebot — configuration of `releasebot serve`.
#
# Check it with `releasebot check-config --config /etc/releasebot/releasebot.toml`: it prints
# what will run and shows each secret only as "(set, N chars)".
#
# Every setting can be overridden by an environment variable named RELEASEBOT_<SECTION>_<KEY>
# in upper case, e.g. RELEASEBOT_SLACK_BOT_TOKEN or RELEASEBOT_HTTP_LISTEN; the variables
# `releasebot slack` reads (SLACK_BOT_TOKEN, SLACK_APP_TOKEN, SLACK_API_URL, SLACK_CA_FILE) work
# too, below the RELEASEBOT_ ones. Booleans from the environment are true/false, 1/0, yes/no.
#
# Secrets (bot_token, app_token, signing_secret, app_password) are best kept out of this file:
# give `<key>_file = "/path"` instead (a systemd credential, a Docker or Kubernetes secret); the
# file's trailing newline is ignored. If this file does hold secrets, make it readable by the
# service only (root:releasebot, mode 640): releasebot warns at start when every user can read it.
#
# A setting that is missing or wrong stops start-up with a message naming it.

)toml";

const Setting kSettings[] = {
    {.section = "database", .key = "path", .apply = set_database_path, .doc = R"toml(
# The SQLite file releasebot keeps everything in; created with its directory's permissions.
# Every thread opens it, so ":memory:" is refused.
path = "/var/lib/releasebot/releasebot.db"
)toml"},
    {.section = "slack",
     .key = "bot_token",
     .apply = set_secret<&C::slack, &Slack::bot_token>,
     .doc = R"toml(
# The bot token (xoxb-…, OAuth & Permissions): everything the bot says goes through the Web API.
bot_token_file = "/etc/releasebot/secrets/slack-bot-token"
# bot_token = "xoxb-…"

)toml",
     .secret = true,
     .legacy = "SLACK_BOT_TOKEN",
     .doc_order = 1},
    {.section = "slack",
     .key = "app_token",
     .apply = set_secret<&C::slack, &Slack::app_token>,
     .doc = R"toml(
app_token_file = "/etc/releasebot/secrets/slack-app-token"
)toml",
     .secret = true,
     .legacy = "SLACK_APP_TOKEN",
     .doc_order = 3},
    {.section = "slack",
     .key = "signing_secret",
     .apply = set_secret<&C::slack, &Slack::signing_secret>,
     .doc = R"toml(
# signing_secret_file = "/etc/releasebot/secrets/slack-signing-secret"

)toml",
     .secret = true,
     .doc_order = 6},
    {.section = "slack",
     .key = "api_url",
     .apply = set_string<&C::slack, &Slack::api_url>,
     .doc = R"toml(
# The Web API's base URL and an extra CA bundle: only for proxies and test emulators.
# api_url = "https://slack.com/api/"
)toml",
     .legacy = "SLACK_API_URL",
     .example = "https://slack.com/api/",
     .doc_order = 7},
    {.section = "slack",
     .key = "ca_file",
     .apply = set_string<&C::slack, &Slack::ca_file>,
     .doc = R"toml(
# ca_file = "/etc/ssl/certs/corporate-proxy.pem"
)toml",
     .legacy = "SLACK_CA_FILE",
     .doc_order = 8},
    {.section = "slack",
     .key = "socket_mode",
     .apply = set_bool<&C::slack, &Slack::socket_mode>,
     .doc = R"toml(
# Socket Mode: no public URL needed. Needs the app-level token (xapp-…, Basic Information →
# App-Level Tokens, scope connections:write).
socket_mode = true
)toml",
     .doc_order = 2},
    {.section = "slack",
     .key = "connections",
     .apply = set_whole_number<&C::slack, &Slack::connections>,
     .doc = R"toml(
# Parallel websocket links, 1 to 10; more than one keeps events flowing while one reconnects.
connections = 2

)toml",
     .min = 1,
     .max = 10,
     .doc_order = 4},
    {.section = "slack",
     .key = "http",
     .apply = set_bool<&C::slack, &Slack::http>,
     .doc = R"toml(
# The Events API over HTTP at /slack/events, /slack/commands and /slack/interactive, for
# installs with a public URL. Every request is checked with the signing secret (Basic
# Information → App Credentials).
http = false
)toml",
     .doc_order = 5},
    {.section = "teams",
     .key = "app_id",
     .apply = set_string<&C::teams, &Teams::app_id>,
     .doc = R"toml(
# The bot's Microsoft App ID. Without it, activities are accepted unauthenticated, which
# releasebot allows only when http.listen is a loopback address (local tools), with a warning.
# app_id = "00000000-0000-0000-0000-000000000000"
)toml"},
    {.section = "teams",
     .key = "app_password",
     .apply = set_secret<&C::teams, &Teams::app_password>,
     .doc = R"toml(
# app_password_file = "/etc/releasebot/secrets/teams-app-password"
)toml",
     .secret = true},
    {.section = "teams",
     .key = "tenant",
     .apply = set_string<&C::teams, &Teams::tenant>,
     .doc = R"toml(
# A single-tenant bot's tenant id (the token endpoint is derived from it), or the endpoint:
# tenant = "contoso.onmicrosoft.com"
)toml"},
    {.section = "teams",
     .key = "token_url",
     .apply = set_string<&C::teams, &Teams::token_url>,
     .doc = R"toml(
# token_url = "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token"
)toml",
     .example = "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token"},
    {.section = "teams",
     .key = "openid_metadata_url",
     .apply = set_string<&C::teams, &Teams::openid_metadata_url>,
     .doc = R"toml(
# Inbound token validation (ToBotFromChannelOpenIdMetadataUrl, ToBotFromChannelTokenIssuer);
# the defaults are the public Azure cloud's.
# openid_metadata_url = "https://login.botframework.com/v1/.well-known/openidconfiguration"
)toml",
     .example = "https://login.botframework.com/v1/.well-known/openidconfiguration"},
    {.section = "teams",
     .key = "token_issuer",
     .apply = set_string<&C::teams, &Teams::token_issuer>,
     .doc = R"toml(
# token_issuer = "https://api.botframework.com"
)toml"},
    {.section = "teams",
     .key = "ca_file",
     .apply = set_string<&C::teams, &Teams::ca_file>,
     .doc = R"toml(
# ca_file = ""
)toml"},
    {.section = "http", .key = "listen", .apply = set_listen, .doc = R"toml(
# The one HTTP listener: /healthz and /metrics, the calendar feed (/calendar.ics), the CI
# webhook (/hooks/ci), and the Slack Events API (/slack/) and Teams (/api/messages) when those
# are on. address:port with a numeric address; [::1]:8080 for IPv6. Put a TLS-terminating proxy
# in front of it for anything reachable from outside.
listen = "127.0.0.1:8080"
)toml"},
    {.section = "http",
     .key = "public_url",
     .apply = set_public_url,
     .doc = R"toml(
# Where that proxy makes it reachable, so `calendar link` and `ci secret` show whole URLs.
# public_url = "https://releasebot.example.com"
)toml",
     .example = "https://releasebot.example.com"},
    {.section = "log", .key = "level", .apply = set_log_level, .doc = R"toml(
# error, warn, info or debug. Secrets are cut from every line at every level.
level = "info"
)toml"},
    {.section = "log", .key = "format", .apply = set_log_format, .doc = R"toml(
# plain (one readable line per record) or json (one JSON object per line, for log shippers).
# `--log-level` and `--log-format` on the command line win over both.
format = "plain"
)toml"},
    {.section = "health_checks",
     .key = "lead",
     .apply = set_duration<&C::health_checks, &Health::lead>,
     .doc = R"toml(
# A release's control may carry a health-check URL (`control check <release> <control> <url>`):
# releasebot polls it with GET from `lead` before the release's window until the window opens,
# every `interval`, and ticks the control on the first 2xx answer. Durations like "90s", "60m"
# or "1h30m": lead from 1m to 1w, interval from 5s to 1h, timeout (per poll) from 1s to 5m.
# URLs are logged without their query string, which may hold a token.
lead = "60m"
)toml",
     .example = "60m",
     .min = 60,
     .max = 7 * 86400},
    {.section = "health_checks",
     .key = "interval",
     .apply = set_duration<&C::health_checks, &Health::interval>,
     .doc = R"toml(
interval = "60s"
)toml",
     .example = "60s",
     .min = 5,
     .max = 3600},
    {.section = "health_checks",
     .key = "timeout",
     .apply = set_duration<&C::health_checks, &Health::timeout>,
     .doc = R"toml(
timeout = "10s"
)toml",
     .example = "10s",
     .min = 1,
     .max = 300},
    {.section = "releases",
     .key = "start_lead",
     .apply = set_duration<&C::releases, &ReleaseSettings::start_lead>,
     .doc = R"toml(
# `release start` is accepted from `start_lead` before a release's window opens until it closes
# (a manager may start one outside that with `override "<reason>"`). From "1m" to "24h".
start_lead = "15m"
)toml",
     .example = "15m",
     .min = 60,
     .max = 24 * 3600},
};

const Setting& setting(std::string_view section, std::string_view key) {
    for (const auto& s : kSettings) {
        if (s.section == section && s.key == key) return s;
    }
    throw std::logic_error("no setting " + std::string(section) + "." + std::string(key));
}

std::string env_name(const Setting& s, bool file) {
    return "RELEASEBOT_" + upper(s.section) + "_" + upper(s.key) + (file ? "_FILE" : "");
}

std::string dotted(const Setting& s) {
    return std::string(s.section) + "." + std::string(s.key);
}

std::string keys_of(std::string_view section) {
    std::string out;
    for (const auto& s : kSettings) {
        if (s.section != section) continue;
        if (!out.empty()) out += ", ";
        out += s.key;
        if (s.secret) out += " (or " + std::string(s.key) + "_file)";
    }
    return out;
}

Status read_toml(const std::string& path, RawSettings& out, bool& secrets_inline,
                 std::vector<std::string>& sections_present) {
    auto text = read_text_file(path);
    if (!text) {
        return invalid("cannot read the configuration file " + path + " (" + text.error().message +
                       "). Give the path of a TOML file with --config; deploy/releasebot.toml is "
                       "a documented example.");
    }
    toml::table root;
    try {
        root = toml::parse(*text, path);
    } catch (const toml::parse_error& e) {
        const auto& where = e.source().begin;
        return invalid(path + " line " + std::to_string(where.line) + ", column " +
                       std::to_string(where.column) + ": " + std::string(e.description()) +
                       " (the file must be TOML; see deploy/releasebot.toml).");
    }
    for (const auto& [key, node] : root) {
        const std::string section(key.str());
        bool known = false;
        for (const auto& s : kSections) known = known || s.name == section;
        if (!known || !node.is_table()) {
            if (known) {
                return invalid(section + " must be a table: write [" + section +
                               "] on a line of its own with its settings under it.");
            }
            return invalid(path + ": [" + section +
                           "] is not a section releasebot knows; the sections are [database], "
                           "[slack], [teams], [http], [log], [health_checks] and [releases].");
        }
        sections_present.push_back(section);
        for (const auto& [sub, value] : *node.as_table()) {
            const std::string name(sub.str());
            const Setting* spec = nullptr;
            bool file_ref = false;
            for (const auto& s : kSettings) {
                if (s.section != section) continue;
                if (s.key == name) spec = &s;
                if (s.secret && name == std::string(s.key) + "_file") {
                    spec = &s;
                    file_ref = true;
                }
            }
            if (!spec) {
                return invalid(section + "." + name + " is not a setting; [" + section +
                               "] takes " + keys_of(section) + ".");
            }
            const std::string id = dotted(*spec);
            if (out.count(id)) {
                return invalid(id + " and " + id +
                               "_file are both set: keep one (the value, or the file to read "
                               "it from).");
            }
            Raw raw = raw_from_toml(value, section + "." + name);
            raw.is_file = file_ref;
            if (spec->secret && !file_ref) secrets_inline = true;
            out[id] = std::move(raw);
        }
    }
    return ok_status();
}

Status read_environment(const Environment& env, RawSettings& out,
                        std::vector<std::string>& sections_present) {
    for (const auto& s : kSettings) {
        if (s.legacy.empty()) continue;
        const std::string variable(s.legacy);
        auto it = env.find(variable);
        if (it == env.end() || it->second.empty()) continue;
        out[dotted(s)] = raw_from_env(variable, it->second);
        // A token turns Slack on; a shell that merely exports SLACK_CA_FILE does not.
        if (s.secret) sections_present.emplace_back(s.section);
    }
    // Every RELEASEBOT_<SECTION>_… variable must be a setting: a typo would otherwise be
    // silently ignored and the default used.
    for (const auto& [name, value] : env) {
        for (const auto& sec : kSections) {
            const std::string_view section = sec.name;
            const std::string prefix = "RELEASEBOT_" + upper(section) + "_";
            if (name.rfind(prefix, 0) != 0) continue;
            bool known = false;
            for (const auto& s : kSettings) {
                if (s.section != section) continue;
                known =
                    known || name == env_name(s, false) || (s.secret && name == env_name(s, true));
            }
            if (!known) {
                return invalid(name + " is not a setting; [" + std::string(section) + "] takes " +
                               keys_of(section) + " (as " + prefix + "<KEY> in upper case).");
            }
        }
    }
    for (const auto& s : kSettings) {
        auto value = env.find(env_name(s, false));
        auto file = s.secret ? env.find(env_name(s, true)) : env.end();
        const bool has_value = value != env.end();
        const bool has_file = file != env.end();
        if (has_value && has_file) {
            return invalid(env_name(s, false) + " and " + env_name(s, true) +
                           " are both set: keep one (the value, or the file to read it from).");
        }
        if (!has_value && !has_file) continue;
        Raw raw = has_value ? raw_from_env(value->first, value->second)
                            : raw_from_env(file->first, file->second);
        raw.is_file = has_file;
        out[dotted(s)] = std::move(raw);
        sections_present.emplace_back(s.section);
    }
    return ok_status();
}

// Applies the raw settings to `config`, converting and checking each.
Status apply_settings(const RawSettings& raw, Config& config) {
    for (const auto& s : kSettings) {
        if (const Raw* r = find(raw, dotted(s))) RB_TRY(s.apply(s, *r, config));
    }
    return ok_status();
}

// The rules between settings, once each is valid on its own.
Status check(const RawSettings& raw, Config& config) {
    auto name = [&](const char* id) {
        const Raw* r = find(raw, id);
        return r ? r->name : std::string(id);
    };
    if (!config.slack.enabled && !config.teams.enabled) {
        return invalid(
            "nothing to serve: add a [slack] or [teams] section to the configuration (see "
            "deploy/releasebot.toml), or set RELEASEBOT_SLACK_BOT_TOKEN and "
            "RELEASEBOT_SLACK_APP_TOKEN.");
    }

    SlackSettings& slack = config.slack;
    if (slack.enabled) {
        if (!slack.bot_token.set()) {
            return invalid(
                "slack.bot_token is not set: releasebot posts through the Web API with the bot "
                "token (xoxb-…, on the app's OAuth & Permissions page). " +
                secret_hint("slack", "bot_token"));
        }
        if (slack.bot_token.value.rfind("xapp-", 0) == 0) {
            return invalid(name("slack.bot_token") +
                           " holds an app-level token (xapp-…): set it to the bot token "
                           "(xoxb-…, on the app's OAuth & Permissions page).");
        }
        if (!slack.socket_mode && !slack.http) {
            return invalid(
                "[slack] receives nothing: set socket_mode = true (with app_token) or http = "
                "true (with signing_secret), or both.");
        }
        if (slack.socket_mode && !slack.app_token.set()) {
            return invalid(
                "slack.app_token is not set: Socket Mode needs an app-level token (xapp-…, with "
                "the connections:write scope, on the app's Basic Information page). " +
                secret_hint("slack", "app_token") +
                " Or set socket_mode = false and http = true to receive events over HTTP.");
        }
        if (slack.socket_mode && slack.app_token.value.rfind("xapp-", 0) != 0) {
            return invalid(name("slack.app_token") +
                           " does not start with xapp-: Socket Mode needs the app-level token "
                           "(Basic Information → App-Level Tokens), not the bot token.");
        }
        if (slack.http && !slack.signing_secret.set()) {
            return invalid(
                "slack.signing_secret is not set: the Events API receiver (http = true) checks "
                "every request with it (on the app's Basic Information page). " +
                secret_hint("slack", "signing_secret"));
        }
        if (const Raw* r = find(raw, "slack.api_url")) {
            RB_TRY(check_url(*r, slack.api_url, std::string(setting("slack", "api_url").example)));
        }
        if (slack.api_url.back() != '/') slack.api_url += '/';
        if (const Raw* r = find(raw, "slack.ca_file")) RB_TRY(check_readable(*r, slack.ca_file));
    }

    TeamsSettings& teams = config.teams;
    if (teams.enabled) {
        if (!teams.app_id.empty() && !teams.app_password.set()) {
            return invalid(
                "teams.app_password is not set: with app_id set, replies go through the Bot "
                "Connector, which needs the app's client secret (Azure portal → the app "
                "registration → Certificates & secrets). " +
                secret_hint("teams", "app_password"));
        }
        if (teams.app_id.empty() && teams.app_password.set()) {
            return invalid(
                "teams.app_id is not set but teams.app_password is: set app_id to the bot's "
                "Microsoft App ID.");
        }
        if (!teams.tenant.empty() && !teams.token_url.empty()) {
            return invalid(
                "teams.tenant and teams.token_url are both set: keep one (tenant = a "
                "single-tenant bot's tenant id, from which the token endpoint is derived; "
                "token_url = the token endpoint itself).");
        }
        for (const char* key : {"token_url", "openid_metadata_url"}) {
            const Setting& url = setting("teams", key);
            if (const Raw* r = find(raw, dotted(url))) {
                RB_TRY(check_url(*r, r->text, std::string(url.example)));
            }
        }
        if (const Raw* r = find(raw, "teams.ca_file")) RB_TRY(check_readable(*r, teams.ca_file));
        if (teams.app_id.empty()) {
            if (!config.http.loopback()) {
                return invalid(
                    "teams.app_id is not set, so Teams activities would be accepted without "
                    "authentication; that is allowed only on a loopback address, and " +
                    name("http.listen") + " is " + config.http.address + ":" +
                    std::to_string(config.http.port) +
                    ". Set app_id and app_password, or listen on 127.0.0.1.");
            }
            config.warnings.push_back(
                "teams: no app_id is set, so activities on /api/messages are accepted without "
                "authentication (allowed on a loopback address only, for local tools).");
        }
    }
    return ok_status();
}

}  // namespace

std::string TeamsSettings::effective_token_url() const {
    if (!token_url.empty()) return token_url;
    if (!tenant.empty()) {
        return "https://login.microsoftonline.com/" + tenant + "/oauth2/v2.0/token";
    }
    return "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token";
}

bool HttpSettings::loopback() const {
    return address.rfind("127.", 0) == 0 || address == "::1";
}

std::vector<std::string> Config::secrets() const {
    std::vector<std::string> out;
    for (const Secret* s :
         {&slack.bot_token, &slack.app_token, &slack.signing_secret, &teams.app_password}) {
        if (s->set()) out.push_back(s->value);
    }
    return out;
}

namespace {

// A raw string literal's text without the newline that opens it.
std::string_view text_of(std::string_view literal) {
    return literal.substr(literal.starts_with('\n') ? 1 : 0);
}

}  // namespace

std::string sample_config() {
    std::string out(text_of(kDocHeader));
    for (const auto& section : kSections) {
        if (&section != &kSections[0]) out += "\n";
        out += section.doc;
        std::vector<const Setting*> settings;
        for (const auto& s : kSettings) {
            if (s.section == section.name) settings.push_back(&s);
        }
        std::stable_sort(settings.begin(), settings.end(), [](const Setting* a, const Setting* b) {
            return a->doc_order < b->doc_order;
        });
        for (const Setting* s : settings) out += text_of(s->doc);
    }
    return out;
}

Environment process_environment() {
    Environment env;
    for (char** e = environ; e && *e; ++e) {
        std::string entry(*e);
        const std::size_t eq = entry.find('=');
        if (eq == std::string::npos) continue;
        env[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
    return env;
}

Result<Config> load_config(const std::string& path, const Environment& env) {
    Config config;
    config.source = path;
    RawSettings raw;
    bool secrets_inline = false;
    std::vector<std::string> sections;
    if (!path.empty()) RB_TRY(read_toml(path, raw, secrets_inline, sections));
    RB_TRY(read_environment(env, raw, sections));
    for (const auto& s : sections) {
        if (s == "slack") config.slack.enabled = true;
        if (s == "teams") config.teams.enabled = true;
    }
    RB_TRY(apply_settings(raw, config));
    RB_TRY(check(raw, config));

    // Group read is how the service user reads a root-owned file (root:releasebot 0640); only
    // a file every user can read gives the secrets away.
    struct stat st {};
    if (secrets_inline && stat(path.c_str(), &st) == 0 && (st.st_mode & 007) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        config.warnings.push_back(
            "the configuration file " + path + " holds secrets and every user can read it (mode " +
            mode +
            "): chmod o-rwx it (640 with the service's group, or 600), or move the "
            "secrets to *_file settings.");
    }
    return config;
}

namespace {

std::string show_secret(const char* name, const Secret& s) {
    std::string line = "             ";
    line += name;
    line.append(16 - std::string_view(name).size(), ' ');
    if (!s.set()) return line + "(not set)\n";
    return line + "(set, " + std::to_string(s.value.size()) + " chars, from " + s.source + ")\n";
}

}  // namespace

std::string describe(const Config& config) {
    std::string out;
    out += "releasebot serve will run with ";
    out += config.source.empty() ? std::string("settings from the environment") : config.source;
    out += ":\n";
    // Whether the file is there helps tell a first start from a wrong path.
    std::error_code ec;
    const std::filesystem::path db_path(config.database);
    const std::filesystem::path parent =
        db_path.has_parent_path() ? db_path.parent_path() : std::filesystem::path(".");
    std::string db_note;
    if (std::filesystem::exists(db_path, ec)) {
        db_note = " (exists)";
    } else if (std::filesystem::is_directory(parent, ec)) {
        db_note = " (will be created)";
    } else {
        db_note = " (its directory " + parent.string() + " does not exist: create it first)";
    }
    out += "  database   " + config.database + db_note + "\n";
    const bool v6 = config.http.address.find(':') != std::string::npos;
    const std::string listen = (v6 ? "[" + config.http.address + "]" : config.http.address) + ":" +
                               std::to_string(config.http.port);
    std::string routes = "/healthz, /metrics, /calendar.ics, /hooks/ci";
    if (config.slack.enabled && config.slack.http) routes += ", /slack/ (Events API)";
    if (config.teams.enabled) routes += ", /api/messages (Teams)";
    out += "  http       " + listen + ": " + routes + "\n";
    if (!config.http.public_url.empty()) {
        out += "             public_url      " + config.http.public_url + "\n";
    }

    const SlackSettings& slack = config.slack;
    if (!slack.enabled) {
        out += "  slack      not configured\n";
    } else {
        std::string how;
        if (slack.socket_mode) {
            how = "Socket Mode (" + std::to_string(slack.connections) +
                  (slack.connections == 1 ? " link)" : " links)");
        }
        if (slack.http) how += std::string(how.empty() ? "" : " and ") + "Events API over HTTP";
        out += "  slack      " + how + "; Web API " + slack.api_url + "\n";
        out += show_secret("bot_token", slack.bot_token);
        out += show_secret("app_token", slack.app_token);
        out += show_secret("signing_secret", slack.signing_secret);
        if (!slack.ca_file.empty()) out += "             ca_file         " + slack.ca_file + "\n";
    }

    const TeamsSettings& teams = config.teams;
    if (!teams.enabled) {
        out += "  teams      not configured\n";
    } else {
        out += "  teams      Bot Framework activities at /api/messages";
        out += teams.app_id.empty() ? std::string(", unauthenticated (no app_id)\n")
                                    : ", app id " + teams.app_id + "\n";
        out += show_secret("app_password", teams.app_password);
        if (!teams.app_id.empty()) {
            out += "             token_url       " + teams.effective_token_url() + "\n";
            out += "             connector       replies with a token from token_url\n";
        } else {
            out +=
                "             connector       replies without a token (local mode: a channel "
                "on this machine, such as Agents Playground)\n";
        }
        if (!teams.openid_metadata_url.empty()) {
            out += "             openid_metadata " + teams.openid_metadata_url + "\n";
        }
        if (!teams.token_issuer.empty()) {
            out += "             token_issuer    " + teams.token_issuer + "\n";
        }
        if (!teams.ca_file.empty()) out += "             ca_file         " + teams.ca_file + "\n";
    }
    out += "  log        " + std::string(log::level_name(config.log.level)) + ", " +
           std::string(log::format_name(config.log.format)) + "\n";
    const HealthCheckSettings& health = config.health_checks;
    out += "  health     control health checks polled every " + format_duration(health.interval) +
           " from " + format_duration(health.lead) + " before a window, " +
           format_duration(health.timeout) + " timeout each\n";
    out += "  releases   started from " + format_duration(config.releases.start_lead) +
           " before their window\n";
    for (const auto& w : config.warnings) out += "warning: " + w + "\n";
    return out;
}

}  // namespace releasebot
