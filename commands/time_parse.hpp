// Time in the command language: parsing `<when>` and `<duration>` text, and showing instants
// in the reader's zone. Everything is stored in UTC (Instant); zones are IANA names resolved
// through the system tz database.
//
// Accepted `<when>` forms (case-insensitive):
//   2026-12-05 14:00            local time in `zone`
//   2026-12-05T14:00            same
//   2026-12-05T14:00Z           UTC;  also +01:00 / -0530 offsets
//   2026-12-05 14:00 Europe/Berlin   an explicit IANA zone (also "UTC")
//   2026-12-05                  midnight local
//   today 14:00 | tomorrow at 9:30 | friday 14:00 | fri at 14:00   (next such weekday;
//                               today's weekday name means today if the time is still ahead,
//                               otherwise next week; a day word alone is refused with a
//                               question for the time: "tomorrow at what time?")
//   14:00                       today if not yet past, otherwise tomorrow
//   in 3h | in 90m | in 2d | in 1h30m | in 1w   (any parse_duration form)
//   now
// Times are H:MM or HH:MM (":SS" allowed), 24:00 for the end of a day, or 2pm / 2:30 pm; a
// bare hour ("friday 9") is refused as too easy to misread. Weekdays are full names or
// three-letter abbreviations. A trailing zone or offset ("UTC", "Asia/Kolkata", "+01:00", "Z")
// applies to every form, relative ones included: "tomorrow" is then tomorrow in that zone.
// Days count in the local calendar, so "tomorrow 9:30" stays 9:30 across a DST change while
// "in 24h" does not.
// Local times that fall in a DST gap move forward by the gap (Berlin 02:30 on spring-forward
// day is 03:30 CEST); ambiguous ones (DST end) take the earlier instant. parse_when_noted says
// so in its note, for the reply to tell the reader which time was used.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "commands/result.hpp"
#include "storage/records.hpp"

namespace releasebot {

// The zone's canonical IANA spelling for a case-insensitive name ("europe/berlin" →
// "Europe/Berlin"; "utc" and "Z" → "UTC"), or an `invalid` error naming the bad zone and
// giving an example. Backed by an index of the system tz database built on first use.
Result<std::string> canonical_zone(std::string_view name);
bool is_valid_zone(std::string_view name);

// Parses `<when>`; `zone` is the reader's zone (already canonical), `now` anchors relative
// forms. Errors quote the text: `usage` when it is not understood (listing the accepted forms
// briefly), `invalid` when it names something impossible (2026-02-30, 25:00, an unknown zone).
// A time in the past is returned as is; whether that is allowed is the caller's decision.
Result<Instant> parse_when(std::string_view text, const std::string& zone, Instant now);

// parse_when, with a note for the reader when the local time typed does not exist (a DST gap)
// or happens twice (DST end): "2027-03-28 02:30 does not exist in Europe/Berlin: … Used Sun 28
// Mar 2027 03:30 CEST." Empty otherwise.
struct ParsedWhen {
    Instant at;
    std::string note;
};
Result<ParsedWhen> parse_when_noted(std::string_view text, const std::string& zone, Instant now);

// Parses `<duration>`: 90m, 2h, 1h30m, 3d, 1w, 45s; also "2 hours", "30 min", "1 hour 30 min"
// and fractions ("1.5h" is 90m, rounded to the second). Must be > 0 and at most 100 years.
Result<Seconds> parse_duration(std::string_view text);

// Weekday name or abbreviation ("fri", "Friday") → 0 = Sunday … 6 = Saturday.
Result<int> parse_weekday(std::string_view text);
// "14:00", "9:30", "9", "2pm", "12:30 pm" → minutes after midnight (0..1439); "24:00" → 1440.
Result<int> parse_time_of_day(std::string_view text);

// "Sat 5 Dec 2026 14:00 CET" in `zone`; zones whose abbreviation is only an offset show it as
// "UTC-03". The format_* functions show an unknown zone (a damaged row) as UTC rather than
// fail; they never throw for any zone string.
std::string format_when(Instant t, const std::string& zone);
// "2026-12-05 14:00" in `zone` (tables, CSV).
std::string format_short(Instant t, const std::string& zone);
// The zone's abbreviation at `t` ("CET", "AEDT", "UTC-03"), to name it beside a bare time.
std::string zone_abbrev(Instant t, const std::string& zone);
// "14:00" in `zone`.
std::string format_clock(Instant t, const std::string& zone);

// A moment every reader sees in their own time zone where the platform can show it, as Reply
// markup (see reply.hpp): <!date^1765000800^{date_short_pretty} {time}|Sat 5 Dec 2026 14:00 CET>.
// `shown` is what platforms without local times (Teams, the console, notifications) show: the
// moment in a zone, the zone named. `with_date` false asks for the time of day only.
std::string local_time(Instant t, const std::string& shown, bool with_date = true);
// "2h 30m", "3d", "45m", "1w 2d".
std::string format_duration(Seconds d);
// How long until a window, as people say it: format_duration, except "24h" or "36h 30m" rather
// than "1d" or "1d 12h 30m" from one day up to two.
std::string lead_time(Seconds d);
// "Sunday" … "Saturday" for 0..6; "14:05" for minutes after midnight (0..1440). Values out of
// range are bugs and throw std::invalid_argument.
std::string weekday_name(int weekday);
std::string format_minutes(int minutes);

// The first occurrence of a weekly slot (weekday 0 = Sunday, from..to minutes after local
// midnight in `zone`, to <= from meaning it runs past midnight into the next day, to == 1440
// meaning the end of the day) that overlaps [from, to), as a UTC [start, end) pair; nullopt if
// none does. The slot keeps its local hours across DST changes; an edge inside a DST gap
// clamps to the transition, an ambiguous edge takes the earlier instant. Constant time in the
// length of the range. Slot fields out of range are bugs and throw std::invalid_argument.
std::optional<std::pair<Instant, Instant>> first_weekly_overlap(int weekday, int from_minute,
                                                                int to_minute,
                                                                const std::string& zone,
                                                                Instant from, Instant to);

}  // namespace releasebot
