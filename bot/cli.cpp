// The composition root: parses `releasebot …` with CLI11 and starts what was asked for: the
// console REPL (also what runs with no subcommand, so `releasebot` alone shows the product) or
// the Slack bot over Socket Mode; the Teams adapter is wired in here when it arrives.
#include "bot/cli.hpp"

#include <pthread.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "bot/outbox_sender.hpp"
#include "bot/pipeline.hpp"
#include "bot/scheduler.hpp"
#include "commands/clock.hpp"
#include "commands/time_parse.hpp"
#include "integrations/console/repl.hpp"
#include "integrations/slack/slack_port.hpp"
#include "integrations/slack/socket_mode.hpp"
#include "integrations/slack/web_api.hpp"
#include "storage/database.hpp"

namespace releasebot {

namespace {

struct SlackOptions {
    std::string db_path = "./releasebot.db";
    int connections = 1;
};

// A setting from the environment, or "" when unset.
std::string env(const char* name) {
    const char* value = std::getenv(name);
    return value == nullptr ? std::string() : std::string(value);
}

std::unique_ptr<Database> open_database(const std::string& path) {
    try {
        return std::make_unique<Database>(path);
    } catch (const std::exception& e) {
        std::string why = e.what();
        if (why.find(path) == std::string::npos) {
            why = "cannot open the database " + path + ": " + why;
        }
        std::cerr << "releasebot: " << why
                  << "\nCheck the path and its permissions, or choose another file with --db "
                     "PATH.\n";
        return nullptr;
    }
}

// `releasebot slack`: Socket Mode in, Web API out. The Socket Mode client runs on this thread
// with its own connection to the database; a second thread, with a second connection (SQLite
// connections are single-threaded here), fires due jobs and drains the outbox every 200 ms and
// waits for SIGINT/SIGTERM, which stop the client cleanly. Returns the process exit status.
int run_slack(const SlackOptions& options) {
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

    // Every thread started from here on inherits the mask, so SIGINT/SIGTERM reach only the
    // sigtimedwait below; a peer closing a socket must not kill the process either.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    signal(SIGPIPE, SIG_IGN);

    std::unique_ptr<Database> db = open_database(options.db_path);
    if (!db) return 1;

    SystemClock clock;
    Pipeline pipeline(*db, clock);
    slack::ApiOptions api_options;
    api_options.base_url = api_url;
    api_options.ca_file = ca_file;
    slack::SlackWebApi app_api(app_token, api_options);

    std::atomic<bool> events_happened{false};
    slack::SocketModeOptions socket_options;
    socket_options.connections = options.connections;
    socket_options.ca_file = ca_file;
    socket_options.on_event = [&events_happened] { events_happened = true; };
    slack::SocketModeClient client(app_api, pipeline, socket_options);

    std::atomic<bool> done{false};
    std::atomic<bool> worker_failed{false};
    std::thread worker([&] {
        std::unique_ptr<Database> worker_db = open_database(options.db_path);
        if (!worker_db) {
            worker_failed = true;
            client.stop();
            return;
        }
        Pipeline timers(*worker_db, clock);
        Scheduler scheduler(*worker_db, clock, timers);
        OutboxSender sender(*worker_db, clock);
        slack::SlackWebApi bot_api(bot_token, api_options);
        slack::SlackPort port(bot_api);
        sender.add_port(port);

        const timespec tick{0, 200 * 1000 * 1000};
        while (!done) {
            const int signal_number = sigtimedwait(&stop_signals, nullptr, &tick);
            if (signal_number == SIGINT || signal_number == SIGTERM) {
                std::cerr << "releasebot: stopping…\n";
                client.stop();
                break;
            }
            // The events just handled may have scheduled jobs this thread has not seen.
            if (events_happened.exchange(false)) scheduler.invalidate();
            try {
                scheduler.run_due();
                constexpr int kBatch = 100;
                while (sender.deliver_due(kBatch) == kBatch && !done) {
                }
            } catch (const std::exception& e) {
                std::cerr << "releasebot: scheduled jobs or messages could not be handled, "
                             "retrying: "
                          << e.what() << '\n';
            }
        }
    });

    std::cerr << "releasebot: connecting to Slack (Socket Mode, " << options.connections
              << (options.connections == 1 ? " link" : " links") << ", Web API " << api_url
              << "); Ctrl-C stops.\n";
    const std::string why = client.run();
    done = true;
    worker.join();
    if (worker_failed) return 1;
    if (why == "stopped") {
        std::cerr << "releasebot: stopped.\n";
        return 0;
    }
    std::cerr << "releasebot: " << why << '\n';
    return 1;
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

    ConsoleOptions console_options;
    CLI::App* console = app.add_subcommand(
        "console", "Type release commands in this terminal (one workspace, channel #terminal)");
    // The last of a repeated option wins, so `scripts/start --db other.db` can override the
    // --db the script passes.
    console->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
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
    slack->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    slack->add_option("--db", slack_options.db_path, "SQLite database file, created if missing")
        ->capture_default_str();
    slack
        ->add_option("--connections", slack_options.connections,
                     "Parallel Socket Mode links, 1 to 10")
        ->check(CLI::Range(1, 10))
        ->capture_default_str();

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    if (slack->parsed()) return run_slack(slack_options);
    // No subcommand and `console` both land here.
    return run_console(console_options);
}

}  // namespace releasebot
