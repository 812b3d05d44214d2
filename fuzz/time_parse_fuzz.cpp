// Fuzzes the time language: parse_when (in a fixed zone and at a fixed instant, so a crash
// reproduces), parse_duration, parse_time_of_day, parse_weekday and canonical_zone. Whatever
// parses must also be shown back to the user, so every accepted value goes through the
// format_* functions too, and durations must be in the documented range.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "commands/time_parse.hpp"
#include "fuzz/fuzz_check.hpp"

using namespace releasebot;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    // 2026-11-26 09:30:00 UTC, a Thursday; zones on both sides of UTC and one with DST.
    const Instant now{std::chrono::seconds{1795685400}};
    static const std::string zones[] = {"UTC", "Europe/Berlin", "America/St_Johns",
                                        "Pacific/Kiritimati"};
    const std::string& zone = zones[size % 4];

    if (auto when = parse_when(text, zone, now); when.ok()) {
        (void)format_when(*when, zone);
        (void)format_short(*when, zone);
        (void)format_clock(*when, zone);
    } else {
        FUZZ_CHECK(!when.error().message.empty(), "parse_when error has a message");
    }

    if (auto d = parse_duration(text); d.ok()) {
        FUZZ_CHECK(d->count() > 0, "a duration is positive");
        FUZZ_CHECK(*d <= std::chrono::seconds{101LL * 366 * 24 * 3600},
                   "a duration is at most 100 years");
        (void)format_duration(*d);
    }

    if (auto m = parse_time_of_day(text); m.ok()) {
        FUZZ_CHECK(*m >= 0 && *m <= 1440, "a time of day is within the day");
        (void)format_minutes(*m);
    }

    if (auto w = parse_weekday(text); w.ok()) {
        FUZZ_CHECK(*w >= 0 && *w <= 6, "a weekday is 0..6");
        (void)weekday_name(*w);
    }

    if (auto z = canonical_zone(text); z.ok()) {
        FUZZ_CHECK(is_valid_zone(*z), "a canonical zone is valid");
        (void)format_when(now, *z);
    }
    // The formatters promise never to throw for any zone string (a damaged row).
    (void)format_when(now, std::string(text));
    return 0;
}
