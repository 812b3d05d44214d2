// The command registry and the parser derived from it. See registry.hpp for the contract.
//
// Parsing is table-driven: the longest registered name that prefixes the text picks the spec;
// then each token is, in this order, a keyword of the spec (which takes its value), a word of a
// choice argument, or the value of the next unfilled positional argument. `when` and `text`
// values may span several words, up to the next keyword.
#include "commands/registry.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <stdexcept>

#include "commands/text_util.hpp"
#include "commands/time_parse.hpp"
#include "commands/tokenizer.hpp"

namespace releasebot {

std::size_t text_limit(const std::string& name) {
    if (name == "title") return 120;
    if (name == "step" || name == "prompt") return 200;
    if (name == "answer" || name == "about") return 2000;
    if (name == "text") return 3000;  // an announcement's body, an action item
    return 500;                       // notes, reasons, overrides, comments, options
}

namespace {

std::string default_placeholder(const std::string& name, ArgType type) {
    switch (type) {
        case ArgType::text:
            return "\"<" + name + ">\"";
        case ArgType::user:
            return "@user";
        case ArgType::owner:
            return "@user|<role>";
        default:
            return "<" + name + ">";
    }
}

ArgSpec make(std::string name, ArgType type, std::string kw, bool required, bool repeated,
             std::string placeholder) {
    ArgSpec a;
    a.placeholder = placeholder.empty() ? default_placeholder(name, type) : std::move(placeholder);
    a.name = std::move(name);
    a.type = type;
    a.keyword = std::move(kw);
    a.required = required;
    a.repeated = repeated;
    return a;
}

std::vector<std::string> split_words(const std::string& s) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && s[i] == ' ') ++i;
        std::size_t j = i;
        while (j < s.size() && s[j] != ' ') ++j;
        if (j > i) out.push_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

bool all_of(std::string_view s, int (*pred)(int)) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) {
        return pred(static_cast<unsigned char>(c)) != 0;
    });
}

std::string usage_hint(const CommandSpec& spec) {
    std::string out = "\nUsage: `" + spec.usage() + "`";
    if (!spec.example.empty()) out += "\nExample: `" + spec.example + "`";
    return out;
}

// Checks and normalizes one value of `arg`. Returns the stored form.
Result<std::string> convert(const CommandSpec& spec, const ArgSpec& arg, const std::string& raw) {
    auto bad = [&](const std::string& why) -> Error { return usage_error(why + usage_hint(spec)); };
    switch (arg.type) {
        case ArgType::text: {
            const std::size_t most = text_limit(arg.name);
            if (std::size_t n = code_points(raw); n > most)
                return usage_error("The " + arg.name + " is " + std::to_string(n) +
                                   " characters long; it may be at most " + std::to_string(most) +
                                   ". Shorten it and try again.");
            // A title is shown on one line: in lists, tables, headers and notifications.
            if (arg.name == "title" && raw.find_first_of("\r\n") != std::string::npos)
                return usage_error(
                    "The title has a line break in it; it is shown on one line. Put it on one "
                    "line and try again.");
            return raw;
        }
        case ArgType::word:
        case ArgType::when:
        case ArgType::choice:
        case ArgType::flag:
            return raw;
        case ArgType::key: {
            bool ok = raw.size() <= 64 && std::isalnum(static_cast<unsigned char>(raw[0])) &&
                      std::all_of(raw.begin(), raw.end(), [](char c) {
                          return std::isalnum(static_cast<unsigned char>(c)) || c == '.' ||
                                 c == '-' || c == '_';
                      });
            if (!ok)
                return bad("`" + raw +
                           "` is not a release key: use letters, digits, dots, dashes "
                           "and underscores (up to 64), like `web-2026.12`.");
            return raw;
        }
        case ArgType::slug: {
            bool ok = raw.size() <= 40 && std::all_of(raw.begin(), raw.end(), [](char c) {
                          return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
                      });
            if (!ok)
                return bad("`" + raw +
                           "` is not a control id: use its id like `backout-plan` "
                           "or its number in `control list`.");
            return lower(raw);
        }
        case ArgType::duration: {
            auto d = parse_duration(raw);
            if (!d) return bad(d.error().message);
            return raw;
        }
        case ArgType::integer: {
            if (!all_of(raw, ::isdigit) || raw.size() > 6 || std::stol(raw) < 1)
                return bad("`" + raw + "` is not a number: give a whole number like `2`.");
            return std::to_string(std::stol(raw));
        }
        case ArgType::user:
        case ArgType::owner: {
            std::string id;
            if (raw.size() > 3 && raw.rfind("<@", 0) == 0 && raw.back() == '>') {
                id = raw.substr(2, raw.size() - 3);  // <@U123> or <@U123|name>
                if (auto bar = id.find('|'); bar != std::string::npos) id.resize(bar);
            } else if (raw.size() > 1 && raw[0] == '@') {
                id = raw.substr(1);
            }
            bool ok =
                !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
                    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ||
                           c == '_' || c == ':';
                });
            if (arg.type == ArgType::owner) {
                if (ok) return "user:" + id;
                std::string r = lower(raw);
                if (r == "manager" || r == "approver" || r == "member" || r == "managers" ||
                    r == "approvers" || r == "members") {
                    if (r.back() == 's') r.pop_back();
                    return "role:" + r;
                }
                return bad("`" + raw +
                           "` is not an owner: name a person like `@dana` or a "
                           "role: `manager`, `approver` or `member`.");
            }
            if (!ok) return bad("`" + raw + "` is not a person: name them with @, like `@dana`.");
            return id;
        }
        case ArgType::url: {
            std::string u = raw;
            // Slack wraps links as <https://x|label>.
            if (u.size() > 2 && u.front() == '<' && u.back() == '>') {
                u = u.substr(1, u.size() - 2);
                if (auto bar = u.find('|'); bar != std::string::npos) u.resize(bar);
            }
            std::string l = lower(u);
            std::size_t scheme = l.rfind("https://", 0) == 0  ? 8
                                 : l.rfind("http://", 0) == 0 ? 7
                                                              : 0;
            if (scheme == 0 || u.size() <= scheme || u.size() > 2048 ||
                u.find_first_of(" \t\"<>") != std::string::npos)
                return bad("`" + raw +
                           "` is not a link: give an http:// or https:// URL, like "
                           "`https://wiki.example.com/runbook`.");
            return u;
        }
        case ArgType::sha256: {
            if (raw.size() != 64 || !all_of(raw, ::isxdigit))
                return bad("`" + raw +
                           "` is not a SHA-256: give the 64 hex digits that "
                           "`sha256sum` prints.");
            return lower(raw);
        }
        case ArgType::component: {
            auto slash = raw.find('/');
            auto at = raw.find('@', slash == std::string::npos ? 0 : slash);
            auto part_ok = [](std::string_view p) {
                return !p.empty() && p.size() <= 64 && std::all_of(p.begin(), p.end(), [](char c) {
                    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ||
                           c == '_';
                });
            };
            if (slash == std::string::npos || at == std::string::npos ||
                !part_ok(std::string_view(raw).substr(0, slash)) ||
                !part_ok(std::string_view(raw).substr(slash + 1, at - slash - 1)) ||
                at + 1 >= raw.size() || raw.size() - at - 1 > 64)
                return bad("`" + raw +
                           "` is not a component: write program/component@version, "
                           "like `web/frontend@4.2.0`.");
            return raw;
        }
    }
    return raw;
}

// "`a`, `b` or `c`".
std::string one_of(const std::vector<std::string>& words) {
    std::string out;
    for (std::size_t i = 0; i < words.size(); ++i) {
        if (i > 0) out += i + 1 == words.size() ? " or " : ", ";
        out += "`" + words[i] + "`";
    }
    return out;
}

// The choice a bare word in front of `target` (the positional it would fill; null when none is
// left) must have been meant for: a required choice declared before `target`, not given yet.
const ArgSpec* missing_choice(const CommandSpec& spec, const ParsedCommand& out,
                              const ArgSpec* target) {
    for (const auto& a : spec.args) {
        if (&a == target) break;
        if (a.type == ArgType::choice && a.required && !out.has(a.name)) return &a;
    }
    return nullptr;
}

std::string not_a_choice(const CommandSpec& spec, const ArgSpec& arg, const std::string& word) {
    std::string msg = "`" + word + "` is not a valid " + arg.name + " for `" + spec.name +
                      "`: use " + one_of(arg.choices) + ".";
    if (auto guess = closest(lower(word), arg.choices); !guess.empty())
        msg += " Did you mean `" + guess + "`?";
    return msg;
}

// A word left over after every positional is filled: name it and the options still open.
std::string unexpected(const CommandSpec& spec, const ParsedCommand& out, const std::string& word) {
    std::string msg = "I did not expect `" + word + "` in `" + spec.name + "`.";
    std::vector<std::string> open;
    for (const auto& a : spec.args) {
        if (a.type == ArgType::choice && !out.has(a.name))
            open.insert(open.end(), a.choices.begin(), a.choices.end());
        else if (!a.keyword.empty() && (a.repeated || !out.has(a.name)))
            open.push_back(a.keyword);
    }
    if (open.empty()) return msg + " Nothing more goes after what you gave.";
    if (auto guess = closest(lower(word), open); !guess.empty())
        msg += " Did you mean `" + guess + "`?";
    return msg + " What may still follow: " + one_of(open) + ".";
}

// For a `<when>` value that cannot be read as a whole: the first word after the longest start of
// it that can, which was most likely meant as an option of its own (`at 2026-12-10 14:00 colour
// blue`); "" when no start of it reads, or when the time is read but wrong (an unknown zone, a
// 30 February), which parse_when explains better. Readability does not depend on the zone or
// the current time, so any serve here.
std::string word_after_when(const std::string& value) {
    const auto words = split_words(value);
    if (words.size() < 2) return "";
    auto whole = parse_when(value, "UTC", Instant{});
    if (whole || whole.error().kind != ErrorKind::usage) return "";
    for (std::size_t n = words.size() - 1; n >= 1; --n) {
        std::vector<std::string> start(words.begin(), words.begin() + static_cast<long>(n));
        if (parse_when(join(start, " "), "UTC", Instant{})) return words[n];
    }
    return "";
}

}  // namespace

ArgSpec positional(std::string name, ArgType type, std::string placeholder) {
    return make(std::move(name), type, "", true, false, std::move(placeholder));
}
ArgSpec optional_positional(std::string name, ArgType type, std::string placeholder) {
    return make(std::move(name), type, "", false, false, std::move(placeholder));
}
ArgSpec keyword(std::string kw, std::string name, ArgType type, std::string placeholder) {
    return make(std::move(name), type, std::move(kw), true, false, std::move(placeholder));
}
ArgSpec optional_keyword(std::string kw, std::string name, ArgType type, std::string placeholder) {
    return make(std::move(name), type, std::move(kw), false, false, std::move(placeholder));
}
ArgSpec repeated_keyword(std::string kw, std::string name, ArgType type, std::string placeholder) {
    return make(std::move(name), type, std::move(kw), false, true, std::move(placeholder));
}
ArgSpec choice(std::string name, std::vector<std::string> choices, bool required) {
    ArgSpec a = make(std::move(name), ArgType::choice, "", required, false, join(choices, "|"));
    a.choices = std::move(choices);
    return a;
}
ArgSpec flag(std::string kw) {
    ArgSpec a = make(kw, ArgType::flag, kw, false, false, kw);
    return a;
}

std::string CommandSpec::topic() const {
    return name.substr(0, name.find(' '));
}

std::string CommandSpec::usage() const {
    std::string out = name;
    for (const auto& a : args) {
        std::string piece;
        if (a.type == ArgType::flag) {
            piece = a.keyword;
        } else if (!a.keyword.empty()) {
            piece = a.keyword + " " + a.placeholder;
        } else {
            piece = a.placeholder;
        }
        if (!a.required) piece = "[" + piece + "]";
        if (a.repeated) piece += "…";
        out += " " + piece;
    }
    return out;
}

namespace {
const std::vector<std::string> kEmpty;
const std::string kEmptyString;
}  // namespace

const std::string& ParsedCommand::get(const std::string& name) const {
    auto it = values.find(name);
    return it == values.end() || it->second.empty() ? kEmptyString : it->second.front();
}

std::optional<std::string> ParsedCommand::opt(const std::string& name) const {
    auto it = values.find(name);
    if (it == values.end() || it->second.empty()) return std::nullopt;
    return it->second.front();
}

const std::vector<std::string>& ParsedCommand::all(const std::string& name) const {
    auto it = values.find(name);
    return it == values.end() ? kEmpty : it->second;
}

void Registry::add(CommandSpec spec) {
    if (spec.name.empty() || !spec.handler)
        throw std::logic_error("command spec needs a name and a handler");
    if (find(spec.name)) throw std::logic_error("command registered twice: " + spec.name);
    std::set<std::string> names, words;
    for (const auto& a : spec.args) {
        if (!names.insert(a.name).second)
            throw std::logic_error(spec.name + ": argument named twice: " + a.name);
        if (!a.keyword.empty() && !words.insert(a.keyword).second)
            throw std::logic_error(spec.name + ": keyword used twice: " + a.keyword);
        for (const auto& c : a.choices)
            if (!words.insert(c).second)
                throw std::logic_error(spec.name + ": choice word used twice: " + c);
    }
    specs_.push_back(std::move(spec));
}

const CommandSpec* Registry::find(std::string_view name) const {
    for (const auto& s : specs_)
        if (iequals(s.name, name)) return &s;
    return nullptr;
}

std::vector<std::string> Registry::topics() const {
    std::vector<std::string> out;
    for (const auto& s : specs_) {
        if (s.hidden) continue;
        if (std::find(out.begin(), out.end(), s.topic()) == out.end()) out.push_back(s.topic());
    }
    return out;
}

Result<ParsedCommand> Registry::parse(std::string_view text) const {
    auto tokens_r = tokenize(text);
    if (!tokens_r) return tokens_r.error();
    auto& tokens = *tokens_r;
    // A leading "/release" or "release:" from chat clients reads like "release".
    if (!tokens.empty() && !tokens[0].quoted && tokens[0].text.size() > 1 &&
        tokens[0].text[0] == '/')
        tokens[0].text.erase(0, 1);
    if (tokens.empty()) return usage_error("Type a command, or `help` to see them all.");
    // Slack's slash command is `/release`, so "/release control tick …" and "/release help"
    // arrive as "release control tick …" and "release help": drop the "release" when what
    // follows is a command of its own and not a release verb. "/release plan add …" is the
    // plan command `plan add`, not `release plan` of a release named "add": a two-word command
    // of its own wins over the release verb.
    if (tokens.size() >= 2 && !tokens[0].quoted && !tokens[1].quoted &&
        iequals(tokens[0].text, "release")) {
        const std::string second = lower(tokens[1].text);
        const bool names_own_command = tokens.size() >= 3 && !tokens[2].quoted &&
                                       find(second + " " + lower(tokens[2].text)) != nullptr;
        if (names_own_command || !find("release " + second)) {
            bool own_command = false;
            for (const auto& s : specs_) own_command = own_command || s.topic() == second;
            if (own_command) tokens.erase(tokens.begin());
        }
    }

    // 1. The longest registered name that prefixes the tokens.
    const CommandSpec* spec = nullptr;
    std::size_t name_len = 0;
    for (const auto& s : specs_) {
        auto words = split_words(s.name);
        if (words.size() > tokens.size() || words.size() <= name_len) continue;
        bool match = true;
        for (std::size_t i = 0; i < words.size() && match; ++i)
            match = !tokens[i].quoted && iequals(words[i], tokens[i].text);
        if (match) {
            spec = &s;
            name_len = words.size();
        }
    }
    if (!spec) {
        std::string first = lower(tokens[0].text);
        std::vector<std::string> topic_list = topics();
        if (std::find(topic_list.begin(), topic_list.end(), first) != topic_list.end()) {
            std::vector<std::string> verbs;
            std::vector<std::string> full;
            for (const auto& s : specs_) {
                if (s.hidden || s.topic() != first || s.name == first) continue;
                verbs.push_back("`" + s.name.substr(first.size() + 1) + "`");
                full.push_back(s.name.substr(first.size() + 1));
            }
            std::string said = tokens.size() > 1 ? tokens[1].text : "";
            std::string guess = said.empty() ? "" : closest(said, full);
            std::string msg = said.empty()
                                  ? "`" + first + "` needs a verb: " + join(verbs, ", ") + "."
                                  : "`" + first + " " + said + "` is not a command. `" + first +
                                        "` goes with " + join(verbs, ", ") + ".";
            if (!guess.empty()) msg += " Did you mean `" + first + " " + guess + "`?";
            msg += " Type `help " + first + "` for examples.";
            return usage_error(msg);
        }
        std::vector<std::string> names = topic_list;
        std::string guess = closest(tokens[0].text, names);
        std::string msg = "I don't know the command `" + tokens[0].text + "`.";
        if (!guess.empty()) msg += " Did you mean `" + guess + "`?";
        msg += " Type `help` to see all commands.";
        return usage_error(msg);
    }

    ParsedCommand out;
    out.spec = spec;
    out.text = std::string(text);

    // Words that end a multi-word value: the spec's keywords, choice words and flags.
    auto is_stop = [&](const Token& t, bool inside_when) {
        if (t.quoted) return true;
        std::string w = lower(t.text);
        for (const auto& a : spec->args) {
            if (!a.keyword.empty() && a.keyword == w) return !(inside_when && w == "at");
            for (const auto& c : a.choices)
                if (c == w) return true;
        }
        return false;
    };
    // Reads one value of `arg` starting at tokens[i]; advances i.
    auto read_value = [&](const ArgSpec& arg, std::size_t& i) -> std::string {
        if (tokens[i].quoted) return tokens[i++].text;
        if (arg.type == ArgType::when || arg.type == ArgType::text) {
            bool when = arg.type == ArgType::when;
            std::vector<std::string> words;
            while (i < tokens.size() && (words.empty() || !is_stop(tokens[i], when))) {
                words.push_back(tokens[i].text);
                ++i;
            }
            return join(words, " ");
        }
        return tokens[i++].text;
    };
    auto store = [&](const ArgSpec& arg, const std::string& raw) -> Status {
        auto v = convert(*spec, arg, raw);
        if (!v) return v.error();
        auto& slot = out.values[arg.name];
        if (!slot.empty() && !arg.repeated) {
            std::string what = arg.keyword.empty() ? arg.placeholder : "`" + arg.keyword + "`";
            return usage_error(what + " is given twice in `" + spec->name + "`." +
                               usage_hint(*spec));
        }
        slot.push_back(*v);
        return ok_status();
    };

    std::size_t next_positional = 0;
    std::vector<const ArgSpec*> positionals;
    for (const auto& a : spec->args)
        if (a.keyword.empty() && a.type != ArgType::choice) positionals.push_back(&a);

    std::size_t i = name_len;
    while (i < tokens.size()) {
        const Token& t = tokens[i];
        const ArgSpec* matched = nullptr;
        std::string w = lower(t.text);
        if (!t.quoted) {
            for (const auto& a : spec->args) {
                if (!a.keyword.empty() && a.keyword == w) matched = &a;
                if (a.type == ArgType::choice &&
                    std::find(a.choices.begin(), a.choices.end(), w) != a.choices.end())
                    matched = &a;
            }
        }
        if (matched && matched->type == ArgType::choice) {
            RB_TRY(store(*matched, w));
            ++i;
            continue;
        }
        if (matched && matched->type == ArgType::flag) {
            RB_TRY(store(*matched, "yes"));
            ++i;
            continue;
        }
        if (matched) {
            ++i;
            if (i >= tokens.size() || (is_stop(tokens[i], false) && !tokens[i].quoted)) {
                return usage_error("`" + matched->keyword + "` needs " + matched->placeholder +
                                   " after it." + usage_hint(*spec));
            }
            const std::string value = read_value(*matched, i);
            RB_TRY(store(*matched, value));
            if (matched->type == ArgType::when && !tokens[i - 1].quoted) {
                if (auto extra = word_after_when(value); !extra.empty())
                    return usage_error(unexpected(*spec, out, extra) + usage_hint(*spec));
            }
            // `with @a @b @c`: a repeated keyword of people takes every mention that follows.
            if (matched->repeated && matched->type == ArgType::user) {
                while (i < tokens.size() && !tokens[i].quoted &&
                       (tokens[i].text.rfind("@", 0) == 0 || tokens[i].text.rfind("<@", 0) == 0))
                    RB_TRY(store(*matched, tokens[i++].text));
            }
            continue;
        }
        const ArgSpec* target =
            next_positional < positionals.size() ? positionals[next_positional] : nullptr;
        // A bare word where a choice is still missing was meant as that choice (`plan add r
        // deplyo "x"`, `role grant @bob aprover`): name it rather than the word after it.
        if (auto missed = missing_choice(*spec, out, target); missed && !t.quoted)
            return usage_error(not_a_choice(*spec, *missed, t.text) + usage_hint(*spec));
        if (!target) return usage_error(unexpected(*spec, out, t.text) + usage_hint(*spec));
        const ArgSpec& arg = *target;
        if (!arg.repeated) ++next_positional;
        RB_TRY(store(arg, read_value(arg, i)));
    }

    for (const auto& a : spec->args) {
        if (!a.required || out.has(a.name)) continue;
        std::string what;
        if (a.type == ArgType::choice)
            what = "one of " + join(a.choices, ", ");
        else if (!a.keyword.empty())
            what = "`" + a.keyword + " " + a.placeholder + "`";
        else
            what = a.placeholder;
        return usage_error("`" + spec->name + "` needs " + what + "." + usage_hint(*spec));
    }
    return out;
}

}  // namespace releasebot
