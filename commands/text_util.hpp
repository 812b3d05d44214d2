// Small text helpers for the command language and the adapters: case folding (ASCII), trimming,
// counting and cutting UTF-8 text, edit distance for "did you mean", joining, percent-encoding,
// CSV fields, and UTC timestamps for exports (audit CSV/JSON, backups, iCalendar).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace releasebot {

std::string lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);

// ASCII white space: what std::isspace accepts in the C locale.
inline constexpr std::string_view kWhiteSpace = " \t\n\v\f\r";
// Space, tab and line breaks: the white space people type.
inline constexpr std::string_view kTypedSpace = " \t\r\n";
// `s` without the characters of `chars` at either end. The result points into `s`.
std::string_view trim(std::string_view s, std::string_view chars = kWhiteSpace);
// `s` without space, tab, CR and LF at either end, nor the no-break spaces (U+00A0) that chat
// composers put after a mention; with `html_entity`, nor the "&nbsp;" of HTML message text.
// The result points into `s`.
std::string_view trim_chat(std::string_view s, bool html_entity = false);
// True when `s` is not empty and holds nothing but the ASCII digits 0-9.
bool all_digits(std::string_view s);

// How many characters (Unicode code points) the UTF-8 text `s` holds.
std::size_t code_points(std::string_view s);
// The byte offset where code point `n` of the UTF-8 text `s` starts (s.size() when `s` has no
// more than `n` code points).
std::size_t code_point_offset(std::string_view s, std::size_t n);
// The largest cut at most `at` bytes into the UTF-8 text `s` that does not split a character
// (`at` must be less than s.size()).
std::size_t character_boundary(std::string_view s, std::size_t at);
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

// `s` as one RFC 4180 CSV field: quoted, its quotes doubled, when it holds a comma, a quote or a
// line break; as it is otherwise.
std::string csv_field(std::string_view s);

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
