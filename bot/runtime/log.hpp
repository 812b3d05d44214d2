// Logging for the long-running bot (`releasebot serve`, `releasebot slack`): one line per
// record on stderr, plain text by default or JSON lines (for journald / log shippers), with a
// level filter (error, warn, info, debug).
//
// Every line passes a redaction step before it is written: each configured secret (bot and app
// tokens, signing secret, app password, also URL-encoded) and anything shaped like a credential
// (`Bearer …`, `xoxb-…`/`xoxp-…`/`xapp-…`, a JWT) is replaced by "[redacted]". Components that
// predate this module write to std::cerr; a StderrCapture routes those lines through the same
// filter, so nothing reaches the terminal or the journal unredacted.
//
// Thread-safe: records from different threads never interleave within a line.
#pragma once

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace releasebot::log {

enum class Level { error, warn, info, debug };
enum class Format { plain, json };

// "error", "warn", "info", "debug" (also "warning"); nullopt for anything else.
std::optional<Level> parse_level(std::string_view text);
// "plain" or "json"; nullopt for anything else.
std::optional<Format> parse_format(std::string_view text);
std::string_view level_name(Level level);
std::string_view format_name(Format format);

// Sets the threshold and the line format (defaults: info, plain).
void configure(Level level, Format format);
bool enabled(Level level);

// The values to cut from every line from now on (empty strings are ignored).
void set_secrets(const std::vector<std::string>& secrets);
// `text` with every configured secret and credential-shaped word replaced by "[redacted]".
std::string redact(std::string_view text);

// Writes one record when `level` passes the threshold; `component` says who speaks ("serve",
// "slack", "http"). A record is always one line: JSON keeps newlines inside its string, and the
// plain format writes control characters as escapes (`\n`, `\x1b`, a backslash as `\\`), so
// text taken from a request cannot forge a line of its own.
void write(Level level, std::string_view component, std::string_view message);
inline void error(std::string_view component, std::string_view message) {
    write(Level::error, component, message);
}
inline void warn(std::string_view component, std::string_view message) {
    write(Level::warn, component, message);
}
inline void info(std::string_view component, std::string_view message) {
    write(Level::info, component, message);
}
inline void debug(std::string_view component, std::string_view message) {
    write(Level::debug, component, message);
}

// Where finished lines go (each without its newline); default: the process's stderr (fd 2).
// Tests install a collector; an empty function restores the default.
void set_sink(std::function<void(const std::string& line)> sink);

// While alive, everything written to std::cerr becomes log records: a line "releasebot: slack:
// link 1 connected" is logged as component "slack", message "link 1 connected", at info level
// (warn when it reports a failure). Restores std::cerr when destroyed.
class StderrCapture {
  public:
    StderrCapture();
    ~StderrCapture();
    StderrCapture(const StderrCapture&) = delete;
    StderrCapture& operator=(const StderrCapture&) = delete;

  private:
    struct Buffer;
    Buffer* buffer_;
    std::streambuf* previous_;
};

}  // namespace releasebot::log
