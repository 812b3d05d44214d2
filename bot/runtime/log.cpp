// Log records on stderr, plain or JSON lines, with every secret cut out. See log.hpp.
//
// Workload: a few lines a second at info, more at debug; never on the hot path of an event
// (the pipeline does not log per event at info). Redaction scans each line once per secret and
// once for credential shapes, which costs microseconds per line.
#include "bot/runtime/log.hpp"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <shared_mutex>
#include <streambuf>

#include "commands/text_util.hpp"

namespace releasebot::log {

namespace {

constexpr std::string_view kRedacted = "[redacted]";

struct State {
    std::atomic<Level> level{Level::info};
    std::atomic<Format> format{Format::plain};
    std::shared_mutex secrets_mutex;
    std::vector<std::string> secrets;  // longest first, so a secret inside another goes whole
    std::mutex sink_mutex;
    std::function<void(const std::string&)> sink;
};

State& state() {
    static State s;
    return s;
}

void replace_all(std::string& text, std::string_view what) {
    if (what.empty()) return;
    std::size_t at = 0;
    while ((at = text.find(what, at)) != std::string::npos) {
        text.replace(at, what.size(), kRedacted);
        at += kRedacted.size();
    }
}

bool token_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~' || c == '+' ||
           c == '/' || c == '=' || c == '%';
}

bool starts_with_nocase(std::string_view text, std::size_t at, std::string_view prefix) {
    if (text.size() - at < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(text[at + i])) !=
            std::tolower(static_cast<unsigned char>(prefix[i]))) {
            return false;
        }
    }
    return true;
}

// Replaces what follows each credential marker: Slack token prefixes keep their kind
// ("xoxb-[redacted]") so a reader still sees which token was meant; "Bearer", token=, secret=
// and password= keep their word; a JWT (three base64url parts) goes whole.
std::string redact_shapes(const std::string& in) {
    static constexpr std::string_view kSlackPrefixes[] = {"xoxb-", "xoxp-", "xoxa-", "xoxr-",
                                                          "xoxs-", "xoxe-", "xoxe.", "xapp-"};
    // Query and form parameters that carry credentials (?token= of the calendar feed,
    // client_secret= of an OAuth token request) are cut by name.
    static constexpr std::string_view kWords[] = {"bearer ",
                                                  "token=",
                                                  "secret=",
                                                  "password=",
                                                  "\"token\":\"",
                                                  "\"password\":\"",
                                                  "\"client_secret\":\""};
    std::string out;
    out.reserve(in.size());
    std::size_t i = 0;
    while (i < in.size()) {
        // Only at the start of a word, so "checkbox-…" is not mistaken for a token.
        const bool word_start = i == 0 || (!std::isalnum(static_cast<unsigned char>(in[i - 1])) &&
                                           in[i - 1] != '-' && in[i - 1] != '_');
        std::size_t keep = 0;
        if (word_start) {
            for (auto p : kSlackPrefixes) {
                if (in.compare(i, p.size(), p) == 0) keep = p.size();
            }
        }
        if (keep == 0) {
            for (auto w : kWords) {
                if (starts_with_nocase(in, i, w)) {
                    keep = w.size();
                    while (i + keep < in.size() && in[i + keep] == ' ') ++keep;
                }
            }
        }
        if (keep == 0 && word_start && in.compare(i, 3, "eyJ") == 0) {
            std::size_t end = i;
            int dots = 0;
            while (end < in.size() && token_char(in[end])) dots += in[end++] == '.';
            if (dots >= 2 && end - i >= 20) {
                out += kRedacted;
                i = end;
                continue;
            }
        }
        if (keep > 0 && i + keep < in.size() && token_char(in[i + keep])) {
            out.append(in, i, keep);
            std::size_t end = i + keep;
            // Slack tokens are letters, digits and dashes, so a full stop after one stays.
            const bool slack = std::string_view(in).substr(i, 3) == "xox" ||
                               std::string_view(in).substr(i, 4) == "xapp";
            while (end < in.size() &&
                   (slack ? std::isalnum(static_cast<unsigned char>(in[end])) || in[end] == '-'
                          : token_char(in[end]))) {
                ++end;
            }
            out += kRedacted;
            i = end;
            continue;
        }
        out += in[i++];
    }
    return out;
}

std::string timestamp() {
    const auto now = std::chrono::system_clock::now();
    const auto secs = std::chrono::system_clock::to_time_t(now);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() %
        1000;
    tm utc{};
    gmtime_r(&secs, &utc);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                  utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                  static_cast<int>(ms));
    return buf;
}

// A plain record is one line, so a control character taken from a request (a newline in a
// header or a JSON field) must not start what reads as a record of its own: each is written as
// an escape (\n, \r, \t, \x1b), and a backslash as \\ so an escape cannot be typed in either.
std::string escape_controls(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (u < 0x20 || u == 0x7f) {
            static constexpr char kHex[] = "0123456789abcdef";
            out += "\\x";
            out += kHex[u >> 4];
            out += kHex[u & 0xf];
        } else {
            out += c;
        }
    }
    return out;
}

void emit(const std::string& line) {
    State& s = state();
    std::lock_guard lock(s.sink_mutex);
    if (s.sink) {
        s.sink(line);
        return;
    }
    // Straight to fd 2: std::cerr may be this module's own capture (StderrCapture).
    std::string out = line + '\n';
    const char* p = out.data();
    std::size_t left = out.size();
    while (left > 0) {
        const ssize_t n = ::write(STDERR_FILENO, p, left);
        if (n <= 0) break;
        p += n;
        left -= static_cast<std::size_t>(n);
    }
}

}  // namespace

std::optional<Level> parse_level(std::string_view text) {
    if (text == "error") return Level::error;
    if (text == "warn" || text == "warning") return Level::warn;
    if (text == "info") return Level::info;
    if (text == "debug") return Level::debug;
    return std::nullopt;
}

std::optional<Format> parse_format(std::string_view text) {
    if (text == "plain") return Format::plain;
    if (text == "json") return Format::json;
    return std::nullopt;
}

std::string_view level_name(Level level) {
    switch (level) {
        case Level::error:
            return "error";
        case Level::warn:
            return "warn";
        case Level::info:
            return "info";
        case Level::debug:
            return "debug";
    }
    return "info";
}

std::string_view format_name(Format format) {
    return format == Format::json ? "json" : "plain";
}

void configure(Level level, Format format) {
    state().level = level;
    state().format = format;
}

bool enabled(Level level) {
    return static_cast<int>(level) <= static_cast<int>(state().level.load());
}

void set_secrets(const std::vector<std::string>& secrets) {
    std::vector<std::string> all;
    for (const auto& s : secrets) {
        if (s.empty()) continue;
        all.push_back(s);
        std::string encoded = percent_encode(s);
        if (encoded != s) all.push_back(std::move(encoded));
        std::string escaped = boost::json::serialize(boost::json::string(s));
        escaped = escaped.substr(1, escaped.size() - 2);
        if (escaped != s) all.push_back(std::move(escaped));
    }
    std::sort(all.begin(), all.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    State& st = state();
    std::unique_lock lock(st.secrets_mutex);
    st.secrets = std::move(all);
}

std::string redact(std::string_view text) {
    std::string out(text);
    {
        State& st = state();
        std::shared_lock lock(st.secrets_mutex);
        for (const auto& secret : st.secrets) replace_all(out, secret);
    }
    return redact_shapes(out);
}

void write(Level level, std::string_view component, std::string_view message) {
    if (!enabled(level)) return;
    const std::string clean = redact(message);
    std::string line;
    if (state().format == Format::json) {
        boost::json::object record;
        record["ts"] = timestamp();
        record["level"] = level_name(level);
        record["component"] = component;
        record["msg"] = clean;
        line = boost::json::serialize(record);
    } else {
        line = timestamp();
        line += ' ';
        line += level_name(level);
        line.append(6 - level_name(level).size(), ' ');
        line += escape_controls(component);
        line += ": ";
        line += escape_controls(clean);
    }
    emit(line);
}

void set_sink(std::function<void(const std::string& line)> sink) {
    State& s = state();
    std::lock_guard lock(s.sink_mutex);
    s.sink = std::move(sink);
}

// A streambuf with no put area: every character reaches overflow()/xsputn(), which collect it
// in a per-thread line, so two threads writing to std::cerr at once never mix their lines.
struct StderrCapture::Buffer : std::streambuf {
    static std::string& pending() {
        thread_local std::string line;
        return line;
    }

    void finish_line() {
        std::string text = std::move(pending());
        pending().clear();
        if (!text.empty() && text.back() == '\r') text.pop_back();
        if (text.empty()) return;
        // "releasebot: slack: message" → component "slack"; anything else is the bot's own.
        std::string component = "releasebot";
        constexpr std::string_view kProgram = "releasebot: ";
        if (text.rfind(kProgram, 0) == 0) text.erase(0, kProgram.size());
        const std::size_t colon = text.find(": ");
        if (colon != std::string::npos && colon <= 12 &&
            std::all_of(text.begin(), text.begin() + static_cast<long>(colon),
                        [](char c) { return std::islower(static_cast<unsigned char>(c)); })) {
            component = text.substr(0, colon);
            text.erase(0, colon + 2);
        }
        text = redact(text);
        Level level = Level::info;
        for (const char* word : {"could not", "cannot", "failed", "not acknowledged", "error"}) {
            if (text.find(word) != std::string::npos) level = Level::warn;
        }
        write(level, component, text);
    }

    int_type overflow(int_type ch) override {
        if (traits_type::eq_int_type(ch, traits_type::eof())) return traits_type::not_eof(ch);
        const char c = traits_type::to_char_type(ch);
        if (c == '\n') {
            finish_line();
        } else {
            pending() += c;
        }
        return ch;
    }

    std::streamsize xsputn(const char* s, std::streamsize n) override {
        for (std::streamsize i = 0; i < n; ++i) overflow(traits_type::to_int_type(s[i]));
        return n;
    }
};

StderrCapture::StderrCapture() : buffer_(new Buffer), previous_(std::cerr.rdbuf(buffer_)) {}

StderrCapture::~StderrCapture() {
    std::cerr.rdbuf(previous_);
    delete buffer_;
}

}  // namespace releasebot::log
