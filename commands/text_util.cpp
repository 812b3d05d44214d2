// Text helpers shared by the parser and the handlers.
#include "commands/text_util.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace releasebot {

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && lower(a) == lower(b);
}

std::string_view trim(std::string_view s, std::string_view chars) {
    const std::size_t first = s.find_first_not_of(chars);
    if (first == std::string_view::npos) return s.substr(s.size());
    return s.substr(first, s.find_last_not_of(chars) - first + 1);
}

namespace {

// How many bytes of chat white space `s` starts with (`front`) or ends with; 0 when none.
std::size_t chat_space(std::string_view s, bool front, bool html_entity) {
    using namespace std::string_view_literals;
    for (std::string_view space : {" "sv, "\t"sv, "\n"sv, "\r"sv, "\xC2\xA0"sv}) {
        if (front ? s.starts_with(space) : s.ends_with(space)) return space.size();
    }
    constexpr std::string_view kEntity = "&nbsp;";
    if (html_entity && (front ? s.starts_with(kEntity) : s.ends_with(kEntity)))
        return kEntity.size();
    return 0;
}

// A UTF-8 continuation byte (10xxxxxx) does not start a character.
bool starts_character(char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
}

}  // namespace

std::string_view trim_chat(std::string_view s, bool html_entity) {
    while (const std::size_t n = chat_space(s, true, html_entity)) s.remove_prefix(n);
    while (const std::size_t n = chat_space(s, false, html_entity)) s.remove_suffix(n);
    return s;
}

bool all_digits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::size_t code_points(std::string_view s) {
    return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), starts_character));
}

std::size_t code_point_offset(std::string_view s, std::size_t n) {
    std::size_t seen = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (!starts_character(s[i])) continue;
        if (seen == n) return i;
        ++seen;
    }
    return s.size();
}

std::size_t character_boundary(std::string_view s, std::size_t at) {
    while (at > 0 && !starts_character(s[at])) --at;
    return at;
}

std::string shorten(std::string_view s, std::size_t max) {
    if (max == 0 || code_points(s) <= max) return std::string(s);
    return std::string(s.substr(0, code_point_offset(s, max - 1))) + "…";
}

bool is_blank(std::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; });
}

std::size_t edit_distance(std::string_view a_in, std::string_view b_in) {
    std::string a = lower(a_in), b = lower(b_in);
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
        }
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

std::string closest(std::string_view word, const std::vector<std::string>& candidates) {
    std::string best;
    std::size_t best_d = std::string::npos;
    for (const auto& c : candidates) {
        std::size_t d = edit_distance(word, c);
        if (d < best_d) {
            best_d = d;
            best = c;
        }
    }
    // A typo is at most a third of the word's letters away (and at least one edit allowed).
    std::size_t limit = std::max<std::size_t>(1, std::max(word.size(), best.size()) / 3);
    return best_d <= limit ? best : std::string();
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i) out += sep;
        out += parts[i];
    }
    return out;
}

namespace {

std::string join_last(const std::vector<std::string>& parts, std::string_view last) {
    if (parts.empty()) return {};
    if (parts.size() == 1) return parts[0];
    std::vector<std::string> head(parts.begin(), parts.end() - 1);
    return join(head, ", ") + std::string(last) + parts.back();
}

}  // namespace

std::string join_and(const std::vector<std::string>& parts) {
    return join_last(parts, " and ");
}

std::string join_or(const std::vector<std::string>& parts) {
    return join_last(parts, " or ");
}

std::string plural(long n, std::string_view one, std::string_view many) {
    return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

std::string csv_field(std::string_view s) {
    if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

std::string percent_encode(std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size() * 3 / 2);
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += kHex[u >> 4];
            out += kHex[u & 0xF];
        }
    }
    return out;
}

std::string utc_timestamp(std::chrono::sys_seconds t, UtcForm form) {
    using namespace std::chrono;
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss hms{t - day};
    const char* pattern =
        form == UtcForm::basic ? "%04d%02u%02uT%02d%02d%02dZ" : "%04d-%02u-%02uT%02d:%02d:%02dZ";
    char buf[32];
    std::snprintf(buf, sizeof buf, pattern, static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()));
    return buf;
}

}  // namespace releasebot
