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
//                               otherwise next week)
//   in 3h | in 90m | in 2d | in 1h30m | in 1w
//   now
// Local times that fall in a DST gap move forward by the gap; ambiguous ones (DST end) take
// the earlier instant.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "commands/result.hpp"
#include "storage/records.hpp"

namespace releasebot {

// The zone's canonical IANA spelling for a case-insensitive name ("europe/berlin" →
// "Europe/Berlin"), or an error naming the bad zone and giving an example.
Result<std::string> canonical_zone(std::string_view name);
bool is_valid_zone(std::string_view name);

// Parses `<when>`; `zone` is the reader's zone (already canonical), `now` anchors relative
// forms. Errors say what was not understood and list the accepted forms briefly.
Result<Instant> parse_when(std::string_view text, const std::string& zone, Instant now);

// Parses `<duration>`: 90m, 2h, 1h30m, 3d, 1w, 45s; also "2 hours", "30 min". Must be > 0.
Result<Seconds> parse_duration(std::string_view text);

// Weekday name or abbreviation ("fri", "Friday") → 0 = Sunday … 6 = Saturday.
Result<int> parse_weekday(std::string_view text);
// "14:00", "9:30", "9" → minutes after midnight (0..1439); "24:00" → 1440.
Result<int> parse_time_of_day(std::string_view text);

// "Sat 5 Dec 2026 14:00 CET" in `zone`.
std::string format_when(Instant t, const std::string& zone);
// "2026-12-05 14:00" in `zone` (tables, CSV).
std::string format_short(Instant t, const std::string& zone);
// "14:00" in `zone`.
std::string format_clock(Instant t, const std::string& zone);
// "2h 30m", "3d", "45m", "1w 2d".
std::string format_duration(Seconds d);
// "Sunday" … "Saturday" for 0..6; "14:05" for minutes after midnight.
std::string weekday_name(int weekday);
std::string format_minutes(int minutes);

// The first occurrence of a weekly slot (weekday, from..to minutes after local midnight in
// `zone`, to <= from meaning it runs past midnight) that overlaps [from, to), as a UTC
// [start, end) pair; nullopt if none does.
std::optional<std::pair<Instant, Instant>> first_weekly_overlap(int weekday, int from_minute,
                                                                int to_minute,
                                                                const std::string& zone,
                                                                Instant from, Instant to);

}  // namespace releasebot
