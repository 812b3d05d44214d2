// The command parser against the real registry: a table of good inputs and the values they
// give, and a table of bad inputs with the exact message a user sees.
#include <catch2/catch.hpp>

#include "commands/registry.hpp"

using namespace releasebot;

TEST_CASE("good commands parse into typed values", "[parser]") {
    const Registry& reg = command_registry();
    struct Case {
        std::string text;
        std::string command;
        std::vector<std::pair<std::string, std::string>> values;
    };
    auto c = GENERATE(values<Case>({
        {"release plan web-2026.12 \"Web December\" at 2026-12-10 14:00 for 2h program web "
         "program api owner @dana",
         "release plan",
         {{"key", "web-2026.12"},
          {"title", "Web December"},
          {"when", "2026-12-10 14:00"},
          {"for", "2h"},
          {"program", "web"},
          {"owner", "dana"}}},
        {"RELEASE Plan x \"T\" at tomorrow at 14:00",
         "release plan",
         {{"key", "x"}, {"when", "tomorrow at 14:00"}}},
        {"release plan x \"T\" at fri 9:30 Europe/Berlin env prod",
         "release plan",
         {{"when", "fri 9:30 Europe/Berlin"}, {"env", "prod"}}},
        {"release plan x Unquoted title words at in 3h",
         "release plan",
         {{"title", "Unquoted title words"}, {"when", "in 3h"}}},
        {"/release show WEB-2026.12", "release show", {{"key", "WEB-2026.12"}}},
        {"release list", "release list", {}},
        {"release list past program web", "release list", {{"which", "past"}, {"program", "web"}}},
        {"release add w api/gateway@2.9.1 sha256 "
         "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08",
         "release add",
         {{"component", "api/gateway@2.9.1"},
          {"sha256", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}}},
        {"release add w web/ui@1.0 url <https://a.example/x.tgz|x.tgz>",
         "release add",
         {{"url", "https://a.example/x.tgz"}}},
        {"release step w 2 done \"Canary healthy\"",
         "release step",
         {{"n", "2"}, {"outcome", "done"}, {"note", "Canary healthy"}}},
        {"release step w 3 fail", "release step", {{"n", "3"}, {"outcome", "fail"}}},
        {"release cancel w no longer needed", "release cancel", {{"reason", "no longer needed"}}},
        {"release go w override \"CEO approved\"", "release go", {{"override", "CEO approved"}}},
        {"release move w to 2026-12-11T14:00Z", "release move", {{"when", "2026-12-11T14:00Z"}}},
        {"help release plan", "help", {{"topic", "release"}}},
        // Slack's `/release` prefixes everything typed after it.
        {"release help", "help", {}},
        {"release control tick w 3", "control tick", {{"release", "w"}}},
        {"release my tasks", "my tasks", {}},
        {"release retro answer w 1 4", "retro answer", {{"release", "w"}}},
        // `plan add` is a command of its own, not `release plan` of a release named "add".
        {"release plan add w deploy \"Drain traffic\"", "plan add", {{"release", "w"}}},
        {"release plan nightly \"Nightly\" at 2026-12-11T14:00Z", "release plan", {}},
    }));
    CAPTURE(c.text);
    auto parsed = reg.parse(c.text);
    REQUIRE(parsed.ok());
    CHECK(parsed->spec->name == c.command);
    for (const auto& [name, value] : c.values) {
        CAPTURE(name);
        CHECK(parsed->get(name) == value);
    }
}

TEST_CASE("a repeated keyword collects every value", "[parser]") {
    auto parsed = command_registry().parse("release plan x \"T\" at now program a program b");
    REQUIRE(parsed.ok());
    CHECK(parsed->all("program") == std::vector<std::string>{"a", "b"});
    auto help = command_registry().parse("help release plan");
    REQUIRE(help.ok());
    CHECK(help->all("topic") == std::vector<std::string>{"release", "plan"});
}

TEST_CASE("bad commands get the exact message saying what to type", "[parser]") {
    const Registry& reg = command_registry();
    struct Case {
        std::string text;
        std::string message;
    };
    const std::string plan_usage =
        "\nUsage: `release plan <key> \"<title>\" at <when> [for <duration>] [env <name>] "
        "[program <program>]… [owner @user] [override \"<reason>\"]`\nExample: `release plan "
        "web-2026.12 \"Web and API December\" at 2026-12-10 14:00 for 2h env prod program web "
        "program api`";
    auto c = GENERATE_COPY(values<Case>({
        {"", "Type a command, or `help` to see them all."},
        {"relase list",
         "I don't know the command `relase`. Did you mean `release`? Type `help` to see all "
         "commands."},
        {"deploy everything",
         "I don't know the command `deploy`. Type `help` to see all commands."},
        {"release lst",
         "`release lst` is not a command. `release` goes with `plan`, `list`, `show`, `move`, "
         "`cancel`, `add`, `go`, `start`, `step`, `backout`, `done`, `calendar`, `edit`, "
         "`remove`, `program`, `els`, `verify`. Did you mean `release list`? Type `help release` "
         "for examples."},
        {"release plan web \"T\"", "`release plan` needs `at <when>`." + plan_usage},
        {"release plan web at tomorrow", "`release plan` needs \"<title>\"." + plan_usage},
        {"release plan web \"T\" at", "`at` needs <when> after it." + plan_usage},
        {"release plan web \"T\" at now for", "`for` needs <duration> after it." + plan_usage},
        {"release plan web \"T\" at now for 2x",
         "Could not read the duration `2x`. Try `90m`, `2h`, `1h30m` or `3d`." + plan_usage},
        {"release plan web \"T\" at now env a env b",
         "`env` is given twice in `release plan`." + plan_usage},
        {"release plan web/x \"T\" at now",
         "`web/x` is not a release key: use letters, digits, dots, dashes and underscores (up to "
         "64), like `web-2026.12`." +
             plan_usage},
        {"release plan w \"T\" at now owner dana",
         "`dana` is not a person: name them with @, like `@dana`." + plan_usage},
        {"release show",
         "`release show` needs <key>.\nUsage: `release show <key>`\nExample: `release show "
         "web-2026.12`"},
        {"release show a b",
         "I did not expect `b` in `release show`. Nothing more goes after what you gave.\nUsage: "
         "`release show <key>`\nExample: `release show web-2026.12`"},
        {"release step w 0 done",
         "`0` is not a number: give a whole number like `2`.\nUsage: `release step <key> <n> "
         "done|skip|fail|retry [\"<note>\"]`\nExample: `release step web-2026.12 2 done \"Canary "
         "healthy\"`"},
        {"release step w 2",
         "`release step` needs one of done, skip, fail, retry.\nUsage: `release step <key> <n> "
         "done|skip|fail|retry [\"<note>\"]`\nExample: `release step web-2026.12 2 done \"Canary "
         "healthy\"`"},
        {"release add w frontend@1.2",
         "`frontend@1.2` is not a component: write program/component@version, like "
         "`web/frontend@4.2.0`.\nUsage: `release add <key> <program>/<component>@<version> [url "
         "<artifact>] [sha256 <hex>]`\nExample: `release add web-2026.12 api/gateway@2.9.1 url "
         "https://artifacts.example.com/gateway-2.9.1.tar.gz`"},
        {"release add w a/b@1 sha256 abc",
         "`abc` is not a SHA-256: give the 64 hex digits that `sha256sum` prints.\nUsage: "
         "`release add <key> <program>/<component>@<version> [url <artifact>] [sha256 "
         "<hex>]`\nExample: `release add web-2026.12 api/gateway@2.9.1 url "
         "https://artifacts.example.com/gateway-2.9.1.tar.gz`"},
        {"release add w a/b@1 url ftp://x",
         "`ftp://x` is not a link: give an http:// or https:// URL, like "
         "`https://wiki.example.com/runbook`.\nUsage: `release add <key> "
         "<program>/<component>@<version> [url <artifact>] [sha256 <hex>]`\nExample: `release "
         "add web-2026.12 api/gateway@2.9.1 url "
         "https://artifacts.example.com/gateway-2.9.1.tar.gz`"},
        // A word where a choice belongs is named, with the choices, not the word after it.
        {"plan add r deplyo \"x\"",
         "`deplyo` is not a valid plan for `plan add`: use `deploy` or `backout`. Did you mean "
         "`deploy`?\nUsage: `plan add <release> deploy|backout \"<step>\" [owner @user|<role>] "
         "[takes <duration>]`\nExample: `plan add web-2026.12 deploy \"Switch traffic to blue\" "
         "owner "
         "@dana takes 15m`"},
        {"role grant @bob aprover",
         "`aprover` is not a valid role for `role grant`: use `manager`, `approver` or `member`. "
         "Did you mean `approver`?\nUsage: `role grant @user manager|approver|member`\nExample: "
         "`role grant @carol approver`"},
        {"release step w 2 finished",
         "`finished` is not a valid outcome for `release step`: use `done`, `skip`, `fail` or "
         "`retry`.\nUsage: `release step <key> <n> done|skip|fail|retry [\"<note>\"]`\nExample: "
         "`release step web-2026.12 2 done \"Canary healthy\"`"},
        // A trailing unknown option is named, with what may still follow.
        {"release plan w \"T\" at now for 2h colour blue",
         "I did not expect `colour` in `release plan`. What may still follow: `env`, `program`, "
         "`owner` or `override`." +
             plan_usage},
        // Also after a time, which would otherwise take the word in.
        {"release plan w \"T\" at 2026-12-10 14:00 colour blue",
         "I did not expect `colour` in `release plan`. What may still follow: `for`, `env`, "
         "`program`, `owner` or `override`." +
             plan_usage},
        {"release plan w \"T\" at in 3h ownr @dana",
         "I did not expect `ownr` in `release plan`. Did you mean `owner`? What may still follow: "
         "`for`, `env`, `program`, `owner` or `override`." +
             plan_usage},
        {"release list past progam web",
         "I did not expect `progam` in `release list`. Did you mean `program`? What may still "
         "follow: `program` or `page`.\nUsage: `release list [upcoming|past|all] [program "
         "<program>] [page <n>]`\n"
         "Example: `release list upcoming program web`"},
        {"audit w xml",
         "I did not expect `xml` in `audit`. What may still follow: `csv` or `json`.\nUsage: "
         "`audit <release> [csv|json]`\nExample: `audit web-2026.12 csv`"},
        {"release cancel w \"unclosed",
         "A quote is not closed after `\"unclosed`. Put the text between two quotes, like "
         "\"Deploy to prod\"."},
    }));
    CAPTURE(c.text);
    auto parsed = reg.parse(c.text);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().message == c.message);
    CHECK(parsed.error().kind == ErrorKind::usage);
}

TEST_CASE("the registry refuses a command registered twice", "[parser]") {
    Registry r;
    CommandSpec spec{.name = "x", .handler = [](Context&, const ParsedCommand&) -> Result<Reply> {
                         return Reply::plain("x");
                     }};
    r.add(spec);
    CHECK_THROWS_AS(r.add(spec), std::logic_error);
}

TEST_CASE("every registered command's example parses to that command", "[parser][help]") {
    for (const auto& spec : command_registry().specs()) {
        CAPTURE(spec.name, spec.example);
        REQUIRE_FALSE(spec.example.empty());
        auto parsed = command_registry().parse(spec.example);
        REQUIRE(parsed.ok());
        CHECK(parsed->spec->name == spec.name);
    }
}
