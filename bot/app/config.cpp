// Config loading: TOML file, then the environment, then checks. See config.hpp.
//
// Every setting is declared once in kSettings (section, key, type, whether it is a secret);
// the file walk, the environment overrides, the unknown-key checks and the messages all come
// from that table, so a new setting is one line plus where it lands in Config.
#include "bot/app/config.hpp"

#include <arpa/inet.h>
#include <sys/stat.h>
#include <toml++/toml.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "commands/time_parse.hpp"

extern char** environ;

namespace releasebot {

namespace {

enum class Type { string, secret, boolean, integer, duration };

struct SettingSpec {
    std::string_view section;
    std::string_view key;
    Type type;
};

constexpr SettingSpec kSettings[] = {
    {"database", "path", Type::string},
    {"slack", "bot_token", Type::secret},
    {"slack", "app_token", Type::secret},
    {"slack", "signing_secret", Type::secret},
    {"slack", "api_url", Type::string},
    {"slack", "ca_file", Type::string},
    {"slack", "socket_mode", Type::boolean},
    {"slack", "connections", Type::integer},
    {"slack", "http", Type::boolean},
    {"teams", "app_id", Type::string},
    {"teams", "app_password", Type::secret},
    {"teams", "tenant", Type::string},
    {"teams", "token_url", Type::string},
    {"teams", "openid_metadata_url", Type::string},
    {"teams", "token_issuer", Type::string},
    {"teams", "ca_file", Type::string},
    {"http", "listen", Type::string},
    {"http", "public_url", Type::string},
    {"log", "level", Type::string},
    {"log", "format", Type::string},
    {"health_checks", "lead", Type::duration},
    {"health_checks", "interval", Type::duration},
    {"health_checks", "timeout", Type::duration},
    {"releases", "start_lead", Type::duration},
};

constexpr std::string_view kSections[] = {"database", "slack",         "teams",   "http",
                                          "log",      "health_checks", "releases"};

// The variables `releasebot slack` has always read, honoured by serve too.
struct LegacyVariable {
    const char* name;
    std::string_view key;  // in [slack]
};
constexpr LegacyVariable kLegacy[] = {{"SLACK_BOT_TOKEN", "bot_token"},
                                      {"SLACK_APP_TOKEN", "app_token"},
                                      {"SLACK_API_URL", "api_url"},
                                      {"SLACK_CA_FILE", "ca_file"}};

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

std::string env_name(const SettingSpec& s, bool file) {
    return "RELEASEBOT_" + upper(s.section) + "_" + upper(s.key) + (file ? "_FILE" : "");
}

std::string dotted(const SettingSpec& s) {
    return std::string(s.section) + "." + std::string(s.key);
}

std::string in_quotes(const std::string& s) {
    return "\"" + s + "\"";
}

std::string keys_of(std::string_view section) {
    std::string out;
    for (const auto& s : kSettings) {
        if (s.section != section) continue;
        if (!out.empty()) out += ", ";
        out += s.key;
        if (s.type == Type::secret) out += " (or " + std::string(s.key) + "_file)";
    }
    return out;
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
        for (auto s : kSections) known = known || s == section;
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
            const SettingSpec* spec = nullptr;
            bool file_ref = false;
            for (const auto& s : kSettings) {
                if (s.section != section) continue;
                if (s.key == name) spec = &s;
                if (s.type == Type::secret && name == std::string(s.key) + "_file") {
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
            if (spec->type == Type::secret && !file_ref) secrets_inline = true;
            out[id] = std::move(raw);
        }
    }
    return ok_status();
}

Status read_environment(const Environment& env, RawSettings& out,
                        std::vector<std::string>& sections_present) {
    for (const auto& legacy : kLegacy) {
        auto it = env.find(legacy.name);
        if (it == env.end() || it->second.empty()) continue;
        Raw raw = raw_from_env(legacy.name, it->second);
        out["slack." + std::string(legacy.key)] = std::move(raw);
        // A token turns Slack on; a shell that merely exports SLACK_CA_FILE does not.
        if (legacy.key == "bot_token" || legacy.key == "app_token") {
            sections_present.push_back("slack");
        }
    }
    // Every RELEASEBOT_<SECTION>_… variable must be a setting: a typo would otherwise be
    // silently ignored and the default used.
    for (const auto& [name, value] : env) {
        for (auto section : kSections) {
            const std::string prefix = "RELEASEBOT_" + upper(section) + "_";
            if (name.rfind(prefix, 0) != 0) continue;
            bool known = false;
            for (const auto& s : kSettings) {
                if (s.section != section) continue;
                known = known || name == env_name(s, false) ||
                        (s.type == Type::secret && name == env_name(s, true));
            }
            if (!known) {
                return invalid(name + " is not a setting; [" + std::string(section) + "] takes " +
                               keys_of(section) + " (as " + prefix + "<KEY> in upper case).");
            }
        }
    }
    for (const auto& s : kSettings) {
        auto value = env.find(env_name(s, false));
        auto file = s.type == Type::secret ? env.find(env_name(s, true)) : env.end();
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

// A duration setting ("60m", "90s", "1h30m") from `min` to `max`, into `target`.
Status apply_duration(const RawSettings& raw, const char* id, std::chrono::seconds& target,
                      Seconds min, Seconds max, const char* example) {
    const Raw* r = find(raw, id);
    if (!r) return ok_status();
    auto d = r->kind == Raw::Kind::string ? parse_duration(r->text)
                                          : Result<Seconds>(invalid("not a string"));
    if (d && *d >= min && *d <= max) {
        target = *d;
        return ok_status();
    }
    const std::string it = r->kind == Raw::Kind::string ? in_quotes(r->text) : kind_words(*r);
    return invalid(r->name + " must be a duration from " + format_duration(min) + " to " +
                   format_duration(max) + ", like \"" + example + "\" (it is " + it + ").");
}

// Applies the raw settings to `config`, converting and checking each.
Status apply_settings(const RawSettings& raw, Config& config) {
    auto str = [&](const char* id, std::string& target) -> Status {
        if (const Raw* r = find(raw, id)) {
            auto v = as_string(*r);
            if (!v) return v.error();
            target = *v;
        }
        return ok_status();
    };
    auto secret = [&](const char* id, Secret& target) -> Status {
        if (const Raw* r = find(raw, id)) {
            auto v = as_secret(*r);
            if (!v) return v.error();
            target = *v;
        }
        return ok_status();
    };
    auto boolean = [&](const char* id, bool& target) -> Status {
        if (const Raw* r = find(raw, id)) {
            auto v = as_bool(*r);
            if (!v) return v.error();
            target = *v;
        }
        return ok_status();
    };

    RB_TRY(str("database.path", config.database));
    if (const Raw* r = find(raw, "database.path")) {
        if (config.database.empty()) {
            return invalid(r->name +
                           " is empty: set it to the SQLite file releasebot keeps its state in, "
                           "e.g. /var/lib/releasebot/releasebot.db.");
        }
    }
    if (config.database == ":memory:") {
        const Raw* r = find(raw, "database.path");
        return invalid((r ? r->name : std::string("database.path")) +
                       " cannot be :memory: for a served bot: its threads each open the file. "
                       "Set a file path, e.g. /var/lib/releasebot/releasebot.db.");
    }

    SlackSettings& slack = config.slack;
    RB_TRY(secret("slack.bot_token", slack.bot_token));
    RB_TRY(secret("slack.app_token", slack.app_token));
    RB_TRY(secret("slack.signing_secret", slack.signing_secret));
    RB_TRY(str("slack.api_url", slack.api_url));
    RB_TRY(str("slack.ca_file", slack.ca_file));
    RB_TRY(boolean("slack.socket_mode", slack.socket_mode));
    RB_TRY(boolean("slack.http", slack.http));
    if (const Raw* r = find(raw, "slack.connections")) {
        auto v = as_integer(*r);
        if (!v || *v < 1 || *v > 10) {
            const std::string it = v                              ? std::to_string(*v)
                                   : r->kind == Raw::Kind::string ? in_quotes(r->text)
                                                                  : kind_words(*r);
            return invalid(r->name + " must be a whole number from 1 to 10 (it is " + it + ").");
        }
        slack.connections = static_cast<int>(*v);
    }

    TeamsSettings& teams = config.teams;
    RB_TRY(str("teams.app_id", teams.app_id));
    RB_TRY(secret("teams.app_password", teams.app_password));
    RB_TRY(str("teams.tenant", teams.tenant));
    RB_TRY(str("teams.token_url", teams.token_url));
    RB_TRY(str("teams.openid_metadata_url", teams.openid_metadata_url));
    RB_TRY(str("teams.token_issuer", teams.token_issuer));
    RB_TRY(str("teams.ca_file", teams.ca_file));

    if (const Raw* r = find(raw, "http.listen")) {
        auto v = as_string(*r);
        if (!v) return v.error();
        RB_TRY(parse_listen(*r, *v, config.http));
    }

    if (const Raw* r = find(raw, "http.public_url")) {
        auto v = as_string(*r);
        if (!v) return v.error();
        RB_TRY(check_url(*r, *v, "https://releasebot.example.com"));
        config.http.public_url = *v;
        while (!config.http.public_url.empty() && config.http.public_url.back() == '/') {
            config.http.public_url.pop_back();
        }
    }

    if (const Raw* r = find(raw, "log.level")) {
        auto v = as_string(*r);
        if (!v) return v.error();
        auto level = log::parse_level(*v);
        if (!level) {
            return invalid(r->name + " must be one of error, warn, info, debug (it is " +
                           in_quotes(*v) + ").");
        }
        config.log.level = *level;
    }
    if (const Raw* r = find(raw, "log.format")) {
        auto v = as_string(*r);
        if (!v) return v.error();
        auto format = log::parse_format(*v);
        if (!format)
            return invalid(r->name + " must be plain or json (it is " + in_quotes(*v) + ").");
        config.log.format = *format;
    }

    HealthCheckSettings& health = config.health_checks;
    RB_TRY(apply_duration(raw, "health_checks.lead", health.lead, Seconds{60}, Seconds{7 * 86400},
                          "60m"));
    RB_TRY(apply_duration(raw, "health_checks.interval", health.interval, Seconds{5}, Seconds{3600},
                          "60s"));
    RB_TRY(apply_duration(raw, "health_checks.timeout", health.timeout, Seconds{1}, Seconds{300},
                          "10s"));
    RB_TRY(apply_duration(raw, "releases.start_lead", config.releases.start_lead, Seconds{60},
                          Seconds{24 * 3600}, "15m"));
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
            RB_TRY(check_url(*r, slack.api_url, "https://slack.com/api/"));
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
        for (const char* id : {"teams.token_url", "teams.openid_metadata_url"}) {
            if (const Raw* r = find(raw, id)) {
                RB_TRY(check_url(*r, r->text,
                                 std::string(id) == "teams.token_url"
                                     ? "https://login.microsoftonline.com/botframework.com/"
                                       "oauth2/v2.0/token"
                                     : "https://login.botframework.com/v1/.well-known/"
                                       "openidconfiguration"));
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
