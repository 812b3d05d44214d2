// Tests for commands/time_parse: every `<when>` form against exact UTC instants in several zones,
// DST gaps and overlaps, relative forms, the exact error texts users see, durations, the display
// formats, and weekly-slot overlap (past midnight and across DST).
#include "commands/time_parse.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <string>

namespace releasebot {
namespace {

using namespace std::chrono;

Instant at(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
    return Instant{sys_days{year{y} / month{mo} / day{d}}} + hours{h} + minutes{mi} + seconds{s};
}

// Instants as text, so a failure shows which instant came back.
std::string iso(Instant t) {
    const auto day_start = floor<days>(t);
    const year_month_day ymd{day_start};
    const hh_mm_ss<seconds> hms{t - day_start};
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02ld:%02ld", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()));
    std::string out = buf;
    if (hms.seconds().count() != 0) {
        std::snprintf(buf, sizeof buf, ":%02ld", static_cast<long>(hms.seconds().count()));
        out += buf;
    }
    return out + "Z";
}

// 2026-12-01 09:00 UTC, a Tuesday: 10:00 in Berlin, 04:00 in New York, 14:30 in Kolkata.
const Instant kNow = at(2026, 12, 1, 9, 0);

std::string when(const std::string& text, const std::string& zone, Instant now = kNow) {
    auto r = parse_when(text, zone, now);
    if (!r) return "error: " + r.error().message;
    return iso(*r);
}

std::string when_error(const std::string& text, const std::string& zone, Instant now = kNow) {
    auto r = parse_when(text, zone, now);
    if (r) return "parsed as " + iso(*r);
    return r.error().message;
}

struct WhenCase {
    const char* zone;
    const char* text;
    const char* utc;
};

}  // namespace

TEST_CASE("parse_when reads every accepted form as the exact UTC instant", "[time]") {
    auto c = GENERATE(values<WhenCase>({
        // UTC reader.
        {"UTC", "2026-12-05 14:00", "2026-12-05 14:00Z"},
        {"UTC", "2026-12-05T14:00", "2026-12-05 14:00Z"},
        {"UTC", "2026-12-05", "2026-12-05 00:00Z"},
        {"UTC", "2026-12-05 at 9:05", "2026-12-05 09:05Z"},
        {"UTC", "2026-12-05 24:00", "2026-12-06 00:00Z"},
        {"UTC", "2026-12-05T14:00:30Z", "2026-12-05 14:00:30Z"},
        {"UTC", "2026-3-5 14:00", "2026-03-05 14:00Z"},
        {"UTC", "now", "2026-12-01 09:00Z"},
        {"UTC", "NOW", "2026-12-01 09:00Z"},
        {"UTC", "today 14:00", "2026-12-01 14:00Z"},
        {"UTC", "today 8:00", "2026-12-01 08:00Z"},
        {"UTC", "tomorrow at 9:30", "2026-12-02 09:30Z"},
        {"UTC", "  Tomorrow   AT  9:30  ", "2026-12-02 09:30Z"},
        {"UTC", "tomorrow 12am", "2026-12-02 00:00Z"},
        {"UTC", "tomorrow 12pm", "2026-12-02 12:00Z"},
        {"UTC", "tomorrow 2 pm", "2026-12-02 14:00Z"},
        {"UTC", "tomorrow 2:30PM", "2026-12-02 14:30Z"},
        {"UTC", "14:00", "2026-12-01 14:00Z"},
        {"UTC", "at 14:00", "2026-12-01 14:00Z"},
        {"UTC", "9:00", "2026-12-01 09:00Z"},
        {"UTC", "8:59", "2026-12-02 08:59Z"},
        {"UTC", "2pm", "2026-12-01 14:00Z"},
        {"UTC", "fri 14:00", "2026-12-04 14:00Z"},
        {"UTC", "Friday at 2pm", "2026-12-04 14:00Z"},
        {"UTC", "mon 9:30", "2026-12-07 09:30Z"},
        {"UTC", "thurs 9:30", "2026-12-03 09:30Z"},
        {"UTC", "tue 10:00", "2026-12-01 10:00Z"},
        {"UTC", "tuesday 8:00", "2026-12-08 08:00Z"},
        {"UTC", "in 3h", "2026-12-01 12:00Z"},
        {"UTC", "in 90m", "2026-12-01 10:30Z"},
        {"UTC", "in 1h30m", "2026-12-01 10:30Z"},
        {"UTC", "in 2d", "2026-12-03 09:00Z"},
        {"UTC", "in 1w", "2026-12-08 09:00Z"},
        {"UTC", "in 2 hours", "2026-12-01 11:00Z"},
        {"UTC", "In 45s", "2026-12-01 09:00:45Z"},
        // Explicit offsets and zones override the reader's zone.
        {"Europe/Berlin", "2026-12-05T14:00Z", "2026-12-05 14:00Z"},
        {"Europe/Berlin", "2026-12-05T14:00z", "2026-12-05 14:00Z"},
        {"Europe/Berlin", "2026-12-05 14:00Z", "2026-12-05 14:00Z"},
        {"Europe/Berlin", "2026-12-05 14:00 Z", "2026-12-05 14:00Z"},
        {"UTC", "2026-12-05T14:00+01:00", "2026-12-05 13:00Z"},
        {"UTC", "2026-12-05T14:00-0530", "2026-12-05 19:30Z"},
        {"UTC", "2026-12-05 14:00 +01", "2026-12-05 13:00Z"},
        {"UTC", "2026-12-05 14:00 -05:00", "2026-12-05 19:00Z"},
        {"UTC", "2026-12-05 14:00 Europe/Berlin", "2026-12-05 13:00Z"},
        {"UTC", "2026-12-05 14:00 america/new_york", "2026-12-05 19:00Z"},
        {"Europe/Berlin", "2026-12-05 14:00 UTC", "2026-12-05 14:00Z"},
        {"Europe/Berlin", "2026-12-05 utc", "2026-12-05 00:00Z"},
        {"Europe/Berlin", "tomorrow 9:30 Asia/Kolkata", "2026-12-02 04:00Z"},
        {"Europe/Berlin", "14:00 America/New_York", "2026-12-01 19:00Z"},
        {"UTC", "fri 9:30 +02:00", "2026-12-04 07:30Z"},
        // Europe/Berlin reader: CET (+01:00) in December, CEST (+02:00) in July; now is 10:00.
        {"Europe/Berlin", "2026-12-05 14:00", "2026-12-05 13:00Z"},
        {"Europe/Berlin", "2026-12-05", "2026-12-04 23:00Z"},
        {"Europe/Berlin", "2026-07-01 12:00", "2026-07-01 10:00Z"},
        {"Europe/Berlin", "14:00", "2026-12-01 13:00Z"},
        {"Europe/Berlin", "9:30", "2026-12-02 08:30Z"},
        {"Europe/Berlin", "tomorrow 9:30", "2026-12-02 08:30Z"},
        {"Europe/Berlin", "today 9:30", "2026-12-01 08:30Z"},
        {"Europe/Berlin", "tue 10:30", "2026-12-01 09:30Z"},
        {"Europe/Berlin", "tue 9:59", "2026-12-08 08:59Z"},
        {"Europe/Berlin", "sat 14:00", "2026-12-05 13:00Z"},
        // America/New_York reader: EST (-05:00); now is 04:00 on Tuesday.
        {"America/New_York", "2026-12-05 14:00", "2026-12-05 19:00Z"},
        {"America/New_York", "2026-12-05", "2026-12-05 05:00Z"},
        {"America/New_York", "today 14:00", "2026-12-01 19:00Z"},
        {"America/New_York", "3:00", "2026-12-02 08:00Z"},
        {"America/New_York", "5am", "2026-12-01 10:00Z"},
        {"America/New_York", "mon 8pm", "2026-12-08 01:00Z"},
        {"America/New_York", "2026-07-04 12:00", "2026-07-04 16:00Z"},
        // Asia/Kolkata reader: +05:30, no DST; now is 14:30.
        {"Asia/Kolkata", "2026-12-05 14:00", "2026-12-05 08:30Z"},
        {"Asia/Kolkata", "14:00", "2026-12-02 08:30Z"},
        {"Asia/Kolkata", "15:00", "2026-12-01 09:30Z"},
        {"Asia/Kolkata", "tomorrow 9:30", "2026-12-02 04:00Z"},
        {"Asia/Kolkata", "wed 00:15", "2026-12-01 18:45Z"},
        {"Asia/Kolkata", "2026-12-05", "2026-12-04 18:30Z"},
    }));
    CAPTURE(c.zone, c.text);
    CHECK(when(c.text, c.zone) == c.utc);
}

TEST_CASE("parse_when applies the DST rules: gaps move forward, overlaps take the earlier",
          "[time]") {
    auto c = GENERATE(values<WhenCase>({
        // Berlin springs forward 2026-03-29 02:00 CET → 03:00 CEST.
        {"Europe/Berlin", "2026-03-29 01:59", "2026-03-29 00:59Z"},
        {"Europe/Berlin", "2026-03-29 02:00", "2026-03-29 01:00Z"},
        {"Europe/Berlin", "2026-03-29 02:30", "2026-03-29 01:30Z"},
        {"Europe/Berlin", "2026-03-29 03:00", "2026-03-29 01:00Z"},
        {"Europe/Berlin", "2026-03-29 03:30", "2026-03-29 01:30Z"},
        // Berlin falls back 2026-10-25 03:00 CEST → 02:00 CET: 02:00-02:59 happen twice.
        {"Europe/Berlin", "2026-10-25 01:30", "2026-10-24 23:30Z"},
        {"Europe/Berlin", "2026-10-25 02:30", "2026-10-25 00:30Z"},
        {"Europe/Berlin", "2026-10-25 03:00", "2026-10-25 02:00Z"},
        // New York springs forward 2026-03-08 02:00 EST → 03:00 EDT.
        {"America/New_York", "2026-03-08 01:30", "2026-03-08 06:30Z"},
        {"America/New_York", "2026-03-08 02:30", "2026-03-08 07:30Z"},
        {"America/New_York", "2026-03-08 03:30", "2026-03-08 07:30Z"},
        // New York falls back 2026-11-01 02:00 EDT → 01:00 EST: 01:00-01:59 happen twice.
        {"America/New_York", "2026-11-01 01:30", "2026-11-01 05:30Z"},
        {"America/New_York", "2026-11-01 02:00", "2026-11-01 07:00Z"},
    }));
    CAPTURE(c.zone, c.text);
    CHECK(when(c.text, c.zone) == c.utc);
}

TEST_CASE("parse_when's relative forms count in the reader's calendar", "[time]") {
    SECTION("tomorrow keeps the wall-clock time across spring-forward; in 24h does not") {
        const Instant sat = at(2026, 3, 28, 10, 0);  // 11:00 CET
        CHECK(when("tomorrow at 9:30", "Europe/Berlin", sat) == "2026-03-29 07:30Z");
        CHECK(when("sun 9:30", "Europe/Berlin", sat) == "2026-03-29 07:30Z");
        CHECK(when("in 24h", "Europe/Berlin", sat) == "2026-03-29 10:00Z");
        CHECK(when("in 1d", "Europe/Berlin", sat) == "2026-03-29 10:00Z");
    }
    SECTION("tomorrow keeps the wall-clock time across fall-back") {
        const Instant sat = at(2026, 10, 31, 14, 0);  // 10:00 EDT
        CHECK(when("tomorrow 9:30", "America/New_York", sat) == "2026-11-01 14:30Z");
        CHECK(when("sat 9:30", "America/New_York", sat) == "2026-11-07 14:30Z");
    }
    SECTION("today and tomorrow follow the reader's date, not the UTC date") {
        const Instant late = at(2026, 12, 1, 23, 30);  // Wednesday 00:30 in Berlin
        CHECK(when("today 9:00", "Europe/Berlin", late) == "2026-12-02 08:00Z");
        CHECK(when("tomorrow 9:00", "Europe/Berlin", late) == "2026-12-03 08:00Z");
        CHECK(when("tomorrow 9:00", "UTC", late) == "2026-12-02 09:00Z");
        CHECK(when("wed 9:00", "Europe/Berlin", late) == "2026-12-02 08:00Z");
        CHECK(when("wed 0:15", "Europe/Berlin", late) == "2026-12-08 23:15Z");
        const Instant evening = at(2026, 12, 1, 20, 0);  // Wednesday 01:30 in Kolkata
        CHECK(when("today 14:00", "Asia/Kolkata", evening) == "2026-12-02 08:30Z");
    }
    SECTION("today's weekday name means today while the time is ahead, else next week") {
        CHECK(when("tuesday 9:00", "UTC") == "2026-12-01 09:00Z");
        CHECK(when("tuesday 8:59", "UTC") == "2026-12-08 08:59Z");
        CHECK(when("tue 9:01", "UTC") == "2026-12-01 09:01Z");
    }
}

TEST_CASE("a day named with no clock time asks for one", "[time]") {
    auto c = GENERATE(values<std::pair<const char*, const char*>>({
        {"tomorrow", "tomorrow at what time? e.g. `tomorrow 14:00` (a day needs a clock time)."},
        {"at tomorrow", "tomorrow at what time? e.g. `tomorrow 14:00` (a day needs a clock time)."},
        {"Today", "today at what time? e.g. `today 14:00` (a day needs a clock time)."},
        {"friday Europe/Berlin",
         "friday at what time? e.g. `friday 14:00` (a day needs a clock time)."},
        {"fri", "fri at what time? e.g. `fri 14:00` (a day needs a clock time)."},
    }));
    CAPTURE(c.first);
    auto r = parse_when(c.first, "UTC", kNow);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == c.second);
    CHECK(r.error().kind == ErrorKind::usage);
    // A date alone still means its midnight.
    CHECK(when("2026-12-05", "UTC") == "2026-12-05 00:00Z");
}

TEST_CASE("a local time that does not exist or happens twice says which time was used", "[time]") {
    SECTION("Berlin springs forward 2027-03-28 02:00 CET → 03:00 CEST") {
        auto gap = parse_when_noted("2027-03-28 02:30 Europe/Berlin", "UTC", kNow);
        REQUIRE(gap);
        CHECK(iso(gap->at) == "2027-03-28 01:30Z");
        CHECK(gap->note ==
              "2027-03-28 02:30 does not exist in Europe/Berlin: the clocks jump from 02:00 to "
              "03:00 that night. Used Sun 28 Mar 2027 03:30 CEST.");
    }
    SECTION("New York falls back 2026-11-01 02:00 EDT → 01:00 EST") {
        auto twice = parse_when_noted("2026-11-01 01:30", "America/New_York", kNow);
        REQUIRE(twice);
        CHECK(iso(twice->at) == "2026-11-01 05:30Z");
        CHECK(twice->note ==
              "2026-11-01 01:30 happens twice in America/New_York: the clocks go back from 02:00 "
              "to 01:00 that night. Used the first, Sun 1 Nov 2026 01:30 EDT.");
    }
    SECTION("an ordinary time, an offset or a relative time has no note") {
        for (const char* text : {"2027-03-28 03:30 Europe/Berlin", "2027-03-28T02:30+01:00",
                                 "in 3h", "now", "tomorrow 9:30"}) {
            CAPTURE(text);
            auto ok = parse_when_noted(text, "Europe/Berlin", kNow);
            REQUIRE(ok);
            CHECK(ok->note.empty());
        }
    }
}

TEST_CASE("parse_when rejects what it cannot read with the exact message", "[time]") {
    const std::string hint =
        "Try `2026-12-05 14:00`, `tomorrow 14:00`, `fri 9:30` or `in 3h` (times are in "
        "Europe/Berlin unless you add a zone).";
    struct Bad {
        const char* text;
        std::string message;
    };
    auto c = GENERATE_COPY(values<Bad>({
        {"next blursday", "Could not read the time `next blursday`. " + hint},
        {"  blursday 14:00 ", "Could not read the time `blursday 14:00`. " + hint},
        {"", "Could not read the time ``. " + hint},
        {"in", "Could not read the time `in`. " + hint},
        {"tomorrow 9", "Could not read the time `tomorrow 9`. " + hint},
        {"friday 14:00 15:00", "Could not read the time `friday 14:00 15:00`. " + hint},
        {"2026-12-05T14:00Z UTC", "Could not read the time `2026-12-05T14:00Z UTC`. " + hint},
        {"14.00", "Could not read the time `14.00`. " + hint},
        {"2026-12-05 14:0", "Could not read the time `2026-12-05 14:0`. " + hint},
        {"2026-02-30 14:00",
         "Could not read the time `2026-02-30 14:00`: February 2026 has 28 days."},
        {"2028-02-30", "Could not read the time `2028-02-30`: February 2028 has 29 days."},
        {"2026-04-31 9:00", "Could not read the time `2026-04-31 9:00`: April 2026 has 30 days."},
        {"2026-13-01",
         "Could not read the time `2026-13-01`: there is no month 13 (months run from 01 to 12)."},
        {"2026-12-00", "Could not read the time `2026-12-00`: days of the month start at 1."},
        {"25:00", "Could not read the time `25:00`: hours run from 0 to 23."},
        {"2026-12-05 24:30", "Could not read the time `2026-12-05 24:30`: hours run from 0 to 23."},
        {"tomorrow 9:75", "Could not read the time `tomorrow 9:75`: minutes run from 00 to 59."},
        {"fri 13pm",
         "Could not read the time `fri 13pm`: with am or pm the hour runs from 1 to 12."},
        {"2026-12-05T14:00+15:00",
         "Could not read the time `2026-12-05T14:00+15:00`: UTC offsets run from -14:00 to "
         "+14:00."},
        {"2026-12-05 14:00 Europe/Berln",
         "Unknown time zone `Europe/Berln`. Use an IANA name such as `Europe/Berlin`, "
         "`America/New_York` or `UTC`."},
        {"in 2x", "Could not read the duration `2x`. Try `90m`, `2h`, `1h30m` or `3d`."},
        {"in 0m", "A duration must be longer than zero; `0m` is not. Try `90m`, `2h` or `3d`."},
    }));
    CAPTURE(c.text);
    CHECK(when_error(c.text, "Europe/Berlin") == c.message);
}

TEST_CASE("parse_when reads back what format_short shows, all year round", "[time]") {
    // Every half hour of 2026: the shown local time parses back to the same instant, except
    // the second pass through a fall-back hour, which reads as its earlier twin.
    for (const std::string zone : {"Europe/Berlin", "America/New_York", "Asia/Kolkata"}) {
        int mismatches = 0;
        for (Instant t = at(2026, 1, 1); t < at(2027, 1, 1); t += minutes{30}) {
            auto back = parse_when(format_short(t, zone), zone, kNow);
            REQUIRE(back.ok());
            if (*back != t) {
                CHECK(*back == t - hours{1});
                ++mismatches;
            }
        }
        CAPTURE(zone);
        CHECK(mismatches == (zone == "Asia/Kolkata" ? 0 : 2));
    }
}

TEST_CASE("parse_duration reads the duration forms and refuses the rest", "[time]") {
    SECTION("good") {
        struct Good {
            const char* text;
            long seconds;
        };
        auto c = GENERATE(values<Good>({
            {"90m", 5400},
            {"2h", 7200},
            {"1h30m", 5400},
            {"1h 30m", 5400},
            {"3d", 259200},
            {"1w", 604800},
            {"45s", 45},
            {"2 hours", 7200},
            {"30 min", 1800},
            {"1 hour 30 minutes", 5400},
            {"1.5h", 5400},
            {".5h", 1800},
            {"2H", 7200},
            {"  1w2d ", 777600},
            {"1d12h", 129600},
            {"1 week", 604800},
            {"10 secs", 10},
        }));
        CAPTURE(c.text);
        auto r = parse_duration(c.text);
        REQUIRE(r.ok());
        CHECK(r->count() == c.seconds);
    }
    SECTION("bad") {
        struct Bad {
            const char* text;
            const char* message;
        };
        auto c = GENERATE(values<Bad>({
            {"2x", "Could not read the duration `2x`. Try `90m`, `2h`, `1h30m` or `3d`."},
            {"", "Could not read the duration ``. Try `90m`, `2h`, `1h30m` or `3d`."},
            {"90", "Could not read the duration `90`. Try `90m`, `2h`, `1h30m` or `3d`."},
            {"h", "Could not read the duration `h`. Try `90m`, `2h`, `1h30m` or `3d`."},
            {"1.5", "Could not read the duration `1.5`. Try `90m`, `2h`, `1h30m` or `3d`."},
            {"1..5h", "Could not read the duration `1..5h`. Try `90m`, `2h`, `1h30m` or `3d`."},
            {"2 fortnights",
             "Could not read the duration `2 fortnights`. Try `90m`, `2h`, `1h30m` or `3d`."},
            {"0m", "A duration must be longer than zero; `0m` is not. Try `90m`, `2h` or `3d`."},
            {"0h 0m",
             "A duration must be longer than zero; `0h 0m` is not. Try `90m`, `2h` or `3d`."},
            {"-2h", "A duration must be longer than zero; `-2h` is not. Try `90m`, `2h` or `3d`."},
            {"9999w", "The duration `9999w` is too long; durations run up to 100 years."},
        }));
        CAPTURE(c.text);
        auto r = parse_duration(c.text);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message == c.message);
    }
}

TEST_CASE("canonical_zone spells zone names the IANA way", "[time]") {
    SECTION("good") {
        auto c = GENERATE(values<std::pair<const char*, const char*>>({
            {"europe/berlin", "Europe/Berlin"},
            {"Europe/Berlin", "Europe/Berlin"},
            {" AMERICA/new_york ", "America/New_York"},
            {"asia/kolkata", "Asia/Kolkata"},
            {"UTC", "UTC"},
            {"utc", "UTC"},
            {"Z", "UTC"},
            {"us/eastern", "US/Eastern"},
        }));
        CAPTURE(c.first);
        auto r = canonical_zone(c.first);
        REQUIRE(r.ok());
        CHECK(*r == c.second);
        CHECK(is_valid_zone(c.first));
    }
    SECTION("bad") {
        auto r = canonical_zone("Europe/Berln");
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message ==
              "Unknown time zone `Europe/Berln`. Use an IANA name such as `Europe/Berlin`, "
              "`America/New_York` or `UTC`.");
        CHECK_FALSE(is_valid_zone("Europe/Berln"));
        CHECK_FALSE(is_valid_zone(""));
        CHECK_FALSE(is_valid_zone("localtime"));
        CHECK_FALSE(is_valid_zone("+01:00"));
    }
}

TEST_CASE("parse_weekday and parse_time_of_day", "[time]") {
    SECTION("weekdays") {
        auto c = GENERATE(values<std::pair<const char*, int>>({
            {"sun", 0},
            {"Sunday", 0},
            {"MON", 1},
            {"tue", 2},
            {"tues", 2},
            {"wednesday", 3},
            {"thu", 4},
            {"fri", 5},
            {"Friday", 5},
            {"sat", 6},
        }));
        CAPTURE(c.first);
        auto r = parse_weekday(c.first);
        REQUIRE(r.ok());
        CHECK(*r == c.second);
    }
    SECTION("bad weekday") {
        auto r = parse_weekday("blursday");
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message ==
              "Could not read the weekday `blursday`. Try a name such as `friday` or `fri`.");
    }
    SECTION("times of day") {
        auto c = GENERATE(values<std::pair<const char*, int>>({
            {"14:00", 840},
            {"9:30", 570},
            {"09:30", 570},
            {"9", 540},
            {"0:00", 0},
            {"23:59", 1439},
            {"24:00", 1440},
            {"2pm", 840},
            {"12am", 0},
            {"12:30pm", 750},
            {"11:15AM", 675},
            {"12:30 pm", 750},
            {"1 a.m.", 60},
        }));
        CAPTURE(c.first);
        auto r = parse_time_of_day(c.first);
        REQUIRE(r.ok());
        CHECK(*r == c.second);
    }
    SECTION("bad times of day") {
        auto c = GENERATE(values<std::pair<const char*, const char*>>({
            {"25:00", "Could not read the time of day `25:00`: hours run from 0 to 23."},
            {"24:01", "Could not read the time of day `24:01`: hours run from 0 to 23."},
            {"9:60", "Could not read the time of day `9:60`: minutes run from 00 to 59."},
            {"0am",
             "Could not read the time of day `0am`: with am or pm the hour runs from 1 to 12."},
            {"9:5", "Could not read the time of day `9:5`. Try `14:00`, `9:30` or `2pm`."},
            {"14:00:00",
             "Could not read the time of day `14:00:00`. Try `14:00`, `9:30` or `2pm`."},
            {"noon", "Could not read the time of day `noon`. Try `14:00`, `9:30` or `2pm`."},
            {"", "Could not read the time of day ``. Try `14:00`, `9:30` or `2pm`."},
        }));
        CAPTURE(c.first);
        auto r = parse_time_of_day(c.first);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message == c.second);
    }
}

TEST_CASE("format_* show instants in the reader's zone", "[time]") {
    const Instant dec = at(2026, 12, 5, 13, 0);
    const Instant jul = at(2026, 7, 1, 10, 5);
    SECTION("format_when") {
        CHECK(format_when(dec, "Europe/Berlin") == "Sat 5 Dec 2026 14:00 CET");
        CHECK(format_when(jul, "Europe/Berlin") == "Wed 1 Jul 2026 12:05 CEST");
        CHECK(format_when(dec, "UTC") == "Sat 5 Dec 2026 13:00 UTC");
        CHECK(format_when(dec, "Etc/UTC") == "Sat 5 Dec 2026 13:00 UTC");
        CHECK(format_when(dec, "America/New_York") == "Sat 5 Dec 2026 08:00 EST");
        CHECK(format_when(dec, "Asia/Kolkata") == "Sat 5 Dec 2026 18:30 IST");
        CHECK(format_when(at(2026, 12, 31, 23, 30), "Europe/Berlin") == "Fri 1 Jan 2027 00:30 CET");
        // Zones without a letter abbreviation get a readable offset.
        CHECK(format_when(dec, "America/Sao_Paulo") == "Sat 5 Dec 2026 10:00 UTC-03");
        // A zone that cannot be found (a damaged row) shows UTC and says so.
        CHECK(format_when(dec, "Mars/Olympus") == "Sat 5 Dec 2026 13:00 UTC");
    }
    SECTION("format_short and format_clock") {
        CHECK(format_short(dec, "Europe/Berlin") == "2026-12-05 14:00");
        CHECK(format_short(at(2026, 12, 5, 23, 30), "Europe/Berlin") == "2026-12-06 00:30");
        CHECK(format_short(jul, "America/New_York") == "2026-07-01 06:05");
        CHECK(format_clock(dec, "Asia/Kolkata") == "18:30");
        CHECK(format_clock(at(2026, 3, 29, 1, 30), "Europe/Berlin") == "03:30");
    }
    SECTION("format_duration") {
        auto c = GENERATE(values<std::pair<long, const char*>>({
            {0, "0m"},
            {45, "45s"},
            {90, "1m 30s"},
            {2700, "45m"},
            {9000, "2h 30m"},
            {259200, "3d"},
            {777600, "1w 2d"},
            {608400, "1w 1h"},
            {-5400, "-1h 30m"},
        }));
        CHECK(format_duration(Seconds{c.first}) == c.second);
    }
    SECTION("weekday_name and format_minutes") {
        CHECK(weekday_name(0) == "Sunday");
        CHECK(weekday_name(5) == "Friday");
        CHECK(weekday_name(6) == "Saturday");
        CHECK_THROWS(weekday_name(7));
        CHECK(format_minutes(0) == "00:00");
        CHECK(format_minutes(845) == "14:05");
        CHECK(format_minutes(1440) == "24:00");
        CHECK_THROWS(format_minutes(-1));
    }
    SECTION("durations and minutes read back") {
        for (long s : {45L, 5400L, 9000L, 777600L, 608460L}) {
            auto back = parse_duration(format_duration(Seconds{s}));
            REQUIRE(back.ok());
            CHECK(back->count() == s);
        }
        for (int m = 0; m <= 1440; m += 7) CHECK(*parse_time_of_day(format_minutes(m)) == m);
    }
}

TEST_CASE("first_weekly_overlap finds the first occurrence of a weekly slot", "[time]") {
    using Slot = std::optional<std::pair<Instant, Instant>>;
    auto show = [](const Slot& s) {
        return s ? iso(s->first) + " - " + iso(s->second) : std::string("none");
    };
    const int fri = 5;
    const int sat = 6;
    const int sun = 0;

    SECTION("a Friday afternoon slot in Berlin, from a Tuesday") {
        CHECK(show(first_weekly_overlap(fri, 12 * 60, 18 * 60, "Europe/Berlin", kNow,
                                        at(2026, 12, 31))) ==
              "2026-12-04 11:00Z - 2026-12-04 17:00Z");
    }
    SECTION("a range inside the slot returns the whole slot") {
        CHECK(show(first_weekly_overlap(fri, 12 * 60, 18 * 60, "Europe/Berlin",
                                        at(2026, 12, 4, 12, 0), at(2026, 12, 4, 12, 30))) ==
              "2026-12-04 11:00Z - 2026-12-04 17:00Z");
    }
    SECTION("ranges that only touch the slot do not overlap it") {
        CHECK(show(first_weekly_overlap(fri, 12 * 60, 18 * 60, "Europe/Berlin",
                                        at(2026, 12, 4, 10, 0), at(2026, 12, 4, 11, 0))) == "none");
        CHECK(show(first_weekly_overlap(fri, 12 * 60, 18 * 60, "Europe/Berlin",
                                        at(2026, 12, 4, 17, 0), at(2026, 12, 10, 0, 0))) == "none");
        CHECK(show(first_weekly_overlap(fri, 12 * 60, 18 * 60, "Europe/Berlin",
                                        at(2026, 12, 4, 17, 0), at(2026, 12, 11, 11, 1))) ==
              "2026-12-11 11:00Z - 2026-12-11 17:00Z");
    }
    SECTION("an empty or reversed range overlaps nothing") {
        CHECK(show(first_weekly_overlap(fri, 0, 1440, "UTC", kNow, kNow)) == "none");
        CHECK(show(first_weekly_overlap(fri, 0, 1440, "UTC", at(2026, 12, 9), kNow)) == "none");
    }
    SECTION("a slot past midnight overlaps the early hours of the next day") {
        // Saturday 22:00 - Sunday 02:00 UTC; the range is Sunday 01:00-01:30.
        CHECK(show(first_weekly_overlap(sat, 22 * 60, 2 * 60, "UTC", at(2026, 12, 6, 1, 0),
                                        at(2026, 12, 6, 1, 30))) ==
              "2026-12-05 22:00Z - 2026-12-06 02:00Z");
        CHECK(show(first_weekly_overlap(sat, 22 * 60, 2 * 60, "UTC", at(2026, 12, 6, 2, 0),
                                        at(2026, 12, 6, 3, 0))) == "none");
    }
    SECTION("24:00 ends at the next midnight; from == to lasts a whole day") {
        CHECK(show(first_weekly_overlap(fri, 18 * 60, 1440, "UTC", kNow, at(2026, 12, 31))) ==
              "2026-12-04 18:00Z - 2026-12-05 00:00Z");
        CHECK(show(first_weekly_overlap(2, 9 * 60, 9 * 60, "UTC", kNow, at(2026, 12, 2))) ==
              "2026-12-01 09:00Z - 2026-12-02 09:00Z");
    }
    SECTION("the slot keeps its local hours across a DST change") {
        // Saturday 12:00-13:00 Berlin is 11:00 UTC in March before the change, 10:00 after.
        CHECK(show(first_weekly_overlap(sat, 12 * 60, 13 * 60, "Europe/Berlin", at(2026, 3, 23),
                                        at(2026, 4, 30))) ==
              "2026-03-28 11:00Z - 2026-03-28 12:00Z");
        CHECK(show(first_weekly_overlap(sat, 12 * 60, 13 * 60, "Europe/Berlin",
                                        at(2026, 3, 28, 12, 0), at(2026, 4, 30))) ==
              "2026-04-04 10:00Z - 2026-04-04 11:00Z");
        // A slot spanning spring-forward is an hour shorter, one spanning fall-back longer.
        CHECK(show(first_weekly_overlap(sun, 1 * 60, 4 * 60, "Europe/Berlin", at(2026, 3, 28),
                                        at(2026, 3, 30))) ==
              "2026-03-29 00:00Z - 2026-03-29 02:00Z");
        CHECK(show(first_weekly_overlap(sun, 0, 3 * 60, "America/New_York", at(2026, 10, 31),
                                        at(2026, 11, 2))) ==
              "2026-11-01 04:00Z - 2026-11-01 08:00Z");
        // Edges inside the gap clamp to the transition, so the existing half hour is covered.
        CHECK(show(first_weekly_overlap(sun, 2 * 60 + 30, 3 * 60 + 30, "Europe/Berlin",
                                        at(2026, 3, 28), at(2026, 3, 30))) ==
              "2026-03-29 01:00Z - 2026-03-29 01:30Z");
    }
    SECTION("long ranges and slots that never come") {
        // A year-long range starting just after this week's slot finds next week's.
        CHECK(show(first_weekly_overlap(fri, 12 * 60, 18 * 60, "Europe/Berlin",
                                        at(2026, 12, 4, 17, 0), at(2027, 12, 4))) ==
              "2026-12-11 11:00Z - 2026-12-11 17:00Z");
        // Tuesday-to-Thursday never meets a Friday slot.
        CHECK(show(first_weekly_overlap(fri, 12 * 60, 18 * 60, "Europe/Berlin", kNow,
                                        at(2026, 12, 3, 23, 0))) == "none");
        // Many long look-ups stay fast: each jumps straight to the slot's week.
        int found = 0;
        for (int i = 0; i < 20000; ++i) {
            const Instant from = kNow + hours{i};
            if (first_weekly_overlap(i % 7, 60 * (i % 24), 60 * ((i + 5) % 24), "Europe/Berlin",
                                     from, from + days{3650}))
                ++found;
        }
        CHECK(found == 20000);
    }
}

}  // namespace releasebot
