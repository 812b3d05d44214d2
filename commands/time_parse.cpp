// Time in the command language: the `<when>` and `<duration>` parsers, zone-name resolution,
// the display formats, and the weekly-slot overlap used by recurring freezes.
//
// Everything here is pure and cheap; the only shared state is the case-folded zone-name index,
// built once from the system tz database (Howard Hinnant's date/tz with USE_OS_TZDB).
// Expected failures (unreadable text, impossible dates, unknown zones) are Result errors whose
// message quotes what the user typed and says what to type instead.
#include "commands/time_parse.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <array>
#include <cctype>
#include <cstdint>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "commands/text_util.hpp"

namespace releasebot {

namespace {

using date::days;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr std::array<const char*, 7> kWeekdayNames = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                      "Thursday", "Friday", "Saturday"};
constexpr std::array<const char*, 7> kWeekdayAbbrevs = {"Sun", "Mon", "Tue", "Wed",
                                                        "Thu", "Fri", "Sat"};
constexpr std::array<const char*, 12> kMonthNames = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};
constexpr std::array<const char*, 12> kMonthAbbrevs = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// Longest duration we accept: far beyond any release window, and far from int64 overflow when
// added to an Instant.
constexpr std::int64_t kMaxDurationSeconds = std::int64_t{100} * 366 * 24 * 3600;

bool is_space(char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) != 0;
}

std::vector<std::string> split_words(std::string_view s) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && is_space(s[i])) ++i;
        std::size_t j = i;
        while (j < s.size() && !is_space(s[j])) ++j;
        if (j > i) out.emplace_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

int to_int(std::string_view digits) {
    int v = 0;
    for (char c : digits) v = v * 10 + (c - '0');
    return v;
}

std::string two_digits(int v) {
    std::string s = std::to_string(v);
    return s.size() < 2 ? "0" + s : s;
}

// Lower-cased name → canonical spelling, for every zone (and link) in the tz database. The
// OS database lists "localtime" as a zone; it is this machine's zone, not a name users mean.
const std::unordered_map<std::string, std::string>& zone_index() {
    static const std::unordered_map<std::string, std::string> index = [] {
        std::unordered_map<std::string, std::string> m;
        const auto& db = date::get_tzdb();
        for (const auto& z : db.zones) {
            if (z.name() == "localtime") continue;
            m.emplace(lower(z.name()), z.name());
        }
#if !USE_OS_TZDB
        for (const auto& l : db.links) m.emplace(lower(l.name()), l.name());
#endif
        m.emplace("z", "UTC");
        m.emplace("utc", "UTC");
        return m;
    }();
    return index;
}

std::optional<std::string> lookup_zone(std::string_view name) {
    const auto& index = zone_index();
    auto it = index.find(lower(trim(name)));
    if (it == index.end()) return std::nullopt;
    return it->second;
}

// Zones stored in the database were validated when they were typed, so an unknown one here
// means a damaged row; showing UTC (which the formats print) beats failing the whole reply.
const date::time_zone* zone_or_utc(const std::string& name) {
    if (auto canonical = lookup_zone(name)) {
        try {
            return date::locate_zone(*canonical);
        } catch (const std::runtime_error&) {
        }
    }
    return date::locate_zone("UTC");
}

// Local wall time → instant with the house rule: a time in a DST gap moves forward by the
// gap, an ambiguous time takes the earlier instant. Both fall out of using the offset in force
// *before* the local time (info.first): in a gap that is the pre-transition offset (02:30 CET
// in a gap → 03:30 CEST), for an overlap the summer offset (earliest). zoned_time with
// choose::earliest would instead clamp gap times to the transition instant.
Instant resolve_local(const date::time_zone* tz, date::local_seconds local) {
    const date::local_info info = tz->get_info(local);
    return Instant{local.time_since_epoch() - info.first.offset};
}

// A weekly slot's edge in local time → instant. Unlike a typed time, an edge inside a DST gap
// clamps to the transition: a freeze "Sun 02:30-03:30" on the spring-forward night should
// cover the local half hour that does exist (03:00-03:30), not vanish. Ambiguous edges take
// the earlier instant, like typed times.
Instant resolve_slot_edge(const date::time_zone* tz, date::local_seconds local) {
    const date::local_info info = tz->get_info(local);
    if (info.result == date::local_info::nonexistent) return Instant{info.second.begin};
    return Instant{local.time_since_epoch() - info.first.offset};
}

std::string local_text(date::local_seconds l) {
    return date::format("%Y-%m-%d %H:%M", date::floor<std::chrono::minutes>(l));
}

std::string clock_text(date::local_seconds l) {
    return date::format("%H:%M", date::floor<std::chrono::minutes>(l));
}

// What a reader must be told about the instant a local time became: nothing for an ordinary
// time; for one in a DST gap or overlap, which instant was used.
std::string resolution_note(const date::time_zone* tz, date::local_seconds local, Instant used) {
    const date::local_info info = tz->get_info(local);
    if (info.result == date::local_info::unique) return "";
    const auto change = info.first.end;
    const date::local_seconds before{change.time_since_epoch() + info.first.offset};
    const date::local_seconds after{change.time_since_epoch() + info.second.offset};
    if (info.result == date::local_info::nonexistent)
        return local_text(local) + " does not exist in " + tz->name() + ": the clocks jump from " +
               clock_text(before) + " to " + clock_text(after) + " that night. Used " +
               format_when(used, tz->name()) + ".";
    return local_text(local) + " happens twice in " + tz->name() + ": the clocks go back from " +
           clock_text(before) + " to " + clock_text(after) + " that night. Used the first, " +
           format_when(used, tz->name()) + ".";
}

// The frame a `<when>` is read in: an IANA zone, or a fixed UTC offset ("Z", "+01:00").
struct Frame {
    const date::time_zone* tz = nullptr;
    seconds offset{0};
    // Set by from_local: the note on the last local time it resolved (see resolution_note).
    mutable std::string note;

    date::local_seconds to_local(Instant t) const {
        if (tz != nullptr) return tz->to_local(t);
        return date::local_seconds{t.time_since_epoch() + offset};
    }
    Instant from_local(date::local_seconds l) const {
        note.clear();
        if (tz == nullptr) return Instant{l.time_since_epoch() - offset};
        const Instant t = resolve_local(tz, l);
        note = resolution_note(tz, l, t);
        return t;
    }
};

// A clock reading: seconds after local midnight (0 .. 24h inclusive), or why it is not one.
// `recognized` separates "this is not a time at all" from "a time, but out of range", so the
// caller can say "hours run from 0 to 23" instead of a generic hint.
struct ClockRead {
    bool recognized = false;
    std::optional<int> seconds_of_day;
    std::string problem;  // set when recognized but invalid
};

// H, H:MM, HH:MM[:SS], with an optional am/pm suffix. A bare hour is only a time when
// `allow_bare_hour` (freeze slots say "12-18"; in a `<when>` "friday 9" is too easy to misread).
ClockRead read_clock(std::string_view text, bool allow_bare_hour, bool allow_seconds) {
    ClockRead r;
    std::string s = lower(text);
    int meridiem = 0;  // 0 none, 1 am, 2 pm
    if (s.size() > 2 && (s.ends_with("am") || s.ends_with("pm"))) {
        meridiem = s.ends_with("am") ? 1 : 2;
        s.resize(s.size() - 2);
    } else if (s.size() > 4 && (s.ends_with("a.m.") || s.ends_with("p.m."))) {
        meridiem = s.ends_with("a.m.") ? 1 : 2;
        s.resize(s.size() - 4);
    }
    if (meridiem != 0) s = std::string(trim(s));  // "2 pm"

    std::vector<std::string_view> parts;
    std::string_view rest = s;
    while (true) {
        auto colon = rest.find(':');
        parts.push_back(rest.substr(0, colon));
        if (colon == std::string_view::npos) break;
        rest.remove_prefix(colon + 1);
    }
    if (parts.size() > 3 || (parts.size() == 3 && !allow_seconds)) return r;
    if (parts[0].empty() || parts[0].size() > 2 || !all_digits(parts[0])) return r;
    for (std::size_t i = 1; i < parts.size(); ++i)
        if (parts[i].size() != 2 || !all_digits(parts[i])) return r;
    if (parts.size() == 1 && meridiem == 0 && !allow_bare_hour) return r;

    r.recognized = true;
    int hour = to_int(parts[0]);
    const int minute = parts.size() > 1 ? to_int(parts[1]) : 0;
    const int second = parts.size() > 2 ? to_int(parts[2]) : 0;
    if (minute > 59) {
        r.problem = "minutes run from 00 to 59";
        return r;
    }
    if (second > 59) {
        r.problem = "seconds run from 00 to 59";
        return r;
    }
    if (meridiem != 0) {
        if (hour < 1 || hour > 12) {
            r.problem = "with am or pm the hour runs from 1 to 12";
            return r;
        }
        hour = hour % 12 + (meridiem == 2 ? 12 : 0);
    } else if (hour == 24 && minute == 0 && second == 0) {
        // ISO 8601's end of day; kept so "freeze ... 18:00-24:00" reads naturally.
    } else if (hour > 23) {
        r.problem = "hours run from 0 to 23";
        return r;
    }
    r.seconds_of_day = hour * 3600 + minute * 60 + second;
    return r;
}

// YYYY-MM-DD (month and day may be one digit). Returns nullopt when the text is not shaped
// like a date; sets `problem` when it is shaped like one but is not a real day.
std::optional<date::local_days> read_date(std::string_view s, std::string& problem) {
    auto d1 = s.find('-');
    if (d1 != 4) return std::nullopt;
    auto d2 = s.find('-', d1 + 1);
    if (d2 == std::string_view::npos) return std::nullopt;
    auto ys = s.substr(0, d1);
    auto ms = s.substr(d1 + 1, d2 - d1 - 1);
    auto ds = s.substr(d2 + 1);
    if (!all_digits(ys) || !all_digits(ms) || !all_digits(ds) || ms.size() > 2 || ds.size() > 2)
        return std::nullopt;
    const int y = to_int(ys);
    const int m = to_int(ms);
    const int d = to_int(ds);
    if (m < 1 || m > 12) {
        problem = "there is no month " + std::string(ms) + " (months run from 01 to 12)";
        return date::local_days{};
    }
    const date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(m)},
                                   date::day{static_cast<unsigned>(d)}};
    if (!ymd.ok()) {
        const auto last = date::year_month_day_last{ymd.year(), date::month_day_last{ymd.month()}};
        problem = std::string(kMonthNames[static_cast<std::size_t>(m - 1)]) + " " +
                  std::to_string(y) + " has " + std::to_string(static_cast<unsigned>(last.day())) +
                  " days";
        if (d == 0) problem = "days of the month start at 1";
        return date::local_days{};
    }
    return date::local_days{ymd};
}

// "Z", "+01:00", "-0530", "+01" → offset east of UTC. nullopt if not shaped like one;
// `problem` set if shaped like one but out of range.
std::optional<seconds> read_offset(std::string_view s, std::string& problem) {
    if (s == "z") return seconds{0};
    if (s.size() < 3 || (s[0] != '+' && s[0] != '-')) return std::nullopt;
    const int sign = s[0] == '-' ? -1 : 1;
    std::string_view body = s.substr(1);
    std::string_view hh;
    std::string_view mm = "00";
    if (body.size() == 2) {
        hh = body;
    } else if (body.size() == 4) {
        hh = body.substr(0, 2);
        mm = body.substr(2);
    } else if (body.size() == 5 && body[2] == ':') {
        hh = body.substr(0, 2);
        mm = body.substr(3);
    } else {
        return std::nullopt;
    }
    if (!all_digits(hh) || !all_digits(mm)) return std::nullopt;
    const int h = to_int(hh);
    const int m = to_int(mm);
    if (m > 59 || h > 14 || (h == 14 && m > 0)) {
        problem = "UTC offsets run from -14:00 to +14:00";
        return seconds{0};
    }
    return seconds{sign * (h * 3600 + m * 60)};
}

std::optional<int> read_weekday(std::string_view word) {
    static const std::unordered_map<std::string, int> names = {
        {"sun", 0},  {"sunday", 0},   {"mon", 1},      {"monday", 1},    {"tue", 2},
        {"tues", 2}, {"tuesday", 2},  {"wed", 3},      {"wednesday", 3}, {"thu", 4},
        {"thur", 4}, {"thurs", 4},    {"thursday", 4}, {"fri", 5},       {"friday", 5},
        {"sat", 6},  {"saturday", 6},
    };
    auto it = names.find(lower(trim(word)));
    if (it == names.end()) return std::nullopt;
    return it->second;
}

// The words that name a day in a `<when>`: a date, today, tomorrow or a weekday.
bool is_day_word(const std::string& word) {
    std::string problem;
    return word == "today" || word == "tomorrow" || read_weekday(word).has_value() ||
           read_date(word, problem).has_value();
}

Error when_unreadable(std::string_view text, const std::string& zone) {
    return usage_error("Could not read the time `" + std::string(text) +
                       "`. Try `2026-12-05 14:00`, `tomorrow 14:00`, `fri 9:30` or `in 3h` "
                       "(times are in " +
                       zone + " unless you add a zone).");
}

Error when_invalid(std::string_view text, const std::string& problem) {
    return invalid("Could not read the time `" + std::string(text) + "`: " + problem + ".");
}

Error duration_unreadable(std::string_view text) {
    return usage_error("Could not read the duration `" + std::string(text) +
                       "`. Try `90m`, `2h`, `1h30m` or `3d`.");
}

std::optional<std::int64_t> duration_unit(std::string_view unit) {
    static const std::unordered_map<std::string_view, std::int64_t> units = {
        {"s", 1},        {"sec", 1},       {"secs", 1},       {"second", 1},  {"seconds", 1},
        {"m", 60},       {"min", 60},      {"mins", 60},      {"minute", 60}, {"minutes", 60},
        {"h", 3600},     {"hr", 3600},     {"hrs", 3600},     {"hour", 3600}, {"hours", 3600},
        {"d", 86400},    {"day", 86400},   {"days", 86400},   {"w", 604800},  {"wk", 604800},
        {"wks", 604800}, {"week", 604800}, {"weeks", 604800},
    };
    auto it = units.find(unit);
    if (it == units.end()) return std::nullopt;
    return it->second;
}

}  // namespace

Result<std::string> canonical_zone(std::string_view name) {
    if (auto canonical = lookup_zone(name)) return *canonical;
    return invalid("Unknown time zone `" + std::string(trim(name)) +
                   "`. Use an IANA name such as `Europe/Berlin`, `America/New_York` or `UTC`.");
}

bool is_valid_zone(std::string_view name) {
    return lookup_zone(name).has_value();
}

Result<Instant> parse_when(std::string_view text, const std::string& zone, Instant now) {
    auto parsed = parse_when_noted(text, zone, now);
    if (!parsed) return parsed.error();
    return parsed->at;
}

Result<ParsedWhen> parse_when_noted(std::string_view text, const std::string& zone, Instant now) {
    const std::string_view shown = trim(text);
    std::vector<std::string> words = split_words(lower(shown));
    if (words.empty()) return when_unreadable(shown, zone);

    if (words.size() == 1 && words[0] == "now") return ParsedWhen{now, ""};

    if (words[0] == "in") {
        if (words.size() == 1) return when_unreadable(shown, zone);
        // Hand over the rest as typed, so a duration error quotes the user's own spelling.
        auto d = parse_duration(shown.substr(2));
        if (!d) return d.error();
        return ParsedWhen{now + *d, ""};
    }

    // An explicit frame at the end: an offset ("+01:00", "Z") or an IANA zone ("UTC").
    std::string problem;
    Frame frame;
    bool frame_given = false;
    if (words.size() > 1) {
        const std::string& last = words.back();
        if (auto off = read_offset(last, problem)) {
            if (!problem.empty()) return when_invalid(shown, problem);
            frame.offset = *off;
            frame_given = true;
        } else if (auto z = lookup_zone(last)) {
            frame.tz = date::locate_zone(*z);
            frame_given = true;
        } else if (last.find('/') != std::string::npos) {
            // Shaped like a zone name: say which zone is unknown rather than the generic hint.
            auto words_shown = split_words(shown);
            return canonical_zone(words_shown.back()).error();
        }
        if (frame_given) words.pop_back();
    }
    if (!frame_given) {
        auto z = lookup_zone(zone);
        frame.tz = date::locate_zone(z ? *z : std::string("UTC"));
    }

    // Tolerate "at" anywhere ("tomorrow at 9:30", "at 14:00"), and "2 pm" written apart.
    std::vector<std::string> w;
    for (auto& word : words) {
        if (word == "at") continue;
        if ((word == "am" || word == "pm") && !w.empty()) {
            w.back() += word;
            continue;
        }
        w.push_back(std::move(word));
    }
    // ISO "2026-12-05T14:00..." → date and time words.
    if (w.size() == 1) {
        auto t = w[0].find('t');
        if (t != std::string::npos && t >= 8 && t + 1 < w[0].size() && is_digit(w[0][t + 1])) {
            std::string time_part = w[0].substr(t + 1);
            w[0].resize(t);
            w.push_back(std::move(time_part));
        }
    }
    if (w.empty() || w.size() > 2) return when_unreadable(shown, zone);

    // The time word, with an offset possibly glued on ("14:00Z", "14:00+01:00").
    std::optional<int> clock;
    if (w.size() == 2 || !is_day_word(w[0])) {
        std::string time_word = w.back();
        auto glue = time_word.find_first_of("+-");
        if (glue == std::string::npos && time_word.size() > 1 && time_word.back() == 'z')
            glue = time_word.size() - 1;
        if (glue != std::string::npos && glue > 0) {
            if (frame_given) return when_unreadable(shown, zone);
            auto off = read_offset(std::string_view(time_word).substr(glue), problem);
            if (!off) return when_unreadable(shown, zone);
            if (!problem.empty()) return when_invalid(shown, problem);
            frame.tz = nullptr;
            frame.offset = *off;
            time_word.resize(glue);
        }
        ClockRead c = read_clock(time_word, false, true);
        if (!c.recognized) return when_unreadable(shown, zone);
        if (!c.seconds_of_day) return when_invalid(shown, c.problem);
        clock = *c.seconds_of_day;
        w.pop_back();
    }
    const seconds time_of_day{clock.value_or(0)};

    const date::local_days today = date::floor<days>(frame.to_local(now));

    auto noted = [&](Instant t) { return ParsedWhen{t, frame.note}; };
    if (w.empty()) {
        // A bare time: the next time the clock shows it, today or tomorrow.
        Instant t = frame.from_local(today + time_of_day);
        if (t < now) t = frame.from_local(today + days{1} + time_of_day);
        return noted(t);
    }

    const std::string& day_word = w[0];
    if (auto date = read_date(day_word, problem)) {
        if (!problem.empty()) return when_invalid(shown, problem);
        return noted(frame.from_local(*date + time_of_day));
    }
    // A day named relative to today with no time of day would silently mean midnight, which is
    // rarely what anyone planning a window means: ask for the time.
    if (!clock && (day_word == "today" || day_word == "tomorrow" || read_weekday(day_word))) {
        return usage_error(day_word + " at what time? e.g. `" + day_word +
                           " 14:00` (a day needs a clock time).");
    }
    if (day_word == "today") return noted(frame.from_local(today + time_of_day));
    if (day_word == "tomorrow") return noted(frame.from_local(today + days{1} + time_of_day));
    if (auto wd = read_weekday(day_word)) {
        const unsigned target = static_cast<unsigned>(*wd);
        const unsigned current = date::weekday{today}.c_encoding();
        const date::local_days day = today + days{(target + 7 - current) % 7};
        Instant t = frame.from_local(day + time_of_day);
        if (t < now) t = frame.from_local(day + days{7} + time_of_day);
        return noted(t);
    }
    return when_unreadable(shown, zone);
}

Result<Seconds> parse_duration(std::string_view text) {
    const std::string_view shown = trim(text);
    const std::string s = lower(shown);
    const Error nonpositive = invalid("A duration must be longer than zero; `" +
                                      std::string(shown) + "` is not. Try `90m`, `2h` or `3d`.");
    if (s.empty()) return duration_unreadable(shown);
    if (s[0] == '-') return nonpositive;

    std::int64_t total = 0;
    std::size_t i = 0;
    bool any = false;
    while (true) {
        while (i < s.size() && is_space(s[i])) ++i;
        if (i == s.size()) break;
        // A number: digits, optionally a fraction ("1.5h").
        std::size_t start = i;
        while (i < s.size() && is_digit(s[i])) ++i;
        std::string_view whole = std::string_view(s).substr(start, i - start);
        std::string_view frac;
        if (i < s.size() && s[i] == '.') {
            std::size_t f = ++i;
            while (i < s.size() && is_digit(s[i])) ++i;
            frac = std::string_view(s).substr(f, i - f);
        }
        if ((whole.empty() && frac.empty()) || whole.size() > 9 || frac.size() > 6)
            return duration_unreadable(shown);
        while (i < s.size() && is_space(s[i])) ++i;
        std::size_t u = i;
        while (i < s.size() && is_alpha(s[i])) ++i;
        auto unit = duration_unit(std::string_view(s).substr(u, i - u));
        if (!unit) return duration_unreadable(shown);

        std::int64_t scale = 1;
        for (std::size_t k = 0; k < frac.size(); ++k) scale *= 10;
        const std::int64_t whole_v = whole.empty() ? 0 : to_int(whole);
        const std::int64_t frac_v = frac.empty() ? 0 : to_int(frac);
        // Fractions round to the nearest second: "1.5h" is exact, "0.33m" is near enough.
        total += whole_v * *unit + (frac_v * *unit + scale / 2) / scale;
        if (total > kMaxDurationSeconds) {
            return invalid("The duration `" + std::string(shown) +
                           "` is too long; durations run up to 100 years.");
        }
        any = true;
    }
    if (!any) return duration_unreadable(shown);
    if (total <= 0) return nonpositive;
    return Seconds{total};
}

Result<int> parse_weekday(std::string_view text) {
    if (auto wd = read_weekday(text)) return *wd;
    return usage_error("Could not read the weekday `" + std::string(trim(text)) +
                       "`. Try a name such as `friday` or `fri`.");
}

Result<int> parse_time_of_day(std::string_view text) {
    const std::string_view shown = trim(text);
    ClockRead c = read_clock(shown, true, false);
    if (!c.recognized) {
        return usage_error("Could not read the time of day `" + std::string(shown) +
                           "`. Try `14:00`, `9:30` or `2pm`.");
    }
    if (!c.seconds_of_day) {
        return invalid("Could not read the time of day `" + std::string(shown) + "`: " + c.problem +
                       ".");
    }
    return *c.seconds_of_day / 60;
}

std::string zone_abbrev(Instant t, const std::string& zone) {
    std::string abbrev = zone_or_utc(zone)->get_info(t).abbrev;
    // Zones without a letter abbreviation report a bare offset ("-03"); "UTC-03" reads better.
    if (!abbrev.empty() && (abbrev[0] == '+' || abbrev[0] == '-')) abbrev = "UTC" + abbrev;
    return abbrev;
}

std::string format_when(Instant t, const std::string& zone) {
    const date::time_zone* tz = zone_or_utc(zone);
    const auto info = tz->get_info(t);
    const auto local = date::local_seconds{t.time_since_epoch() + info.offset};
    const auto day = date::floor<days>(local);
    const date::year_month_day ymd{day};
    const date::hh_mm_ss<seconds> hms{local - day};
    const std::string abbrev = zone_abbrev(t, zone);
    return std::string(kWeekdayAbbrevs[date::weekday{day}.c_encoding()]) + " " +
           std::to_string(static_cast<unsigned>(ymd.day())) + " " +
           kMonthAbbrevs[static_cast<unsigned>(ymd.month()) - 1] + " " +
           std::to_string(static_cast<int>(ymd.year())) + " " +
           two_digits(static_cast<int>(hms.hours().count())) + ":" +
           two_digits(static_cast<int>(hms.minutes().count())) + " " + abbrev;
}

std::string format_short(Instant t, const std::string& zone) {
    const auto local = zone_or_utc(zone)->to_local(t);
    const auto day = date::floor<days>(local);
    const date::year_month_day ymd{day};
    return std::to_string(static_cast<int>(ymd.year())) + "-" +
           two_digits(static_cast<int>(static_cast<unsigned>(ymd.month()))) + "-" +
           two_digits(static_cast<int>(static_cast<unsigned>(ymd.day()))) + " " +
           format_clock(t, zone);
}

std::string format_clock(Instant t, const std::string& zone) {
    const auto local = zone_or_utc(zone)->to_local(t);
    const date::hh_mm_ss<seconds> hms{local - date::floor<days>(local)};
    return two_digits(static_cast<int>(hms.hours().count())) + ":" +
           two_digits(static_cast<int>(hms.minutes().count()));
}

std::string local_time(Instant t, const std::string& shown, bool with_date) {
    return "<!date^" + std::to_string(t.time_since_epoch().count()) + "^" +
           (with_date ? "{date_short_pretty} {time}" : "{time}") + "|" + shown + ">";
}

std::string format_duration(Seconds d) {
    if (d < Seconds{0}) return "-" + format_duration(-d);
    std::int64_t left = d.count();
    static constexpr std::array<std::pair<std::int64_t, const char*>, 5> units = {{
        {604800, "w"},
        {86400, "d"},
        {3600, "h"},
        {60, "m"},
        {1, "s"},
    }};
    std::string out;
    for (const auto& [size, suffix] : units) {
        const std::int64_t n = left / size;
        left %= size;
        if (n == 0) continue;
        if (!out.empty()) out += ' ';
        out += std::to_string(n) + suffix;
    }
    return out.empty() ? "0m" : out;
}

std::string lead_time(Seconds d) {
    using namespace std::chrono;
    if (d < hours(24) || d >= hours(48)) return format_duration(d);
    Seconds rest = d % hours(1);
    return std::to_string(duration_cast<hours>(d).count()) + "h" +
           (rest.count() ? " " + format_duration(rest) : "");
}

std::string weekday_name(int weekday) {
    if (weekday < 0 || weekday > 6)
        throw std::invalid_argument("weekday_name: " + std::to_string(weekday) + " not in 0..6");
    return kWeekdayNames[static_cast<std::size_t>(weekday)];
}

std::string format_minutes(int minutes) {
    if (minutes < 0 || minutes > 1440)
        throw std::invalid_argument("format_minutes: " + std::to_string(minutes) +
                                    " not in 0..1440");
    return two_digits(minutes / 60) + ":" + two_digits(minutes % 60);
}

std::optional<std::pair<Instant, Instant>> first_weekly_overlap(int weekday, int from_minute,
                                                                int to_minute,
                                                                const std::string& zone,
                                                                Instant from, Instant to) {
    if (weekday < 0 || weekday > 6 || from_minute < 0 || from_minute > 1439 || to_minute < 0 ||
        to_minute > 1440) {
        throw std::invalid_argument("first_weekly_overlap: slot out of range");
    }
    if (!(from < to)) return std::nullopt;
    const date::time_zone* tz = zone_or_utc(zone);

    // A slot lasts at most 24 h, so one overlapping `from` starts no earlier than the local day
    // before it; two days back leaves room for the DST offset. From there jump straight to the
    // slot's weekday, then walk week by week: the first or second candidate already decides it,
    // so a year-long range costs the same as a day.
    const date::local_days first_day = date::floor<days>(tz->to_local(from)) - days{2};
    const unsigned current = date::weekday{first_day}.c_encoding();
    date::local_days day = first_day + days{(static_cast<unsigned>(weekday) + 7 - current) % 7};

    const minutes start_offset{from_minute};
    const bool past_midnight = to_minute <= from_minute;
    for (;; day += days{7}) {
        const Instant start = resolve_slot_edge(tz, day + start_offset);
        if (!(start < to)) return std::nullopt;
        const date::local_days end_day = past_midnight ? day + days{1} : day;
        const Instant end = resolve_slot_edge(tz, end_day + minutes{to_minute});
        if (start < end && end > from) return std::make_pair(start, end);
    }
}

}  // namespace releasebot
