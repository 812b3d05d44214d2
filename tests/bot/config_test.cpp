// Tests of the configuration (bot/app/config.cpp): the TOML file, the environment overrides,
// secrets from files, and the exact message a wrong setting stops start-up with.
#include "bot/app/config.hpp"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "support/temp_dir.hpp"

namespace releasebot {
namespace {

using test::TempDir;

std::string write_file(const TempDir& dir, const std::string& name, const std::string& text,
                       mode_t mode = 0600) {
    const std::string path = dir.file(name);
    std::ofstream(path) << text;
    chmod(path.c_str(), mode);
    return path;
}

constexpr const char* kFull = R"(
[database]
path = "/var/lib/releasebot/releasebot.db"

[slack]
bot_token = "xoxb-1111-secret-bot"
app_token = "xapp-1-secret-app"
signing_secret = "8f2c-secret-signing"
api_url = "https://slack.example.com/api"
socket_mode = true
connections = 3
http = true

[http]
listen = "127.0.0.1:9000"

[log]
level = "debug"
format = "json"
)";

// The message load_config stops with for `toml` (and `env`), or "" when it loads.
std::string error_of(const std::string& toml, const Environment& env = {}) {
    TempDir dir;
    const std::string path = write_file(dir, "releasebot.toml", toml);
    auto config = load_config(path, env);
    return config ? std::string() : config.error().message;
}

}  // namespace

TEST_CASE("A configuration file sets every adapter, the listener, the database and the log",
          "[config]") {
    TempDir dir;
    auto config = load_config(write_file(dir, "releasebot.toml", kFull), {});
    REQUIRE(config);
    CHECK(config->database == "/var/lib/releasebot/releasebot.db");
    CHECK(config->slack.enabled);
    CHECK(config->slack.bot_token.value == "xoxb-1111-secret-bot");
    CHECK(config->slack.app_token.value == "xapp-1-secret-app");
    CHECK(config->slack.signing_secret.value == "8f2c-secret-signing");
    CHECK(config->slack.api_url == "https://slack.example.com/api/");  // the slash is added
    CHECK(config->slack.socket_mode);
    CHECK(config->slack.connections == 3);
    CHECK(config->slack.http);
    CHECK_FALSE(config->teams.enabled);
    CHECK(config->http.address == "127.0.0.1");
    CHECK(config->http.port == 9000);
    CHECK(config->log.level == log::Level::debug);
    CHECK(config->log.format == log::Format::json);
    CHECK(config->warnings.empty());
    CHECK(config->secrets().size() == 3);
}

TEST_CASE("The environment overrides the file, RELEASEBOT_ variables over Slack's own",
          "[config]") {
    TempDir dir;
    const std::string path = write_file(dir, "releasebot.toml", kFull);

    SECTION("RELEASEBOT_<SECTION>_<KEY> for every kind of setting") {
        auto config = load_config(path, {{"RELEASEBOT_SLACK_CONNECTIONS", "5"},
                                         {"RELEASEBOT_SLACK_HTTP", "false"},
                                         {"RELEASEBOT_HTTP_LISTEN", "[::1]:0"},
                                         {"RELEASEBOT_DATABASE_PATH", "/tmp/other.db"},
                                         {"RELEASEBOT_LOG_LEVEL", "warn"}});
        REQUIRE(config);
        CHECK(config->slack.connections == 5);
        CHECK_FALSE(config->slack.http);
        CHECK(config->http.address == "::1");
        CHECK(config->http.port == 0);
        CHECK(config->database == "/tmp/other.db");
        CHECK(config->log.level == log::Level::warn);
        CHECK(config->log.format == log::Format::json);  // still the file's
    }
    SECTION("SLACK_BOT_TOKEN, as `releasebot slack` reads it, then RELEASEBOT_SLACK_BOT_TOKEN") {
        auto legacy = load_config(path, {{"SLACK_BOT_TOKEN", "xoxb-from-legacy"}});
        REQUIRE(legacy);
        CHECK(legacy->slack.bot_token.value == "xoxb-from-legacy");
        CHECK(legacy->slack.bot_token.source == "SLACK_BOT_TOKEN");
        auto both = load_config(path, {{"SLACK_BOT_TOKEN", "xoxb-from-legacy"},
                                       {"RELEASEBOT_SLACK_BOT_TOKEN", "xoxb-from-releasebot"}});
        REQUIRE(both);
        CHECK(both->slack.bot_token.value == "xoxb-from-releasebot");
    }
    SECTION("Slack's URL or CA variables alone do not turn Slack on") {
        TempDir teams_dir;
        auto config = load_config(write_file(teams_dir, "t.toml", "[teams]\n"),
                                  {{"SLACK_CA_FILE", "/etc/ssl/certs/ca-certificates.crt"},
                                   {"SLACK_API_URL", "https://slack.example.com/api/"}});
        REQUIRE(config);
        CHECK_FALSE(config->slack.enabled);
        CHECK(config->teams.enabled);
    }
    SECTION("the environment alone is enough for Socket Mode") {
        auto config = load_config("", {{"SLACK_BOT_TOKEN", "xoxb-a"},
                                       {"SLACK_APP_TOKEN", "xapp-b"},
                                       {"RELEASEBOT_DATABASE_PATH", "/tmp/x.db"}});
        REQUIRE(config);
        CHECK(config->slack.enabled);
        CHECK(config->slack.socket_mode);
        CHECK(config->slack.api_url == "https://slack.com/api/");
        CHECK(config->http.address == "127.0.0.1");
        CHECK(config->http.port == 8080);
    }
}

TEST_CASE("Secrets can come from files, without their trailing newline", "[config]") {
    TempDir dir;
    const std::string token = write_file(dir, "bot_token", "xoxb-from-a-file\n");
    const std::string app = write_file(dir, "app_token", "xapp-from-a-file\r\n");
    const std::string path =
        write_file(dir, "releasebot.toml", "[slack]\nbot_token_file = \"" + token + "\"\n");
    auto config = load_config(path, {{"RELEASEBOT_SLACK_APP_TOKEN_FILE", app}});
    REQUIRE(config);
    CHECK(config->slack.bot_token.value == "xoxb-from-a-file");
    CHECK(config->slack.bot_token.source == "file " + token);
    CHECK(config->slack.app_token.value == "xapp-from-a-file");
}

TEST_CASE("Health checks are polled from the lead time before a window, every interval",
          "[config]") {
    TempDir dir;
    constexpr const char* kSlack = "[slack]\nbot_token = \"xoxb-1\"\napp_token = \"xapp-1\"\n";
    SECTION("by default, every minute from an hour before, each poll given 10 seconds") {
        auto config = load_config(write_file(dir, "r.toml", kSlack), {});
        REQUIRE(config);
        CHECK(config->health_checks.lead == std::chrono::minutes(60));
        CHECK(config->health_checks.interval == std::chrono::seconds(60));
        CHECK(config->health_checks.timeout == std::chrono::seconds(10));
        CHECK(describe(*config).find("  health     control health checks polled every 1m from 1h "
                                     "before a window, 10s timeout each\n") != std::string::npos);
    }
    SECTION("as the file says, and the environment over it") {
        const std::string path =
            write_file(dir, "r.toml",
                       std::string(kSlack) +
                           "[health_checks]\nlead = \"2h\"\ninterval = \"30s\"\ntimeout = "
                           "\"5s\"\n");
        auto config = load_config(path, {{"RELEASEBOT_HEALTH_CHECKS_INTERVAL", "90s"}});
        REQUIRE(config);
        CHECK(config->health_checks.lead == std::chrono::hours(2));
        CHECK(config->health_checks.interval == std::chrono::seconds(90));
        CHECK(config->health_checks.timeout == std::chrono::seconds(5));
        CHECK(describe(*config).find("polled every 1m 30s from 2h before a window, 5s timeout "
                                     "each") != std::string::npos);
    }
    SECTION("a wrong value or variable is named with what it expects") {
        CHECK(error_of(kSlack, {{"RELEASEBOT_HEALTH_CHECKS_INTERVAL", "2s"}}) ==
              "RELEASEBOT_HEALTH_CHECKS_INTERVAL must be a duration from 5s to 1h, like \"60s\" "
              "(it is \"2s\").");
        CHECK(error_of(kSlack, {{"RELEASEBOT_HEALTH_CHECKS_LEED", "1h"}}) ==
              "RELEASEBOT_HEALTH_CHECKS_LEED is not a setting; [health_checks] takes lead, "
              "interval, timeout (as RELEASEBOT_HEALTH_CHECKS_<KEY> in upper case).");
    }
}

TEST_CASE("A release starts from a configurable lead before its window", "[config]") {
    TempDir dir;
    constexpr const char* kSlack = "[slack]\nbot_token = \"xoxb-1\"\napp_token = \"xapp-1\"\n";
    SECTION("fifteen minutes unless the file or the environment says otherwise") {
        auto config = load_config(write_file(dir, "r.toml", kSlack), {});
        REQUIRE(config);
        CHECK(config->releases.start_lead == std::chrono::minutes(15));
        CHECK(describe(*config).find("  releases   started from 15m before their window\n") !=
              std::string::npos);
        auto file = load_config(
            write_file(dir, "s.toml", std::string(kSlack) + "[releases]\nstart_lead = \"1h\"\n"),
            {});
        REQUIRE(file);
        CHECK(file->releases.start_lead == std::chrono::hours(1));
        auto env = load_config(write_file(dir, "t.toml", kSlack),
                               {{"RELEASEBOT_RELEASES_START_LEAD", "45m"}});
        REQUIRE(env);
        CHECK(env->releases.start_lead == std::chrono::minutes(45));
    }
    SECTION("a lead over a day is refused in words") {
        CHECK(error_of(kSlack, {{"RELEASEBOT_RELEASES_START_LEAD", "2d"}}) ==
              "RELEASEBOT_RELEASES_START_LEAD must be a duration from 1m to 1d, like \"15m\" (it "
              "is \"2d\").");
    }
}

TEST_CASE("A wrong setting stops start-up with a message naming it and what it expects",
          "[config]") {
    constexpr const char* kSlack = "[slack]\nbot_token = \"xoxb-1\"\napp_token = \"xapp-1\"\n";
    auto [toml, expected] = GENERATE(table<std::string, std::string>({
        {std::string(kSlack) + "connections = 12\n",
         "slack.connections must be a whole number from 1 to 10 (it is 12)."},
        {std::string(kSlack) + "connections = \"two\"\n",
         "slack.connections must be a whole number from 1 to 10 (it is \"two\")."},
        {std::string(kSlack) + "socket_mode = \"yes\"\n",
         "slack.socket_mode must be true or false (it is a string)."},
        {std::string(kSlack) + "bot_tokn = \"x\"\n",
         "slack.bot_tokn is not a setting; [slack] takes bot_token (or bot_token_file), "
         "app_token (or app_token_file), signing_secret (or signing_secret_file), api_url, "
         "ca_file, socket_mode, connections, http."},
        {std::string(kSlack) + "api_url = \"slack.com/api\"\n",
         "slack.api_url must be an http:// or https:// URL, e.g. https://slack.com/api/ (it is "
         "\"slack.com/api\")."},
        {std::string(kSlack) + "[http]\nlisten = \"8080\"\n",
         "http.listen must be address:port with a numeric IP address, e.g. 127.0.0.1:8080 or "
         "[::1]:8080 (it is \"8080\")."},
        {std::string(kSlack) + "[log]\nlevel = \"verbose\"\n",
         "log.level must be one of error, warn, info, debug (it is \"verbose\")."},
        {std::string(kSlack) + "[log]\nformat = \"xml\"\n",
         "log.format must be plain or json (it is \"xml\")."},
        {std::string(kSlack) + "[database]\npath = \"\"\n",
         "database.path is empty: set it to the SQLite file releasebot keeps its state in, e.g. "
         "/var/lib/releasebot/releasebot.db."},
        {std::string(kSlack) + "[database]\npath = \":memory:\"\n",
         "database.path cannot be :memory: for a served bot: its threads each open the file. "
         "Set a file path, e.g. /var/lib/releasebot/releasebot.db."},
        {"[slack]\napp_token = \"xapp-1\"\n",
         "slack.bot_token is not set: releasebot posts through the Web API with the bot token "
         "(xoxb-…, on the app's OAuth & Permissions page). Set bot_token or bot_token_file in "
         "[slack], or RELEASEBOT_SLACK_BOT_TOKEN."},
        {"[slack]\nbot_token = \"xoxb-1\"\n",
         "slack.app_token is not set: Socket Mode needs an app-level token (xapp-…, with the "
         "connections:write scope, on the app's Basic Information page). Set app_token or "
         "app_token_file in [slack], or RELEASEBOT_SLACK_APP_TOKEN. Or set socket_mode = false "
         "and http = true to receive events over HTTP."},
        {"[slack]\nbot_token = \"xoxb-1\"\napp_token = \"xoxb-1\"\n",
         "slack.app_token does not start with xapp-: Socket Mode needs the app-level token "
         "(Basic Information → App-Level Tokens), not the bot token."},
        {"[slack]\nbot_token = \"xoxb-1\"\nsocket_mode = false\nhttp = true\n",
         "slack.signing_secret is not set: the Events API receiver (http = true) checks every "
         "request with it (on the app's Basic Information page). Set signing_secret or "
         "signing_secret_file in [slack], or RELEASEBOT_SLACK_SIGNING_SECRET."},
        {"[slack]\nbot_token = \"xoxb-1\"\nsocket_mode = false\n",
         "[slack] receives nothing: set socket_mode = true (with app_token) or http = true (with "
         "signing_secret), or both."},
        {std::string(kSlack) + "bot_token_file = \"/run/secrets/x\"\n",
         "slack.bot_token and slack.bot_token_file are both set: keep one (the value, or the "
         "file to read it from)."},
        {std::string(kSlack) + "ca_file = \"/nonexistent/ca.pem\"\n",
         "slack.ca_file: cannot read /nonexistent/ca.pem (No such file or directory)."},
        {"[log]\nlevel = \"info\"\n",
         "nothing to serve: add a [slack] or [teams] section to the configuration (see "
         "deploy/releasebot.toml), or set RELEASEBOT_SLACK_BOT_TOKEN and "
         "RELEASEBOT_SLACK_APP_TOKEN."},
        {"[teams]\napp_id = \"2d7e-app\"\n",
         "teams.app_password is not set: with app_id set, replies go through the Bot Connector, "
         "which needs the app's client secret (Azure portal → the app registration → "
         "Certificates & secrets). Set app_password or app_password_file in [teams], or "
         "RELEASEBOT_TEAMS_APP_PASSWORD."},
        {"[teams]\napp_password = \"pw-secret-123\"\n",
         "teams.app_id is not set but teams.app_password is: set app_id to the bot's Microsoft "
         "App ID."},
        {"[teams]\napp_id = \"a\"\napp_password = \"p\"\ntenant = \"t\"\ntoken_url = "
         "\"https://x/token\"\n",
         "teams.tenant and teams.token_url are both set: keep one (tenant = a single-tenant "
         "bot's tenant id, from which the token endpoint is derived; token_url = the token "
         "endpoint itself)."},
        {"[teams]\n[http]\nlisten = \"0.0.0.0:3978\"\n",
         "teams.app_id is not set, so Teams activities would be accepted without "
         "authentication; that is allowed only on a loopback address, and http.listen is "
         "0.0.0.0:3978. Set app_id and app_password, or listen on 127.0.0.1."},
        {"[chat]\n",
         "[chat] is not a section releasebot knows; the sections are [database], "
         "[slack], [teams], [http], [log], [health_checks] and [releases]."},
        {std::string(kSlack) + "[health_checks]\nlead = \"soon\"\n",
         "health_checks.lead must be a duration from 1m to 1w, like \"60m\" (it is \"soon\")."},
        {std::string(kSlack) + "[health_checks]\nlead = \"30s\"\n",
         "health_checks.lead must be a duration from 1m to 1w, like \"60m\" (it is \"30s\")."},
        {std::string(kSlack) + "[health_checks]\ninterval = 60\n",
         "health_checks.interval must be a duration from 5s to 1h, like \"60s\" (it is a "
         "number)."},
        {std::string(kSlack) + "[health_checks]\ntimeout = \"10m\"\n",
         "health_checks.timeout must be a duration from 1s to 5m, like \"10s\" (it is \"10m\")."},
        {std::string(kSlack) + "[health_checks]\nretries = 3\n",
         "health_checks.retries is not a setting; [health_checks] takes lead, interval, "
         "timeout."},
        {"database = \"x.db\"\n",
         "database must be a table: write [database] on a line of its own with its settings "
         "under it."},
    }));
    CAPTURE(toml);
    std::string message = error_of(toml);
    // The unknown-section message starts with the file's path, which differs per test.
    if (expected.rfind("[chat]", 0) == 0) message = message.substr(message.find(": ") + 2);
    CHECK(message == expected);
}

TEST_CASE("A wrong environment variable is named in the message", "[config]") {
    const std::string slack = "[slack]\nbot_token = \"xoxb-1\"\napp_token = \"xapp-1\"\n";
    SECTION("a value that does not convert") {
        CHECK(error_of(slack, {{"RELEASEBOT_SLACK_CONNECTIONS", "0"}}) ==
              "RELEASEBOT_SLACK_CONNECTIONS must be a whole number from 1 to 10 (it is 0).");
        CHECK(error_of(slack, {{"RELEASEBOT_SLACK_HTTP", "maybe"}}) ==
              "RELEASEBOT_SLACK_HTTP must be true or false (it is \"maybe\").");
    }
    SECTION("a misspelt variable is not silently ignored") {
        CHECK(error_of(slack, {{"RELEASEBOT_SLACK_BOT_TOKN", "x"}}) ==
              "RELEASEBOT_SLACK_BOT_TOKN is not a setting; [slack] takes bot_token (or "
              "bot_token_file), app_token (or app_token_file), signing_secret (or "
              "signing_secret_file), api_url, ca_file, socket_mode, connections, http (as "
              "RELEASEBOT_SLACK_<KEY> in upper case).");
    }
    SECTION("a secret file that cannot be read") {
        CHECK(error_of(slack, {{"RELEASEBOT_SLACK_SIGNING_SECRET_FILE", "/nonexistent/s"}}) ==
              "RELEASEBOT_SLACK_SIGNING_SECRET_FILE: cannot read /nonexistent/s (No such file or "
              "directory).");
    }
    SECTION("a secret given in the wrong place is never echoed") {
        const std::string message =
            error_of("[slack]\nbot_token = \"xoxb-1\"\n", {{"SLACK_APP_TOKEN", "xoxb-hush-hush"}});
        CHECK(message.find("SLACK_APP_TOKEN does not start with xapp-") == 0);
        CHECK(message.find("hush") == std::string::npos);
    }
}

TEST_CASE("A file that is not TOML, or not there, is named with where it went wrong", "[config]") {
    TempDir dir;
    const std::string path = write_file(dir, "bad.toml", "[slack]\nbot_token = xoxb-unquoted\n");
    auto config = load_config(path, {});
    REQUIRE_FALSE(config);
    CHECK(config.error().message.rfind(path + " line 2, column ", 0) == 0);
    CHECK(config.error().message.find("(the file must be TOML; see deploy/releasebot.toml).") !=
          std::string::npos);

    auto missing = load_config(dir.file("missing.toml"), {});
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message ==
          "cannot read the configuration file " + dir.file("missing.toml") +
              " (No such file or directory). Give the path of a TOML file with --config; "
              "deploy/releasebot.toml is a documented example.");
}

TEST_CASE("Teams without an app id runs on loopback only, with a warning", "[config]") {
    TempDir dir;
    auto config = load_config(
        write_file(dir, "r.toml", "[teams]\n[http]\nlisten = \"127.0.0.1:3978\"\n"), {});
    REQUIRE(config);
    CHECK(config->teams.enabled);
    REQUIRE(config->warnings.size() == 1);
    CHECK(config->warnings[0].find("without authentication") != std::string::npos);

    auto tenant = load_config(write_file(dir, "t.toml",
                                         "[teams]\napp_id = \"a\"\n"
                                         "app_password = \"p\"\ntenant = \"contoso-id\"\n"),
                              {});
    REQUIRE(tenant);
    CHECK(tenant->teams.effective_token_url() ==
          "https://login.microsoftonline.com/contoso-id/oauth2/v2.0/token");
    CHECK(tenant->warnings.empty());
}

TEST_CASE("A configuration file with secrets that others can read draws a warning", "[config]") {
    TempDir dir;
    auto open = load_config(write_file(dir, "open.toml", kFull, 0644), {});
    REQUIRE(open);
    REQUIRE(open->warnings.size() == 1);
    CHECK(open->warnings[0].find("every user can read it (mode 0644): chmod o-rwx it") !=
          std::string::npos);
    for (mode_t mode : {0600, 0640}) {
        auto closed = load_config(write_file(dir, "closed.toml", kFull, mode), {});
        REQUIRE(closed);
        CHECK(closed->warnings.empty());
    }
}

TEST_CASE("describe() shows what will run and never a secret's value", "[config]") {
    TempDir dir;
    const std::string token = write_file(dir, "app_token", "xapp-1-secret-app\n");
    std::string toml = kFull;
    toml.replace(toml.find("app_token = \"xapp-1-secret-app\""),
                 std::string("app_token = \"xapp-1-secret-app\"").size(),
                 "app_token_file = \"" + token + "\"");
    auto config = load_config(write_file(dir, "r.toml", toml),
                              {{"RELEASEBOT_SLACK_SIGNING_SECRET", "8f2c-secret-signing"},
                               {"RELEASEBOT_DATABASE_PATH", dir.file("no-such-dir/r.db")}});
    REQUIRE(config);
    const std::string text = describe(*config);
    CAPTURE(text);
    CHECK(text.find("xoxb-1111") == std::string::npos);
    CHECK(text.find("xapp-1") == std::string::npos);
    CHECK(text.find("8f2c") == std::string::npos);
    CHECK(text.find("bot_token       (set, 20 chars, from the file)") != std::string::npos);
    CHECK(text.find("app_token       (set, 17 chars, from file " + token + ")") !=
          std::string::npos);
    CHECK(text.find("signing_secret  (set, 19 chars, from RELEASEBOT_SLACK_SIGNING_SECRET)") !=
          std::string::npos);
    CHECK(text.find("database   " + dir.file("no-such-dir/r.db") + " (its directory " +
                    dir.file("no-such-dir") + " does not exist: create it first)") !=
          std::string::npos);
    CHECK(text.find("http       127.0.0.1:9000: /healthz, /metrics, /calendar.ics, /hooks/ci, "
                    "/slack/ (Events API)") != std::string::npos);
    CHECK(text.find("slack      Socket Mode (3 links) and Events API over HTTP; Web API "
                    "https://slack.example.com/api/") != std::string::npos);
    CHECK(text.find("teams      not configured") != std::string::npos);
    CHECK(text.find("log        debug, json") != std::string::npos);
}

TEST_CASE("The documented example, deploy/releasebot.toml, is a valid configuration", "[config]") {
    // Its secrets are *_file paths on a server; the environment stands in for them here.
    auto config = load_config(std::string(RELEASEBOT_SOURCE_DIR) + "/deploy/releasebot.toml",
                              {{"RELEASEBOT_SLACK_BOT_TOKEN", "xoxb-example"},
                               {"RELEASEBOT_SLACK_APP_TOKEN", "xapp-example"}});
    REQUIRE(config);
    CHECK(config->database == "/var/lib/releasebot/releasebot.db");
    CHECK(config->slack.enabled);
    CHECK(config->slack.socket_mode);
    CHECK(config->slack.connections == 2);
    CHECK_FALSE(config->slack.http);
    CHECK_FALSE(config->teams.enabled);
    CHECK(config->http.address == "127.0.0.1");
    CHECK(config->http.port == 8080);
    CHECK(config->health_checks.lead == std::chrono::minutes(60));
    CHECK(config->health_checks.interval == std::chrono::seconds(60));
    CHECK(config->health_checks.timeout == std::chrono::seconds(10));
    CHECK(config->releases.start_lead == std::chrono::minutes(15));
    CHECK(config->warnings.empty());
}

}  // namespace releasebot
