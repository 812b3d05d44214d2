// The declarative command registry: each command is a spec — its name, typed arguments, help
// with an example, the role it needs, whether it changes state — and both parsing and `help`
// are derived from the specs. Adding a command with a name already taken is a start-up bug.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "commands/context.hpp"
#include "commands/reply.hpp"
#include "commands/result.hpp"
#include "storage/records.hpp"

namespace releasebot {

enum class ArgType {
    word,       // one bare word
    key,        // a release key: letters, digits, . _ -  (web-2026.12)
    slug,       // a control id: letters, digits, -  (backout-plan), or a number in a list
    text,       // a quoted string, or the unquoted words up to the next keyword
    when,       // a time expression, the words up to the next keyword (see time_parse.hpp)
    duration,   // 2h, 90m, 1h30m, 3d
    user,       // @alice, <@U123>, <@U123|alice>  → stored as the user id
    owner,      // a user (as above) → "user:<id>", or a role name → "role:<name>"
    integer,    // a positive whole number
    url,        // http:// or https://
    sha256,     // 64 hex digits, stored lower-case
    component,  // program/component@version
    choice,     // one of `choices`, matched by its word wherever it appears
    flag,       // the keyword alone, no value
};

// The most characters a text argument named `name` takes: a title 120, a plan step or a survey
// prompt 200, an answer or a description 2,000, an announcement's or action item's text 3,000,
// anything else (a note, a reason, an override) 500. Longer text is refused with both numbers.
std::size_t text_limit(const std::string& name);

struct ArgSpec {
    std::string name;     // what the handler asks for: "key", "when", "owner", …
    ArgType type = ArgType::word;
    std::string keyword;  // "" for a positional argument; "at" for `at <when>`
    bool required = true;
    bool repeated = false;              // `program <p>…`
    std::vector<std::string> choices;   // for choice
    std::string placeholder;            // shown in usage: "<key>", "\"<title>\"", …
};

// Builders, so a spec reads like its usage line.
ArgSpec positional(std::string name, ArgType type, std::string placeholder = {});
ArgSpec optional_positional(std::string name, ArgType type, std::string placeholder = {});
ArgSpec keyword(std::string kw, std::string name, ArgType type, std::string placeholder = {});
ArgSpec optional_keyword(std::string kw, std::string name, ArgType type,
                         std::string placeholder = {});
ArgSpec repeated_keyword(std::string kw, std::string name, ArgType type,
                         std::string placeholder = {});
ArgSpec choice(std::string name, std::vector<std::string> choices, bool required = true);
ArgSpec flag(std::string kw);

class ParsedCommand;
using Handler = std::function<Result<Reply>(Context&, const ParsedCommand&)>;

struct CommandSpec {
    std::string name;  // "release plan": words the user types first
    std::vector<ArgSpec> args;
    std::string summary;  // one line: what it does
    std::string example;  // a full command that works
    std::string details;  // optional longer help
    Role role = Role::member;  // the least role allowed to run it
    bool changes_state = false;
    bool hidden = false;  // left out of `help` lists (yes/no)
    Handler handler;

    std::string topic() const;  // first word of the name
    std::string usage() const;  // generated from args
};

class ParsedCommand {
public:
    const CommandSpec* spec = nullptr;
    std::string text;  // as typed
    std::map<std::string, std::vector<std::string>> values;

    bool has(const std::string& name) const { return values.count(name) > 0; }
    // The first value of `name`, or "" when absent.
    const std::string& get(const std::string& name) const;
    std::optional<std::string> opt(const std::string& name) const;
    const std::vector<std::string>& all(const std::string& name) const;
};

class Registry {
public:
    // Adds a command; throws std::logic_error if the name is taken or the spec is inconsistent.
    void add(CommandSpec spec);

    // Parses `text` into a command and its typed arguments. Errors say what was wrong, show
    // the usage line and an example, and suggest the nearest command for a typo.
    Result<ParsedCommand> parse(std::string_view text) const;

    const CommandSpec* find(std::string_view name) const;
    const std::vector<CommandSpec>& specs() const { return specs_; }
    // Topics in first-registered order ("release", "control", …).
    std::vector<std::string> topics() const;

private:
    std::vector<CommandSpec> specs_;
};

// The registry with every command of releasebot.
const Registry& command_registry();

}  // namespace releasebot
