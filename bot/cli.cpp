// The composition root: parses `releasebot …` with CLI11 and starts what was asked for. Today
// that is the console REPL, also what runs with no subcommand, so `releasebot` alone shows
// the product; the Slack and Teams adapters are wired in here when they arrive.
#include "bot/cli.hpp"

#include <CLI/CLI.hpp>
#include <string>

#include "commands/time_parse.hpp"
#include "integrations/console/repl.hpp"

namespace releasebot {

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

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    // No subcommand and `console` both land here until other subcommands exist.
    return run_console(console_options);
}

}  // namespace releasebot
