// The command line: parses `releasebot …` with CLI11 and starts what was asked for: the console
// REPL (also what runs with no subcommand, so `releasebot` alone shows the product), the served
// bot (`serve`, from a configuration file; serve.cpp is its composition root), `check-config`,
// `slack` (the environment-only shortcut to serving Slack over Socket Mode), or `export` /
// `import` of a workspace (bot/app/export.hpp).
#include "bot/app/cli.hpp"

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "bot/app/config.hpp"
#include "bot/app/console.hpp"
#include "bot/app/export.hpp"
#include "bot/app/serve.hpp"
#include "bot/runtime/log.hpp"
#include "commands/time_parse.hpp"
#include "storage/database.hpp"

namespace releasebot {

namespace {

struct SlackOptions {
    std::string db_path = "./releasebot.db";
    int connections = 1;
};

// Options of `serve` and `check-config`; the log ones override the file.
struct ServeOptions {
    std::string config_path;
    std::string log_level;
    std::string log_format;
};

// A setting from the environment, or "" when unset.
std::string env(const char* name) {
    const char* value = std::getenv(name);
    return value == nullptr ? std::string() : std::string(value);
}

// The --log-level and --log-format given on the command line, over what the file says.
void apply_log_flags(const ServeOptions& options, Config& config) {
    if (!options.log_level.empty()) config.log.level = *log::parse_level(options.log_level);
    if (!options.log_format.empty()) config.log.format = *log::parse_format(options.log_format);
}

// serve(), with a start-up failure that escaped as an exception (a bug, or an environment
// fault such as no memory) reported in one line instead of an abort.
int serve_or_say_why(const Config& config) {
    try {
        return serve(config);
    } catch (const std::exception& e) {
        log::error("serve", std::string("could not start: ") + e.what());
        return 1;
    }
}

// The configuration file: --config, else $RELEASEBOT_CONFIG, else none (environment only).
std::optional<Config> load(const ServeOptions& options) {
    std::string path = options.config_path.empty() ? env("RELEASEBOT_CONFIG") : options.config_path;
    auto config = load_config(path, process_environment());
    if (!config) {
        std::cerr << "releasebot: " << config.error().message << '\n';
        return std::nullopt;
    }
    apply_log_flags(options, *config);
    return std::move(*config);
}

// `releasebot serve`: the configuration is checked whole before anything starts.
int run_serve(const ServeOptions& options) {
    auto config = load(options);
    if (!config) return 2;
    return serve_or_say_why(*config);
}

// `releasebot check-config`: what serve would run, secrets shown only as "(set, N chars)".
int run_check_config(const ServeOptions& options) {
    auto config = load(options);
    if (!config) return 2;
    std::cout << describe(*config);
    return 0;
}

// `releasebot slack`: Socket Mode in, Web API out, configured by SLACK_BOT_TOKEN,
// SLACK_APP_TOKEN, SLACK_API_URL and SLACK_CA_FILE alone; it runs the same code as `serve`,
// without the HTTP listener. Returns the process exit status.
int run_slack(const SlackOptions& options, const ServeOptions& log_options) {
    const std::string bot_token = env("SLACK_BOT_TOKEN");
    const std::string app_token = env("SLACK_APP_TOKEN");
    std::string api_url = env("SLACK_API_URL");
    if (api_url.empty()) api_url = "https://slack.com/api/";
    const std::string ca_file = env("SLACK_CA_FILE");

    if (bot_token.empty()) {
        std::cerr << "releasebot: SLACK_BOT_TOKEN is not set. Set it to the app's bot token "
                     "(xoxb-…, on the app's OAuth & Permissions page) and run `releasebot slack` "
                     "again.\n";
        return 2;
    }
    if (app_token.empty()) {
        std::cerr << "releasebot: SLACK_APP_TOKEN is not set. Set it to an app-level token "
                     "(xapp-…, with the connections:write scope, on the app's Basic Information "
                     "page) and run `releasebot slack` again.\n";
        return 2;
    }
    if (app_token.rfind("xapp-", 0) != 0) {
        std::cerr << "releasebot: SLACK_APP_TOKEN does not start with xapp-: Socket Mode needs the "
                     "app-level token (Basic Information → App-Level Tokens), not the bot "
                     "token.\n";
        return 2;
    }
    if (bot_token.rfind("xapp-", 0) == 0) {
        std::cerr << "releasebot: SLACK_BOT_TOKEN holds an app-level token (xapp-…): set it to "
                     "the bot token (xoxb-…, on the app's OAuth & Permissions page).\n";
        return 2;
    }
    if (options.db_path == ":memory:") {
        std::cerr << "releasebot: the Slack bot needs a database file (its delivery thread opens "
                     "it too): choose one with --db PATH.\n";
        return 2;
    }

    Config config;
    config.database = options.db_path;
    config.http.enabled = false;
    config.slack.enabled = true;
    config.slack.bot_token = {bot_token, "SLACK_BOT_TOKEN"};
    config.slack.app_token = {app_token, "SLACK_APP_TOKEN"};
    config.slack.api_url = api_url.back() == '/' ? api_url : api_url + "/";
    config.slack.ca_file = ca_file;
    config.slack.socket_mode = true;
    config.slack.connections = options.connections;
    apply_log_flags(log_options, config);
    return serve_or_say_why(config);
}

struct TransferOptions {
    std::string db_path = "./releasebot.db";
    std::string workspace;
    std::string format = "json";
    std::string file;  // export: write here; import: read from here; "" or "-": stdout/stdin
};

std::unique_ptr<Database> open_for_transfer(const std::string& path) {
    try {
        return std::make_unique<Database>(path);
    } catch (const std::exception& e) {
        std::cerr << "releasebot: cannot open the database " << path << ": " << e.what()
                  << "\nCheck the path and its permissions, or choose another file with --db "
                     "PATH.\n";
        return nullptr;
    }
}

// `releasebot export`: one workspace as JSON on stdout (or --out FILE); a summary on stderr.
int run_export(const TransferOptions& options) {
    if (!std::filesystem::exists(options.db_path)) {
        std::cerr << "releasebot: there is no database at " << options.db_path
                  << ": give the file to export with --db PATH.\n";
        return 2;
    }
    auto db = open_for_transfer(options.db_path);
    if (!db) return 1;
    std::ofstream file;
    const bool to_stdout = options.file.empty() || options.file == "-";
    if (!to_stdout) {
        file.open(options.file, std::ios::binary | std::ios::trunc);
        if (!file) {
            std::cerr << "releasebot: cannot write " << options.file << ": " << std::strerror(errno)
                      << '\n';
            return 1;
        }
    }
    ExportOptions export_options;
    export_options.format = options.format;
    export_options.workspace = options.workspace;
    auto summary = export_workspace(*db, to_stdout ? std::cout : file, export_options);
    if (!summary) {
        std::cerr << "releasebot: " << summary.error().message << '\n';
        return 2;
    }
    std::cerr << "releasebot: exported " << summary->workspace << ": " << summary->releases
              << (summary->releases == 1 ? " release, " : " releases, ") << summary->rows
              << " rows.\n";
    return 0;
}

// `releasebot import`: restores an export (from FILE, or stdin) into --db, in one transaction.
int run_import(const TransferOptions& options) {
    std::ifstream file;
    const bool from_stdin = options.file.empty() || options.file == "-";
    if (!from_stdin) {
        file.open(options.file, std::ios::binary);
        if (!file) {
            std::cerr << "releasebot: cannot read " << options.file << ": " << std::strerror(errno)
                      << '\n';
            return 2;
        }
    }
    auto db = open_for_transfer(options.db_path);
    if (!db) return 1;
    auto summary = import_workspace(*db, from_stdin ? std::cin : file);
    if (!summary) {
        std::cerr << "releasebot: " << summary.error().message << '\n';
        return 2;
    }
    std::cerr << "releasebot: imported " << summary->workspace << " into " << options.db_path
              << ": " << summary->releases
              << (summary->releases == 1 ? " release, " : " releases, ") << summary->rows
              << " rows.\n";
    return 0;
}

// --log-level and --log-format on `sub`, checked by CLI11.
void add_log_flags(CLI::App* sub, ServeOptions& options) {
    sub->add_option("--log-level", options.log_level,
                    "error, warn, info or debug (default: log.level, else info)")
        ->check(CLI::IsMember({"error", "warn", "info", "debug"}));
    sub->add_option("--log-format", options.log_format,
                    "plain or json (JSON lines; default: log.format, else plain)")
        ->check(CLI::IsMember({"plain", "json"}));
}

}  // namespace

int run_cli(int argc, char** argv) {
    CLI::App app{
        "releasebot: the release desk in chat. Plan synchronized releases, tick release "
        "controls, run go/no-go, walk deploy and backout plans, and keep an audit log, in "
        "Slack, Microsoft Teams or this terminal.",
        "releasebot"};
    app.set_version_flag("--version", std::string("releasebot ") + RELEASEBOT_VERSION,
                         "Print the version and exit");
    app.footer("With no subcommand, releasebot runs `console` with its defaults.");
    app.require_subcommand(0, 1);
    // The last of a repeated option wins, so `scripts/start --db other.db` can override the
    // --db the script passes. Every subcommand added below inherits this default.
    app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);

    ConsoleOptions console_options;
    CLI::App* console = app.add_subcommand(
        "console", "Type release commands in this terminal (one workspace, channel #terminal)");
    console->add_option("--db", console_options.db_path, "SQLite database file, created if missing")
        ->capture_default_str();
    console
        ->add_option("--as", console_options.user,
                     "Who is typing at the start (default: $USER, else `me`); `as <user>` "
                     "switches later")
        ->check(CLI::Validator(
            [](std::string& value) -> std::string {
                if (console_user_name(value)) return {};
                return "a console user name is letters, digits, '.', '_' or '-' (e.g. alice)";
            },
            "USER"));
    console
        ->add_option("--tz", console_options.zone,
                     "IANA time zone of the console users, e.g. Europe/Berlin (default: $TZ "
                     "when it names one, else UTC)")
        ->check(CLI::Validator(
            [](std::string& value) -> std::string {
                auto zone = canonical_zone(value);
                return zone ? std::string() : zone.error().message;
            },
            "ZONE"));

    console->add_option("--clock", console_options.clock_start,
                        "Start at this time on a clock that only `clock advance <duration>` "
                        "moves, e.g. \"2026-12-09 09:00\"");

    SlackOptions slack_options;
    CLI::App* slack = app.add_subcommand(
        "slack",
        "Run the bot in Slack over Socket Mode. Reads SLACK_BOT_TOKEN (xoxb-…), SLACK_APP_TOKEN "
        "(xapp-…), SLACK_API_URL (default https://slack.com/api/) and SLACK_CA_FILE (an extra CA "
        "bundle, optional) from the environment");
    slack->add_option("--db", slack_options.db_path, "SQLite database file, created if missing")
        ->capture_default_str();
    slack
        ->add_option("--connections", slack_options.connections,
                     "Parallel Socket Mode links, 1 to 10")
        ->check(CLI::Range(1, 10))
        ->capture_default_str();

    ServeOptions slack_log_options;
    add_log_flags(slack, slack_log_options);

    ServeOptions serve_options;
    CLI::App* serve_cmd = app.add_subcommand(
        "serve",
        "Run the bot as a service: every adapter the configuration file sets up (Slack Socket "
        "Mode and/or Events API, Microsoft Teams), the scheduler and the outbox, with /healthz "
        "and /metrics on the HTTP listener. Settings: the TOML file, overridden by "
        "RELEASEBOT_<SECTION>_<KEY> variables; see deploy/releasebot.toml");
    serve_cmd->add_option("--config", serve_options.config_path,
                          "The TOML configuration file (default: $RELEASEBOT_CONFIG; without "
                          "either, the environment alone)");
    add_log_flags(serve_cmd, serve_options);

    ServeOptions check_options;
    CLI::App* check_cmd = app.add_subcommand(
        "check-config",
        "Check a configuration and print what `releasebot serve` would run (secrets are shown "
        "only as set or not, never their values); exit status 2 with the reason when invalid");
    check_cmd->add_option("--config", check_options.config_path,
                          "The TOML configuration file (default: $RELEASEBOT_CONFIG)");
    add_log_flags(check_cmd, check_options);

    TransferOptions export_options;
    CLI::App* export_cmd = app.add_subcommand(
        "export",
        "Write one workspace (releases, controls, plans, communications, retrospectives, roles, "
        "freezes, audit log) as a JSON document to stdout, for a backup or a move; restore it "
        "with `releasebot import`");
    export_cmd->add_option("--db", export_options.db_path, "SQLite database file to read")
        ->capture_default_str();
    export_cmd->add_option("--workspace", export_options.workspace,
                           "Which workspace, as platform:tenant (e.g. slack:T0123); needed "
                           "only when the database holds several");
    export_cmd->add_option("--format", export_options.format, "Only json so far")
        ->check(CLI::IsMember({"json"}))
        ->capture_default_str();
    export_cmd->add_option("--out", export_options.file, "Write to this file instead of stdout");

    TransferOptions import_options;
    CLI::App* import_cmd = app.add_subcommand(
        "import",
        "Restore a workspace written by `releasebot export` into a database (created if "
        "missing), with new ids; refused if that workspace is already there");
    import_cmd->add_option("--db", import_options.db_path, "SQLite database file to restore into")
        ->capture_default_str();
    import_cmd->add_option("file", import_options.file, "The export to read (default: stdin)");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    if (slack->parsed()) return run_slack(slack_options, slack_log_options);
    if (serve_cmd->parsed()) return run_serve(serve_options);
    if (check_cmd->parsed()) return run_check_config(check_options);
    if (export_cmd->parsed()) return run_export(export_options);
    if (import_cmd->parsed()) return run_import(import_options);
    // No subcommand and `console` both land here.
    return run_console(console_options);
}

}  // namespace releasebot
