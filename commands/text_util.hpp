// Small text helpers for the command language: case folding (ASCII), edit distance for "did
// you mean", joining, percent-encoding, and UTC timestamps for exports (audit CSV/JSON, backups,
// iCalendar).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace releasebot {

std::string lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
// How many characters (Unicode code points) the UTF-8 text `s` holds.
std::size_t code_points(std::string_view s);
// `s` cut to at most `max` characters, the last one an ellipsis when anything was cut.
std::string shorten(std::string_view s, std::size_t max);
// True when `s` has nothing but white space.
bool is_blank(std::string_view s);
// Levenshtein distance, case-insensitive.
std::size_t edit_distance(std::string_view a, std::string_view b);
// The candidate closest to `word` if it is close enough to be a likely typo, else "".
std::string closest(std::string_view word, const std::vector<std::string>& candidates);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
// "a", "a and b", "a, b and c".
std::string join_and(const std::vector<std::string>& parts);
// "a, b or c".
std::string join_or(const std::vector<std::string>& parts);
// "1 step", "3 steps".
std::string plural(long n, std::string_view one, std::string_view many);

// RFC 3986 percent-encoding: unreserved characters (letters, digits, - _ . ~) stay, every other
// byte becomes %XX (upper-case hex), as URL paths, queries and form bodies want it.
std::string percent_encode(std::string_view s);

enum class UtcForm {
    extended,  // "2026-12-01T09:00:00Z" (ISO 8601 / RFC 3339): exports sort and compare as text
    basic,     // "20261201T090000Z": iCalendar's DATE-TIME in UTC (RFC 5545 3.3.5, form #2)
};
// `t` in UTC to the second, in the given form; no zone database is needed.
std::string utc_timestamp(std::chrono::sys_seconds t, UtcForm form = UtcForm::extended);

}  // namespace releasebot
